// Each fault type of DOMAIN.md §4 leaves its signature in the records around its cells and time, and not
// before it or elsewhere. One small dense city per fault (80 eNBs, 20 regions in two MME pools, 2,000 users).
import { describe, expect, it } from 'vitest';
import { createCity, simulateRecords, type City, type Fault, type FaultType } from '../../../src/sources/simulator/index.js';
import type { FaultSpec } from '../../../src/sources/simulator/scenario.js';
import { APPC, collect, count, GRP, mean, PROC, ratio, type RecordTable } from './record-table.js';

const START = Date.parse('2026-03-02T18:00:00Z');
const MIN = 60_000;

interface Run {
  city: City;
  t: RecordTable;
  f: Fault;
  /** Row is in the fault's footprint (cells, pool, regions or IMSI range). */
  foot: (i: number) => boolean;
  before: (i: number) => boolean;
  during: (i: number) => boolean;
  minutesBefore: number;
  minutesDuring: number;
}

function run(type: FaultType, spec: Partial<FaultSpec> = {}): Run {
  const city = createCity({
    seed: 21,
    subscribers: 2000,
    enbs: 80,
    regions: 20,
    hours: 1.25,
    start: START,
    scenario: { name: type, faults: [{ type, start_minute: 25, duration_minutes: 40, onset: 'abrupt', ...spec } as FaultSpec] },
  });
  const t = collect(simulateRecords(city));
  const f = city.faults[0];
  const net = city.net;
  const cellSet = new Set<number>();
  if (f.cells.length > 0) for (const c of f.cells) cellSet.add(net.cellEci[c]);
  else for (const r of f.regions) for (const c of net.regionCells[r]) cellSet.add(net.cellEci[c]);
  const lo = city.subs.imsi[f.userLo];
  const hi = f.userHi > 0 ? city.subs.imsi[f.userHi - 1] : -1;
  const foot = f.type === 'subscription' ? (i: number) => t.imsi[i] >= lo && t.imsi[i] <= hi : (i: number) => cellSet.has(t.eci[i]);
  const settle = f.onset === 'creeping' ? f.rampMs : MIN;
  return {
    city,
    t,
    f,
    foot,
    before: (i) => t.time[i] < f.start - MIN,
    during: (i) => t.time[i] >= f.start + settle && t.time[i] < f.end,
    minutesBefore: (f.start - MIN - START) / MIN,
    minutesDuring: (f.end - f.start - settle) / MIN,
  };
}

const mme = (t: RecordTable, i: number) => t.s1u[i] === 0;
const isProc = (t: RecordTable, i: number, ...p: number[]) => t.s1u[i] === 0 && p.includes(t.proc[i]);
const retransRatio = (r: Run, pred: (i: number) => boolean) => {
  let re = 0;
  let pk = 0;
  for (let i = 0; i < r.t.n; i++) {
    if (!pred(i) || r.t.s1u[i] !== 1 || r.t.dlRe[i] < 0) continue;
    re += r.t.dlRe[i];
    pk += r.t.dlPk[i];
  }
  return re / pk;
};
const isDrop = (t: RecordTable, i: number) => isProc(t, i, PROC.ue_context_release) && t.group[i] === GRP.radioNetwork && (t.s1ap[i] === 21 || t.s1ap[i] === 26);

describe('fault signatures (DOMAIN.md §4)', () => {
  it('eNB outage: drop burst, then silence on its cells; neighbours see cell-not-available handover failures; re-attach after', () => {
    const r = run('enb_outage', { size: 2 });
    const { t, f } = r;
    const onCells = (i: number) => r.foot(i);
    const perMinBefore = count(t, (i) => onCells(i) && r.before(i)) / r.minutesBefore;
    const perMinDuring = count(t, (i) => onCells(i) && r.during(i)) / r.minutesDuring;
    expect(perMinBefore).toBeGreaterThan(20);
    expect(perMinDuring).toBeLessThan(perMinBefore * 0.05);
    const burst = count(t, (i) => onCells(i) && isProc(t, i, PROC.ue_context_release) && t.s1ap[i] === 21 && t.time[i] >= f.start - 30_000 && t.time[i] <= f.start);
    const dropsBeforePerHalfMinute = (count(t, (i) => onCells(i) && r.before(i) && isDrop(t, i)) / r.minutesBefore) * 0.5;
    expect(burst).toBeGreaterThan(5);
    expect(burst).toBeGreaterThan(10 * dropsBeforePerHalfMinute);
    const hoToDead = (pred: (i: number) => boolean) => count(t, (i) => pred(i) && isProc(t, i, PROC.x2_handover, PROC.s1_handover_out) && t.status[i] === 1 && t.s1ap[i] === 10);
    expect(hoToDead(r.during)).toBeGreaterThan(0);
    expect(hoToDead(r.before)).toBe(0);
    const reattach = count(t, (i) => onCells(i) && isProc(t, i, PROC.attach) && t.time[i] >= f.end && t.time[i] < f.end + 3 * MIN);
    expect(reattach).toBeGreaterThan(5);
    // Elsewhere: the usual drop level.
    expect(ratio(t, (i) => !onCells(i) && r.during(i) && isProc(t, i, PROC.ue_context_release), (i) => isDrop(t, i))).toBeLessThan(0.015);
  });

  it('cell outage: the cell goes silent while its site neighbours keep working', () => {
    const r = run('cell_outage', { size: 1 });
    const { t } = r;
    expect(count(t, (i) => r.foot(i) && r.before(i))).toBeGreaterThan(50);
    expect(count(t, (i) => r.foot(i) && r.during(i))).toBeLessThan(count(t, (i) => r.foot(i) && r.before(i)) * 0.05);
    const site = Math.floor(t.eci.find((_, i) => r.foot(i))! / 256);
    const sameSiteOthers = (i: number) => !r.foot(i) && Math.floor(t.eci[i] / 256) === site;
    expect(count(t, (i) => sameSiteOthers(i) && r.during(i)) / r.minutesDuring).toBeGreaterThan(
      (0.5 * count(t, (i) => sameSiteOthers(i) && r.before(i))) / r.minutesBefore,
    );
  });

  it('backhaul/transport: retransmissions, SYN-ACK and first-response delays up, throughput down, transport releases — on its eNBs only', () => {
    const r = run('transport', { intensity: 1 });
    const { t } = r;
    const inside = (i: number) => r.foot(i) && r.during(i);
    const reIn = retransRatio(r, inside);
    expect(reIn).toBeGreaterThan(3 * retransRatio(r, (i) => r.foot(i) && r.before(i)));
    expect(reIn).toBeGreaterThan(3 * retransRatio(r, (i) => !r.foot(i) && r.during(i)));
    const tcp = (i: number) => t.s1u[i] === 1 && t.synAck[i] >= 0;
    expect(mean(t, (i) => inside(i) && tcp(i), (i) => t.synAck[i])).toBeGreaterThan(mean(t, (i) => r.foot(i) && r.before(i) && tcp(i), (i) => t.synAck[i]) + 80);
    const tput = (pred: (i: number) => boolean) => mean(t, (i) => pred(i) && t.s1u[i] === 1 && t.app[i] === APPC.https && t.dlBytes[i] > 0, (i) => t.dlBytes[i] / t.dur[i]);
    expect(tput(inside)).toBeLessThan(0.7 * tput((i) => !r.foot(i) && r.during(i)));
    const transportRelease = (pred: (i: number) => boolean) => count(t, (i) => pred(i) && isProc(t, i, PROC.ue_context_release) && t.group[i] === GRP.transport);
    expect(transportRelease(inside)).toBeGreaterThan(0);
    expect(transportRelease((i) => r.before(i))).toBe(0);
    expect(transportRelease((i) => !r.foot(i))).toBe(0);
  });

  it('MME overload: attach/TAU/service-request failures with EMM 22, overload causes and timeouts across one pool', () => {
    const r = run('mme_overload', { intensity: 0.5 });
    const { t, city, f } = r;
    const codes = new Set(city.net.poolMmeCodes[f.mmePool]);
    const inPool = (i: number) => codes.has(t.mme[i]);
    const signalling = (i: number) => isProc(t, i, PROC.attach, PROC.tau, PROC.service_request);
    const failRatio = (pred: (i: number) => boolean) => ratio(t, (i) => pred(i) && signalling(i), (i) => t.status[i] !== 0);
    expect(failRatio((i) => inPool(i) && r.during(i))).toBeGreaterThan(0.3);
    expect(failRatio((i) => inPool(i) && r.before(i))).toBeLessThan(0.03);
    expect(failRatio((i) => mme(t, i) && !inPool(i) && r.during(i))).toBeLessThan(0.03);
    expect(count(t, (i) => inPool(i) && r.during(i) && t.emm[i] === 22)).toBeGreaterThan(10);
    expect(count(t, (i) => !inPool(i) && t.emm[i] === 22)).toBe(0);
    expect(count(t, (i) => inPool(i) && r.during(i) && t.status[i] === 2)).toBeGreaterThan(5);
    expect(count(t, (i) => inPool(i) && r.during(i) && t.group[i] === GRP.misc && t.s1ap[i] === 0)).toBeGreaterThan(0);
    const okDelay = (pred: (i: number) => boolean) => mean(t, (i) => pred(i) && isProc(t, i, PROC.service_request) && t.status[i] === 0, (i) => t.dur[i]);
    expect(okDelay((i) => inPool(i) && r.during(i))).toBeGreaterThan(2 * okDelay((i) => inPool(i) && r.before(i)));
  });

  it('HSS/subscription: one IMSI range is rejected (EMM 7/8/3/6/15/2) wherever it is, and loses its user plane', () => {
    const r = run('subscription', { imsi_share: 0.03 });
    const { t, f } = r;
    const cause = f.emmCauses[0];
    expect([2, 3, 6, 7, 8, 15]).toContain(cause);
    expect(count(t, (i) => r.foot(i) && r.during(i) && isProc(t, i, PROC.attach) && t.status[i] === 1 && t.emm[i] === cause)).toBeGreaterThan(10);
    expect(count(t, (i) => !r.foot(i) && t.emm[i] === cause)).toBe(0);
    expect(count(t, (i) => r.foot(i) && r.before(i) && t.emm[i] === cause)).toBe(0);
    const s1uPerMin = (pred: (i: number) => boolean, minutes: number) => count(t, (i) => pred(i) && t.s1u[i] === 1) / minutes;
    expect(s1uPerMin((i) => r.foot(i) && r.during(i), r.minutesDuring)).toBeLessThan(0.15 * s1uPerMin((i) => r.foot(i) && r.before(i), r.minutesBefore));
    // The range is spread over the city, not one area.
    expect(new Set(Array.from(t.eci).filter((_, i) => r.foot(i) && r.during(i))).size).toBeGreaterThan(5);
  });

  it('PGW/APN (ims): VoLTE bearers fail with EMM 19 / ESM 26/27/30/31/34/38 in its regions; internet keeps working', () => {
    const r = run('pgw_apn', { apn: 'ims', intensity: 1 });
    const { t } = r;
    const imsBearer = (i: number) => isProc(t, i, PROC.pdn_connect, PROC.erab_setup) && t.ims[i] === 1;
    expect(ratio(t, (i) => r.foot(i) && r.during(i) && imsBearer(i), (i) => t.status[i] === 1)).toBeGreaterThan(0.8);
    expect(ratio(t, (i) => r.foot(i) && r.before(i) && imsBearer(i), (i) => t.status[i] === 1)).toBeLessThan(0.05);
    expect(ratio(t, (i) => !r.foot(i) && r.during(i) && imsBearer(i), (i) => t.status[i] === 1)).toBeLessThan(0.05);
    const esm = new Set(Array.from(t.esm).filter((e, i) => e > 0 && r.foot(i) && r.during(i) && imsBearer(i)));
    for (const e of esm) expect([26, 27, 30, 31, 34, 38]).toContain(e);
    expect(count(t, (i) => r.foot(i) && r.during(i) && isProc(t, i, PROC.erab_setup) && t.ims[i] === 1 && t.emm[i] === 19)).toBeGreaterThan(0);
    const dataBearer = (i: number) => isProc(t, i, PROC.erab_setup) && t.ims[i] === 0;
    expect(ratio(t, (i) => r.foot(i) && r.during(i) && dataBearer(i), (i) => t.status[i] === 1)).toBeLessThan(0.05);
    const s1u = (pred: (i: number) => boolean, m: number) => count(t, (i) => pred(i) && t.s1u[i] === 1) / m;
    expect(s1u((i) => r.foot(i) && r.during(i), r.minutesDuring)).toBeGreaterThan(0.6 * s1u((i) => r.foot(i) && r.before(i), r.minutesBefore));
  });

  it('PGW/APN (cmnet): signal but no internet — user-plane sessions vanish, attaches fail with EMM 19', () => {
    const r = run('pgw_apn', { apn: 'cmnet', intensity: 1 });
    const { t } = r;
    const s1u = (pred: (i: number) => boolean, m: number) => count(t, (i) => pred(i) && t.s1u[i] === 1) / m;
    expect(s1u((i) => r.foot(i) && r.during(i), r.minutesDuring)).toBeLessThan(0.1 * s1u((i) => r.foot(i) && r.before(i), r.minutesBefore));
    expect(s1u((i) => !r.foot(i) && r.during(i), r.minutesDuring)).toBeGreaterThan(0.6 * s1u((i) => !r.foot(i) && r.before(i), r.minutesBefore));
    expect(count(t, (i) => r.foot(i) && r.during(i) && isProc(t, i, PROC.attach) && t.emm[i] === 19)).toBeGreaterThan(3);
    // A session keeps its PGW when the user moves on: a trickle just outside the footprint, no more.
    expect(count(t, (i) => !r.foot(i) && t.emm[i] === 19)).toBeLessThan(0.1 * count(t, (i) => r.foot(i) && t.emm[i] === 19));
    expect(count(t, (i) => !r.foot(i) && r.before(i) && t.emm[i] === 19)).toBe(0);
  });

  it('user-plane DNS: SERVFAIL/REFUSED/no answer, fewer TCP sessions, healthy signalling — in its regions only', () => {
    const r = run('dns', { intensity: 1, size: 2 });
    const { t } = r;
    const dns = (i: number) => t.s1u[i] === 1 && t.app[i] === APPC.dns;
    const bad = (i: number) => t.dns[i] === 2 || t.dns[i] === 5 || t.dns[i] === -1;
    expect(ratio(t, (i) => r.foot(i) && r.during(i) && dns(i), bad)).toBeGreaterThan(0.8);
    expect(ratio(t, (i) => r.foot(i) && r.before(i) && dns(i), bad)).toBe(0);
    expect(ratio(t, (i) => !r.foot(i) && r.during(i) && dns(i), bad)).toBe(0);
    const tcpPerSr = (pred: (i: number) => boolean) =>
      count(t, (i) => pred(i) && t.s1u[i] === 1 && !dns(i)) / count(t, (i) => pred(i) && isProc(t, i, PROC.service_request));
    expect(tcpPerSr((i) => r.foot(i) && r.during(i))).toBeLessThan(0.6 * tcpPerSr((i) => r.foot(i) && r.before(i)));
    expect(ratio(t, (i) => r.foot(i) && r.during(i) && isProc(t, i, PROC.service_request), (i) => t.status[i] !== 0)).toBeLessThan(0.02);
  });

  it('interference / coverage hole: drops, E-RAB and handover failures, retransmissions up, throughput down', () => {
    const r = run('interference', { onset: 'creeping', ramp_minutes: 10, intensity: 1, size: 4 });
    const { t } = r;
    const rel = (i: number) => isProc(t, i, PROC.ue_context_release);
    const dropRate = (pred: (i: number) => boolean) => ratio(t, (i) => pred(i) && rel(i), (i) => isDrop(t, i));
    const inside = (i: number) => r.foot(i) && r.during(i);
    expect(dropRate(inside)).toBeGreaterThan(0.05);
    expect(dropRate(inside)).toBeGreaterThan(4 * dropRate((i) => r.foot(i) && r.before(i)));
    expect(dropRate((i) => !r.foot(i) && r.during(i))).toBeLessThan(0.015);
    const ho = (i: number) => isProc(t, i, PROC.x2_handover, PROC.s1_handover_out);
    expect(ratio(t, (i) => inside(i) && ho(i), (i) => t.status[i] === 1)).toBeGreaterThan(0.05);
    expect(count(t, (i) => inside(i) && isProc(t, i, PROC.erab_setup) && t.status[i] === 1)).toBeGreaterThan(0);
    expect(retransRatio(r, inside)).toBeGreaterThan(2 * retransRatio(r, (i) => r.foot(i) && r.before(i)));
  });

  it('event congestion: several times the users per cell, radio-resources-not-available / reduce-load, delays up, throughput down', () => {
    const r = run('congestion', { onset: 'creeping', ramp_minutes: 10, intensity: 1, surge: 6, size: 2 });
    const { t } = r;
    const inside = (i: number) => r.foot(i) && r.during(i);
    // Load: signalling of the crowd (several times the usual users camp on the event cells).
    const perMin = (pred: (i: number) => boolean, m: number) => count(t, (i) => pred(i) && isProc(t, i, PROC.service_request, PROC.tau)) / m;
    expect(perMin(inside, r.minutesDuring)).toBeGreaterThan(2.5 * perMin((i) => r.foot(i) && r.before(i), r.minutesBefore));
    expect(r.city.attendee.filter((a) => a === r.f.id + 1).length).toBeGreaterThan(50);
    const overload = (pred: (i: number) => boolean) =>
      count(t, (i) => pred(i) && t.s1u[i] === 0 && t.group[i] === GRP.radioNetwork && (t.s1ap[i] === 25 || t.s1ap[i] === 19));
    expect(overload(inside)).toBeGreaterThan(5);
    expect(overload((i) => r.foot(i) && r.before(i))).toBe(0);
    const tcp = (i: number) => t.s1u[i] === 1 && t.ack[i] >= 0;
    expect(mean(t, (i) => inside(i) && tcp(i), (i) => t.ack[i])).toBeGreaterThan(mean(t, (i) => r.foot(i) && r.before(i) && tcp(i), (i) => t.ack[i]) + 50);
    const tput = (pred: (i: number) => boolean) => mean(t, (i) => pred(i) && t.s1u[i] === 1 && t.app[i] === APPC.https && t.dlBytes[i] > 0, (i) => t.dlBytes[i] / t.dur[i]);
    expect(tput(inside)).toBeLessThan(0.5 * tput((i) => !r.foot(i) && r.during(i)));
  });

  it('misconfiguration after a cut-over: abrupt TAU storm with rejects 12/13/15, handover preparation failures, ESM 27/33/37', () => {
    const r = run('misconfig', { size: 4 });
    const { t, f } = r;
    const inside = (i: number) => r.foot(i) && r.during(i);
    const tau = (i: number) => isProc(t, i, PROC.tau);
    const tauPerMin = (pred: (i: number) => boolean, m: number) => count(t, (i) => pred(i) && tau(i)) / m;
    expect(tauPerMin(inside, r.minutesDuring)).toBeGreaterThan(2.5 * tauPerMin((i) => r.foot(i) && r.before(i), r.minutesBefore));
    const wrongTa = (i: number) => t.status[i] === 1 && [12, 13, 15].includes(t.emm[i]);
    expect(ratio(t, (i) => inside(i) && tau(i), wrongTa)).toBeGreaterThan(0.3);
    expect(count(t, (i) => r.before(i) && wrongTa(i))).toBe(0);
    expect(count(t, (i) => !r.foot(i) && wrongTa(i))).toBe(0);
    // Abrupt: the first minute after the change already shows it.
    expect(count(t, (i) => r.foot(i) && tau(i) && wrongTa(i) && t.time[i] >= f.start && t.time[i] < f.start + 2 * MIN)).toBeGreaterThan(0);
    expect(count(t, (i) => inside(i) && isProc(t, i, PROC.x2_handover, PROC.s1_handover_out) && t.status[i] === 1 && t.s1ap[i] === 8)).toBeGreaterThan(0);
    expect(count(t, (i) => inside(i) && [27, 33, 37].includes(t.esm[i]))).toBeGreaterThan(0);
    expect(count(t, (i) => !r.foot(i) && [33, 37].includes(t.esm[i]))).toBe(0);
  });
});
