// The simulator reuses one S1BatchBuilder for a whole run (flush() instead of a new builder per batch) and
// packs validity eight rows at a time: a flushed batch must equal a finished one, own its buffers, and stay
// unchanged while the generator fills the builder again.
import type { RecordBatch } from 'apache-arrow';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { S1_COLUMNS } from '../../../src/schema/record.js';
import { S1BatchBuilder, packValidity } from '../../../src/schema/s1-batch-builder.js';
import { openRecordWriter } from '../../../src/sources/files/index.js';
import { createCity, simulateRecords, SpentBatches } from '../../../src/sources/simulator/index.js';
import { Rng } from '../../../src/sources/simulator/prng.js';

const dir = mkdtempSync(join(tmpdir(), 'hotspot-batch-reuse-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** The ArrayBuffer behind column `name` of a batch (to see whether a flush reused a spent batch's memory). */
const bufferOf = (b: RecordBatch, name: string) => b.getChild(name)!.data[0].values.buffer;

/** Every column's values (null-aware) as plain JSON-able arrays. */
function snapshot(b: RecordBatch): unknown[][] {
  const out: unknown[][] = [];
  for (let c = 0; c < b.numCols; c++) {
    const v = b.getChildAt(c)!;
    const col: unknown[] = [];
    for (let i = 0; i < b.numRows; i++) {
      const x = v.get(i);
      col.push(typeof x === 'bigint' ? x.toString() : x);
    }
    out.push(col);
  }
  return out;
}

/** Fills rows [0, n) of every column kind with seeded values and nulls (text rows skipped become nulls). */
function fill(b: S1BatchBuilder, n: number, seed: number): void {
  const rng = new Rng(seed, 1);
  for (const spec of S1_COLUMNS) {
    if (spec.kind === 'int32') {
      const v = b.int32(spec.name);
      const ok = b.valid(spec.name);
      for (let i = 0; i < n; i++) {
        v[i] = rng.int(2_000_000) - 1_000_000;
        if (spec.nullable) ok[i] = rng.float() < 0.6 ? 1 + rng.int(200) : 0; // any non-zero byte is valid
      }
    } else if (spec.kind === 'int64') {
      const v = b.int64(spec.name);
      const ok = b.valid(spec.name);
      for (let i = 0; i < n; i++) {
        const r = rng.float();
        v[i] = r < 0.3 ? 1772481600000 + rng.int(1e6) : r < 0.5 ? -rng.int(5e9) : rng.int(2e9);
        if (spec.nullable) ok[i] = rng.float() < 0.7 ? 1 : 0;
      }
    } else if (spec.kind === 'enum') {
      const v = b.enumCodes(spec.name);
      const size = spec.vocabulary!.length;
      for (let i = 0; i < n; i++) v[i] = spec.nullable && rng.float() < 0.3 ? -1 : rng.int(size);
    } else {
      const t = b.utf8(spec.name);
      for (let i = 0; i < n; i++) if (!spec.nullable || rng.float() < 0.8) t.set(i, `v${rng.int(1e6)}-${i}`);
    }
  }
  b.length = n;
}

describe('S1BatchBuilder.flush', () => {
  it('gives the same batch as finish() for every column kind, tails not a multiple of eight included', () => {
    for (const n of [1, 7, 8, 13, 64, 77, 1000]) {
      const fresh = new S1BatchBuilder(1024);
      fill(fresh, n, n);
      const reused = new S1BatchBuilder(1024);
      fill(reused, 500, 99); // dirty the arrays first: flush must reset every column
      reused.flush();
      fill(reused, n, n);
      const a = fresh.finish();
      const b = reused.flush();
      expect(b.numRows).toBe(n);
      expect(reused.length).toBe(0);
      expect(snapshot(b)).toEqual(snapshot(a));
      for (let c = 0; c < a.numCols; c++) expect(b.getChildAt(c)!.nullCount).toBe(a.getChildAt(c)!.nullCount);
    }
  });

  it('hands out batches that own their buffers: refilling the builder leaves them unchanged', () => {
    const b = new S1BatchBuilder(256);
    fill(b, 200, 1);
    const first = b.flush();
    fill(b, 256, 2);
    const second = b.flush();
    const expected = new S1BatchBuilder(256);
    fill(expected, 200, 1);
    expect(snapshot(first)).toEqual(snapshot(expected.finish()));
    expect(snapshot(second)).not.toEqual(snapshot(first));
  });

  it('packs validity with any non-zero byte as valid, null count and bits matching a plain loop', () => {
    const rng = new Rng(5, 2);
    for (const n of [3, 8, 9, 63, 64, 65, 4099]) {
      const valid = new Uint8Array(n);
      for (let i = 0; i < n; i++) valid[i] = rng.float() < 0.5 ? 0 : rng.int(255) + 1;
      const bitmap = packValidity(valid, n)!;
      for (let i = 0; i < n; i++) expect(((bitmap[i >> 3] >> (i & 7)) & 1) === 1).toBe(valid[i] !== 0);
      expect(packValidity(new Uint8Array(n).fill(7), n)).toBeUndefined();
    }
  });
});

describe('S1BatchBuilder.flush(spent)', () => {
  it('writes into a spent batch and gives the same batch as finish(), for smaller and larger batches', () => {
    const b = new S1BatchBuilder(1024);
    fill(b, 1000, 1);
    let spent = b.flush();
    for (const n of [1000, 13, 1, 77, 1024, 64, 9]) {
      fill(b, n, n + 10);
      const next = b.flush(spent);
      const expected = new S1BatchBuilder(1024);
      fill(expected, n, n + 10);
      const a = expected.finish();
      expect(snapshot(next)).toEqual(snapshot(a));
      for (let c = 0; c < a.numCols; c++) expect(next.getChildAt(c)!.nullCount).toBe(a.getChildAt(c)!.nullCount);
      spent = next;
    }
  });

  it('takes the spent batch\'s memory instead of allocating', () => {
    const b = new S1BatchBuilder(512);
    fill(b, 500, 1);
    const first = b.flush();
    fill(b, 400, 2);
    const second = b.flush(first);
    for (const name of ['tac', 'start_time', 'procedure_type', 'imsi']) expect(bufferOf(second, name)).toBe(bufferOf(first, name));
    fill(b, 400, 3);
    const third = b.flush();
    expect(bufferOf(third, 'tac')).not.toBe(bufferOf(second, 'tac'));
  });

  it('ignores a batch of another builder, and one handed back twice', () => {
    const other = new S1BatchBuilder(256);
    fill(other, 200, 3);
    const foreign = other.flush();
    const before = snapshot(foreign);
    const b = new S1BatchBuilder(256);
    fill(b, 200, 4);
    b.flush(foreign);
    expect(snapshot(foreign)).toEqual(before);

    fill(b, 100, 5);
    const x = b.flush();
    fill(b, 100, 6);
    const y = b.flush(x); // y now lives in x's buffers
    fill(b, 100, 7);
    b.flush(x); // x again: must not overwrite y
    const expected = new S1BatchBuilder(256);
    fill(expected, 100, 6);
    expect(snapshot(y)).toEqual(snapshot(expected.finish()));
  });
});

describe('simulateRecords with spent batches', () => {
  const start = Date.parse('2026-03-02T19:00:00Z');
  const city = createCity({ seed: 5, subscribers: 1500, hours: 0.25, start, scenario: 'all-faults' });

  it('gives the same records, written into the memory of the batches handed back', () => {
    const plain = Array.from(simulateRecords(city, { batchSize: 2000 }), (b) => JSON.stringify(snapshot(b)));
    expect(plain.length).toBeGreaterThan(3);
    const spent = new SpentBatches();
    const recycled: string[] = [];
    let previous: ArrayBufferLike | undefined;
    let reused = 0;
    for (const batch of simulateRecords(city, { batchSize: 2000, spent })) {
      recycled.push(JSON.stringify(snapshot(batch)));
      if (bufferOf(batch, 'eci') === previous) reused++;
      previous = bufferOf(batch, 'eci');
      spent.release(batch); // read: done with it
    }
    expect(recycled).toEqual(plain);
    expect(reused).toBe(plain.length - 1);
  });

  // A RecordWriter's write() resolves only once it holds no earlier batch, so the batch before may be handed
  // back: the file must be byte for byte the one written without reuse. 40-row batches (~9 kB) stay below the
  // file stream's high-water mark, where waiting for 'drain' alone would not wait for the bytes to be written.
  it.each(['arrow', 'csv', 'parquet'] as const)('writes the same %s file when the writer\'s spent batches are reused', async (format) => {
    const write = async (path: string, reuse: boolean) => {
      const writer = await openRecordWriter(path, format);
      const spent = reuse ? new SpentBatches() : undefined;
      let previous: RecordBatch | undefined;
      for (const batch of simulateRecords(city, { batchSize: 40, spent, end: start + 4 * 60_000 })) {
        await writer.write(batch);
        if (previous) spent?.release(previous);
        previous = batch;
      }
      return (await writer.close()).rows;
    };
    const a = join(dir, `plain.${format}`);
    const b = join(dir, `reused.${format}`);
    const rows = await write(a, false);
    expect(rows).toBeGreaterThan(1000);
    expect(await write(b, true)).toBe(rows);
    expect(readFileSync(b).equals(readFileSync(a))).toBe(true);
  });
});

describe('simulateRecords with one reused builder', () => {
  it('yields batches that keep their values while later batches are generated', () => {
    const start = Date.parse('2026-03-02T19:00:00Z');
    const city = createCity({ seed: 4, subscribers: 2000, hours: 0.25, start, scenario: 'all-faults' });
    const kept: { batch: RecordBatch; json: string }[] = [];
    for (const batch of simulateRecords(city, { batchSize: 3000 })) kept.push({ batch, json: JSON.stringify(snapshot(batch)) });
    expect(kept.length).toBeGreaterThan(3);
    const tacs = new Set(Array.from(city.net.cellTac));
    const ids = new Set<string>();
    for (const k of kept) {
      expect(JSON.stringify(snapshot(k.batch))).toBe(k.json);
      // Real values, not a reset builder's zeros: a tracking area of the city and a time in the window.
      const tac = k.batch.getChild('tac')!;
      const time = k.batch.getChild('start_time')!;
      for (let i = 0; i < k.batch.numRows; i += 97) {
        expect(tacs.has(tac.get(i) as number)).toBe(true);
        expect(Number(time.get(i))).toBeGreaterThanOrEqual(start);
      }
      for (const id of snapshot(k.batch)[0] as string[]) ids.add(id);
    }
    // The xdr_id counter runs on across batches: ids are unique over the whole run.
    expect(ids.size).toBe(kept.reduce((s, k) => s + k.batch.numRows, 0));
  });
});
