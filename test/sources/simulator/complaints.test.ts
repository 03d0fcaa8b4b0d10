// Complaints follow DOMAIN.md §5: a small share of affected users, more for VIPs and heavy users, log-normal
// delays (fast for total loss, hours for slow data), nobody calls at night, one call per user and incident.
import { describe, expect, it } from 'vitest';
import {
  complaintDelayMedian,
  complaintProbability,
  createCity,
  faultImpacts,
  simulateComplaintDetails,
  simulateComplaints,
  type CityConfigInput,
  type SimComplaint,
} from '../../../src/sources/simulator/index.js';
import { COMPLAINT_CATEGORIES } from '../../../src/schema/side-files.js';

const DAY_START = Date.parse('2026-03-02T10:00:00Z');
const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
};
const hourOf = (t: number) => new Date(t).getUTCHours();

function city(extra: Partial<CityConfigInput>) {
  return createCity({ seed: 31, subscribers: 20_000, hours: 2, start: DAY_START, backgroundComplaintsPerUserDay: 0, ...extra });
}

describe('complaints model (DOMAIN.md §5)', () => {
  const mmeCity = city({ scenario: { name: 'mme', faults: [{ type: 'mme_overload', start_minute: 10, duration_minutes: 60, onset: 'abrupt', intensity: 0.5 }] } });
  const impacts = faultImpacts(mmeCity);
  const details = simulateComplaintDetails(mmeCity, impacts);

  it('about 1–2% of affected users complain, matching the configured probabilities', () => {
    const imp = impacts[0];
    expect(imp.users.length).toBeGreaterThan(3000);
    let expected = 0;
    for (let k = 0; k < imp.users.length; k++) expected += complaintProbability(mmeCity, imp.fault, imp.users[k], imp.exposureMinutes[k]);
    const first = details.filter((c) => c.faultId === 0 && !c.repeat).length;
    const sd = Math.sqrt(expected);
    expect(Math.abs(first - expected)).toBeLessThan(4 * sd + 1);
    const share = first / imp.users.length;
    expect(share).toBeGreaterThan(0.005);
    expect(share).toBeLessThan(0.05);
  });

  it('one complaint per user per incident, plus a minority of repeat callers', () => {
    const firsts = new Map<string, number>();
    for (const c of details) if (!c.repeat) firsts.set(`${c.user}/${c.faultId}`, (firsts.get(`${c.user}/${c.faultId}`) ?? 0) + 1);
    for (const n of firsts.values()) expect(n).toBe(1);
    const repeats = details.filter((c) => c.repeat).length;
    expect(repeats).toBeGreaterThan(0);
    expect(repeats / firsts.size).toBeLessThan(0.3);
    for (const c of details.filter((x) => x.repeat)) expect(firsts.has(`${c.user}/${c.faultId}`)).toBe(true);
  });

  it('VIPs and heavy users complain more than light users', () => {
    const hot = city({ complaintRate: 0.06, scenario: { name: 'mme', faults: [{ type: 'mme_overload', start_minute: 10, duration_minutes: 60, onset: 'abrupt', intensity: 0.5 }] } });
    const imp = faultImpacts(hot);
    const cs = simulateComplaintDetails(hot, imp).filter((c) => !c.repeat && c.faultId === 0);
    const callers = new Set(cs.map((c) => c.user));
    const rate = (pred: (u: number) => boolean) => {
      const us = Array.from(imp[0].users).filter(pred);
      return us.filter((u) => callers.has(u)).length / us.length;
    };
    const cls = hot.subs.userClass;
    expect(rate((u) => cls[u] === 2)).toBeGreaterThan(1.3 * rate((u) => cls[u] === 1));
    expect(rate((u) => cls[u] === 1)).toBeGreaterThan(1.5 * rate((u) => cls[u] === 0));
    expect(rate((u) => hot.subs.vipLevel[u] > 0)).toBeGreaterThan(1.4 * rate((u) => hot.subs.vipLevel[u] === 0));
  });

  it('delays are log-normal: ~1 h median for total loss, hours for slow data, a tail to a day or two', () => {
    const c2 = city({
      complaintRate: 0.25,
      scenario: {
        name: 'two',
        faults: [
          { type: 'enb_outage', start_minute: 10, duration_minutes: 60, onset: 'abrupt', size: 3 },
          { type: 'transport', start_minute: 10, duration_minutes: 90, onset: 'abrupt', intensity: 1 },
        ],
      },
    });
    const cs = simulateComplaintDetails(c2).filter((c) => !c.repeat);
    const loss = cs.filter((c) => c.faultId === 0).map((c) => c.delayMinutes);
    const slow = cs.filter((c) => c.faultId === 1).map((c) => c.delayMinutes);
    expect(loss.length).toBeGreaterThan(30);
    expect(slow.length).toBeGreaterThan(30);
    const lossMedian = complaintDelayMedian(c2, c2.faults[0]);
    const slowMedian = complaintDelayMedian(c2, c2.faults[1]);
    expect(lossMedian).toBeGreaterThanOrEqual(30);
    expect(lossMedian).toBeLessThanOrEqual(90);
    expect(median(loss)).toBeGreaterThan(lossMedian * 0.6);
    expect(median(loss)).toBeLessThan(lossMedian * 1.6);
    expect(median(slow)).toBeGreaterThan(slowMedian * 0.6);
    expect(median(slow)).toBeLessThan(slowMedian * 1.8);
    expect(median(slow)).toBeGreaterThan(2 * median(loss));
    const all = [...loss, ...slow];
    expect(Math.max(...all)).toBeLessThanOrEqual(48 * 60 + 10 * 60); // capped at 48 h (+ a night shift)
    expect(all.some((d) => d > 6 * 60)).toBe(true);
    expect(Math.min(...all)).toBeGreaterThan(0);
    // Categories follow the fault: outages → no signal; backhaul → slow data.
    const top = (fid: number) => {
      const counts = new Map<string, number>();
      for (const c of cs.filter((x) => x.faultId === fid)) counts.set(c.category, (counts.get(c.category) ?? 0) + 1);
      return [...counts].sort((a, b) => b[1] - a[1])[0][0];
    };
    expect(top(0)).toBe('no_signal');
    expect(top(1)).toBe('slow_data');
    // And their region is where the fault was.
    const regions = new Set(c2.faults[0].regions.map((r) => c2.net.regionNames[r]));
    expect(cs.filter((c) => c.faultId === 0 && regions.has(c.region!)).length / loss.length).toBeGreaterThan(0.8);
  });

  it('nobody calls between 00:00 and 07:00: a night fault produces morning calls', () => {
    const night = city({
      complaintRate: 0.05,
      start: Date.parse('2026-03-02T00:30:00Z'),
      hours: 3,
      backgroundComplaintsPerUserDay: 0.01,
      scenario: { name: 'night', faults: [{ type: 'mme_overload', start_minute: 30, duration_minutes: 90, onset: 'abrupt', intensity: 0.6 }] },
    });
    const cs = simulateComplaintDetails(night);
    expect(cs.filter((c) => c.faultId === 0).length).toBeGreaterThan(20);
    for (const c of cs) expect(hourOf(c.time)).toBeGreaterThanOrEqual(7);
    // The morning bunching: most fault calls land between 07:00 and 10:00.
    const morning = cs.filter((c) => c.faultId === 0 && hourOf(c.time) < 10).length;
    expect(morning / cs.filter((c) => c.faultId === 0).length).toBeGreaterThan(0.6);
  });

  it('adds background complaints unrelated to the network, in daytime, with the usual mix', () => {
    const quiet = createCity({ seed: 32, subscribers: 20_000, hours: 24, start: Date.parse('2026-03-02T00:00:00Z'), scenario: 'quiet', backgroundComplaintsPerUserDay: 0.01 });
    const cs = simulateComplaints(quiet);
    expect(cs.length).toBeGreaterThan(0.5 * 200);
    expect(cs.length).toBeLessThan(1.1 * 200);
    for (const c of cs) {
      expect(hourOf(c.time)).toBeGreaterThanOrEqual(7);
      expect(COMPLAINT_CATEGORIES).toContain(c.category);
      expect(c.msisdn).toMatch(/^1\d{10}$/);
      expect(quiet.net.regionNames).toContain(c.region);
    }
    expect(new Set(cs.map((c) => c.category)).size).toBeGreaterThanOrEqual(5);
    expect(cs.some((c) => c.category === 'other')).toBe(true);
    // Sorted by time, unique ids.
    for (let i = 1; i < cs.length; i++) expect(cs[i].time).toBeGreaterThanOrEqual(cs[i - 1].time);
    expect(new Set(cs.map((c) => c.complaintId)).size).toBe(cs.length);
  });

  it('is deterministic by seed', () => {
    const again = simulateComplaintDetails(city({ scenario: { name: 'mme', faults: [{ type: 'mme_overload', start_minute: 10, duration_minutes: 60, onset: 'abrupt', intensity: 0.5 }] } }));
    const key = (cs: SimComplaint[]) => cs.map((c) => `${c.time}/${c.msisdn}/${c.category}`);
    expect(key(again)).toEqual(key(details));
  });
});
