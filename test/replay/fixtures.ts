// Hand-made replay results for the report tests: a 12-hour replay over four regions with one caught hotspot (an
// incident that merged across two regions and escalated yellow → red), one late, one missed, a false alert, an
// alert still open at the end, and complaints without a region. Metrics come from the real evaluation code.
import type { AlertEvent, Severity } from '../../src/hotspots/alert.js';
import type { FaultDomain } from '../../src/hotspots/cause-domains.js';
import { evaluateHotspots, userLevelMetrics } from '../../src/hotspots/evaluation.js';
import type { ReplayReportInput, ReplayRun } from '../../src/replay/replay-result.js';
import type { Complaint, ComplaintCategory } from '../../src/schema/side-files.js';

export const MIN = 60_000;
export const HOUR = 60 * MIN;
/** 2026-03-02 10:00 UTC. */
export const T0 = Date.UTC(2026, 2, 2, 10);
/** A region name that must be escaped everywhere it appears. */
export const NASTY_REGION = 'south <b>&amp; "coast"</b>';
export const REGIONS = ['east', 'north', NASTY_REGION, 'west', 'quiet'];

const at = (hours: number) => T0 + hours * HOUR;

export class EventLog {
  private seq = 0;
  readonly events: AlertEvent[] = [];
  private opened = new Map<string, number>();

  add(id: string, status: 'open' | 'updated' | 'resolved', hours: number, regions: string[], severity: Severity = 'yellow', opts: { cause?: FaultDomain; mergedInto?: string; users?: number } = {}): this {
    const t = at(hours);
    if (!this.opened.has(id)) this.opened.set(id, t);
    this.events.push({
      sequence: ++this.seq,
      alert: {
        alert_id: id, status, severity, region: regions[0], cells: [1], opened_at: this.opened.get(id)!, updated_at: t,
        users_at_risk: opts.users ?? 12, expected_complaints: 2, vip_at_risk: 0, suspected_cause: opts.cause ?? 'radio', evidence: [],
        model_version: 'v1', contributions: [],
      },
      regions: [...regions].sort(), enbs: [1], resolved_at: status === 'resolved' ? t : null, merged_into: opts.mergedInto ?? null,
      baseline_users_at_risk: 1, p_value: 0.001, cause_scores: { radio: 0, transport: 0, core: 0, pgw_apn: 0, dns: 0, subscription: 0, congestion: 0 },
      affected_users: 12,
    });
    return this;
  }
}

let complaintSeq = 0;
export function burst(fromHours: number, count: number, everyMinutes: number, region: string | undefined, category: ComplaintCategory = 'no_signal'): Complaint[] {
  return Array.from({ length: count }, (_, i) => ({
    complaintId: `c${complaintSeq++}`, time: at(fromHours) + i * everyMinutes * MIN, msisdn: '13800000000', category, region,
  }));
}

export const COMPLAINTS: Complaint[] = [
  ...burst(1.75, 5, 10, 'east'), // declared 12:25 → caught by A1 (opened 11:00): lead 85 min
  ...burst(8, 5, 5, NASTY_REGION, 'cannot_connect'), // declared 18:20 → late: A5 opens 18:40
  ...burst(9.5, 6, 6, 'west', 'slow_data'), // declared 19:54 → missed
  ...burst(4, 2, 30, 'west', 'other'), // not network complaints
  ...burst(5, 2, 15, undefined, 'voice'), // no region: counted, not drawn
];

/** Model A's alerts. */
export function eventsA(): AlertEvent[] {
  return new EventLog()
    .add('A1', 'open', 1, ['east'], 'yellow')
    .add('A4', 'open', 1.25, ['north'], 'blue', { cause: 'transport' })
    .add('A1', 'updated', 1.5, ['east'], 'orange')
    .add('A4', 'resolved', 1.75, ['north'], 'blue', { mergedInto: 'A1' })
    .add('A1', 'updated', 1.75, ['east', 'north'], 'orange')
    .add('A1', 'updated', 2, ['east', 'north'], 'red', { users: 40 })
    .add('A1', 'resolved', 4, ['east', 'north'], 'red')
    .add('A2', 'open', 5, ['west'], 'blue', { cause: 'dns' })
    .add('A2', 'resolved', 6.5, ['west'], 'blue', { cause: 'dns' })
    .add('A5', 'open', 8.667, [NASTY_REGION], 'orange', { cause: 'core' })
    .add('A5', 'resolved', 9.5, [NASTY_REGION], 'orange', { cause: 'core' })
    .add('A6', 'open', 11, ['east'], 'yellow')
    .events;
}

/** Model B's alerts: earlier on the east incident, catches the south hotspot, no false alert. */
export function eventsB(): AlertEvent[] {
  return new EventLog()
    .add('B1', 'open', 0.5, ['east'], 'orange')
    .add('B1', 'resolved', 3.5, ['east'], 'orange')
    .add('B2', 'open', 7.5, [NASTY_REGION], 'red', { cause: 'core' })
    .add('B2', 'resolved', 9, [NASTY_REGION], 'red', { cause: 'core' })
    .events;
}

/** Seeded scores: positives score higher on average, with overlap, so the PR curve is non-trivial. */
export function scores(n: number, seed: number, separation: number): { probability: Float64Array; label: Uint8Array } {
  let s = seed >>> 0;
  const rand = () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
  const probability = new Float64Array(n);
  const label = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    label[i] = rand() < 0.08 ? 1 : 0;
    const z = (rand() + rand() + rand() - 1.5) * 2 + (label[i] ? separation : 0) - 2;
    // Rounded to 3 decimals so thresholds tie, as real model outputs often do.
    probability[i] = Math.round((1 / (1 + Math.exp(-z))) * 1000) / 1000;
  }
  return { probability, label };
}

export function run(modelName: string, events: AlertEvent[], seed: number, separation: number, threshold = 0.3): ReplayRun {
  const { probability, label } = scores(2000, seed, separation);
  return {
    modelName,
    modelVersion: 'v1',
    user: userLevelMetrics(probability, label, threshold),
    hotspots: evaluateHotspots({ events, complaints: COMPLAINTS, cells: 120, startAt: T0, endAt: at(12) }),
    probability,
    label,
    events,
  };
}

export function reportInput(runs: ReplayRun[], title = 'Replay <seed 7> & friends'): ReplayReportInput {
  return { title, startAt: T0, endAt: at(12), regions: REGIONS, complaints: COMPLAINTS, runs };
}
