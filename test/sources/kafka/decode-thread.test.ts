// The Kafka decode worker: S1 batches handed across threads by their buffers come back as the same records, and the
// worker thread decodes exactly as the engine thread does (records, letters, order). The worker runs compiled, so
// the thread test uses the build in dist/ (`npm test` builds first).
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { Table, tableToIPC, type RecordBatch } from 'apache-arrow';
import { describe, expect, it } from 'vitest';
import { S1_SCHEMA, columnSpec } from '../../../src/schema/record.js';
import { enumDictionary } from '../../../src/schema/s1-batch-builder.js';
import { decodeJsonRecords } from '../../../src/sources/files/index.js';
import { decodeArrowMessage, decodeJsonMessages, type DecodedMessages } from '../../../src/sources/kafka/message-decoders.js';
import { s1BatchFromParts, s1BatchParts } from '../../../src/sources/kafka/s1-batch-transfer.js';
import { mmeRecord, s1uRecord } from '../../api/helpers.js';

const rows = (b: RecordBatch) => JSON.stringify(b.toArray().map((r) => r.toJSON()), (_k, v) => (typeof v === 'bigint' ? v.toString() : v));
const enc = (s: string) => Buffer.from(s, 'utf8');

// Nulls (S1-MME rows have null S1-U fields and the other way round), enums, strings, int64.
const mixed = () => decodeJsonRecords([mmeRecord(1), s1uRecord(2), mmeRecord(3, { procedure_status: 2 }), s1uRecord(4, { app_type: 'video' })]).batch;

describe('S1 batch transfer', () => {
  it('a batch sent as its transferred buffers is the same batch on the other side', () => {
    const batch = mixed();
    const transfer = new Set<ArrayBuffer>();
    const parts = s1BatchParts(batch, transfer);
    const moved = structuredClone(parts, { transfer: [...transfer] });
    const back = s1BatchFromParts(moved);
    expect(back.schema.fields.map((f) => `${f.name}:${String(f.type)}`)).toEqual(S1_SCHEMA.fields.map((f) => `${f.name}:${String(f.type)}`));
    // The process's shared enum dictionaries, not copies (an Arrow stream writer needs the same ones throughout).
    expect(back.getChild('procedure_type')!.data[0].dictionary).toBe(enumDictionary(columnSpec('procedure_type')));
    expect(back.numRows).toBe(4);
    expect(rows(back)).toBe(rows(mixed()));
    // Transferred, not copied: the sender's buffers are gone.
    expect([...transfer].every((b) => b.byteLength === 0)).toBe(true);
  });

  it('keeps a sliced batch to its slice', () => {
    const batch = mixed().slice(1, 3);
    const back = s1BatchFromParts(structuredClone(s1BatchParts(batch, new Set())));
    expect(rows(back)).toBe(rows(mixed().slice(1, 3)));
  });
});

const DIST_THREAD = join(import.meta.dirname, '..', '..', '..', 'dist', 'src', 'sources', 'kafka', 'decode-thread.js');

describe('decode thread (compiled worker)', () => {
  it('decodes Arrow and JSON messages exactly as the engine thread does, in order', async () => {
    expect(existsSync(DIST_THREAD), 'run `npm run build` first').toBe(true);
    const { DecodeThread } = (await import(DIST_THREAD)) as typeof import('../../../src/sources/kafka/decode-thread.js');
    const thread = DecodeThread.open();
    expect(thread).not.toBeNull();
    try {
      const good = tableToIPC(new Table([mixed(), mixed()]), 'stream');
      const small = tableToIPC(new Table([decodeJsonRecords([mmeRecord(7), s1uRecord(8)]).batch]), 'stream');
      const arrowValues: (Uint8Array | null)[] = [good, enc('definitely not arrow'), null, small];
      const jsonValues = [enc(JSON.stringify(mmeRecord(1))), enc('{"xdr_id": '), null, enc(JSON.stringify(s1uRecord(5))), enc(JSON.stringify(mmeRecord(6, { start_time: 'yesterday' })))];
      const pending = [
        ...arrowValues.map((v) => thread!.decode('arrow', [v], 'kafka:a/0')),
        thread!.decode('json', jsonValues, 'kafka:j/0'),
      ];
      const got = (await Promise.all(pending)) as DecodedMessages[];
      const expected = [...arrowValues.map((v) => decodeArrowMessage(v, { source: 'kafka:a/0' })), decodeJsonMessages(jsonValues, { source: 'kafka:j/0' })];
      expect(got.every((r) => r !== null)).toBe(true);
      for (let i = 0; i < expected.length; i++) {
        expect(got[i].letters).toEqual(expected[i].letters);
        expect(got[i].batches.map(rows)).toEqual(expected[i].batches.map(rows));
      }
      expect(got[0].batches.map((b) => b.numRows)).toEqual([4, 4]);
      expect(got[1].letters[0].reason).toMatch(/^malformed arrow/);
      expect(got[3].batches.map((b) => b.numRows)).toEqual([2]);
      expect(got[4].letters.map((l) => l.message)).toEqual([1, 2, 4]);
    } finally {
      await thread!.close();
    }
  });

  it('after close, units resolve to null so the caller decodes them itself', async () => {
    const { DecodeThread } = (await import(DIST_THREAD)) as typeof import('../../../src/sources/kafka/decode-thread.js');
    const thread = DecodeThread.open()!;
    await thread.close();
    expect(await thread.decode('json', [enc(JSON.stringify(mmeRecord(1)))], 'kafka:j/0')).toBeNull();
  });
});
