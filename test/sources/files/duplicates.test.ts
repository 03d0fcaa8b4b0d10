import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { XdrIdSet, openRecordWriter, readRecords } from '../../../src/sources/files/index.js';
import { GENERATION_IDS } from '../../../src/sources/files/xdr-id-set.js';
import { DeadLetterMemory } from '../../../src/sources/dead-letters.js';
import { stringAt, utf8Column } from '../../../src/schema/columns.js';
import { sampleBatch, SAMPLE_ROWS } from './sample-batch.js';

describe('XdrIdSet', () => {
  it('reports an id once seen, bytes and text alike for ASCII', () => {
    const s = new XdrIdSet();
    const enc = new TextEncoder();
    expect(s.seenText('abc')).toBe(false);
    expect(s.seenText('abc')).toBe(true);
    const b = enc.encode('xxabcxx');
    expect(s.seenBytes(b, 2, 5)).toBe(true);
    expect(s.seenBytes(b, 1, 5)).toBe(false);
  });

  it('remembers ids across table growth', () => {
    const s = new XdrIdSet();
    for (let i = 0; i < 50_000; i++) expect(s.seenText(`id-${i}`)).toBe(false);
    for (let i = 0; i < 50_000; i += 7) expect(s.seenText(`id-${i}`)).toBe(true);
    expect(GENERATION_IDS).toBeGreaterThanOrEqual(1 << 21);
  });
});

describe('duplicate xdr_ids in files', () => {
  for (const ext of ['csv', 'jsonl', 'parquet', 'arrows']) {
    it(`${ext}: counted once, the first kept, the copies dead-lettered`, async () => {
      const path = join(mkdtempSync(join(tmpdir(), 'hotspot-dup-')), `dups.${ext}`);
      const w = await openRecordWriter(path);
      await w.write(sampleBatch(SAMPLE_ROWS, 'a'));
      await w.write(sampleBatch(SAMPLE_ROWS, 'b'));
      await w.write(sampleBatch(5, 'a')); // five repeats of the first batch's ids
      await w.close();
      const deadLetters = new DeadLetterMemory();
      const it = readRecords(path, { deadLetters, batchSize: 20 });
      const ids: string[] = [];
      for await (const b of it) {
        const col = utf8Column(b, 'xdr_id');
        for (let r = 0; r < b.numRows; r++) ids.push(stringAt(col, r)!);
      }
      expect(it.stats).toMatchObject({ rows: 2 * SAMPLE_ROWS + 5, accepted: 2 * SAMPLE_ROWS, duplicates: 5, deadLettered: 0 });
      expect(new Set(ids).size).toBe(ids.length);
      expect(deadLetters.countsByReason()).toEqual(new Map([['duplicate xdr_id', 5]]));
      // Rows: 1-based in Parquet/Arrow; line numbers in text. In CSV the header is line 1 and rows 2 and 14 of
      // each sample batch hold a quoted APN with a line break, so the third batch starts at line 58.
      const expected = { csv: [58, 59, 60, 62, 63], jsonl: [53, 54, 55, 56, 57], parquet: [53, 54, 55, 56, 57], arrows: [53, 54, 55, 56, 57] }[ext];
      expect(deadLetters.letters.map((l) => l.row)).toEqual(expected);
    });
  }
});
