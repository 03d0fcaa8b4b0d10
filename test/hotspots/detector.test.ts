import { describe, expect, it } from 'vitest';
import { HotspotDetector } from '../../src/hotspots/detector.js';
import type { AlertEvent } from '../../src/hotspots/alert.js';
import { buildTopology, type Subscriber, type Topology } from '../../src/schema/side-files.js';
import { faultUsers, gridTopology, mulberry32, noise, scoredWindow, type UserRow } from './fixtures.js';

const topo = gridTopology();
const eci = (enbId: number, k: number) => enbId * 256 + k;
// PGW users: rejected with ESM 30, the model's contributions on it (FEATURES[5] = cnt_esm_30).
const pgwUsers = (cells: number[], perCell: number, firstImsi: number) =>
  cells.flatMap((c, i) =>
    Array.from({ length: perCell }, (_, k) => ({ imsi: firstImsi + i * 1e12 + k, eci: c, p: 0.9, values: [0, 0.01, 0, 0, 1000, 3], shap: [0, 0, 0, 0, 0.05, 2.5] })),
  );
const dnsUsers = (cells: number[], perCell: number, firstImsi: number) => cells.flatMap((c, i) => faultUsers(c, perCell, 'dns', firstImsi + i * 1e12));
const pgwCells = [eci(1000, 0), eci(1000, 1), eci(1001, 0)];

/** Feeds windows (one array of rows each) after `warmup` quiet windows; returns every event. */
/** `background` healthy users per cell: enough that fault users (added on top) do not look like a crowd. */
function run(detector: HotspotDetector, windows: UserRow[][], warmup = 8, background = 80): AlertEvent[] {
  const events: AlertEvent[] = [];
  let i = 0;
  for (; i < warmup; i++) events.push(...detector.onWindow(scoredWindow(topo, i, [], background)));
  for (const rows of windows) events.push(...detector.onWindow(scoredWindow(topo, i++, rows, background)));
  return events;
}

const statusTrail = (events: AlertEvent[]) => events.map((e) => `${e.alert.status}:${e.alert.cells.length}`);

describe('HotspotDetector lifecycle', () => {
  it('opens one alert for a radio fault on one eNB, updates as it grows and shrinks, resolves after N quiet windows', () => {
    const d = new HotspotDetector(topo, [], { alert: { resolveAfterWindows: 3 } });
    const two = [...faultUsers(eci(1000, 0), 30, 'radio', 1e14), ...faultUsers(eci(1000, 1), 30, 'radio', 2e14)];
    const three = [...two, ...faultUsers(eci(1000, 2), 30, 'radio', 3e14)];
    const events = run(d, [two, two, three, three, two, [], [], [], []]);
    expect(new Set(events.map((e) => e.alert.alert_id)).size).toBe(1);
    expect(statusTrail(events)).toEqual(['open:2', 'updated:3', 'updated:2', 'resolved:2']);
    const [open, , , resolved] = events;
    expect(open.alert).toMatchObject({ region: 'east', suspected_cause: 'radio', users_at_risk: 60, cells: [eci(1000, 0), eci(1000, 1)] });
    expect(open.alert.opened_at).toBe(open.alert.updated_at);
    // resolved on the third window back at baseline: fault windows end at index 8+5, quiet windows 13,14,15
    expect(resolved.resolved_at).toBe(scoredWindow(topo, 15, []).windowEnd);
    expect(events.map((e) => e.sequence)).toEqual([1, 2, 3, 4]);
    expect(d.affectedUsers(open.alert.alert_id)).toHaveLength(90);
  });

  it('does not open on a noisy but normal baseline, over many windows', () => {
    const rand = mulberry32(7);
    const d = new HotspotDetector(topo, []);
    const windows = Array.from({ length: 300 }, () => noise(topo, rand, 0.4));
    expect(run(d, windows, 0)).toEqual([]);
  });

  it('calibrates during warm-up: a cold start on a busier-than-prior network opens nothing', () => {
    const rand = mulberry32(11);
    const d = new HotspotDetector(topo, []); // prior: 1 user at risk per cell; the network runs at 3
    expect(run(d, Array.from({ length: 100 }, () => noise(topo, rand, 3)), 0)).toEqual([]);
  });

  it('cold start: a fault already running in the first window opens an alert at once (no hour of calibration)', () => {
    const fault = faultUsers(eci(1000, 0), 30, 'radio', 1e14);
    const first = (d: HotspotDetector) => run(d, [fault, fault, fault, fault, fault, fault], 0).find((e) => e.alert.status === 'open');
    const opened = first(new HotspotDetector(topo, []));
    expect(opened?.alert.opened_at).toBe(scoredWindow(topo, 0, []).windowEnd);
    expect(opened?.alert.cells).toEqual([eci(1000, 0)]);
    // the old default: an hour (4 windows) that only calibrates with a fixed prior, and by then the fault is the
    // cell's baseline
    const old = { warmupWindows: 4, baseline: { coldStartMinUsers: 1e9, networkPriorWeight: 0 } };
    expect(first(new HotspotDetector(topo, [], old))).toBeUndefined();
  });

  it('cold start: a network where the model flags ~4 % of users in every cell opens nothing (its own rate is the prior)', () => {
    const rand = mulberry32(13);
    const windows = Array.from({ length: 12 }, () => noise(topo, rand, 8)); // ~8 at risk of ~208 users per cell
    const events: AlertEvent[] = [];
    const d = new HotspotDetector(topo, []);
    windows.forEach((rows, i) => events.push(...d.onWindow(scoredWindow(topo, i, rows, 200))));
    expect(events).toEqual([]);
    // a fixed prior (1 user at risk per cell) with no warm-up would alert on every busy cell
    const fixed = new HotspotDetector(topo, [], { warmupWindows: 0, baseline: { coldStartMinUsers: 1e9 } });
    const rand2 = mulberry32(13);
    const fixedEvents = Array.from({ length: 12 }, () => noise(topo, rand2, 8)).flatMap((rows, i) => fixed.onWindow(scoredWindow(topo, i, rows, 200)));
    expect(fixedEvents.length).toBeGreaterThan(0);
  });

  it('cold start: a fault in a quarter of the cells does not raise its own prior (outlying cells leave the network rate)', () => {
    // 6 of 24 cells with 30 at-risk users each among 80: pooled naively that is ~7 at risk per cell, and cells
    // with 30 would look barely unusual
    const fault = [eci(1000, 0), eci(1000, 1), eci(1000, 2), eci(1001, 0), eci(1001, 1), eci(1001, 2)].flatMap((c, i) => faultUsers(c, 30, 'radio', 1e14 + i * 1e12));
    const events = run(new HotspotDetector(topo, []), [fault], 0);
    const opens = events.filter((e) => e.alert.status === 'open');
    expect(opens.flatMap((e) => e.alert.cells).sort()).toEqual([eci(1000, 0), eci(1000, 1), eci(1000, 2), eci(1001, 0), eci(1001, 1), eci(1001, 2)].sort());
  });

  it('does not flap while a fault fluctuates: one alert, resolved only after the fault really ends', () => {
    const d = new HotspotDetector(topo, [], { alert: { resolveAfterWindows: 3 } });
    const strong = faultUsers(eci(1000, 0), 30, 'radio', 1e14);
    const weak = faultUsers(eci(1000, 0), 4, 'radio', 1e14); // sustains (P(X ≥ 4 | 0.5) ≈ 0.002 < 0.01), cannot open
    const events = run(d, [strong, weak, [], strong, weak, weak, [], strong, [], [], []]);
    expect(events.filter((e) => e.alert.status === 'open')).toHaveLength(1);
    expect(events.filter((e) => e.alert.status === 'resolved')).toHaveLength(1);
    expect(events.at(-1)!.alert.status).toBe('resolved');
  });

  it('a fault flaring up again in its cells while the alert is still active is the same incident', () => {
    const d = new HotspotDetector(topo, [], { alert: { resolveAfterWindows: 3 } });
    const full = [0, 1, 2].flatMap((k) => faultUsers(eci(1002, k), 30, 'radio', (k + 1) * 1e14));
    const remnant = faultUsers(eci(1002, 2), 5, 'transport', 9e14); // a different-looking remnant in one cell
    const events = run(d, [full, remnant, [], full, [], [], []]);
    expect(events.filter((e) => e.alert.status === 'open')).toHaveLength(1);
    expect(new Set(events.map((e) => e.alert.alert_id)).size).toBe(1);
    expect(events.every((e) => e.alert.suspected_cause === 'radio')).toBe(true);
  });

  it('keeps separate incidents apart: different regions, far apart', () => {
    const d = new HotspotDetector(topo, []);
    const rows = [...faultUsers(eci(1000, 0), 30, 'radio', 1e14), ...faultUsers(eci(1103, 2), 30, 'radio', 2e14)];
    const opens = run(d, [rows]).filter((e) => e.alert.status === 'open');
    expect(opens.map((e) => e.alert.region).sort()).toEqual(['east', 'west']);
  });

  it('merges two alerts when the incident grows to bridge them; the older survives', () => {
    const d = new HotspotDetector(topo, [], { neighbourKm: 6 }); // eNBs 4.8 km apart: 1000~1001~1002, not 1000~1002
    const a = faultUsers(eci(1000, 0), 30, 'radio', 1e14);
    const b = faultUsers(eci(1002, 0), 30, 'radio', 2e14);
    const bridge = faultUsers(eci(1001, 0), 30, 'radio', 3e14);
    const events = run(d, [[...a, ...b], [...a, ...b, ...bridge]]);
    const opens = events.filter((e) => e.alert.status === 'open');
    expect(opens).toHaveLength(2);
    const merged = events.find((e) => e.merged_into !== null)!;
    expect(merged.alert.status).toBe('resolved');
    expect(merged.merged_into).toBe(opens[0].alert.alert_id);
    const survivor = events.filter((e) => e.alert.alert_id === opens[0].alert.alert_id).at(-1)!;
    expect(survivor.alert.cells).toEqual([eci(1000, 0), eci(1001, 0), eci(1002, 0)]);
    expect(d.affectedUsers(survivor.alert.alert_id)).toHaveLength(90);
  });

  it('joins a network-wide core fault across regions into one alert', () => {
    const d = new HotspotDetector(topo, []);
    const rows = [...faultUsers(eci(1000, 0), 20, 'core', 1e14), ...faultUsers(eci(1102, 1), 20, 'core', 2e14)];
    const opens = run(d, [rows]).filter((e) => e.alert.status === 'open');
    expect(opens).toHaveLength(1);
    expect(opens[0].regions).toEqual(['east', 'west']);
    expect(opens[0].alert.suspected_cause).toBe('core');
  });

  it('one incident = one alert: a DNS fault over cells of an active core alert opens its own alert, each with its own cause and end', () => {
    const d = new HotspotDetector(topo, [], { alert: { resolveAfterWindows: 3 } });
    const core = (cells: number[]) => cells.flatMap((c, i) => faultUsers(c, 20, 'core', 1e14 + i * 1e12));
    const dns = (cells: number[]) => cells.flatMap((c, i) => faultUsers(c, 30, 'dns', 5e14 + i * 1e12));
    const storm = [eci(1000, 0), eci(1000, 1), eci(1102, 1)];
    // the MME storm in east and west; then DNS fails in east, over one of the storm's cells (its core users gone)
    const both = [...core([eci(1000, 1), eci(1102, 1)]), ...dns([eci(1000, 0), eci(1001, 0)])];
    const dnsOnly = dns([eci(1000, 0), eci(1001, 0)]);
    const events = run(d, [core(storm), core(storm), both, both, both, dnsOnly, dnsOnly, dnsOnly, dnsOnly, dnsOnly]);
    const opens = events.filter((e) => e.alert.status === 'open');
    expect(opens.map((e) => e.alert.suspected_cause)).toEqual(['core', 'dns']);
    const [coreId, dnsId] = opens.map((e) => e.alert.alert_id);
    expect(events.some((e) => e.merged_into !== null)).toBe(false);
    const trail = (id: string) => events.filter((e) => e.alert.alert_id === id);
    // each alert keeps the cause of its own cells' users, and the DNS alert holds the cell the storm left
    expect(trail(coreId).every((e) => e.alert.suspected_cause === 'core')).toBe(true);
    expect(trail(dnsId).every((e) => e.alert.suspected_cause === 'dns')).toBe(true);
    expect(trail(dnsId).at(-1)!.alert.cells).toEqual([eci(1000, 0), eci(1001, 0)]);
    // the storm's alert resolves when the storm ends; the DNS alert is still open
    expect(trail(coreId).at(-1)!.alert.status).toBe('resolved');
    expect(trail(dnsId).at(-1)!.alert.status).not.toBe('resolved');
    expect(d.activeAlerts().map((a) => a.alert_id)).toEqual([dnsId]);
  });

  it.each([
    { weight: 0.5, opens: ['core', 'pgw_apn'] },
    { weight: 0, opens: ['core'] }, // TreeSHAP alone: the PGW cells look like more of the storm
  ])('moved cause codes decide a close call (causeCodeWeight $weight): a PGW fault the model half-explains by MME features', ({ weight, opens }) => {
    const d = new HotspotDetector(topo, [], { causeCodeWeight: weight });
    const storm = [eci(1000, 0), eci(1000, 1)].flatMap((c, i) => faultUsers(c, 30, 'core', 1e14 + i * 1e12));
    // PGW users: rejected with ESM 30 (their emm_22 count stays 0), but the model's contributions lean on emm_22
    const pgw = [eci(1001, 0), eci(1001, 1)].flatMap((c, i) =>
      Array.from({ length: 30 }, (_, k) => ({ imsi: 5e14 + i * 1e12 + k, eci: c, p: 0.9, values: [0, 0.01, 0, 0, 1000, 3], shap: [0, 0, 1.0, 0, 0.05, 0.8] })),
    );
    const events = run(d, [storm, storm, [...storm, ...pgw], [...storm, ...pgw]]);
    expect(events.filter((e) => e.alert.status === 'open').map((e) => e.alert.suspected_cause)).toEqual(opens);
    expect(events.some((e) => e.merged_into !== null)).toBe(false);
  });

  it('a DNS incident among the users of an active PGW alert, in its cells, splits off as its own alert; each user counts once', () => {
    // 30 PGW users per cell, then 15 DNS users per cell join them: the cells' sums still point at PGW
    const pgw = pgwUsers(pgwCells, 30, 1e14);
    const both = [...pgw, ...dnsUsers(pgwCells, 15, 5e14)];
    const script = [pgw, pgw, both, both, both, both];
    const d = new HotspotDetector(topo, []);
    const events = run(d, script);
    const opens = events.filter((e) => e.alert.status === 'open');
    expect(opens.map((e) => e.alert.suspected_cause)).toEqual(['pgw_apn', 'dns']);
    const [pgwId, dnsId] = opens.map((e) => e.alert.alert_id);
    expect(events.some((e) => e.merged_into !== null)).toBe(false);
    const last = (id: string) => events.filter((e) => e.alert.alert_id === id).at(-1)!;
    expect(events.filter((e) => e.alert.alert_id === dnsId).every((e) => e.alert.suspected_cause === 'dns')).toBe(true);
    expect(events.filter((e) => e.alert.alert_id === pgwId).every((e) => e.alert.suspected_cause === 'pgw_apn')).toBe(true);
    // the same cells, but each user in the alert of their own domain: 45 DNS and 90 PGW users, none counted twice
    expect(last(dnsId).alert.cells).toEqual([...pgwCells].sort((a, b) => a - b));
    expect(last(pgwId).alert.cells).toEqual([...pgwCells].sort((a, b) => a - b));
    expect(last(dnsId).alert.users_at_risk).toBe(45);
    expect(last(pgwId).alert.users_at_risk).toBe(90);
    expect(last(dnsId).region_users_at_risk).toEqual({ east: 45 });
    expect(d.affectedUsers(dnsId).every((u) => u.imsi >= 5e14)).toBe(true);
    expect(d.affectedUsers(pgwId).every((u) => u.imsi < 5e14)).toBe(true);
    // with splitting off (splitShare above 1) the DNS users are absorbed by the PGW alert, as before
    const off = run(new HotspotDetector(topo, [], { alert: { splitShare: 2 } }), script);
    expect(off.filter((e) => e.alert.status === 'open').map((e) => e.alert.suspected_cause)).toEqual(['pgw_apn']);
  });

  it('users hit by both faults (PGW rejects and now DNS SERVFAILs) count for the DNS incident that split off, not the older PGW one', () => {
    // 30 PGW users per cell; then a DNS fault: 15 users per cell with DNS codes only, and 10 of each cell's PGW
    // users whose resolver fails too. The model still explains those 10 by their PGW rejects (larger ESM count).
    const pgw = pgwUsers(pgwCells, 30, 1e14);
    const dnsOnly = dnsUsers(pgwCells, 15, 5e14).map((u) => ({ ...u, values: [...u.values!, 0, 2] }));
    const hitByBoth = (u: UserRow, k: number) => (k % 30 < 10 ? { ...u, values: [0, 0.01, 0, 0, 1000, 3, 2] } : u);
    const mixed = [...pgw.map(hitByBoth), ...dnsOnly];
    const d = new HotspotDetector(topo, []);
    const events = run(d, [pgw, pgw, mixed, mixed, mixed, mixed]);
    const opens = events.filter((e) => e.alert.status === 'open');
    expect(opens.map((e) => e.alert.suspected_cause)).toEqual(['pgw_apn', 'dns']);
    const [pgwId, dnsId] = opens.map((e) => e.alert.alert_id);
    const last = (id: string) => events.filter((e) => e.alert.alert_id === id).at(-1)!;
    // the DNS incident is what changed for them: 45 DNS-only + 30 hit by both; the PGW alert keeps its other 60
    expect(last(dnsId).alert.users_at_risk).toBe(75);
    expect(last(pgwId).alert.users_at_risk).toBe(60);
    const both = new Set(pgw.filter((_, k) => k % 30 < 10).map((u) => u.imsi));
    expect(d.affectedUsers(pgwId).some((u) => both.has(u.imsi))).toBe(true); // before the DNS fault they were PGW's
    expect(last(dnsId).alert.cells).toEqual([...pgwCells].sort((a, b) => a - b));
    // contrast: PGW users whose resolver works stay with the PGW alert, whatever the DNS alert does
    const plainPgw = pgw.filter((_, k) => k % 30 >= 10).map((u) => u.imsi);
    const dnsUsersSeen = new Set(d.affectedUsers(dnsId).map((u) => u.imsi));
    expect(plainPgw.some((imsi) => dnsUsersSeen.has(imsi))).toBe(false);
  });

  it('a DNS incident that split off in one region takes the same alert\'s cells in the next region it reaches (one incident = one alert)', () => {
    const westCells = [eci(1100, 0), eci(1100, 1), eci(1101, 0)];
    const pgw = pgwUsers([...pgwCells, ...westCells], 30, 1e14);
    const dnsEast = dnsUsers(pgwCells, 15, 5e14);
    const dnsWest = dnsUsers(westCells, 15, 6e14);
    const d = new HotspotDetector(topo, []);
    const events = run(d, [pgw, pgw, [...pgw, ...dnsEast], [...pgw, ...dnsEast], [...pgw, ...dnsEast, ...dnsWest], [...pgw, ...dnsEast, ...dnsWest], [...pgw, ...dnsEast, ...dnsWest]]);
    const opens = events.filter((e) => e.alert.status === 'open');
    expect(opens.map((e) => e.alert.suspected_cause)).toEqual(['pgw_apn', 'dns']);
    expect(opens[1].regions).toEqual(['east']);
    const dnsLast = events.filter((e) => e.alert.alert_id === opens[1].alert.alert_id).at(-1)!;
    expect(dnsLast.regions).toEqual(['east', 'west']);
    expect(dnsLast.alert.users_at_risk).toBe(90);
    expect(d.affectedUsers(opens[1].alert.alert_id).some((u) => u.imsi >= 6e14)).toBe(true);
    // contrast: DNS only in the east, the west stays the PGW alert's alone
    const eastOnly = run(new HotspotDetector(topo, []), [pgw, pgw, ...Array.from({ length: 5 }, () => [...pgw, ...dnsEast])]);
    const dnsId = eastOnly.find((e) => e.alert.status === 'open' && e.alert.suspected_cause === 'dns')!.alert.alert_id;
    expect(eastOnly.filter((e) => e.alert.alert_id === dnsId).at(-1)!.regions).toEqual(['east']);
  });

  it.each([
    { case: 'a backhaul fault under a lingering MME-storm alert splits off as its own local alert', stormCodes: 0, opens: ['core', 'transport'] },
    { case: 'users whose MME codes still move stay with the storm, whatever TreeSHAP says', stormCodes: 6, opens: ['core'] },
  ])('$case', ({ stormCodes, opens }) => {
    const stormCells = [eci(1000, 0), eci(1000, 1), eci(1001, 0), eci(1002, 0), eci(1002, 1), eci(1002, 2)];
    const backhaul = [eci(1002, 0), eci(1002, 1), eci(1002, 2)];
    const storm = stormCells.flatMap((c, i) => faultUsers(c, 30, 'core', 1e14 + i * 1e12));
    const transport = backhaul.flatMap((c, i) =>
      faultUsers(c, 30, 'transport', 5e14 + i * 1e12).map((u) => ({ ...u, values: [0, 0.4, stormCodes, 0, 1000] })),
    );
    const d = new HotspotDetector(topo, []);
    const events = run(d, [storm, storm, [...storm, ...transport], [...storm, ...transport], [...storm, ...transport]]);
    const opened = events.filter((e) => e.alert.status === 'open');
    expect(opened.map((e) => e.alert.suspected_cause)).toEqual(opens);
    if (opens.length === 2) {
      const local = events.filter((e) => e.alert.alert_id === opened[1].alert.alert_id).at(-1)!;
      expect(local.alert.cells).toEqual([...backhaul].sort((a, b) => a - b));
      expect(local.alert.users_at_risk).toBe(90);
      expect(d.affectedUsers(opened[1].alert.alert_id).every((u) => u.imsi >= 5e14)).toBe(true);
      expect(events.filter((e) => e.alert.alert_id === opened[0].alert.alert_id).at(-1)!.alert.users_at_risk).toBe(180);
    }
  });

  it.each([
    { storm: 'without ESM codes', stormEsm: 0, opens: ['core', 'pgw_apn'] },
    { storm: 'with ESM codes already moving', stormEsm: 3, opens: ['core'] },
  ])('a new code signature splits off a lingering alert ($storm): PGW users the model explains by MME features', ({ stormEsm, opens }) => {
    // the storm's users (emm_22), then PGW users in the same cells: ESM 30 rejects, but TreeSHAP mostly on emm_22
    const storm = pgwCells.flatMap((c, i) => faultUsers(c, 30, 'core', 1e14 + i * 1e12).map((u) => ({ ...u, values: [...u.values!.slice(0, 5), stormEsm] })));
    const lingering = storm.filter((_, k) => k % 3 !== 0);
    const pgwLikeCore = pgwCells.flatMap((c, i) =>
      Array.from({ length: 15 }, (_, k) => ({ imsi: 5e14 + i * 1e12 + k, eci: c, p: 0.9, values: [0, 0.01, 0, 0, 1000, 3], shap: [0, 0, 2.5, 0, 0.05, 0.2] })),
    );
    const late = [...lingering, ...pgwLikeCore];
    const d = new HotspotDetector(topo, []);
    const events = run(d, [storm, storm, late, late, late, late]);
    expect(events.filter((e) => e.alert.status === 'open').map((e) => e.alert.suspected_cause)).toEqual(opens);
    if (opens.length === 2) {
      const pgwId = events.find((e) => e.alert.status === 'open' && e.alert.suspected_cause === 'pgw_apn')!.alert.alert_id;
      expect(d.affectedUsers(pgwId).map((u) => u.imsi).every((imsi) => imsi >= 5e14)).toBe(true);
      expect(events.filter((e) => e.alert.alert_id === pgwId).every((e) => e.alert.suspected_cause === 'pgw_apn')).toBe(true);
    }
  });

  it.each([
    { memory: 'remembered (codeMemoryMs 2 h)', codeMemoryMs: 2 * 3600_000 },
    { memory: 'forgotten (codeMemoryMs 0)', codeMemoryMs: 0 },
  ])('PGW users still at risk after their ESM codes stop stay with the PGW alert, though TreeSHAP now points at the MME: $memory', ({ codeMemoryMs }) => {
    // a PGW fault (ESM 30 rejects); then the rejects stop but its users stay at risk (they complain later), now
    // explained by MME features against their own baselines
    const pgwLikeCore = pgwCells.flatMap((c, i) =>
      Array.from({ length: 30 }, (_, k) => ({ imsi: 5e14 + i * 1e12 + k, eci: c, p: 0.9, values: [0, 0.01, 0, 0, 1000, 0], shap: [0, 0, 2.5, 0, 0.05, 0.2] })),
    );
    const pgw = pgwUsers(pgwCells, 30, 5e14);
    const d = new HotspotDetector(topo, [], { alert: { codeMemoryMs } });
    const events = run(d, [pgw, pgw, pgw, pgwLikeCore, pgwLikeCore, pgwLikeCore, pgwLikeCore]);
    const opens = events.filter((e) => e.alert.status === 'open').map((e) => e.alert.suspected_cause);
    const pgwId = events[0].alert.alert_id;
    const pgwLast = events.filter((e) => e.alert.alert_id === pgwId).at(-1)!;
    if (codeMemoryMs > 0) {
      expect(opens).toEqual(['pgw_apn']);
      expect(d.activeAlerts().map((a) => a.alert_id)).toEqual([pgwId]);
      expect(pgwLast.alert.users_at_risk).toBe(90);
    } else {
      // without the memory the aftermath opens a second alert, named after the MME, and the PGW alert resolves
      expect(opens).toEqual(['pgw_apn', 'core']);
      expect(d.activeAlerts().map((a) => a.alert_id)).not.toContain(pgwId);
    }
  });

  it('one incident = one alert: PGW users inside a core alert join the PGW alert already open in their region instead of a new one', () => {
    const storm = pgwCells.flatMap((c, i) => faultUsers(c, 30, 'core', 1e14 + i * 1e12));
    const pgwElsewhere = pgwUsers([eci(1002, 0), eci(1002, 1), eci(1003, 0)], 30, 3e14);
    const pgwInStorm = pgwUsers(pgwCells, 15, 5e14);
    const d = new HotspotDetector(topo, []);
    const events = run(d, [storm, [...storm, ...pgwElsewhere], [...storm, ...pgwElsewhere], [...storm, ...pgwElsewhere, ...pgwInStorm], [...storm, ...pgwElsewhere, ...pgwInStorm]]);
    const opens = events.filter((e) => e.alert.status === 'open');
    expect(opens.map((e) => e.alert.suspected_cause)).toEqual(['core', 'pgw_apn']);
    const pgwId = opens[1].alert.alert_id;
    const last = events.filter((e) => e.alert.alert_id === pgwId).at(-1)!;
    for (const c of pgwCells) expect(last.alert.cells).toContain(c);
    expect(last.alert.users_at_risk).toBe(90 + 45);
    expect(d.affectedUsers(pgwId).some((u) => u.imsi >= 5e14)).toBe(true);
    // without splitting, the core alert keeps them
    const off = new HotspotDetector(topo, [], { alert: { splitShare: 2 } });
    const offEvents = run(off, [storm, [...storm, ...pgwElsewhere], [...storm, ...pgwElsewhere], [...storm, ...pgwElsewhere, ...pgwInStorm], [...storm, ...pgwElsewhere, ...pgwInStorm]]);
    const offPgw = offEvents.filter((e) => e.alert.suspected_cause === 'pgw_apn').at(-1)!;
    expect(offPgw.alert.users_at_risk).toBe(90);
  });

  it('a few users of another domain inside an alert do not split off (below splitShare of the region, or the floor)', () => {
    const pgw = pgwUsers(pgwCells, 30, 1e14);
    // 2 DNS users per cell: 6 of 96 users at risk in the region
    const few = [...pgw, ...dnsUsers(pgwCells, 2, 5e14)];
    const events = run(new HotspotDetector(topo, []), [pgw, pgw, few, few, few, few]);
    expect(events.filter((e) => e.alert.status === 'open').map((e) => e.alert.suspected_cause)).toEqual(['pgw_apn']);
  });

  it('no flapping: a split-off incident that comes and goes stays one alert, and splits off its alert only once', () => {
    const pgw = pgwUsers(pgwCells, 30, 1e14);
    const both = [...pgw, ...dnsUsers(pgwCells, 15, 5e14)];
    // DNS on, off for one window, on again (within the hysteresis); then gone long enough to resolve, then back
    const script = [pgw, pgw, both, both, pgw, both, both, pgw, pgw, pgw, pgw, pgw, both, both, both];
    const d = new HotspotDetector(topo, [], { alert: { resolveAfterWindows: 3 } });
    const events = run(d, script);
    const dnsTrail = events.filter((e) => e.alert.suspected_cause === 'dns');
    const dnsIds = new Set(dnsTrail.map((e) => e.alert.alert_id));
    expect(dnsIds.size).toBe(1);
    expect(dnsTrail.filter((e) => e.alert.status === 'open')).toHaveLength(1);
    expect(dnsTrail.filter((e) => e.alert.status === 'resolved')).toHaveLength(1);
    // after it resolved, the DNS users are back inside the PGW alert, which does not split them off again
    expect(d.activeAlerts().map((a) => a.suspected_cause)).toEqual(['pgw_apn']);
  });

  it('folds a small core alert that opened just before a larger DNS incident in its region into that incident', () => {
    const d = new HotspotDetector(topo, [], { alert: { resolveAfterWindows: 3 } });
    const precursor = faultUsers(eci(1000, 0), 8, 'core', 1e14);
    const dns = [eci(1000, 1), eci(1001, 0), eci(1002, 0)].flatMap((c, i) => faultUsers(c, 30, 'dns', 5e14 + i * 1e12));
    const events = run(d, [precursor, [...precursor, ...dns], [...precursor, ...dns], dns, dns]);
    const opens = events.filter((e) => e.alert.status === 'open');
    expect(opens.map((e) => e.alert.suspected_cause)).toEqual(['core', 'dns']);
    const [coreId, dnsId] = opens.map((e) => e.alert.alert_id);
    const folded = events.find((e) => e.alert.alert_id === coreId && e.alert.status === 'resolved');
    expect(folded?.merged_into).toBe(dnsId);
    // the incident keeps the precursor's users and cell; one alert is left, with the DNS cause
    expect(d.activeAlerts().map((a) => [a.alert_id, a.suspected_cause])).toEqual([[dnsId, 'dns']]);
    expect(d.affectedUsers(dnsId).some((u) => u.imsi === 1e14)).toBe(true);
    // users at risk per region of the alert's cells: the 3 × 30 DNS users, all in east
    expect(events.filter((e) => e.alert.alert_id === dnsId).at(-1)!.region_users_at_risk).toEqual({ east: 90 });
    expect(opens[1].region_users_at_risk).toEqual({ east: 90 });
  });

  it.each([
    { label: 'a local (radio) alert', kind: 'radio' as const, users: 8, gap: 1, config: {} },
    { label: 'a core alert as large as a fifth of the incident', kind: 'core' as const, users: 20, gap: 1, config: {} },
    { label: 'a core alert opened long before', kind: 'core' as const, users: 8, gap: 6, config: {} },
    { label: 'a core alert, folding turned off', kind: 'core' as const, users: 8, gap: 1, config: { alert: { precursorWindows: 0 } } },
  ])('does not fold $label into a later DNS incident', ({ kind, users, gap, config }) => {
    const d = new HotspotDetector(topo, [], config);
    const first = faultUsers(eci(1000, 0), users, kind, 1e14);
    const dns = [eci(1000, 1), eci(1001, 0), eci(1002, 0)].flatMap((c, i) => faultUsers(c, 30, 'dns', 5e14 + i * 1e12));
    const events = run(d, [...Array.from({ length: gap }, () => first), [...first, ...dns], [...first, ...dns]]);
    expect(events.filter((e) => e.alert.status === 'open').map((e) => e.alert.suspected_cause)).toEqual([kind, 'dns']);
    expect(events.some((e) => e.merged_into !== null)).toBe(false);
  });

  it('the same network-scoped domain failing later in a region the alert never held is a new incident', () => {
    const d = new HotspotDetector(topo, [], { alert: { resolveAfterWindows: 3 } });
    const east = faultUsers(eci(1000, 0), 30, 'dns', 1e14);
    const west = faultUsers(eci(1102, 1), 30, 'dns', 2e14);
    const events = run(d, [east, east, [...east, ...west], [...east, ...west], west, west, west, west]);
    const opens = events.filter((e) => e.alert.status === 'open');
    expect(opens.map((e) => e.regions)).toEqual([['east'], ['west']]);
    expect(events.some((e) => e.merged_into !== null)).toBe(false);
    // the east alert ends with the east fault while the west one goes on
    const eastTrail = events.filter((e) => e.alert.alert_id === opens[0].alert.alert_id);
    expect(eastTrail.at(-1)!.alert.status).toBe('resolved');
    expect(eastTrail.every((e) => e.regions.join() === 'east')).toBe(true);
  });

  it('a network-scoped cluster must lift the network by itself, not with another incident\'s excess', () => {
    const d = new HotspotDetector(topo, []);
    const rand = mulberry32(5);
    const rows = [
      ...faultUsers(eci(1000, 0), 60, 'radio', 1e14),
      ...faultUsers(eci(1101, 0), 8, 'core', 2e14), // two scattered busy cells that look like core
      ...faultUsers(eci(1103, 1), 8, 'core', 3e14),
    ];
    // a normal network has some users at risk everywhere (here 1 per cell): 16 more is not a network event
    const windows = [...Array.from({ length: 20 }, () => noise(topo, rand, 1)), [...noise(topo, rand, 1), ...rows]];
    const opens = run(d, windows, 0).filter((e) => e.alert.status === 'open');
    expect(opens.map((e) => e.alert.suspected_cause)).toEqual(['radio']);
  });

  it('finds a fault spread thin over a region (2 users per cell: no cell hot on its own) via the region sum', () => {
    const d = new HotspotDetector(topo, []);
    const rand = mulberry32(9);
    const eastCells = topo.cells.filter((c) => c.region === 'east');
    const thin = eastCells.flatMap((c, i) => faultUsers(c.eci, 2, 'dns', 7e14 + i * 10));
    const windows = [...Array.from({ length: 12 }, () => noise(topo, rand, 0.3)), [...noise(topo, rand, 0.3), ...thin]];
    const opens = run(d, windows, 0).filter((e) => e.alert.status === 'open');
    expect(opens).toHaveLength(1);
    expect(opens[0].alert).toMatchObject({ region: 'east', suspected_cause: 'dns' });
    expect(opens[0].alert.cells.length).toBeGreaterThanOrEqual(10);
    // the same 2 users in one cell alone are nothing: it is the eNB/region sum that makes the incident
    const oneCell = [...windows.slice(0, 12), [...noise(topo, mulberry32(9), 0.3), ...thin.slice(0, 2)]];
    expect(run(new HotspotDetector(topo, []), oneCell, 0).filter((e) => e.alert.status === 'open')).toHaveLength(0);
  });

  it('needs the floor: a significant but tiny cluster does not open', () => {
    const d = new HotspotDetector(topo, [], { alert: { minUsersAtRisk: 50, minExpectedComplaints: 1000 } });
    expect(run(d, [faultUsers(eci(1000, 0), 30, 'radio', 1e14)])).toEqual([]);
  });
});

describe('suspected cause and evidence', () => {
  it.each([
    ['radio', 'cnt_s1ap_radioNetwork_21'],
    ['transport', 'ratio_tcp_retrans'],
    ['core', 'cnt_emm_22'],
    ['dns', 'ratio_dns_fail'],
  ] as const)('%s fault → suspected_cause %s with its feature as first evidence', (kind, feature) => {
    const d = new HotspotDetector(topo, []);
    // 120 users per cell, 40 of them hit: the cell is as busy as usual (fault users are added to the background)
    const open = run(d, [faultUsers(eci(1001, 1), 40, kind, 1e14)], 8, 80).find((e) => e.alert.status === 'open')!;
    expect(open.alert.suspected_cause).toBe(kind);
    expect(open.alert.evidence[0].feature).toBe(feature);
    expect(open.alert.evidence[0].value).toBeGreaterThan(open.alert.evidence[0].baseline);
    expect(open.cause_scores[kind]).toBeGreaterThan(0.5);
    expect(open.alert.contributions[0]).toEqual({ feature, contribution: 2.5 });
  });
});

describe('congestion from load', () => {
  it('a cell with several times its usual users is congestion, with the load as first evidence', () => {
    const d = new HotspotDetector(topo, []);
    // a crowd: 60 extra users (delays up: transport-like contributions) in a cell that usually has 20
    const open = run(d, [faultUsers(eci(1001, 1), 60, 'transport', 1e14)], 8, 20).find((e) => e.alert.status === 'open')!;
    expect(open.alert.suspected_cause).toBe('congestion');
    expect(open.alert.evidence[0]).toMatchObject({ feature: 'users_per_cell', value: 80, baseline: 20 });
    const calm = new HotspotDetector(topo, [], { congestionLoadRatio: 10 });
    expect(run(calm, [faultUsers(eci(1001, 1), 60, 'transport', 1e14)], 8, 20).find((e) => e.alert.status === 'open')!.alert.suspected_cause).toBe('transport');
  });
});

describe('severity', () => {
  const vips: Subscriber[] = Array.from({ length: 6 }, (_, i) => ({ imsi: String(5e14 + i), msisdn: `1380000000${i}`, vipLevel: 2, optOut: false }));
  it.each([
    { users: 10, vipUsers: 0, severity: 'blue' },
    { users: 25, vipUsers: 0, severity: 'yellow' },
    { users: 10, vipUsers: 1, severity: 'yellow' },
    { users: 10, vipUsers: 6, severity: 'orange' },
    { users: 150, vipUsers: 0, severity: 'red' }, // 150 × 0.9 = 135 expected complaints ≥ 40
  ])('$users users at risk with $vipUsers VIPs → $severity', ({ users, vipUsers, severity }) => {
    const d = new HotspotDetector(topo, vips, { severity: { expectedComplaints: [20, 60, 130] } });
    const rows = [...faultUsers(eci(1000, 0), users, 'radio', 1e14), ...faultUsers(eci(1000, 0), vipUsers, 'radio', 5e14)];
    const open = run(d, [rows]).find((e) => e.alert.status === 'open')!;
    expect(open.alert.severity).toBe(severity);
    expect(open.alert.vip_at_risk).toBe(vipUsers);
  });
});

describe('determinism, snapshot and bad input', () => {
  const script = (): UserRow[][] => {
    const rand = mulberry32(3);
    return Array.from({ length: 12 }, (_, i) => [
      ...noise(topo, rand),
      ...(i >= 2 && i < 7 ? faultUsers(eci(1001, 0), 20 + i * 5, 'transport', 1e14) : []),
    ]);
  };

  it('replaying the same input gives identical ids and sequence numbers', () => {
    const a = run(new HotspotDetector(topo, []), script());
    const b = run(new HotspotDetector(topo, []), script());
    expect(a.length).toBeGreaterThan(1);
    expect(JSON.stringify(b)).toBe(JSON.stringify(a));
  });

  it('a restored snapshot continues exactly like the uninterrupted run', () => {
    const windows = script().map((rows, i) => scoredWindow(topo, i, rows));
    const whole = new HotspotDetector(topo, []);
    const expected = windows.flatMap((w) => whole.onWindow(w));
    const first = new HotspotDetector(topo, []);
    const got = windows.slice(0, 4).flatMap((w) => first.onWindow(w));
    const second = new HotspotDetector(topo, []);
    second.restore(JSON.parse(JSON.stringify(first.snapshot())));
    got.push(...windows.slice(4).flatMap((w) => second.onWindow(w)));
    expect(JSON.stringify(got)).toBe(JSON.stringify(expected));
  });

  // A line of three eNBs 1.5 km apart: west and east are not neighbours (3 km), middle is next to both.
  const line = buildTopology(
    ['west', 'middle', 'east'].flatMap((name, e) =>
      [0, 1, 2].map((k) => ({ eci: (2000 + e) * 256 + k, enbId: 2000 + e, tac: 2000 + e, cellName: `${name}-${k}`, region: 'line', lat: 30, lon: 100 + e * 0.0156 })),
    ),
  );
  const snapshotScenarios: Array<{ name: string; topology: Topology; rows: (i: number, rand: () => number) => UserRow[] }> = [
    {
      name: 'open, grow, resolve, open again',
      topology: topo,
      rows: (i, rand) => [
        ...noise(topo, rand),
        ...(i >= 1 && i < 9 ? faultUsers(eci(1001, 0), 15 + 3 * i, 'radio', 1e14) : []),
        ...(i >= 3 && i < 9 ? faultUsers(eci(1001, 1), 20, 'radio', 2e14, 0.7 + i / 40) : []),
        ...(i >= 14 && i < 20 ? faultUsers(eci(1100, 2), 25, 'dns', 3e14, 0.6 + i / 100) : []),
        ...(i >= 22 && i < 25 ? faultUsers(eci(1003, 0), 30, 'core', 4e14) : []),
      ],
    },
    {
      // Two radio alerts, bridged into one by the middle eNB; the survivor then sees the absorbed alert's users
      // again with a higher probability (which must not rewrite the absorbed alert's restoration list).
      name: 'two alerts merge, shared users keep changing',
      topology: line,
      rows: (i, rand) => [
        ...noise(line, rand, 0.02),
        ...(i >= 1 && i < 12 ? faultUsers(2000 * 256, 25, 'radio', 1e14, 0.6 + i / 40) : []),
        ...(i >= 2 && i < 12 ? faultUsers(2002 * 256, 25, 'radio', 2e14, 0.6 + i / 40) : []),
        ...(i >= 5 && i < 12 ? faultUsers(2001 * 256, 25, 'radio', 3e14) : []),
      ],
    },
    {
      // A DNS incident splits off a PGW alert over the same cells, then ends (split state and shared cells).
      name: 'a second incident splits off and resolves',
      topology: topo,
      rows: (i, rand) => [
        ...noise(topo, rand),
        ...(i >= 1 && i < 20 ? pgwUsers(pgwCells, 20, 1e14) : []),
        ...(i >= 4 && i < 12 ? dnsUsers(pgwCells, 10, 5e14) : []),
      ],
    },
  ];

  it.each(snapshotScenarios)('snapshot → JSON → restore at any point continues exactly like the uninterrupted run: $name', ({ topology, rows }) => {
    const rand = mulberry32(5);
    const windows = Array.from({ length: 30 }, (_, i) => scoredWindow(topology, i, rows(i, rand), 40));
    const usersOf = (d: HotspotDetector, events: AlertEvent[]) =>
      [...new Set(events.map((e) => e.alert.alert_id))].map((id) => ({ id, users: d.affectedUsers(id) }));
    const whole = new HotspotDetector(topology, [], { warmupWindows: 0 });
    const expected = windows.flatMap((w) => whole.onWindow(w));
    expect(expected.filter((e) => e.alert.status === 'resolved').length).toBeGreaterThanOrEqual(2);
    const expectedUsers = JSON.stringify(usersOf(whole, expected));
    // Every cut: before, inside and after each incident (the windows are few and small).
    for (let cut = 0; cut < windows.length; cut++) {
      const first = new HotspotDetector(topology, [], { warmupWindows: 0 });
      const got = windows.slice(0, cut).flatMap((w) => first.onWindow(w));
      const checkpoint = JSON.stringify(first.snapshot()); // what a checkpoint file holds
      const second = new HotspotDetector(topology, [], { warmupWindows: 0 });
      second.restore(JSON.parse(checkpoint));
      got.push(...windows.slice(cut).flatMap((w) => second.onWindow(w)));
      expect(JSON.stringify(got), `cut at window ${cut}`).toBe(JSON.stringify(expected));
      expect(JSON.stringify(usersOf(second, got)), `affected users, cut at window ${cut}`).toBe(expectedUsers);
      expect(second.snapshot(), `state, cut at window ${cut}`).toEqual(whole.snapshot());
    }
  });

  it('the merge scenario really merges two alerts that share users', () => {
    const rand = mulberry32(5);
    const { rows } = snapshotScenarios[1];
    const d = new HotspotDetector(line, [], { warmupWindows: 0 });
    const events = Array.from({ length: 30 }, (_, i) => d.onWindow(scoredWindow(line, i, rows(i, rand), 40))).flat();
    expect(events.filter((e) => e.alert.status === 'open')).toHaveLength(2);
    const merged = events.find((e) => e.merged_into !== null);
    expect(merged).toBeDefined();
    expect(d.affectedUsers(merged!.merged_into!).length).toBeGreaterThan(d.affectedUsers(merged!.alert.alert_id).length);
  });

  it('the split scenario really splits: a DNS alert over cells the PGW alert still holds, both resolved in the end', () => {
    const rand = mulberry32(5);
    const { rows } = snapshotScenarios[2];
    const d = new HotspotDetector(topo, [], { warmupWindows: 0 });
    const events = Array.from({ length: 30 }, (_, i) => d.onWindow(scoredWindow(topo, i, rows(i, rand), 40))).flat();
    const opens = events.filter((e) => e.alert.status === 'open');
    expect(opens.map((e) => e.alert.suspected_cause)).toEqual(['pgw_apn', 'dns']);
    const pgwCellsAtSplit = events.filter((e) => e.alert.alert_id === opens[0].alert.alert_id && e.sequence < opens[1].sequence).at(-1)!.alert.cells;
    expect(opens[1].alert.cells.every((c) => pgwCellsAtSplit.includes(c))).toBe(true);
    expect(events.filter((e) => e.alert.status === 'resolved')).toHaveLength(2);
  });

  it('refuses a damaged or foreign snapshot with a clear message and keeps working', () => {
    const d = new HotspotDetector(topo, []);
    d.onWindow(scoredWindow(topo, 0, []));
    const good = d.snapshot();
    expect(() => d.restore({ ...good, version: 1 })).toThrow(/version/);
    expect(() => d.restore({ ...good, baseline: { ...good.baseline, count: [] } })).toThrow(/baseline arrays/);
    expect(() => d.restore(JSON.parse('{"version":2}'))).toThrow(/invalid detector snapshot/);
    const other = new HotspotDetector(gridTopology(['north']), []);
    expect(() => other.restore(good)).toThrow(/cells/);
    expect(d.onWindow(scoredWindow(topo, 1, []))).toEqual([]);
    expect(d.stats.windows).toBe(2);
  });

  it('refuses malformed and out-of-order windows, counting them; counts rows with unknown cells', () => {
    const d = new HotspotDetector(topo, []);
    const w = scoredWindow(topo, 1, [{ imsi: 1, eci: 999, p: 0.9 }]);
    expect(d.onWindow({ ...w, probability: new Float64Array(3) })).toEqual([]);
    expect(d.stats.rejectedWindows).toBe(1);
    expect(d.stats.lastRejection).toMatch(/lengths/);
    d.onWindow(w);
    expect(d.stats.unlocatedRows).toBe(1);
    d.onWindow(scoredWindow(topo, 0, []));
    expect(d.stats.rejectedWindows).toBe(2);
    expect(d.stats.lastRejection).toMatch(/not after/);
  });

  it('rejects an invalid config with a clear message', () => {
    expect(() => new HotspotDetector(topo, [], { threshold: 2 })).toThrow(/threshold/);
    expect(() => new HotspotDetector(topo, [], { severity: { usersAtRisk: [50, 10, 100] } })).toThrow(/ascend/);
  });
});

describe('locality: a cut-over misconfiguration is radio, an MME storm core, an HSS fault subscription', () => {
  // north: a cluster of three neighbouring eNBs sharing TAC 7000 (0.5 km apart), then four eNBs 5 km apart with
  // TACs of their own; south: seven eNBs 5 km apart. Three cells per eNB.
  const cells = [
    ...[0, 1, 2, 3, 4, 5, 6].flatMap((e) => {
      const enbId = 2000 + e;
      const lon = e < 3 ? 100 + e * 0.005 : 100 + (e - 2) * 0.05;
      return [0, 1, 2].map((k) => ({ eci: enbId * 256 + k, enbId, tac: e < 3 ? 7000 : enbId, cellName: `north-${e}-${k}`, region: 'north', lat: 30, lon }));
    }),
    ...[0, 1, 2, 3, 4, 5, 6].flatMap((e) => {
      const enbId = 2100 + e;
      return [0, 1, 2].map((k) => ({ eci: enbId * 256 + k, enbId, tac: enbId, cellName: `south-${e}-${k}`, region: 'south', lat: 31, lon: 100 + e * 0.05 }));
    }),
  ];
  const land = buildTopology(cells);
  const cutOverCells = cells.filter((c) => c.enbId < 2003).map((c) => c.eci);
  // TAU rejects (ratio_fail_tau: core by the feature table) with EMM 15 (subscription); the model leans on the TAU ratio.
  const rejected = (ecis: number[], perCell: number, firstImsi: number, mmeCongestion = false): UserRow[] =>
    ecis.flatMap((c, i) =>
      Array.from({ length: perCell }, (_, k) => ({
        imsi: firstImsi + i * 1000 + k,
        eci: c,
        p: 0.9,
        values: [0, 0.01, mmeCongestion ? 4 : 0, 0, 1000, 0, 0, 0.8, 3],
        shap: [0, 0, mmeCongestion ? 1 : 0, 0, 0.05, 0, 0, 2.5, 0],
      })),
    );
  // HSS rejects (EMM 15) of an IMSI range, wherever those subscribers are.
  const hss = (ecis: number[], perCell: number, firstImsi: number): UserRow[] =>
    ecis.flatMap((c, i) =>
      Array.from({ length: perCell }, (_, k) => ({ imsi: firstImsi + i * 1000 + k, eci: c, p: 0.9, values: [0, 0.01, 0, 0, 1000, 0, 0, 0, 3], shap: [0, 0, 0, 0, 0.05, 0, 0, 0, 2.5] })),
    );
  const runOn = (detector: HotspotDetector, rows: UserRow[], windows = 3): AlertEvent[] => {
    const events: AlertEvent[] = [];
    let i = 0;
    for (; i < 8; i++) events.push(...detector.onWindow(scoredWindow(land, i, [], 80)));
    for (let k = 0; k < windows; k++) events.push(...detector.onWindow(scoredWindow(land, i++, rows, 80)));
    return events;
  };
  const lastOf = (events: AlertEvent[]) => {
    const ids = new Set(events.map((e) => e.alert.alert_id));
    expect(ids.size).toBe(1);
    return events[events.length - 1];
  };

  it('TAU and EMM 15 rejects confined to three neighbouring eNBs name the alert radio, with the locality as first evidence', () => {
    const last = lastOf(runOn(new HotspotDetector(land, []), rejected(cutOverCells, 15, 1e14)));
    expect(last.alert.suspected_cause).toBe('radio');
    const first = last.alert.evidence[0];
    expect(first.feature).toBe('signaling_reject_users_share');
    expect(first.value).toBeGreaterThan(10 * first.baseline);
    expect(first.detail).toContain('3 neighbouring eNB(s) (TAC 7000)');
    expect(last.cause_scores.radio).toBeGreaterThan(last.cause_scores.core);
    // the rule renames only: turned off, the same incident is the core alert it clusters as
    const off = lastOf(runOn(new HotspotDetector(land, [], { locality: { maxEnbs: 0 } }), rejected(cutOverCells, 15, 1e14)));
    expect(off.alert.suspected_cause).toBe('core');
    expect(off.alert.cells).toEqual(last.alert.cells);
  });

  it('a few stray cells elsewhere in the alert do not hide the cluster; a thin sprinkle over the same eNBs is not one', () => {
    const stray = cells.filter((c) => c.enbId === 2105).map((c) => c.eci);
    const withStray = lastOf(runOn(new HotspotDetector(land, []), [...rejected(cutOverCells, 15, 1e14), ...rejected(stray, 8, 2e14)]));
    expect(withStray.regions).toEqual(['north', 'south']);
    expect(withStray.alert.suspected_cause).toBe('radio');
    // 4 of ~84 users per cell (5 %): the alert opens, but a cut-over fails far more of the UEs on its eNBs
    const thin = lastOf(runOn(new HotspotDetector(land, []), rejected(cutOverCells, 4, 1e14)));
    expect(thin.alert.suspected_cause).toBe('core');
  });

  it('EMM 15 users of a cut-over that split off its radio alert as "subscription" are named radio', () => {
    // the cluster first shows radio drops (handover/neighbour failures); then EMM 15 rejects join in the same cells
    const drops = cutOverCells.flatMap((c, i) => faultUsers(c, 12, 'radio', 3e14 + i * 1000));
    const both = [...drops, ...hss(cutOverCells, 12, 1e14)];
    const d = new HotspotDetector(land, []);
    const events: AlertEvent[] = [];
    const script = [[], [], [], [], [], [], [], [], drops, drops, both, both, both];
    script.forEach((rows, k) => events.push(...d.onWindow(scoredWindow(land, k, rows, 80))));
    const opens = events.filter((e) => e.alert.status === 'open');
    expect(opens).toHaveLength(2);
    const split = events.filter((e) => e.alert.alert_id === opens[1].alert.alert_id).at(-1)!;
    expect(split.alert.suspected_cause).toBe('radio');
    expect(split.alert.evidence[0].detail).toContain('subscription-looking users at risk confined to 3 neighbouring eNB(s)');
  });

  it('an HSS fault spread over both regions (an IMSI range anywhere) stays subscription', () => {
    const last = lastOf(runOn(new HotspotDetector(land, []), hss(cells.map((c) => c.eci), 4, 1e14)));
    expect(last.alert.suspected_cause).toBe('subscription');
  });

  it('the same rejects over every eNB of both regions (an MME pool) stay core', () => {
    const everywhere = cells.map((c) => c.eci);
    const last = lastOf(runOn(new HotspotDetector(land, []), rejected(everywhere, 15, 1e14)));
    expect(last.alert.suspected_cause).toBe('core');
    expect(last.alert.evidence.map((e) => e.feature)).not.toContain('signaling_reject_users_share');
  });

  it('MME congestion (EMM 22) on the same three eNBs stays core: the MME names itself', () => {
    const last = lastOf(runOn(new HotspotDetector(land, []), rejected(cutOverCells, 15, 1e14, true)));
    expect(last.alert.suspected_cause).toBe('core');
  });

  it('an HSS fault (EMM 15 for an IMSI range) over scattered eNBs of both regions stays subscription', () => {
    // the range's users at risk happen to be on two far-apart eNBs of different regions: few eNBs, but no cluster
    const scattered = cells.filter((c) => c.enbId === 2004 || c.enbId === 2105).map((c) => c.eci);
    const last = lastOf(runOn(new HotspotDetector(land, []), hss(scattered, 15, 1e14)));
    expect(last.alert.suspected_cause).toBe('subscription');
    expect(last.alert.evidence.map((e) => e.feature)).not.toContain('signaling_reject_users_share');
  });
});
