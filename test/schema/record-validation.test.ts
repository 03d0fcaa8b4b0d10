// The record rules, run through both the CSV (bytes) and JSON (objects) decoders: the same input must give
// the same reason whichever path it takes.
import { describe, expect, it } from 'vitest';
import { parseIsoTime, parseTimeText, RowStage, S1JsonRecordSchema } from '../../src/schema/record-validation.js';
import { decodeCsvLines, decodeJsonRecords } from '../../src/sources/files/index.js';
import { DeadLetterMemory } from '../../src/sources/dead-letters.js';

describe('times', () => {
  it('parses ISO-8601 with offsets, fractions and no zone (as UTC)', () => {
    expect(parseIsoTime('2023-11-14T22:13:20Z')).toBe(Date.UTC(2023, 10, 14, 22, 13, 20));
    expect(parseIsoTime('2023-11-14T22:13:20.123456+08:00')).toBe(Date.UTC(2023, 10, 14, 14, 13, 20, 123));
    expect(parseIsoTime('2023-11-14 22:13:20')).toBe(Date.UTC(2023, 10, 14, 22, 13, 20));
    expect(parseIsoTime('2023-11-14T22:13-0130')).toBe(Date.UTC(2023, 10, 14, 23, 43));
    expect(parseIsoTime('2023-11-14')).toBe(Date.UTC(2023, 10, 14));
    for (const bad of ['2023-02-30', '2023-13-01', '14/11/2023', 'Nov 14 2023', '2023-11-14T25:00Z', '']) {
      expect(parseIsoTime(bad)).toBeNaN();
    }
    expect(parseTimeText('1700000000000')).toBe(1_700_000_000_000);
  });
});

const GOOD = { xdr_id: 'r1', interface: 's1mme', imsi: '460001234567890', start_time: '1700000000000' };
type Row = Record<string, string>;

/** [what, row overrides, expected reason (null = accepted)] */
const CASES: [string, Row, string | null][] = [
  ['a good row', {}, null],
  ['imsi with letters', { imsi: '46000123456789X' }, "invalid imsi: '46000123456789X' is not 15 digits"],
  ['imsi too long', { imsi: '4600012345678901' }, "invalid imsi: '4600012345678901' is not 15 digits"],
  ['imei present but 16 digits', { imei: '3569380356438091' }, "invalid imei: '3569380356438091' is not 15 digits"],
  ['no imsi', { imsi: '' }, 'missing imsi: required value is null or empty'],
  ['no start time', { start_time: '' }, 'missing start_time: required value is null or empty'],
  ['end before start', { end_time: '1699999999999' }, 'invalid time order: end_time 1699999999999 is before start_time 1700000000000'],
  ['ISO start time', { start_time: '2023-11-14T22:13:20Z', end_time: '2023-11-14T22:13:21Z' }, null],
  ['tac above 16 bits', { tac: '70000' }, 'invalid tac: 70000 is out of range [0, 65535]'],
  ['eci above 28 bits', { eci: '268435456' }, 'invalid eci: 268435456 is out of range [0, 268435455]'],
  ['negative bytes', { ul_bytes: '-1' }, 'invalid ul_bytes: -1 is out of range [0, 9007199254740991]'],
  ['int that is not a number', { tac: 'x1' }, "invalid tac: 'x1' is not an integer"],
  ['unknown app type', { app_type: 'ftp' }, "invalid app_type: 'ftp' is not one of http, https, dns, video, im, game, other"],
  ['vendor interface code', { interface: '2' }, null],
  ['unmapped vendor interface', { interface: '9' }, "unmapped interface: vendor code 9 is not in vendor code map 'default'"],
  ['status by name', { procedure_status: 'abnormal' }, null],
  ['status out of range', { procedure_status: '4' }, 'invalid procedure_status: 4 is out of range [0, 3]'],
  ['dns rcode', { dns_rcode: '5' }, null],
];

describe('record rules agree across the CSV and JSON paths', () => {
  for (const [what, overrides, reason] of CASES) {
    it(what, () => {
      const row: Row = { ...GOOD, ...overrides };
      const names = Object.keys(row);
      const csvSink = new DeadLetterMemory();
      const csv = decodeCsvLines([names.map((n) => row[n]).join(',')], names, { deadLetters: csvSink });
      const jsonSink = new DeadLetterMemory();
      // JSON: numbers as numbers where they are plain integers, text otherwise; '' as absent.
      const obj = Object.fromEntries(
        names.filter((n) => row[n] !== '').map((n) => [n, /^-?\d+$/.test(row[n]) && !['imsi', 'imei', 'interface'].includes(n) ? Number(row[n]) : row[n]]),
      );
      const json = decodeJsonRecords([obj], { deadLetters: jsonSink });
      expect(csvSink.letters.map((l) => l.reason)).toEqual(reason === null ? [] : [reason]);
      expect(jsonSink.letters.map((l) => l.reason)).toEqual(reason === null ? [] : [reason]);
      expect(csv.accepted).toBe(reason === null ? 1 : 0);
      expect(json.accepted).toBe(csv.accepted);
    });
  }
});

describe('zod at the JSON boundary', () => {
  it('names the column whose JSON type is wrong', () => {
    const r = S1JsonRecordSchema.safeParse({ ...GOOD, tac: { nested: true } });
    expect(r.success).toBe(false);
    const sink = new DeadLetterMemory();
    decodeJsonRecords([{ ...GOOD, start_time: 1, tac: [1] }], { deadLetters: sink });
    expect(sink.letters[0].reason).toBe('invalid tac: expected an integer (or a numeric string), got an array');
  });

  it('a stage keeps the first problem of a row', () => {
    const s = new RowStage();
    s.fail('first: a');
    s.fail('second: b');
    expect(s.check()).toBe('first: a');
  });
});
