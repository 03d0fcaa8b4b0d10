import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { RecordBatch } from 'apache-arrow';

import { isS1Schema, openRecordWriter } from '../../../src/sources/files/index.js';
import { rowsOf, sampleBatch, SAMPLE_ROWS } from './sample-batch.js';
import { readAll } from './read-all.js';

const dir = mkdtempSync(join(tmpdir(), 'hotspot-rt-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const EXTENSIONS = ['csv', 'jsonl', 'parquet', 'arrow', 'arrows'] as const;

async function writeAll(path: string, batches: RecordBatch[]): Promise<number> {
  const w = await openRecordWriter(path);
  for (const b of batches) await w.write(b);
  return (await w.close()).rows;
}


describe('record files round-trip losslessly', () => {
  const original = rowsOf(sampleBatch());

  for (const from of EXTENSIONS) {
    for (const to of EXTENSIONS) {
      it(`${from} → ${to}`, async () => {
        const a = join(dir, `a-${from}-${to}.${from}`);
        const b = join(dir, `b-${from}-${to}.${to}`);
        expect(await writeAll(a, [sampleBatch()])).toBe(SAMPLE_ROWS);
        const first = await readAll(a);
        expect(first.stats).toMatchObject({ rows: SAMPLE_ROWS, accepted: SAMPLE_ROWS, deadLettered: 0, duplicates: 0 });
        await writeAll(b, first.batches);
        const second = await readAll(b);
        expect(second.deadLetters.letters).toEqual([]);
        for (const batch of second.batches) expect(isS1Schema(batch.schema)).toBe(true);
        expect(second.batches.flatMap(rowsOf)).toEqual(original);
      });
    }
  }

  it('streams in batches of the requested size across several written batches', async () => {
    const path = join(dir, 'multi.parquet');
    await writeAll(path, [sampleBatch(SAMPLE_ROWS, 'a'), sampleBatch(SAMPLE_ROWS, 'b'), sampleBatch(SAMPLE_ROWS, 'c')]);
    for (const ext of EXTENSIONS) {
      const p = join(dir, `multi.${ext}`);
      await writeAll(p, [sampleBatch(SAMPLE_ROWS, 'a'), sampleBatch(SAMPLE_ROWS, 'b'), sampleBatch(SAMPLE_ROWS, 'c')]);
      const { batches, stats } = await readAll(p, 10);
      expect(stats.accepted).toBe(3 * SAMPLE_ROWS);
      expect(batches.every((b) => b.numRows <= 10 || ext === 'arrow' || ext === 'arrows' || ext === 'parquet')).toBe(true);
      expect(batches.reduce((n, b) => n + b.numRows, 0)).toBe(3 * SAMPLE_ROWS);
    }
  });

  it('writes an empty file that reads back as zero rows', async () => {
    for (const ext of EXTENSIONS) {
      const p = join(dir, `empty.${ext}`);
      expect(await writeAll(p, [])).toBe(0);
      const { batches, stats } = await readAll(p);
      expect(batches.reduce((n, b) => n + b.numRows, 0)).toBe(0);
      expect(stats.rows).toBe(0);
    }
  });
});

describe('writer errors', () => {
  it('a path in a missing directory fails at open with one RecordFileError, for every format', async () => {
    const { RecordFileError } = await import('../../../src/sources/files/index.js');
    for (const ext of EXTENSIONS) {
      const path = join(dir, 'no-such-dir', `x.${ext}`);
      const err = await openRecordWriter(path).then(
        () => null,
        (e: unknown) => e,
      );
      expect(err).toBeInstanceOf(RecordFileError);
      expect((err as Error).message).toBe(`file ${path}: cannot write: the directory does not exist`);
    }
  });
});
