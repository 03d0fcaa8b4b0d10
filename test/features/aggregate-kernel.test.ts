import { describe, expect, it } from 'vitest';
import { FeatureEngine, loadFeatureSpec, type FeatureWindow } from '../../src/features/index.js';
import { utf8Column } from '../../src/schema/columns.js';
import { makeRecords, makeTopology, rng, toBatch, type Records } from './records.js';

// The WebAssembly aggregation kernel against the JavaScript loop it replaces: the same records, cut and ordered
// the same way, must give the same windows bit for bit — including rows with more distinct cells than the kernel
// tracks inline, null MSISDNs and cells, records beyond the allowed lateness, and a kernel memory that grows many
// times while windows are open.

const spec = await loadFeatureSpec();
const topology = makeTopology(48);

function run(rec: Records, order: number[], batch: number, kernel: 'wasm' | 'js') {
  const letters: string[] = [];
  const engine = new FeatureEngine(spec, topology, { kernel, allowedLatenessMs: 60_000, deadLetters: { add: (l) => letters.push(l.reason) } });
  const windows: FeatureWindow[] = [];
  for (let from = 0; from < order.length; from += batch) windows.push(...engine.push(toBatch(rec, order.slice(from, from + batch))));
  windows.push(...engine.flush());
  return { windows, letters, stats: engine.stats() };
}

function bits(a: Float64Array): string[] {
  // Compare NaN and -0 exactly too: the kernel must not just be close.
  return Array.from(new BigUint64Array(a.buffer, a.byteOffset, a.length), (v) => v.toString(16));
}

describe('aggregation kernel (WebAssembly) equals the JavaScript aggregation', () => {
  it('on random records with many cells per user, nulls and late records', () => {
    const rec = makeRecords(40_000, 200, 1, 11, topology); // ~50 records per user-window
    const r = rng(5);
    const cells = topology.cells.map((c) => c.eci);
    for (let i = 0; i < rec.n; i++) {
      const u = rec.imsi[i] % 200;
      // Every 10th user roams over all 48 cells (more than the 16 tracked inline); some records lose their
      // msisdn or cell.
      if (u % 10 === 0) rec.eci[i] = cells[Math.floor(r() * cells.length)];
      if (r() < 0.02) rec.eci[i] = NaN;
      if (r() < 0.02) rec.msisdn[i] = '';
    }
    // Up to 3 minutes out of order with 1 minute of lateness allowed: some records are late.
    const key = rec.start.map((t) => t + r() * 180_000);
    const order = [...key.keys()].sort((a, b) => key[a] - key[b]);
    const js = run(rec, order, 997, 'js');
    const wasm = run(rec, order, 997, 'wasm');
    expect(js.stats.lateRecords).toBeGreaterThan(0);
    expect(wasm.stats.lateRecords).toBe(js.stats.lateRecords);
    expect(wasm.letters).toEqual(js.letters);
    expect(wasm.windows.length).toBe(js.windows.length);
    let roamers = 0;
    const distinct = js.windows[0].featureNames.indexOf('distinct_cells');
    for (let w = 0; w < js.windows.length; w++) {
      const a = js.windows[w];
      const b = wasm.windows[w];
      expect(b.windowStart).toBe(a.windowStart);
      expect(bits(b.imsi)).toEqual(bits(a.imsi));
      expect(b.msisdn).toEqual(a.msisdn);
      expect(bits(b.cell)).toEqual(bits(a.cell));
      expect(Array.from(b.regionIndex)).toEqual(Array.from(a.regionIndex));
      for (let k = 0; k < a.columns.length; k++) expect(bits(b.columns[k]), a.featureNames[k]).toEqual(bits(a.columns[k]));
      roamers += a.columns[distinct].filter((v) => v > 16).length;
    }
    // The spill path (more than 16 distinct cells in a user-window) was exercised.
    expect(roamers).toBeGreaterThan(0);
  });

  it('parses IMSIs and MSISDNs as the JavaScript parser does: 1–15 digits, anything else invalid', () => {
    const rec = makeRecords(3_000, 60, 1, 9, topology);
    const odd = ['', '0', '000000000000001', '999999999999999', '1234567890123456', '12a45', '-1234', ' 123', '12345678901234٣'];
    const imsiOf = (i: number) => (i % 7 === 0 ? (i % 14 === 0 ? null : odd[(i / 7) % odd.length]) : String(rec.imsi[i]));
    for (let i = 0; i < rec.n; i += 5) rec.msisdn[i] = odd[(i / 5) % odd.length];
    const order = [...Array(rec.n).keys()];
    const runWith = (kernel: 'wasm' | 'js') => {
      const letters: string[] = [];
      const engine = new FeatureEngine(spec, topology, { kernel, deadLetters: { add: (l) => letters.push(`${l.row} ${l.reason} ${l.raw}`) } });
      const windows: FeatureWindow[] = [];
      // Batches cut out of larger ones (Arrow slices: value offsets that do not start at 0).
      for (let from = 0; from < rec.n; from += 500) {
        const rows = order.slice(Math.max(0, from - 100), from + 600);
        const skip = from - Math.max(0, from - 100);
        const batch = toBatch(rec, rows, imsiOf).slice(skip, skip + Math.min(500, rec.n - from));
        if (skip > 0) expect(utf8Column(batch, 'msisdn').offsets[0]).toBeGreaterThan(0);
        windows.push(...engine.push(batch));
      }
      windows.push(...engine.flush());
      return { windows, letters };
    };
    const js = runWith('js');
    const wasm = runWith('wasm');
    expect(js.letters.length).toBeGreaterThan(0);
    expect(wasm.letters).toEqual(js.letters);
    expect(wasm.windows.length).toBe(js.windows.length);
    const imsis = new Set<number>();
    for (let w = 0; w < js.windows.length; w++) {
      expect(bits(wasm.windows[w].imsi)).toEqual(bits(js.windows[w].imsi));
      expect(wasm.windows[w].msisdn).toEqual(js.windows[w].msisdn);
      for (const v of js.windows[w].imsi) imsis.add(v);
    }
    // The valid odd IMSIs became users: 0, 1 and 999999999999999.
    expect([0, 1, 999_999_999_999_999].every((v) => imsis.has(v))).toBe(true);
  });

  it('goes on with the JavaScript loops, same values, when the kernel memory is full (also on restore)', () => {
    // 60,000 records in one window need ~10 MB of record chunks; the kernel may have 4 MiB.
    const rec = makeRecords(60_000, 2_000, 0.25, 4, topology);
    const order = [...Array(rec.n).keys()];
    const whole = run(rec, order, 4096, 'js').windows;
    const options = { kernel: 'wasm' as const, allowedLatenessMs: 60_000, kernelMemoryLimitBytes: 4 << 20 };
    const engine = new FeatureEngine(spec, topology, options);
    expect(engine.kernelInUse).toBe('wasm');
    const windows: FeatureWindow[] = [];
    const half = 30_000;
    for (let from = 0; from < half; from += 4096) windows.push(...engine.push(toBatch(rec, order.slice(from, Math.min(half, from + 4096)))));
    expect(engine.kernelInUse).toBe('js');
    // A restore that cannot fit the buffered records in the kernel's memory starts on the JavaScript loops.
    const restored = FeatureEngine.restore(spec, topology, engine.snapshot(), options);
    expect(restored.kernelInUse).toBe('js');
    const restoredWindows = [...windows];
    for (const [e, out] of [[engine, windows], [restored, restoredWindows]] as const) {
      for (let from = half; from < rec.n; from += 4096) out.push(...e.push(toBatch(rec, order.slice(from, Math.min(rec.n, from + 4096)))));
      out.push(...e.flush());
    }
    for (const got of [windows, restoredWindows]) {
      expect(got.length).toBe(whole.length);
      for (let w = 0; w < whole.length; w++) {
        expect(bits(got[w].imsi)).toEqual(bits(whole[w].imsi));
        for (let k = 0; k < whole[w].columns.length; k++) expect(bits(got[w].columns[k]), whole[w].featureNames[k]).toEqual(bits(whole[w].columns[k]));
      }
    }
  });

  it('keeps buffered records when the kernel memory grows between a snapshot and its restore', () => {
    const rec = makeRecords(30_000, 3_000, 1, 3, topology);
    const order = [...Array(rec.n).keys()];
    const whole = run(rec, order, 4096, 'js').windows;
    const first = new FeatureEngine(spec, topology, { kernel: 'wasm', allowedLatenessMs: 60_000 });
    const windows: FeatureWindow[] = [];
    const half = 15_000;
    for (let from = 0; from < half; from += 4096) windows.push(...first.push(toBatch(rec, order.slice(from, Math.min(half, from + 4096)))));
    const restored = FeatureEngine.restore(spec, topology, first.snapshot(), { kernel: 'wasm', allowedLatenessMs: 60_000 });
    for (let from = half; from < rec.n; from += 4096) windows.push(...restored.push(toBatch(rec, order.slice(from, Math.min(rec.n, from + 4096)))));
    windows.push(...restored.flush());
    expect(windows.length).toBe(whole.length);
    for (let w = 0; w < whole.length; w++)
      for (let k = 0; k < whole[w].columns.length; k++) expect(bits(windows[w].columns[k]), whole[w].featureNames[k]).toEqual(bits(whole[w].columns[k]));
  });
});
