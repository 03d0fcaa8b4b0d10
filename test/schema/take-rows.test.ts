import { tableFromIPC, tableToIPC, Table, type RecordBatch } from 'apache-arrow';
import { describe, expect, it } from 'vitest';
import { takeRows } from '../../src/schema/take-rows.js';
import { makeRecords, rng, toBatch } from '../features/records.js';

function rowsOf(batch: RecordBatch, rows: Iterable<number>): unknown[][] {
  const out: unknown[][] = [];
  for (const r of rows) out.push(batch.schema.fields.map((_, c) => batch.getChildAt(c)!.get(r)));
  return out;
}

function randomIndices(n: number, count: number, seed: number): Int32Array {
  const next = rng(seed);
  return Int32Array.from({ length: count }, () => Math.floor(next() * n));
}

describe('takeRows', () => {
  const rec = makeRecords(3_000, 200, 1, 7);
  const batch = toBatch(rec, Array.from({ length: rec.n }, (_, i) => i));

  it('selects rows in the given order, repeats included, with values and nulls of every column type intact', () => {
    const nullable = batch.schema.fields.filter((_, c) => batch.getChildAt(c)!.nullCount > 0);
    expect(nullable.length).toBeGreaterThan(5); // the test data exercises validity bitmaps
    const indices = randomIndices(batch.numRows, 2_500, 3);
    const taken = takeRows(batch, indices);
    expect(taken.numRows).toBe(indices.length);
    expect(rowsOf(taken, indices.keys())).toEqual(rowsOf(batch, indices));
    for (let c = 0; c < batch.numCols; c++) {
      const expectedNulls = Array.from(indices).filter((r) => batch.getChildAt(c)!.get(r) === null).length;
      expect(taken.getChildAt(c)!.nullCount).toBe(expectedNulls);
    }
  });

  it('reads sliced batches (bitmaps with an offset) and batches decoded from Arrow IPC', () => {
    const sliced = batch.slice(37, 37 + 1_000);
    const indices = randomIndices(sliced.numRows, 600, 5);
    expect(rowsOf(takeRows(sliced, indices), indices.keys())).toEqual(rowsOf(sliced, indices));

    const decoded = tableFromIPC(tableToIPC(new Table(batch.slice(0, 3)), 'stream')).batches[0];
    const few = Int32Array.of(2, 0, 2);
    expect(rowsOf(takeRows(decoded, few), few.keys())).toEqual(rowsOf(decoded, few));
  });

  it('round-trips through Arrow IPC and gives an empty batch for no rows', () => {
    const indices = randomIndices(batch.numRows, 300, 9);
    const again = tableFromIPC(tableToIPC(new Table(takeRows(batch, indices)), 'stream')).batches[0];
    expect(rowsOf(again, indices.keys())).toEqual(rowsOf(batch, indices));
    expect(takeRows(batch, new Int32Array(0)).numRows).toBe(0);
  });
});
