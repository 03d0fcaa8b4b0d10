import { describe, expect, it } from 'vitest';
import type { AlertEvent } from '../../src/hotspots/alert.js';
import type { FaultDomain } from '../../src/hotspots/cause-domains.js';
import { alertSpans, complaintHotspots, evaluateHotspots, median, userLevelMetrics } from '../../src/hotspots/evaluation.js';
import type { Complaint, ComplaintCategory } from '../../src/schema/side-files.js';

const MIN = 60_000;
const HOUR = 60 * MIN;
const T = Date.UTC(2026, 2, 2, 8);

let nextId = 0;
const complaint = (minutes: number, region: string | undefined = 'east', category: ComplaintCategory = 'no_signal'): Complaint => ({
  complaintId: `c${nextId++}`, time: T + minutes * MIN, msisdn: '13800000000', category, region,
});
/** `count` complaints `every` minutes apart from `from`. */
const burst = (from: number, count: number, every: number, region = 'east', category: ComplaintCategory = 'no_signal') =>
  Array.from({ length: count }, (_, i) => complaint(from + i * every, region, category));

let seq = 0;
function ev(id: string, status: 'open' | 'updated' | 'resolved', minutes: number, regions = ['east'], cause: FaultDomain = 'radio', mergedInto: string | null = null, openedMinutes = minutes): AlertEvent {
  const at = T + minutes * MIN;
  return {
    sequence: ++seq,
    alert: {
      alert_id: id, status, severity: 'yellow', region: regions[0], cells: [1], opened_at: T + openedMinutes * MIN, updated_at: at,
      users_at_risk: 10, expected_complaints: 2, vip_at_risk: 0, suspected_cause: cause, evidence: [], model_version: 'm', contributions: [],
    },
    regions, enbs: [1], resolved_at: status === 'resolved' ? at : null, merged_into: mergedInto, baseline_users_at_risk: 1, p_value: 0,
    cause_scores: { radio: 0, transport: 0, core: 0, pgw_apn: 0, dns: 0, subscription: 0, congestion: 0 }, affected_users: 10,
  };
}

describe('complaintHotspots (N=5 within T=2h)', () => {
  it.each([
    { label: '5 complaints within 2 h → one, declared at the 5th', complaints: burst(0, 5, 20), declared: [80] },
    { label: '4 complaints → none', complaints: burst(0, 4, 10), declared: [] },
    { label: '5 spread over 3 h → none', complaints: burst(0, 5, 45), declared: [] },
    { label: 'a long episode stays one hotspot', complaints: burst(0, 30, 30), declared: [120] },
    { label: 'a new episode after a gap > T is a second hotspot', complaints: [...burst(0, 5, 10), ...burst(300, 5, 10)], declared: [40, 340] },
    { label: 'categories are separate', complaints: [...burst(0, 3, 10), ...burst(5, 3, 10, 'east', 'slow_data')], declared: [] },
    { label: 'regions are separate', complaints: [...burst(0, 3, 10), ...burst(5, 3, 10, 'west')], declared: [] },
    { label: '"other" complaints are not network complaints', complaints: burst(0, 6, 10, 'east', 'other'), declared: [] },
  ])('$label', ({ complaints, declared }) => {
    const { hotspots } = complaintHotspots(complaints);
    expect(hotspots.map((h) => (h.declaredAt - T) / MIN)).toEqual(declared);
  });

  it('counts complaints without a region instead of guessing', () => {
    const { hotspots, unlocated } = complaintHotspots([...burst(0, 5, 10), { ...complaint(3), region: undefined }]);
    expect(hotspots).toHaveLength(1);
    expect(unlocated).toBe(1);
    expect(hotspots[0]).toMatchObject({ firstComplaintAt: T, complaints: 5, endAt: T + 40 * MIN });
  });
});

describe('evaluateHotspots', () => {
  const complaints = burst(100, 5, 10); // declared at minute 140, first complaint at 100
  const base = { complaints, cells: 100, startAt: T - 10 * HOUR, endAt: T + 10 * HOUR };

  it.each([
    { label: 'opened 60 min before declaration, same region', events: [ev('a', 'open', 80)], caught: 1, lead: 60, falseAlerts: 0 },
    { label: 'opened in another region', events: [ev('a', 'open', 80, ['west'])], caught: 0, lead: null, falseAlerts: 1 },
    { label: 'opened after declaration (late, not false)', events: [ev('a', 'open', 150)], caught: 0, lead: null, falseAlerts: 0 },
    { label: 'opened more than 24 h before', events: [ev('a', 'open', -25 * 60)], caught: 0, lead: null, falseAlerts: 1 },
    { label: 'resolved 3 h before the first complaint', events: [ev('a', 'open', -240), ev('a', 'resolved', -80, ['east'], 'radio', null, -240)], caught: 0, lead: null, falseAlerts: 1 },
    { label: 'resolved 1 h before the first complaint (complaints lag)', events: [ev('a', 'open', -120), ev('a', 'resolved', 40, ['east'], 'radio', null, -120)], caught: 1, lead: 260, falseAlerts: 0 },
    { label: 'region joined only after declaration', events: [ev('a', 'open', 60, ['west']), ev('a', 'updated', 150, ['east', 'west'], 'radio', null, 60)], caught: 0, lead: null, falseAlerts: 0 },
    { label: 'the earliest of two catching alerts gives the lead', events: [ev('a', 'open', 120), ev('b', 'open', 20)], caught: 1, lead: 120, falseAlerts: 0 },
  ])('$label', ({ events, caught, lead, falseAlerts }) => {
    const m = evaluateHotspots({ ...base, events });
    expect(m.hotspots).toBe(1);
    expect(m.caught).toBe(caught);
    expect(m.median_lead_minutes).toBe(lead);
    expect(m.false_alerts).toBe(falseAlerts);
    expect(m.recall).toBe(caught);
  });

  it('rates false alerts per 1000 cell-hours', () => {
    const m = evaluateHotspots({ ...base, complaints: [], events: [ev('a', 'open', 0, ['west']), ev('b', 'open', 10, ['west'])] });
    expect(m.cell_hours).toBe(2000);
    expect(m.false_alerts_per_1000_cell_hours).toBe(1);
    expect(Number.isNaN(m.recall)).toBe(true);
  });

  it('judges a merged-away alert with its survivor: the earlier opening counts as the lead', () => {
    const events = [ev('a', 'open', 110, ['east']), ev('b', 'open', 40, ['west']), ev('b', 'resolved', 120, ['west'], 'radio', 'a', 40)];
    expect(alertSpans(events)).toHaveLength(1);
    const m = evaluateHotspots({ ...base, events });
    expect(m).toMatchObject({ caught: 1, false_alerts: 0, alerts: 1 });
    // west joined (via b) at minute 40, east at 110: east was covered before declaration at 140
    expect(m.median_lead_minutes).toBe(100);
  });

  it('scores the suspected cause against injected faults, and counts alerts matching neither truth', () => {
    const events = [ev('a', 'open', 80, ['east'], 'transport'), ev('x', 'open', 300, ['west'], 'dns')];
    const faults = [{ domain: 'transport' as const, regions: ['east'], startAt: T + 60 * MIN, endAt: T + 200 * MIN }];
    const m = evaluateHotspots({ ...base, events, faults });
    expect(m.cause_accuracy).toBe(1);
    expect(m.false_alerts).toBe(1);
    expect(m.false_alerts_vs_faults).toBe(1);
    const wrong = evaluateHotspots({ ...base, events: [ev('a', 'open', 80, ['east'], 'radio')], faults });
    expect(wrong.cause_accuracy).toBe(0);
  });

  it('matches the fault that was running when the alert opened, not one that started later in the region', () => {
    const events = [ev('a', 'open', 80, ['east'], 'congestion')];
    const faults = [
      { domain: 'congestion' as const, regions: ['east'], startAt: T + 50 * MIN, endAt: T + 300 * MIN },
      { domain: 'pgw_apn' as const, regions: ['east', 'west'], startAt: T + 100 * MIN, endAt: T + 200 * MIN },
    ];
    const m = evaluateHotspots({ ...base, events, faults });
    expect(m.outcomes[0].injectedDomain).toBe('congestion');
    expect(m.cause_accuracy).toBe(1);
  });

  it('judges the cause ops were shown for the region at declaration, not a timeline folded from merged alerts', () => {
    // a: core in east since minute 20; b: radio in west from 100, merged into a at 130. East was shown "core".
    const events = [ev('a', 'open', 20, ['east'], 'core'), ev('b', 'open', 100, ['west'], 'radio'), ev('b', 'resolved', 130, ['west'], 'radio', 'a', 100)];
    const faults = [{ domain: 'core' as const, regions: ['east'], startAt: T, endAt: T + 300 * MIN }];
    const m = evaluateHotspots({ ...base, events, faults });
    expect(m.outcomes[0]).toMatchObject({ caughtBy: 'a', suspectedCause: 'core', causeAlert: 'a', leadMinutes: 120 });
    expect(m.cause_accuracy).toBe(1);
  });

  it.each([
    {
      label: 'two alerts hold the region: the earlier opened one',
      events: [ev('a', 'open', 20, ['east'], 'pgw_apn'), ev('b', 'open', 60, ['east'], 'core')],
      cause: 'pgw_apn', by: 'a',
    },
    {
      label: 'two alerts hold the region: the one with most users at risk there, though opened later',
      events: [
        { ...ev('a', 'open', 20, ['east', 'west'], 'core'), region_users_at_risk: { east: 4, west: 300 } },
        { ...ev('b', 'open', 60, ['east'], 'pgw_apn'), region_users_at_risk: { east: 250 } },
      ],
      cause: 'pgw_apn', by: 'b',
    },
    {
      label: 'the earlier one left the region before declaration: the one still holding it',
      events: [ev('a', 'open', 20, ['east'], 'core'), ev('b', 'open', 60, ['east'], 'pgw_apn'), ev('a', 'updated', 90, ['west'], 'core', null, 20)],
      cause: 'pgw_apn', by: 'b',
    },
    {
      label: 'no alert holds it any more (resolved; complaints lag): the last one that did',
      events: [ev('a', 'open', 20, ['east'], 'dns'), ev('a', 'updated', 60, ['east'], 'transport', null, 20), ev('a', 'resolved', 90, ['east'], 'transport', null, 20)],
      cause: 'transport', by: 'a',
    },
    {
      label: 'none holds it any more, two left it at the same update: the one with most users at risk there, though opened later',
      events: [
        { ...ev('a', 'open', 20, ['east', 'west'], 'core'), region_users_at_risk: { east: 3, west: 200 } },
        { ...ev('b', 'open', 60, ['east'], 'congestion'), region_users_at_risk: { east: 300 } },
        // Both resolve at the same moment (as every open alert does when a replay ends); resolving reports 0 users.
        { ...ev('a', 'resolved', 120, ['east', 'west'], 'core', null, 20), region_users_at_risk: { east: 0, west: 0 } },
        { ...ev('b', 'resolved', 120, ['east'], 'congestion', null, 60), region_users_at_risk: { east: 0 } },
      ],
      cause: 'congestion', by: 'b',
    },
    {
      label: 'none holds it any more, two left it at the same update: the earlier opened one when it had more users there',
      events: [
        { ...ev('a', 'open', 20, ['east', 'west'], 'core'), region_users_at_risk: { east: 300, west: 200 } },
        { ...ev('b', 'open', 60, ['east'], 'congestion'), region_users_at_risk: { east: 3 } },
        { ...ev('a', 'resolved', 120, ['east', 'west'], 'core', null, 20), region_users_at_risk: { east: 0, west: 0 } },
        { ...ev('b', 'resolved', 120, ['east'], 'congestion', null, 60), region_users_at_risk: { east: 0 } },
      ],
      cause: 'core', by: 'a',
    },
    {
      label: 'none holds it any more: the one that held it last, even with fewer users there',
      events: [
        { ...ev('a', 'open', 20, ['east'], 'core'), region_users_at_risk: { east: 300 } },
        { ...ev('b', 'open', 60, ['east'], 'congestion'), region_users_at_risk: { east: 3 } },
        { ...ev('a', 'resolved', 100, ['east'], 'core', null, 20), region_users_at_risk: { east: 0 } },
        { ...ev('b', 'resolved', 120, ['east'], 'congestion', null, 60), region_users_at_risk: { east: 0 } },
      ],
      cause: 'congestion', by: 'b',
    },
    {
      label: "the cause at declaration, not the alert's later one",
      events: [ev('a', 'open', 20, ['east'], 'dns'), ev('a', 'updated', 200, ['east'], 'transport', null, 20)],
      cause: 'dns', by: 'a',
    },
  ])('suspected cause: $label', ({ events, cause, by }) => {
    const m = evaluateHotspots({ ...base, events });
    expect(m.outcomes[0]).toMatchObject({ suspectedCause: cause, causeAlert: by });
  });

  it("with the faults' affected users, a hotspot is judged against the fault its complaints came from", () => {
    // A transport fault in east since minute 0 (users 1xx), a PGW fault since 90 (users 2xx); the alert opened at
    // 80, before the PGW fault, but the complaints that declared the hotspot are the PGW users'.
    const pgwComplaints = burst(100, 5, 10).map((c, i) => ({ ...c, msisdn: `20${i}` }));
    const faults = [
      { domain: 'transport' as const, regions: ['east'], startAt: T, endAt: T + 300 * MIN, msisdns: ['100', '101', '102'] },
      { domain: 'pgw_apn' as const, regions: ['east', 'west'], startAt: T + 90 * MIN, endAt: T + 200 * MIN, msisdns: ['200', '201', '202', '203', '204'] },
    ];
    const events = [ev('a', 'open', 80, ['east'], 'pgw_apn')];
    const m = evaluateHotspots({ ...base, complaints: pgwComplaints, events, faults });
    expect(m.outcomes[0].injectedDomain).toBe('pgw_apn');
    expect(m.cause_accuracy).toBe(1);
    // Users hit by both faults: transport is the older one, strict accuracy says wrong, "any fault" says right.
    const both = faults.map((f) => (f.domain === 'transport' ? { ...f, msisdns: [...f.msisdns, '200', '201', '202', '203', '204'] } : f));
    const transportAlert = evaluateHotspots({ ...base, complaints: pgwComplaints, events: [ev('a', 'open', 80, ['east'], 'transport')], faults: both });
    expect(transportAlert.outcomes[0]).toMatchObject({ injectedDomain: 'pgw_apn', injectedDomains: ['pgw_apn', 'transport'] });
    expect(transportAlert.cause_accuracy).toBe(0);
    expect(transportAlert.cause_accuracy_any_fault).toBe(1);
    expect(m.cause_accuracy_any_fault).toBe(1);
    // Without the users the old rule applies: the fault running when the alert opened.
    const old = evaluateHotspots({ ...base, complaints: pgwComplaints, events, faults: faults.map(({ msisdns: _, ...f }) => f) });
    expect(old.outcomes[0].injectedDomain).toBe('transport');
    // Complaints from users no fault touched (background) fall back to the old rule too.
    const background = evaluateHotspots({ ...base, complaints: burst(100, 5, 10), events, faults });
    expect(background.outcomes[0].injectedDomain).toBe('transport');
  });

  it('median of an even number of leads is the mean of the middle two', () => {
    expect(median([10, 20, 40, 100])).toBe(30);
    expect(median([])).toBeNull();
  });
});

describe('userLevelMetrics', () => {
  it('reports auc, pr_auc, precision and recall at the operating threshold', () => {
    const m = userLevelMetrics(Float64Array.of(0.9, 0.8, 0.3, 0.2, 0.7), Float64Array.of(1, 0, 0, 0, 1), 0.5);
    expect(m).toMatchObject({ precision: 2 / 3, recall: 1, samples: 5, positives: 2 });
    expect(m.auc).toBeCloseTo(5 / 6, 10);
  });
});
