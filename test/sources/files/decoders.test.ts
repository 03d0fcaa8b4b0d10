// In-memory decoders (what the Kafka source reuses) and normalizeBatch for foreign Arrow batches.
import { describe, expect, it } from 'vitest';
import {
  Field,
  Int32,
  Int64,
  RecordBatch,
  Schema,
  Struct,
  TimestampMicrosecond,
  Utf8,
  makeData,
  vectorFromArray,
  type DataType,
} from 'apache-arrow';
import {
  CsvRecordDecoder,
  decodeCsvLines,
  decodeJsonRecords,
  isS1Schema,
  normalizeBatch,
  S1SchemaError,
  XdrIdSet,
} from '../../../src/sources/files/index.js';
import { RowCollector } from '../../../src/sources/files/row-collector.js';
import { DeadLetterMemory } from '../../../src/sources/dead-letters.js';
import { enumColumn, int32Column, int64Column, stringAt, utf8Column } from '../../../src/schema/columns.js';
import { S1_COLUMN_NAMES } from '../../../src/schema/record.js';
import { encodeCsvRows, ByteBuffer, CSV_HEADER } from '../../../src/sources/files/text-encoder.js';
import { rowsOf, sampleBatch } from './sample-batch.js';

const HEADER = 'xdr_id,interface,imsi,start_time,end_time,procedure_type,apn';

describe('decodeCsvLines', () => {
  it('decodes lines with a known header and dead-letters bad ones with their row numbers', () => {
    const deadLetters = new DeadLetterMemory();
    const r = decodeCsvLines(
      [
        'k1,s1mme,460001234567890,1700000000000,1700000000001,attach,ims',
        'k2,s1mme,4600012345678901,1700000000000,,attach,ims', // 16 digits
        'k3,s1u,460001234567891,2023-11-14T22:13:20+08:00,,,"a,b"',
      ],
      HEADER,
      { deadLetters, source: 'topic/0', firstRow: 100 },
    );
    expect(r).toMatchObject({ rows: 3, accepted: 2, deadLettered: 1 });
    expect(deadLetters.letters).toEqual([
      {
        source: 'topic/0',
        row: 101,
        reason: "invalid imsi: '4600012345678901' is not 15 digits",
        raw: 'k2,s1mme,4600012345678901,1700000000000,,attach,ims',
      },
    ]);
    expect(r.batch.numRows).toBe(2);
    expect(int64Column(r.batch, 'start_time').values[1]).toBe(Date.UTC(2023, 10, 14, 14, 13, 20));
    expect(stringAt(utf8Column(r.batch, 'apn'), 1)).toBe('a,b');
  });

  it('detects duplicates across calls when given one XdrIdSet', () => {
    const ids = new XdrIdSet();
    const line = 'k1,s1mme,460001234567890,1700000000000,,attach,ims';
    expect(decodeCsvLines([line], HEADER, { xdrIds: ids }).accepted).toBe(1);
    const again = decodeCsvLines([line], HEADER, { xdrIds: ids });
    expect(again).toMatchObject({ accepted: 0, duplicates: 1 });
    expect(again.batch.numRows).toBe(0);
  });

  it('gives the same rows whatever the chunk boundaries (quotes and CRLF across chunks)', () => {
    const buf = new ByteBuffer();
    encodeCsvRows(sampleBatch(), buf);
    const text = new TextDecoder().decode(CSV_HEADER) + new TextDecoder().decode(buf.bytes()).replaceAll('\n', '\r\n');
    const bytes = new TextEncoder().encode(text);
    const decodeInPieces = (piece: number) => {
      const collector = new RowCollector({ source: 's', deadLetters: new DeadLetterMemory(), batchSize: 1000 });
      const decoder = new CsvRecordDecoder({ source: 's', collector });
      let carry = new Uint8Array(0);
      for (let off = 0; off <= bytes.length; off += piece) {
        const chunk = bytes.subarray(off, off + piece);
        const buf2 = new Uint8Array(carry.length + chunk.length);
        buf2.set(carry);
        buf2.set(chunk, carry.length);
        const final = off + piece > bytes.length;
        const used = decoder.push(buf2, 0, final);
        carry = buf2.slice(used);
      }
      collector.flush();
      expect(collector.counts.deadLettered).toBe(0);
      return collector.takeReady().flatMap(rowsOf);
    };
    const whole = decodeInPieces(bytes.length + 1);
    // Every line break became CRLF, the one inside the quoted APN too (a quoted field keeps its bytes).
    const expected = rowsOf(sampleBatch()).map((r) => ({ ...r, apn: typeof r.apn === 'string' ? r.apn.replaceAll('\n', '\r\n') : r.apn }));
    expect(whole).toEqual(expected);
    for (const piece of [1, 2, 3, 7, 64, 333]) expect(decodeInPieces(piece)).toEqual(whole);
  });
});

describe('decodeJsonRecords', () => {
  it('decodes objects with names or vendor codes, and reports unknown keys', () => {
    const deadLetters = new DeadLetterMemory();
    const r = decodeJsonRecords(
      [
        { xdr_id: 'j1', interface: 2, imsi: '460001234567890', start_time: 1700000000000, app_type: 'video', ul_bytes: 2 ** 40, probe: 'p7' },
        { xdr_id: 'j2', interface: 's1mme', imsi: '460001234567891', start_time: 1700000000000, procedure_status: 'timeout' },
        { xdr_id: 'j3', interface: 's1mme', imsi: '460001234567892', start_time: -5 },
        'not an object',
      ],
      { deadLetters },
    );
    expect(r).toMatchObject({ rows: 4, accepted: 2, deadLettered: 2, unknownColumns: ['probe'] });
    expect(deadLetters.letters.map((l) => [l.row, l.reason])).toEqual([
      [3, 'invalid start_time: -5 is out of range [0, 9007199254740991]'],
      [4, 'invalid json: expected an object, got string'],
    ]);
    expect([...enumColumn(r.batch, 'interface')]).toEqual([1, 0]);
    expect(int64Column(r.batch, 'ul_bytes').values[0]).toBe(2 ** 40);
    expect(int32Column(r.batch, 'procedure_status').values[1]).toBe(2);
  });
});

function foreignBatch(columns: Record<string, { type: DataType; values: unknown[] }>): RecordBatch {
  const fields = Object.entries(columns).map(([name, c]) => new Field(name, c.type, true));
  const children = Object.values(columns).map((c) => vectorFromArray(c.values as never[], c.type).data[0]);
  return new RecordBatch(new Schema(fields), makeData({ type: new Struct(fields), length: children[0].length, nullCount: 0, children }));
}

describe('normalizeBatch', () => {
  it('maps Utf8 enums, Int32 instead of Int64, timestamps, vendor codes, other order and extra columns onto S1', () => {
    const batch = foreignBatch({
      probe_site: { type: new Utf8(), values: ['bj-1', 'bj-2'] },
      start_time: { type: new TimestampMicrosecond(), values: [1_700_000_000_123, 1_700_000_000_456] },
      imsi: { type: new Int64(), values: [460001234567890n, 460001234567891n] },
      xdr_id: { type: new Utf8(), values: ['f1', 'f2'] },
      interface: { type: new Int32(), values: [1, 2] },
      procedure_type: { type: new Utf8(), values: ['tau', null] },
      eci: { type: new Int32(), values: [25_600_768, null] },
      apn: { type: new Utf8(), values: ['ims', '企业网'] },
    });
    const unknown: string[][] = [];
    const out = normalizeBatch(batch, { onUnknownColumns: (u) => unknown.push(u) });
    expect(isS1Schema(out.schema)).toBe(true);
    expect(unknown).toEqual([['probe_site']]);
    expect(out.numRows).toBe(2);
    expect([...int64Column(out, 'start_time').values]).toEqual([1_700_000_000_123, 1_700_000_000_456]);
    expect(stringAt(utf8Column(out, 'imsi'), 1)).toBe('460001234567891');
    expect([...enumColumn(out, 'interface')]).toEqual([0, 1]);
    expect([...enumColumn(out, 'procedure_type')]).toEqual([2, -1]);
    const eci = int64Column(out, 'eci');
    expect(eci.values[0]).toBe(25_600_768);
    expect(eci.valid?.[1]).toBe(0);
    expect(stringAt(utf8Column(out, 'apn'), 1)).toBe('企业网');
  });

  it('passes hotspot batches through with the same rows', () => {
    const b = sampleBatch();
    expect(rowsOf(normalizeBatch(b))).toEqual(rowsOf(b));
  });

  it('dead-letters rows that break the rules, or refuses them without a sink', () => {
    const batch = foreignBatch({
      xdr_id: { type: new Utf8(), values: ['f1', 'f2'] },
      interface: { type: new Utf8(), values: ['s1mme', 's1mme'] },
      imsi: { type: new Utf8(), values: ['460001234567890', 'abc'] },
      start_time: { type: new Int64(), values: [1n, 2n] },
    });
    const deadLetters = new DeadLetterMemory();
    const out = normalizeBatch(batch, { deadLetters, source: 'grpc' });
    expect(out.numRows).toBe(1);
    expect(deadLetters.letters).toMatchObject([{ source: 'grpc', row: 2, reason: "invalid imsi: 'abc' is not 15 digits" }]);
    expect(JSON.parse(deadLetters.letters[0].raw)).toMatchObject({ xdr_id: 'f2', imsi: 'abc' });
    expect(() => normalizeBatch(batch)).toThrow(/1 row\(s\) break the S1 record rules \(first: row 2: invalid imsi/);
  });

  it('refuses a batch without a required column', () => {
    const batch = foreignBatch({ xdr_id: { type: new Utf8(), values: ['f1'] } });
    expect(() => normalizeBatch(batch)).toThrow(S1SchemaError);
    expect(() => normalizeBatch(batch)).toThrow(/missing required columns 'interface', 'imsi', 'start_time'/);
  });

  it('covers every S1 column in the sample', () => {
    const b = sampleBatch();
    expect(b.schema.fields.map((f) => f.name)).toEqual(S1_COLUMN_NAMES);
  });
});
