import { Table, tableToIPC } from 'apache-arrow';
import { describe, expect, it } from 'vitest';
import { stringAt, utf8Column } from '../../../src/schema/columns.js';
import { S1_COLUMN_NAMES } from '../../../src/schema/record.js';
import { decodeJsonRecords } from '../../../src/sources/files/index.js';
import { decodeArrowMessage, decodeCsvMessages, decodeJsonMessages } from '../../../src/sources/kafka/message-decoders.js';
import { mmeRecord, s1uRecord } from '../../api/helpers.js';

const enc = (s: string) => Buffer.from(s, 'utf8');
const xdrIds = (b: import('apache-arrow').RecordBatch) => {
  const c = utf8Column(b, 'xdr_id');
  return Array.from({ length: b.numRows }, (_, i) => stringAt(c, i));
};

describe('message decoders', () => {
  it('JSON: letters point at the message they came from; good messages keep their order', () => {
    const values = [
      enc(JSON.stringify(mmeRecord(1))),
      enc('{"xdr_id": '),
      null,
      enc(JSON.stringify(mmeRecord(3, { start_time: 'yesterday' }))),
      Buffer.from([0xff, 0xfe, 0x00]),
      enc(JSON.stringify(s1uRecord(5))),
      enc('[1,2,3]'),
    ];
    const r = decodeJsonMessages(values, { source: 'kafka:t/0' });
    expect(xdrIds(r.batches[0])).toEqual([mmeRecord(1).xdr_id, s1uRecord(5).xdr_id]);
    expect(r.letters.map((l) => [l.message, l.reason.split(':')[0]])).toEqual([
      [1, 'invalid json'],
      [2, 'empty message'],
      [3, 'invalid start_time'],
      [4, 'invalid text'],
      [6, 'invalid json'],
    ]);
  });

  it('CSV: one line per message, configured header, embedded newlines refused', () => {
    const line = (r: Record<string, unknown>) => S1_COLUMN_NAMES.map((c) => (r[c] === undefined ? '' : String(r[c]))).join(',');
    const values = [enc(line(mmeRecord(1)) + '\r\n'), enc(line(mmeRecord(2)) + '\n' + line(mmeRecord(3))), enc(line(mmeRecord(4, { interface: 'x2' })))];
    const r = decodeCsvMessages(values, S1_COLUMN_NAMES, { source: 'kafka:t/1' });
    expect(xdrIds(r.batches[0])).toEqual([mmeRecord(1).xdr_id]);
    expect(r.letters.map((l) => [l.message, l.reason.split(':')[0]])).toEqual([
      [1, 'malformed csv'],
      [2, 'invalid interface'],
    ]);
    // A reordered header maps fields by name.
    const header = ['imsi', 'xdr_id', 'interface', 'start_time'];
    const r2 = decodeCsvMessages([enc('460001000000007,abc,s1u,1700000000000')], header, { source: 'kafka:t/1' });
    expect(r2.letters).toEqual([]);
    expect(xdrIds(r2.batches[0])).toEqual(['abc']);
  });

  it('Arrow: a chunk of S1 batches passes through; garbage is one letter for the whole message', () => {
    const batch = decodeJsonRecords([mmeRecord(1), s1uRecord(2), mmeRecord(3)]).batch;
    const r = decodeArrowMessage(tableToIPC(new Table([batch, batch]), 'stream'), { source: 'kafka:a/0' });
    expect(r.letters).toEqual([]);
    expect(r.batches.map((b) => b.numRows)).toEqual([3, 3]);
    const bad = decodeArrowMessage(enc('definitely not arrow'), { source: 'kafka:a/0' });
    expect(bad.batches).toEqual([]);
    expect(bad.letters).toHaveLength(1);
    expect(bad.letters[0]).toMatchObject({ row: 0 });
    expect(bad.letters[0].reason).toMatch(/^malformed arrow/);
    expect(decodeArrowMessage(null, { source: 'x' }).letters[0].reason).toMatch(/^empty message/);
  });
});
