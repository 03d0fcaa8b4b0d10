// Text files stream: the reader yields batches while the file is still being written (a FIFO stands in for a
// file larger than memory — the reader cannot have read to its end when it yields the first batch).
import { execFileSync } from 'node:child_process';
import { createWriteStream, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readRecords } from '../../../src/sources/files/index.js';
import { ByteBuffer, CSV_HEADER, encodeCsvRows, encodeJsonlRows } from '../../../src/sources/files/text-encoder.js';
import { sampleBatch } from './sample-batch.js';

describe('streaming text reads', () => {
  for (const format of ['csv', 'jsonl'] as const) {
    it(`${format}: the first batch arrives before the writer has finished`, async () => {
      const fifo = join(mkdtempSync(join(tmpdir(), 'hotspot-fifo-')), `records.${format}`);
      execFileSync('mkfifo', [fifo]);
      const text = (prefix: string) => {
        const buf = new ByteBuffer();
        (format === 'csv' ? encodeCsvRows : encodeJsonlRows)(sampleBatch(26, prefix), buf);
        return Buffer.from(buf.bytes());
      };
      const out = createWriteStream(fifo);
      if (format === 'csv') out.write(Buffer.from(CSV_HEADER));
      out.write(text('a'));
      const it = readRecords(fifo, { batchSize: 10 })[Symbol.asyncIterator]();
      const first = await Promise.race([
        it.next(),
        new Promise<'stalled'>((resolve) => setTimeout(() => resolve('stalled'), 20_000)),
      ]);
      expect(first).not.toBe('stalled');
      if (first === 'stalled') return;
      expect(first.value.numRows).toBe(10);
      // Only now is the rest written and the file closed.
      out.end(text('b'));
      let rows = first.value.numRows;
      for (let r = await it.next(); !r.done; r = await it.next()) rows += r.value.numRows;
      expect(rows).toBe(52);
    });
  }
});
