import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { DEFAULT_SPEC_PATH, FeatureEngine, loadFeatureSpec, parseFeatureSpec, type FeatureWindow } from '../../src/features/index.js';
import { makeRecords, makeTopology, rng, toBatch, T0, type Records } from './records.js';

const spec = await loadFeatureSpec();
const topology = makeTopology();
const L = spec.windowMs;

function run(rec: Records, order: number[], cuts: number[], opts: ConstructorParameters<typeof FeatureEngine>[2] = {}, s = spec) {
  const engine = new FeatureEngine(s, topology, opts);
  const windows: FeatureWindow[] = [];
  let from = 0;
  for (const to of [...cuts, order.length]) {
    if (to > from) windows.push(...engine.push(toBatch(rec, order.slice(from, to))));
    from = to;
  }
  windows.push(...engine.flush());
  return { engine, windows };
}

function randomCuts(n: number, r: () => number, pieces: number): number[] {
  const cuts = new Set<number>();
  while (cuts.size < pieces) cuts.add(1 + Math.floor(r() * (n - 1)));
  return [...cuts].sort((a, b) => a - b);
}

/** Arrival order where each record is delayed by at most `maxDelay` (so none is beyond the allowed lateness). */
function boundedShuffle(rec: Records, r: () => number, maxDelay: number): number[] {
  const key = rec.start.map((t) => t + r() * maxDelay);
  return [...key.keys()].sort((a, b) => key[a] - key[b]);
}

function expectSameWindows(a: FeatureWindow[], b: FeatureWindow[]) {
  expect(b.length).toBe(a.length);
  for (let w = 0; w < a.length; w++) {
    expect(b[w].windowStart).toBe(a[w].windowStart);
    expect(Array.from(b[w].imsi)).toEqual(Array.from(a[w].imsi));
    expect(b[w].msisdn).toEqual(a[w].msisdn);
    expect(Array.from(b[w].cell)).toEqual(Array.from(a[w].cell));
    expect(Array.from(b[w].regionIndex)).toEqual(Array.from(a[w].regionIndex));
    for (let k = 0; k < a[w].columns.length; k++) {
      // Inputs are integers, so every accumulator is exact: outputs must be bit-identical (NaN included).
      expect(Array.from(b[w].columns[k]), a[w].featureNames[k]).toEqual(Array.from(a[w].columns[k]));
    }
  }
}

describe('FeatureEngine', () => {
  const rec = makeRecords(6000, 150, 3, 7, topology);
  const sorted = [...Array(rec.n).keys()];
  const reference = run(rec, sorted, []);

  it('produces one row per active user-window, windows in order, rows sorted by IMSI', () => {
    const ws = reference.windows;
    expect(ws.length).toBe(12); // 3 hours of 15-minute windows
    let total = 0;
    for (let w = 0; w < ws.length; w++) {
      expect(ws[w].windowStart).toBe(Math.floor(T0 / L) * L + w * L);
      expect(ws[w].windowEnd - ws[w].windowStart).toBe(L);
      const imsi = Array.from(ws[w].imsi);
      expect(imsi).toEqual([...imsi].sort((a, b) => a - b));
      expect(new Set(imsi).size).toBe(imsi.length);
      total += ws[w].columns[ws[w].featureNames.indexOf('cnt_records')].reduce((s, v) => s + v, 0);
    }
    expect(total).toBe(rec.n);
    expect(reference.engine.stats().lateRecords).toBe(0);
  });

  it('does not depend on batch cuts or (within lateness) arrival order', () => {
    const r = rng(42);
    for (let trial = 0; trial < 6; trial++) {
      const order = trial % 2 === 0 ? sorted : boundedShuffle(rec, r, 100_000);
      const cuts = randomCuts(rec.n, r, 1 + Math.floor(r() * 40));
      const got = run(rec, order, cuts, { allowedLatenessMs: 120_000 });
      expect(got.engine.stats().lateRecords).toBe(0);
      expectSameWindows(reference.windows, got.windows);
    }
  });

  it('gives the same windows when the caller recycles each window once it has copied it', () => {
    const engine = new FeatureEngine(spec, topology);
    const copies: FeatureWindow[] = [];
    const take = (ws: FeatureWindow[]) => {
      for (const w of ws) {
        copies.push({ ...w, imsi: w.imsi.slice(), cell: w.cell.slice(), regionIndex: w.regionIndex.slice(), msisdn: [...w.msisdn], columns: w.columns.map((c) => c.slice()) });
        engine.recycle(w);
        engine.recycle(w); // a second hand-back of the same window must not share its buffers twice
      }
    };
    const r = rng(7);
    let from = 0;
    for (const to of [...randomCuts(rec.n, r, 25), rec.n]) {
      take(engine.push(toBatch(rec, sorted.slice(from, to))));
      from = to;
    }
    take(engine.flush());
    expectSameWindows(reference.windows, copies);
  });

  it('never reuses the buffers of a window the caller still holds (recycling the one before it, as the streaming engine does)', () => {
    const engine = new FeatureEngine(spec, topology);
    const got: FeatureWindow[] = [];
    let held: FeatureWindow | null = null;
    const take = (ws: FeatureWindow[]) => {
      for (const w of ws) {
        if (held) engine.recycle(held);
        held = w;
        got.push(w);
      }
    };
    let from = 0;
    for (const to of [...randomCuts(rec.n, rng(11), 30), rec.n]) {
      take(engine.push(toBatch(rec, sorted.slice(from, to))));
      from = to;
    }
    take(engine.flush());
    // The last window, still held, is intact after every other window was recycled and reused.
    expectSameWindows(reference.windows.slice(-1), got.slice(-1));
    // Reuse really happened: a later window's columns live in an earlier window's buffers.
    const buffers = new Set(got[0].columns.map((c) => c.buffer));
    expect(got.slice(2).some((w) => w.columns.some((c) => buffers.has(c.buffer)))).toBe(true);
  });

  it('groups every record with its own user in windows of thousands of users', () => {
    const big = makeRecords(24_000, 6_000, 0.5, 13, topology);
    const { windows } = run(big, [...Array(big.n).keys()], [5_000, 11_000, 17_000]);
    // Records, distinct cells and latest msisdn per user-window, counted directly.
    const want = new Map<string, { n: number; cells: Set<number>; t: number; msisdn: string }>();
    for (let i = 0; i < big.n; i++) {
      const key = `${big.imsi[i]}|${Math.floor(big.start[i] / L) * L}`;
      let u = want.get(key);
      if (!u) want.set(key, (u = { n: 0, cells: new Set(), t: -Infinity, msisdn: '' }));
      u.n++;
      if (!Number.isNaN(big.eci[i])) u.cells.add(big.eci[i]);
      if (big.start[i] > u.t || (big.start[i] === u.t && Number(big.msisdn[i]) > Number(u.msisdn))) {
        u.t = big.start[i];
        u.msisdn = big.msisdn[i];
      }
    }
    expect(Math.max(...windows.map((w) => w.imsi.length))).toBeGreaterThan(4096);
    let rows = 0;
    for (const w of windows) {
      const cnt = w.columns[w.featureNames.indexOf('cnt_records')];
      const cells = w.columns[w.featureNames.indexOf('distinct_cells')];
      for (let j = 0; j < w.imsi.length; j++) {
        const u = want.get(`${w.imsi[j]}|${w.windowStart}`);
        expect(u).toBeDefined();
        expect([cnt[j], cells[j], w.msisdn[j]]).toEqual([u!.n, u!.cells.size, u!.msisdn]);
        rows++;
      }
    }
    expect(rows).toBe(want.size);
  });

  it('sorts rows by IMSI over the whole key range (1 to 15 digits) and keeps each row with its records', () => {
    const wide = makeRecords(8_000, 3_000, 0.5, 17, topology);
    const r = rng(3);
    const keyOf = new Map<number, number>();
    for (let i = 0; i < wide.n; i++) {
      const old = wide.imsi[i];
      let k = keyOf.get(old);
      if (k === undefined) keyOf.set(old, (k = Math.floor(r() * 10 ** (1 + Math.floor(r() * 15)))));
      wide.imsi[i] = k;
    }
    const { windows } = run(wide, [...Array(wide.n).keys()], [3_000]);
    const count = new Map<string, number>();
    for (let i = 0; i < wide.n; i++) {
      const key = `${wide.imsi[i]}|${Math.floor(wide.start[i] / L) * L}`;
      count.set(key, (count.get(key) ?? 0) + 1);
    }
    let rows = 0;
    for (const w of windows) {
      const imsi = Array.from(w.imsi);
      expect(imsi).toEqual([...imsi].sort((a, b) => a - b));
      const cnt = w.columns[w.featureNames.indexOf('cnt_records')];
      imsi.forEach((k, j) => expect(cnt[j]).toBe(count.get(`${k}|${w.windowStart}`)));
      rows += imsi.length;
    }
    expect(rows).toBe(count.size);
  });

  it('dead-letters records beyond the allowed lateness and counts them', () => {
    // Move 20 records 40 minutes into the past, arriving where they were.
    const moved = makeRecords(2000, 50, 2, 3, topology);
    const late = [1500, 1510, 1520, 1530, 1540, 1550, 1560, 1570, 1580, 1590];
    for (const i of late) moved.start[i] -= 40 * 60_000;
    const letters: { reason: string; row: number }[] = [];
    const engine = new FeatureEngine(spec, topology, { allowedLatenessMs: 60_000, deadLetters: { add: (l) => letters.push(l) } });
    const ws = [...engine.push(toBatch(moved, [...Array(moved.n).keys()])), ...engine.flush()];
    expect(engine.stats().lateRecords).toBe(late.length);
    expect(letters.length).toBe(late.length);
    expect(letters.every((l) => l.reason.startsWith('late record: '))).toBe(true);
    expect(letters.map((l) => l.row)).toEqual(late.map((i) => i + 1));
    const counted = ws.reduce((s, w) => s + w.columns[0].reduce((a, v) => a + v, 0), 0);
    expect(counted).toBe(moved.n - late.length);
  });

  it('moves event time on without records (a quiet input): closes what the watermark passes, later records are late', () => {
    const rec2 = makeRecords(2000, 50, 2, 3, topology);
    const order = [...Array(rec2.n).keys()];
    const firstHour = order.filter((i) => rec2.start[i] < T0 + 3_600_000);
    const engine = new FeatureEngine(spec, topology, { allowedLatenessMs: 60_000 });
    const pushed = engine.push(toBatch(rec2, firstHour));
    expect(engine.openWindowCount).toBeGreaterThan(0);
    const t = engine.eventTime + 2 * L;
    const closed = engine.advanceEventTime(t);
    // Every window the new watermark passed is closed, and holds exactly the records a full run counted for it.
    expect(engine.openWindowCount).toBe(0);
    expect(engine.eventTime).toBe(t);
    expect(engine.advanceEventTime(t - L)).toEqual([]); // event time never goes back
    const full = run(rec2, firstHour, []).windows;
    expectSameWindows(full, [...pushed, ...closed]);
    // A record of the first hour arriving now is behind the watermark.
    engine.push(toBatch(rec2, [firstHour.at(-1)!]));
    expect(engine.stats().lateRecords).toBe(1);
  });

  it('dead-letters records with a malformed IMSI instead of crashing', () => {
    const small = makeRecords(50, 5, 0.2, 5, topology);
    const letters: { reason: string; raw: string }[] = [];
    const engine = new FeatureEngine(spec, topology, { deadLetters: { add: (l) => letters.push(l) } });
    const batch = toBatch(small, [...Array(small.n).keys()], (i) => (i === 3 ? '46000abc' : i === 4 ? null : String(small.imsi[i])));
    const ws = [...engine.push(batch), ...engine.flush()];
    expect(engine.stats().invalidRecords).toBe(2);
    expect(letters.map((l) => l.reason.split(':')[0])).toEqual(['invalid imsi', 'invalid imsi']);
    expect(letters[0].raw).toContain('46000abc');
    expect(ws.reduce((s, w) => s + w.imsi.length, 0)).toBeGreaterThan(0);
  });

  it('snapshot/restore mid-stream continues exactly', () => {
    const order = sorted;
    const half = Math.floor(rec.n / 2) + 17;
    const a = new FeatureEngine(spec, topology);
    const out: FeatureWindow[] = [...a.push(toBatch(rec, order.slice(0, half)))];
    const bytes = a.snapshot();
    const b = FeatureEngine.restore(spec, topology, bytes);
    // Byte figures depend on array capacities, which a restore sizes afresh; every count must match.
    const { stateBytes: _a, stateBytesPerUser: _b, userStateBytesPerUser: _c, windowStateBytes: _d, ...before } = a.stats();
    expect(b.stats()).toMatchObject(before);
    out.push(...b.push(toBatch(rec, order.slice(half))), ...b.flush());
    expectSameWindows(reference.windows, out);
    // A snapshot of a restored engine is byte-identical to the original.
    expect(Buffer.from(FeatureEngine.restore(spec, topology, bytes).snapshot()).equals(Buffer.from(bytes))).toBe(true);
  });

  it('refuses a snapshot from another spec or a corrupt one', async () => {
    const other = { ...spec, hash: 'f'.repeat(64) };
    const bytes = new FeatureEngine(spec, topology).snapshot();
    expect(() => FeatureEngine.restore(other, topology, bytes)).toThrow(/spec hash/);
    expect(() => FeatureEngine.restore(spec, topology, bytes.subarray(0, 10))).toThrow(/invalid feature-engine snapshot/);
    // A checkpoint of the earlier accumulator-row format is refused, not misread.
    const old = bytes.slice();
    old.set(new TextEncoder().encode('HSFEAT01'), 0);
    expect(() => FeatureEngine.restore(spec, topology, old)).toThrow(/missing 'HSFEAT02' tag/);
  });

  it('evicts idle users but keeps their baseline: results equal those without eviction', () => {
    // Users active in hour 0 and again in hour 5: with a 1-hour idle limit they are evicted in between.
    const early = makeRecords(1500, 40, 1, 11, topology);
    const lateRecs = makeRecords(1500, 40, 1, 12, topology);
    const both: Records = { ...early };
    for (const k of Object.keys(early) as (keyof Records)[]) {
      if (k === 'n') continue;
      (both[k] as number[]) = [...(early[k] as number[]), ...(lateRecs[k] as number[]).map((v) => (k === 'start' || k === 'end' ? v + 5 * 3_600_000 : v))] as never;
    }
    both.n = early.n + lateRecs.n;
    const order = [...Array(both.n).keys()];
    // The single-record batch at 1500 closes the early windows before the others return.
    const keep = run(both, order, [700, 1500, 1501, 2200], { idleEvictMs: 1e12 });
    const evict = run(both, order, [700, 1500, 1501, 2200], { idleEvictMs: 3_600_000 });
    expect(keep.engine.stats().evictedUsers).toBe(0);
    expect(evict.engine.stats().evictedUsers).toBeGreaterThan(30);
    expectSameWindows(keep.windows, evict.windows);
    // The returning users do have a baseline: d_base is defined for them.
    const last = evict.windows[evict.windows.length - 1];
    const dBase = last.columns[last.featureNames.indexOf('d_base_cnt_records')];
    expect(Array.from(dBase).filter((v) => !Number.isNaN(v)).length).toBeGreaterThan(0);
    expect(evict.engine.stats().stateBytesPerUser).toBeGreaterThan(0);
  });

  it.each([false, true])('differential features follow the previous window and the EWMA baseline of the same user (hour of day: %s)', async (hourOfDay) => {
    const s = hourOfDay ? parseFeatureSpec({ ...JSON.parse(readFileSync(DEFAULT_SPEC_PATH, 'utf8')), baseline: { alpha: 0.3, hourOfDay: true } }) : spec;
    const ws = hourOfDay ? run(rec, sorted, [], {}, s).windows : reference.windows;
    const names = ws[0].featureNames;
    const alpha = s.baseline.alpha;
    const diff = s.differential.features.map((d) => (typeof d === 'string' ? { name: d, smoothing: s.differential.smoothing } : d));
    // Recompute from the emitted base features alone: previous row of the same IMSI, and an EWMA over its rows.
    const prev = new Map<number, { start: number; values: number[] }>();
    const base = new Map<string, number[]>(); // per user, and per hour of day when the spec asks for it
    const baseKey = (u: number, start: number) => (hourOfDay ? `${u}@${new Date(start).getUTCHours()}` : `${u}`);
    const col = {
      x: diff.map((d) => names.indexOf(d.name)),
      dPrev: diff.map((d) => names.indexOf(`d_prev_${d.name}`)),
      dBase: diff.map((d) => names.indexOf(`d_base_${d.name}`)),
      rBase: diff.map((d) => names.indexOf(`r_base_${d.name}`)),
    };
    expect([...col.x, ...col.dPrev, ...col.dBase, ...col.rBase].every((i) => i >= 0)).toBe(true);
    let checked = 0;
    for (const w of ws) {
      for (let j = 0; j < w.imsi.length; j++) {
        const u = w.imsi[j];
        const x = diff.map((_d, k) => w.columns[col.x[k]][j]);
        const p = prev.get(u);
        const b = base.get(baseKey(u, w.windowStart)) ?? diff.map(() => NaN);
        diff.forEach((d, k) => {
          const dPrev = w.columns[col.dPrev[k]][j];
          const dBase = w.columns[col.dBase[k]][j];
          const rBase = w.columns[col.rBase[k]][j];
          if (p && p.start === w.windowStart - L) expect(dPrev).toBe(x[k] - p.values[k]);
          else expect(dPrev).toBeNaN();
          expect(dBase).toBe(x[k] - b[k]);
          if (Number.isNaN(b[k])) expect(rBase).toBeNaN();
          else expect(rBase).toBe((x[k] + d.smoothing) / (b[k] + d.smoothing));
          if (!Number.isNaN(x[k])) b[k] = Number.isNaN(b[k]) ? x[k] : b[k] + alpha * (x[k] - b[k]);
          checked++;
        });
        prev.set(u, { start: w.windowStart, values: x });
        base.set(baseKey(u, w.windowStart), b);
      }
    }
    expect(checked).toBeGreaterThan(1000);
  });
});
