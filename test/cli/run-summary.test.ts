import { describe, expect, it } from 'vitest';
import { formatSummary } from '../../src/cli/commands/run.js';
import type { AlertEvent } from '../../src/hotspots/alert.js';
import { evaluateHotspots } from '../../src/hotspots/evaluation.js';

const MIN = 60_000;
const T = Date.UTC(2026, 2, 2, 16);

function opened(id: string, minutes: number, region: string, sequence: number): AlertEvent {
  const at = T + minutes * MIN;
  return {
    sequence,
    alert: {
      alert_id: id, status: 'open', severity: 'yellow', region, cells: [1], opened_at: at, updated_at: at,
      users_at_risk: 10, expected_complaints: 2, vip_at_risk: 0, suspected_cause: 'radio', evidence: [], model_version: 'm', contributions: [],
    },
    regions: [region], enbs: [1], resolved_at: null, merged_into: null, baseline_users_at_risk: 1, p_value: 0,
    cause_scores: { radio: 0, transport: 0, core: 0, pgw_apn: 0, dns: 0, subscription: 0, congestion: 0 }, affected_users: 10,
  };
}

describe('run summary', () => {
  it('says how many of the false alerts covered no injected fault (a stopped run has not seen every complaint)', () => {
    // Two alerts no complaint hotspot explains: one over a running fault (its complaints are still to come), one not.
    const events = [opened('early', 30, 'east', 1), opened('noise', 40, 'west', 2)];
    const faults = [{ domain: 'radio' as const, regions: ['east'], startAt: T + 10 * MIN, endAt: T + 300 * MIN }];
    const m = evaluateHotspots({ events, complaints: [], cells: 100, startAt: T, endAt: T + 60 * MIN, faults });
    const text = formatSummary(m);
    expect(text).toMatch(/false alerts: 2 \(/);
    expect(text).toContain('of the false alerts, 1 covered no injected fault');
    // Without the simulator's truth there is nothing to say.
    expect(formatSummary(evaluateHotspots({ events, complaints: [], cells: 100, startAt: T, endAt: T + 60 * MIN }))).not.toContain('covered no injected fault');
  });
});
