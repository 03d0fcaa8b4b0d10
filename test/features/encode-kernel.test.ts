import { describe, expect, it } from 'vitest';
import { Field, Float64, makeData, RecordBatch, Schema, Struct } from 'apache-arrow';
import { FeatureEngine, loadFeatureSpec, type FeatureWindow } from '../../src/features/index.js';
import { makeRecords, makeTopology, rng, toBatch, type Records } from './records.js';

// The WebAssembly encoding (encode-kernel.ts: codes, filters, one-hot buckets, statistic inputs, written straight
// to each record's buffer address) against kernels.ts: the same batches must give the same windows bit for bit,
// with nulls in every input column, values outside every table (→ other), odd derived inputs (HTTP statuses
// outside 100–599, S1AP causes outside the cause space, records that end before they start) and batches cut out
// of larger ones (Arrow slices: validity bitmaps that start mid-byte, value buffers at an offset).

const spec = await loadFeatureSpec();
const topology = makeTopology(24);

function bits(a: Float64Array): string[] {
  return Array.from(new BigUint64Array(a.buffer, a.byteOffset, a.length), (v) => v.toString(16));
}

/** Records with nulls sprinkled over every nullable column and values no table covers. */
function oddRecords(n: number, seed: number): Records {
  const rec = makeRecords(n, 150, 1, seed, topology);
  const r = rng(seed + 100);
  const numeric: (keyof Records)[] = [
    'end', 'eci', 'status', 'requestCause', 'emm', 'esm', 's1apCause', 'qci', 'bearerStatus', 'mme', 'l4', 'ulBytes',
    'dlBytes', 'ulPackets', 'dlPackets', 'ulRetrans', 'dlRetrans', 'synAck', 'ack', 'synAttempts', 'tcpStatus',
    'firstResp', 'http', 'dns',
  ];
  const odd: Partial<Record<keyof Records, number[]>> = {
    status: [-1, 4, 99, 4095, 4096, 2_147_483_647],
    emm: [-7, 1, 5_000, 2_147_483_647],
    esm: [-2_147_483_648, 12, 4_096],
    http: [0, 99, 100, 599, 600, 1_000, -300, 2_147_483_647, -2_147_483_648],
    s1apCause: [-1, 0, 63, 64, 300, 2_147_483_647],
    qci: [0, 10, 4_096, -9],
    l4: [2, 17, -1],
    mme: [0, 77, 4_096],
    ulPackets: [2_147_483_647, -5],
    dlPackets: [2_147_483_647, -5],
    ulBytes: [2 ** 40, -(2 ** 33), 2 ** 53 - 1],
    dlBytes: [2 ** 52 + 3, 0],
  };
  for (let i = 0; i < rec.n; i++) {
    for (const k of numeric) if (r() < 0.04) (rec[k] as number[])[i] = NaN;
    for (const [k, values] of Object.entries(odd) as [keyof Records, number[]][])
      if (r() < 0.05) (rec[k] as number[])[i] = values[Math.floor(r() * values.length)];
    // durations: some records end before they start
    if (r() < 0.05) rec.end[i] = rec.start[i] - 1 - Math.floor(r() * 1000);
    if (r() < 0.03) rec.proc[i] = -1;
    if (r() < 0.03) rec.iface[i] = -1;
    if (r() < 0.03) rec.app[i] = -1;
    if (r() < 0.05) rec.s1apGroup[i] = Math.floor(r() * 3);
    if (r() < 0.02) rec.msisdn[i] = '';
  }
  return rec;
}

function run(rec: Records, kernel: 'wasm' | 'js', cut: (from: number) => number) {
  const letters: string[] = [];
  const engine = new FeatureEngine(spec, topology, { kernel, allowedLatenessMs: 60_000, deadLetters: { add: (l) => letters.push(`${l.row} ${l.reason}`) } });
  const windows: FeatureWindow[] = [];
  const order = [...Array(rec.n).keys()];
  for (let from = 0; from < rec.n; ) {
    const to = Math.min(rec.n, from + cut(from));
    // Each batch a slice out of a larger one that starts 1–13 rows earlier: its bitmaps start mid-byte.
    const skip = Math.min(from, 1 + (from % 13));
    windows.push(...engine.push(toBatch(rec, order.slice(from - skip, to + 5)).slice(skip, skip + to - from)));
    from = to;
  }
  windows.push(...engine.flush());
  return { windows, letters, encoded: engine.batchesEncodedByKernel };
}

function expectSameWindows(a: FeatureWindow[], b: FeatureWindow[]) {
  expect(b.length).toBe(a.length);
  for (let w = 0; w < a.length; w++) {
    expect(bits(b[w].imsi)).toEqual(bits(a[w].imsi));
    expect(b[w].msisdn).toEqual(a[w].msisdn);
    expect(bits(b[w].cell)).toEqual(bits(a[w].cell));
    for (let k = 0; k < a[w].columns.length; k++) expect(bits(b[w].columns[k]), a[w].featureNames[k]).toEqual(bits(a[w].columns[k]));
  }
}

describe('encode kernel (WebAssembly) equals the JavaScript encoding', () => {
  it('on nulls in every column, values outside every table and sliced batches', () => {
    const rec = oddRecords(30_000, 3);
    const sizes = [1, 7, 64, 333, 1000, 2049];
    const cut = (from: number) => sizes[from % sizes.length];
    const js = run(rec, 'js', cut);
    const wasm = run(rec, 'wasm', cut);
    expect(js.encoded).toBe(0);
    // every batch went through the encode kernel
    expect(wasm.encoded).toBeGreaterThan(20);
    expect(wasm.letters).toEqual(js.letters);
    expectSameWindows(js.windows, wasm.windows);
    // the odd inputs reached the features: 'other' buckets and filtered statistics are not all empty
    const names = js.windows[0].featureNames;
    const other = names.filter((f) => f.endsWith('_other'));
    expect(other.length).toBeGreaterThan(0);
    const total = (f: string) => js.windows.reduce((s, w) => s + w.columns[names.indexOf(f)].reduce((x, v) => x + (v > 0 ? v : 0), 0), 0);
    expect(other.some((f) => total(f) > 0)).toBe(true);
  });

  it('encodes a batch with kernels.ts when an input column is not of the expected type, and reports a missing one alike', () => {
    const rec = oddRecords(4_000, 5);
    const order = [...Array(rec.n).keys()];
    const runWith = (kernel: 'wasm' | 'js') => {
      const engine = new FeatureEngine(spec, topology, { kernel, allowedLatenessMs: 60_000 });
      const windows: FeatureWindow[] = [];
      for (let from = 0, b = 0; from < rec.n; from += 500, b++) {
        const batch = toBatch(rec, order.slice(from, from + 500));
        // batch 2: bearer_qci as float64 (the kernel reads int32 values only)
        windows.push(...engine.push(b === 2 ? withFloatColumn(batch, 'bearer_qci') : batch));
      }
      const missing = toBatch(rec, order.slice(0, 10));
      const error = (() => {
        try {
          engine.push(missing.select(missing.schema.names.filter((f) => f !== 'dl_bytes') as string[]));
          return '';
        } catch (err) {
          return (err as Error).message;
        }
      })();
      windows.push(...engine.flush());
      return { windows, encoded: engine.batchesEncodedByKernel, error, records: engine.stats().records };
    };
    const js = runWith('js');
    const wasm = runWith('wasm');
    expect(wasm.encoded).toBe(rec.n / 500 - 1);
    expect(wasm.error).toContain('dl_bytes');
    expect(wasm.error).toBe(js.error);
    // the refused batch changed nothing
    expect(wasm.records).toBe(rec.n);
    expectSameWindows(js.windows, wasm.windows);
  });
});

/** The batch with column `name`'s values as float64 (same validity). */
function withFloatColumn(batch: RecordBatch, name: string): RecordBatch {
  const fields = batch.schema.fields.map((f) => (f.name === name ? new Field(name, new Float64(), true) : f));
  const children = batch.data.children.map((d, k) => {
    if (batch.schema.fields[k].name !== name) return d;
    return makeData({ type: new Float64(), length: d.length, nullCount: d.nullCount, nullBitmap: d.nullBitmap, data: Float64Array.from(d.values as Int32Array) });
  });
  return new RecordBatch(new Schema(fields), makeData({ type: new Struct(fields), length: batch.numRows, children }));
}
