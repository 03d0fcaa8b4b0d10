import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { afterAll, describe, expect, it } from 'vitest';
import type { AffectedUser, AlertEvent, Severity } from '../../src/hotspots/alert.js';
import { OutreachPlanner, type OutreachConfigInput } from '../../src/outreach/care-list.js';
import { outreachCsv, writeOutreachCsv, writeOutreachParquet } from '../../src/outreach/export.js';
import { maskIdentifier } from '../../src/outreach/masking.js';
import type { Subscriber } from '../../src/schema/side-files.js';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
/** 2026-03-02 10:00 UTC */
const T = Date.UTC(2026, 2, 2, 10);
const REGIONS = ['east', 'west'];
const KEY = 'k';

const imsiOf = (i: number) => 460_000_000_000_000 + i;
const sub = (i: number, vipLevel = 0, optOut = false): Subscriber => ({ imsi: String(imsiOf(i)), msisdn: `1380000${String(i).padStart(4, '0')}`, vipLevel, optOut });
const user = (i: number, probability: number, regionIndex = 0): AffectedUser => ({ imsi: imsiOf(i), probability, cell: 256000, regionIndex, firstSeenAt: T });

function event(id: string, status: 'open' | 'updated' | 'resolved', at: number, severity: Severity = 'yellow', mergedInto: string | null = null): AlertEvent {
  return {
    sequence: 1,
    alert: {
      alert_id: id, status, severity, region: 'east', cells: [256000], opened_at: at, updated_at: at, users_at_risk: 1,
      expected_complaints: 1, vip_at_risk: 0, suspected_cause: 'radio', evidence: [], model_version: 'm', contributions: [],
    },
    regions: ['east'], enbs: [1000], resolved_at: status === 'resolved' ? at : null, merged_into: mergedInto,
    baseline_users_at_risk: 0, p_value: 0, cause_scores: { radio: 1, transport: 0, core: 0, pgw_apn: 0, dns: 0, subscription: 0, congestion: 0 },
    affected_users: 1,
  };
}

const planner = (subs: Subscriber[], config: OutreachConfigInput = {}) => new OutreachPlanner(subs, REGIONS, { maskKey: KEY, ...config });

describe('ranking', () => {
  it('orders VIP (higher level first) → high value → predicted complainers by probability → others', () => {
    const subs = [sub(1), sub(2, 1), sub(3, 2), sub(4), sub(5, 3), sub(6)];
    const p = planner(subs, { complainerThreshold: 0.5 });
    const { messages } = p.onAlertEvent(event('A', 'open', T), [user(1, 0.6), user(2, 0.2), user(3, 0.1), user(4, 0.9), user(5, 0.3), user(6, 0.3)]);
    expect(messages.map((m) => [m.msisdn.slice(-1), m.tier, m.rank])).toEqual([
      ['5', 'vip', 1], ['3', 'vip', 2], ['2', 'high_value', 3], ['4', 'predicted_complainer', 4], ['1', 'predicted_complainer', 5], ['6', 'other', 6],
    ]);
  });
});

describe('suppression rules', () => {
  it('contacts a user once per incident, however many updates', () => {
    const p = planner([sub(1), sub(2)]);
    expect(p.onAlertEvent(event('A', 'open', T), [user(1, 0.9)]).messages).toHaveLength(1);
    const second = p.onAlertEvent(event('A', 'updated', T + HOUR), [user(1, 0.95), user(2, 0.8)]);
    expect(second.messages.map((m) => m.msisdn)).toEqual([sub(2).msisdn]);
    expect(second.messages[0].rank).toBe(2);
  });

  it.each([
    { label: 'same severity within the cool-down', later: DAY, severity: 'yellow', contacted: false },
    { label: 'lower severity within the cool-down', later: DAY, severity: 'blue', contacted: false },
    { label: 'higher severity within the cool-down', later: DAY, severity: 'orange', contacted: true },
    { label: 'same severity after the cool-down', later: 4 * DAY, severity: 'yellow', contacted: true },
  ] as const)('across incidents: $label → contacted=$contacted', ({ later, severity, contacted }) => {
    const p = planner([sub(1)], { cooldownDays: 3 });
    p.onAlertEvent(event('A', 'open', T, 'yellow'), [user(1, 0.9)]);
    const plan = p.onAlertEvent(event('B', 'open', T + later, severity), [user(1, 0.9)]);
    expect(plan.messages.length).toBe(contacted ? 1 : 0);
    expect(plan.suppressed.cooldown).toBe(contacted ? 0 : 1);
  });

  it.each([
    { label: 'complained just before the list', at: T - 10 * 60_000, suppressed: true },
    { label: 'complained between open and this update', at: T + 30 * 60_000, suppressed: true },
    { label: 'complained after the list was made', at: T + 2 * HOUR, suppressed: false },
    { label: 'complained days before the incident', at: T - 5 * DAY, suppressed: false },
  ])('already complained: $label → suppressed=$suppressed', ({ at, suppressed }) => {
    const p = planner([sub(1)]);
    p.addComplaints([{ complaintId: 'c1', time: at, msisdn: sub(1).msisdn, category: 'no_signal' }]);
    const plan = p.onAlertEvent(event('A', 'updated', T + HOUR), [user(1, 0.9)]);
    expect(plan.suppressed.already_complained).toBe(suppressed ? 1 : 0);
    expect(plan.messages.length).toBe(suppressed ? 0 : 1);
  });

  it('never contacts opted-out users, and counts users with no subscriber record', () => {
    const p = planner([sub(1, 2, true), sub(2)]);
    const plan = p.onAlertEvent(event('A', 'open', T), [user(1, 0.9), user(2, 0.9), user(3, 0.9)]);
    expect(plan.messages.map((m) => m.msisdn)).toEqual([sub(2).msisdn]);
    expect(plan.suppressed).toMatchObject({ opted_out: 1, unknown_subscriber: 1 });
  });
});

describe('scheduling', () => {
  it.each([
    { local: '23:30', utcOffsetMinutes: 0, at: Date.UTC(2026, 2, 2, 23, 30), sendAt: Date.UTC(2026, 2, 3, 8) },
    { local: '03:00', utcOffsetMinutes: 0, at: Date.UTC(2026, 2, 2, 3), sendAt: Date.UTC(2026, 2, 2, 8) },
    { local: '21:59', utcOffsetMinutes: 0, at: Date.UTC(2026, 2, 2, 21, 59), sendAt: Date.UTC(2026, 2, 2, 21, 59) },
    // UTC+8: 15:00 UTC is 23:00 in Beijing → 08:00 Beijing = 00:00 UTC next day
    { local: '23:00 (UTC+8)', utcOffsetMinutes: 480, at: Date.UTC(2026, 2, 2, 15), sendAt: Date.UTC(2026, 2, 3, 0) },
  ])('quiet hours: listed at $local → scheduled, not dropped', ({ utcOffsetMinutes, at, sendAt }) => {
    const p = planner([sub(1)], { utcOffsetMinutes });
    const [m] = p.onAlertEvent(event('A', 'open', at), [user(1, 0.9)]).messages;
    expect(m.sendAt).toBe(sendAt);
    expect(m.listedAt).toBe(at);
  });

  it('spreads sends at the per-region rate; regions are independent', () => {
    const p = planner([sub(1), sub(2), sub(3), sub(4)], { messagesPerMinutePerRegion: 2 });
    const { messages } = p.onAlertEvent(event('A', 'open', T), [user(1, 0.9), user(2, 0.8), user(3, 0.7), user(4, 0.6, 1)]);
    expect(messages.map((m) => [m.region, m.sendAt - T])).toEqual([['east', 0], ['east', 30_000], ['east', 60_000], ['west', 0]]);
  });
});

describe('restoration and merges', () => {
  it('on resolution notifies exactly those contacted, in the same order, never before their first message', () => {
    const p = planner([sub(1, 2), sub(2), sub(3, 0, true)], { messagesPerMinutePerRegion: 1 });
    const first = p.onAlertEvent(event('A', 'open', T), [user(1, 0.9), user(2, 0.8), user(3, 0.9)]).messages;
    const restored = p.onAlertEvent(event('A', 'resolved', T + 30_000), []).messages;
    expect(restored.map((m) => [m.kind, m.msisdn, m.rank])).toEqual([
      ['restoration', sub(1).msisdn, 1],
      ['restoration', sub(2).msisdn, 2],
    ]);
    restored.forEach((m, i) => expect(m.sendAt).toBeGreaterThan(first[i].sendAt));
    expect(p.onAlertEvent(event('A', 'resolved', T + HOUR), []).messages).toEqual([]);
  });

  it('a merged-away alert sends no restoration; the survivor does not re-contact its users and restores them all', () => {
    const p = planner([sub(1), sub(2)]);
    p.onAlertEvent(event('A', 'open', T), [user(1, 0.9)]);
    p.onAlertEvent(event('B', 'open', T), [user(2, 0.9)]);
    expect(p.onAlertEvent(event('B', 'resolved', T + HOUR, 'yellow', 'A'), []).messages).toEqual([]);
    expect(p.onAlertEvent(event('A', 'updated', T + HOUR), [user(1, 0.9), user(2, 0.9)]).messages).toEqual([]);
    const restored = p.onAlertEvent(event('A', 'resolved', T + 2 * HOUR), []).messages;
    expect(restored.map((m) => m.msisdn).sort()).toEqual([sub(1).msisdn, sub(2).msisdn]);
  });

  it('a restored snapshot remembers who was contacted', () => {
    const p = planner([sub(1), sub(2)]);
    p.onAlertEvent(event('A', 'open', T), [user(1, 0.9)]);
    const q = planner([sub(1), sub(2)]);
    q.restore(JSON.parse(JSON.stringify(p.snapshot())));
    expect(q.onAlertEvent(event('A', 'updated', T + HOUR), [user(1, 0.9), user(2, 0.9)]).messages.map((m) => m.msisdn)).toEqual([sub(2).msisdn]);
  });
});

describe('masking and export', () => {
  it('masks with one keyed function: stable, distinct per user, different under another key, no digits of the IMSI', () => {
    const a = maskIdentifier(imsiOf(1), KEY);
    expect(maskIdentifier(String(imsiOf(1)), KEY)).toBe(a);
    expect(maskIdentifier(imsiOf(2), KEY)).not.toBe(a);
    expect(maskIdentifier(imsiOf(1), 'other')).not.toBe(a);
    expect(a).toMatch(/^u_[0-9a-f]{16}$/);
    const p = planner([sub(1)]);
    const [m] = p.onAlertEvent(event('A', 'open', T), [user(1, 0.9)]).messages;
    expect(m.userId).toBe(a);
  });

  const dir = mkdtempSync(join(tmpdir(), 'hotspot-outreach-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('exports CSV and Parquet with the same rows', async () => {
    const p = planner([sub(1, 2), sub(2)]);
    const { messages } = p.onAlertEvent(event('A,"x"', 'open', T), [user(1, 0.9), user(2, 0.8)]);
    const csv = outreachCsv(messages);
    expect(csv.split('\n')[0]).toBe('alert_id,kind,rank,tier,msisdn,user_id,vip_level,probability,region,severity,listed_at,send_at');
    expect(csv.split('\n')[1]).toBe(`"A,""x""",proactive,1,vip,${sub(1).msisdn},${messages[0].userId},2,0.9000,east,yellow,2026-03-02T10:00:00.000Z,2026-03-02T10:00:00.000Z`);
    await writeOutreachCsv(join(dir, 'list.csv'), messages);
    expect(readFileSync(join(dir, 'list.csv'), 'utf8')).toBe(csv);
    await writeOutreachParquet(join(dir, 'list.parquet'), messages);
    const db = await DuckDBInstance.create(':memory:');
    const con = await db.connect();
    const rows = (await con.runAndReadAll(`SELECT msisdn, rank, tier, epoch_ms(send_at) AS s FROM read_parquet('${join(dir, 'list.parquet')}') ORDER BY rank`)).getRowObjectsJson();
    expect(rows).toEqual(messages.map((m) => ({ msisdn: m.msisdn, rank: m.rank, tier: m.tier, s: String(m.sendAt) })));
    con.closeSync();
    db.closeSync();
  });
});
