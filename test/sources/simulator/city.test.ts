import { describe, expect, it } from 'vitest';
import { createCity, faultIntensity, locate, SLOT_MS, simulateRecords, luhnValid, DEVICE_MODELS, NEIGHBOURS } from '../../../src/sources/simulator/index.js';
import { collect, count, PROC } from './record-table.js';

const HOUR = 3_600_000;

describe('synthetic city', () => {
  const city = createCity({ seed: 11, subscribers: 2000, hours: 1, scenario: 'quiet', start: Date.parse('2026-03-02T20:00:00Z') });

  it('has the topology DOMAIN.md asks for: ≥300 eNBs, ≥1,000 cells, ~30 regions, 3–9 cells per eNB, ECI = eNB×256+cell', () => {
    const net = city.net;
    expect(net.enbCount).toBeGreaterThanOrEqual(300);
    expect(net.cellCount).toBeGreaterThanOrEqual(1000);
    expect(net.regionNames).toHaveLength(30);
    for (let e = 0; e < net.enbCount; e++) {
      expect(net.enbCellCount[e]).toBeGreaterThanOrEqual(3);
      expect(net.enbCellCount[e]).toBeLessThanOrEqual(9);
      expect(net.enbId[e]).toBeLessThan(2 ** 20);
    }
    const ecis = new Set<number>();
    for (const c of net.cells) {
      expect(Math.floor(c.eci / 256)).toBe(c.enbId);
      expect(c.eci % 256).toBeGreaterThan(0);
      expect(c.tac).toBeLessThan(2 ** 16);
      ecis.add(c.eci);
    }
    expect(ecis.size).toBe(net.cellCount);
    expect(net.poolCount).toBeGreaterThanOrEqual(2);
    expect(net.transportGroups).toBeGreaterThan(30);
  });

  it('gives valid, unique identities: IMSI 460 00/02/07, MSISDN 11 digits, IMEI with a device TAC and Luhn digit', () => {
    const subs = city.subs;
    const tacs = new Set(DEVICE_MODELS.map((d) => d.tac));
    const imsis = new Set<number>();
    for (let u = 0; u < subs.count; u++) {
      const imsi = String(subs.imsi[u]);
      expect(imsi).toMatch(/^460(00|02|07)\d{10}$/);
      imsis.add(subs.imsi[u]);
      expect(String(subs.msisdn[u])).toMatch(/^1\d{10}$/);
      const imei = subs.imei[u];
      expect(String(imei)).toHaveLength(15);
      expect(luhnValid(imei, 15)).toBe(true);
      expect(tacs.has(Math.floor(imei / 1e7))).toBe(true);
    }
    expect(imsis.size).toBe(subs.count);
    expect(luhnValid(490154203237518, 15)).toBe(true); // a published example IMEI
    expect(luhnValid(490154203237517, 15)).toBe(false);
  });

  it('is deterministic by seed and differs between seeds', () => {
    const a = collect(simulateRecords(createCity({ seed: 5, subscribers: 300, hours: 0.25, scenario: 'default' })), true);
    const b = collect(simulateRecords(createCity({ seed: 5, subscribers: 300, hours: 0.25, scenario: 'default' })), true);
    const c = collect(simulateRecords(createCity({ seed: 6, subscribers: 300, hours: 0.25, scenario: 'default' })), true);
    expect(a.n).toBeGreaterThan(1000);
    expect(b.n).toBe(a.n);
    expect(b.xdr).toEqual(a.xdr);
    expect(Array.from(b.time)).toEqual(Array.from(a.time));
    expect(Array.from(b.imsi)).toEqual(Array.from(a.imsi));
    expect(Array.from(b.dlBytes)).toEqual(Array.from(a.dlBytes));
    expect(Array.from(c.imsi.slice(0, 200))).not.toEqual(Array.from(a.imsi.slice(0, 200)));
    expect(new Set(a.xdr).size).toBe(a.n);
    // Batch size changes the cut, not the content.
    const d = collect(simulateRecords(createCity({ seed: 5, subscribers: 300, hours: 0.25, scenario: 'default' }), { batchSize: 1000 }));
    expect(d.batches).toBeGreaterThan(a.batches);
    expect(Array.from(d.time)).toEqual(Array.from(a.time));
  });

  const t = collect(simulateRecords(city));

  it('emits records in start-time order within and across batches (10 ms buckets)', () => {
    expect(t.batches).toBeGreaterThan(1);
    let worst = 0;
    for (let i = 1; i < t.n; i++) worst = Math.max(worst, t.time[i - 1] - t.time[i]);
    expect(worst).toBeLessThanOrEqual(10);
    expect(t.time[0]).toBeGreaterThanOrEqual(city.start);
    expect(t.time[t.n - 1]).toBeLessThan(city.end);
  });

  it('keeps a user consistent: one MSISDN and IMEI per IMSI, cells at or next to where the user is', () => {
    const byImsi = new Map<number, [number, number]>();
    const userOf = new Map<number, number>();
    for (let u = 0; u < city.subs.count; u++) userOf.set(city.subs.imsi[u], u);
    const cellOf = new Map(city.net.cells.map((c, i) => [c.eci, i]));
    let near = 0;
    let checked = 0;
    let mismatched = 0;
    for (let i = 0; i < t.n; i++) {
      const prev = byImsi.get(t.imsi[i]);
      if (!prev) byImsi.set(t.imsi[i], [t.msisdn[i], t.imei[i]]);
      else if (prev[0] !== t.msisdn[i] || prev[1] !== t.imei[i]) mismatched++;
      if (i % 11 !== 0) continue; // locating every record is slow; a sample is enough
      checked++;
      const u = userOf.get(t.imsi[i])!;
      // The generator places users per 15-minute slot; an episode may run into the next slot.
      const slot = Math.floor(t.time[i] / SLOT_MS) * SLOT_MS;
      const c = cellOf.get(t.eci[i])!;
      const ok = [slot, slot - SLOT_MS].some((s) => {
        const here = locate(city, u, s);
        return c === here || city.net.neighbours.subarray(here * NEIGHBOURS, (here + 1) * NEIGHBOURS).includes(c);
      });
      if (ok) near++;
    }
    expect(mismatched).toBe(0);
    expect(byImsi.size).toBeGreaterThan(city.subs.count * 0.8);
    expect(near / checked).toBeGreaterThan(0.97);
  });

  it('matches the busy-hour rates of DOMAIN.md §2 per subscriber', () => {
    const users = city.subs.count;
    const perUser = (p: number) => count(t, (i) => !t.s1u[i] && t.proc[i] === p) / users;
    expect(perUser(PROC.service_request)).toBeGreaterThanOrEqual(10);
    expect(perUser(PROC.service_request)).toBeLessThanOrEqual(25);
    expect(perUser(PROC.tau)).toBeGreaterThanOrEqual(2);
    expect(perUser(PROC.tau)).toBeLessThanOrEqual(5);
    const ho = perUser(PROC.x2_handover) + perUser(PROC.s1_handover_out);
    expect(ho).toBeGreaterThanOrEqual(3);
    expect(ho).toBeLessThanOrEqual(8);
    expect(perUser(PROC.erab_setup) + perUser(PROC.pdn_connect)).toBeGreaterThanOrEqual(2);
    expect(perUser(PROC.erab_setup) + perUser(PROC.pdn_connect)).toBeLessThanOrEqual(6);
    const attach = perUser(PROC.attach);
    expect(attach).toBeGreaterThan(0.005);
    expect(attach).toBeLessThan(0.1);
    expect(count(t, (i) => t.s1u[i] === 1) / users).toBeGreaterThan(10);
  });

  it('follows the diurnal curve: the night hour carries a fraction of the busy hour', () => {
    const night = createCity({ seed: 11, subscribers: 2000, hours: 1, scenario: 'quiet', start: Date.parse('2026-03-02T03:00:00Z') });
    let n = 0;
    for (const b of simulateRecords(night)) n += b.numRows;
    expect(n / t.n).toBeLessThan(0.25);
    expect(n / t.n).toBeGreaterThan(0.02);
  });

  it('healthy network baselines: set-up ≥ 98%, TAU ≥ 95%, abnormal releases ≤ 1%, handover ≥ 98%', () => {
    const fail = (p: number) => count(t, (i) => !t.s1u[i] && t.proc[i] === p && t.status[i] !== 0) / count(t, (i) => !t.s1u[i] && t.proc[i] === p);
    expect(fail(PROC.service_request)).toBeLessThan(0.02);
    expect(fail(PROC.service_request)).toBeGreaterThan(0); // background failures exist
    expect(fail(PROC.tau)).toBeLessThan(0.05);
    expect(fail(PROC.x2_handover)).toBeLessThan(0.03);
    const rel = (i: number) => !t.s1u[i] && t.proc[i] === PROC.ue_context_release;
    const drops = count(t, (i) => rel(i) && t.s1ap[i] === 21) / count(t, rel);
    expect(drops).toBeLessThan(0.012);
    expect(drops).toBeGreaterThan(0);
  });

  it('carries background noise: a buggy device family and chronic weak-coverage cells fail more', () => {
    const buggyTacs = new Set(DEVICE_MODELS.filter((d) => d.buggy).map((d) => d.tac));
    const buggy = (i: number) => buggyTacs.has(Math.floor(t.imei[i] / 1e7));
    const sr = (i: number) => !t.s1u[i] && t.proc[i] === PROC.service_request;
    const srFail = (pred: (i: number) => boolean) => count(t, (i) => sr(i) && pred(i) && t.status[i] !== 0) / count(t, (i) => sr(i) && pred(i));
    expect(srFail(buggy)).toBeGreaterThan(3 * srFail((i) => !buggy(i)));
    const weakEci = new Set(city.net.cells.filter((_, c) => city.net.cellWeak[c]).map((c) => c.eci));
    expect(weakEci.size).toBeGreaterThan(5);
    const rel = (i: number) => !t.s1u[i] && t.proc[i] === PROC.ue_context_release;
    const dropRate = (pred: (i: number) => boolean) => count(t, (i) => rel(i) && pred(i) && t.s1ap[i] === 21) / count(t, (i) => rel(i) && pred(i));
    expect(dropRate((i) => weakEci.has(t.eci[i]))).toBeGreaterThan(3 * dropRate((i) => !weakEci.has(t.eci[i])));
  });

  it('ramps creeping faults and switches abrupt ones', () => {
    const base = { id: 0, start: 1000, end: 11_000, rampMs: 4000, peak: 0.8 } as const;
    expect(faultIntensity({ ...base, onset: 'abrupt' } as never, 999)).toBe(0);
    expect(faultIntensity({ ...base, onset: 'abrupt' } as never, 1000)).toBe(0.8);
    expect(faultIntensity({ ...base, onset: 'creeping' } as never, 3000)).toBeCloseTo(0.4);
    expect(faultIntensity({ ...base, onset: 'creeping' } as never, 9000)).toBe(0.8);
    expect(faultIntensity({ ...base, onset: 'creeping' } as never, 11_000)).toBe(0);
  });

  it('rejects bad configuration with a clear message', () => {
    expect(() => createCity({ subscribers: 5 })).toThrow(/subscribers/);
    expect(() => createCity({ scenario: 'no-such-scenario' })).toThrow(/neither a built-in .* nor a readable file/);
    expect(() => createCity({ scenario: { name: 'x', faults: [{ type: 'volcano' as never }] } })).toThrow(/scenario/);
  });

  it('stays fast enough to hold 100k subscribers in memory (typed arrays, no per-user objects)', () => {
    expect(city.subs.imsi).toBeInstanceOf(Float64Array);
    expect(hours(city.end - city.start)).toBe(1);
  });
});

function hours(ms: number): number {
  return ms / HOUR;
}
