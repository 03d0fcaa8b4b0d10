// Files that cannot be read at all fail with one RecordFileError naming the file and the problem; rows that
// break the record rules land in dead letters with file, row number and reason, and are counted.
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { RecordFileError, readRecords } from '../../../src/sources/files/index.js';
import { stringAt, utf8Column, int64Column, enumColumn, int32Column } from '../../../src/schema/columns.js';
import { readAll } from './read-all.js';

const BROKEN = join(import.meta.dirname, '../../../fixtures/broken');
const fixture = (name: string) => join(BROKEN, name);


async function failure(path: string): Promise<RecordFileError> {
  try {
    await readAll(path);
  } catch (e) {
    expect(e).toBeInstanceOf(RecordFileError);
    return e as RecordFileError;
  }
  throw new Error(`${path} was read without error`);
}

describe('files that cannot be read at all', () => {
  const cases: [string, RegExp][] = [
    ['missing-column.csv', /missing required column 'imsi'/],
    ['semicolon.csv', /wrong delimiter: the header row is separated by semicolons/],
    ['empty.csv', /empty file: no header row/],
    ['garbage.csv', /not CSV text: binary data at byte \d+/],
    ['latin1.csv', /not UTF-8 text: byte 0xe9 at offset 79 \(save the CSV file as UTF-8\)/],
    ['json-array.json', /a JSON array, not JSON Lines/],
    ['pretty.json', /pretty-printed JSON, not JSON Lines/],
    ['truncated.parquet', /truncated Parquet file: the footer is missing/],
    ['garbage.parquet', /not a Parquet file/],
    ['garbage.arrow', /not an Arrow IPC file or stream/],
    ['truncated.arrow', /truncated or corrupt/],
    ['truncated.arrows', /truncated or corrupt/],
    ['does-not-exist.csv', /no such file/],
  ];
  for (const [name, problem] of cases) {
    it(name, async () => {
      const e = await failure(fixture(name));
      expect(e.message.startsWith(`file ${fixture(name)}: `)).toBe(true);
      expect(e.message).toMatch(problem);
      expect(e.message).not.toMatch(/\n\s+at /); // one line, no stack in the message
    });
  }

  it('names the real format of a file with the wrong extension', async () => {
    const { mkdtempSync, copyFileSync } = await import('node:fs');
    const { tmpdir } = await import('node:os');
    const dir = mkdtempSync(join(tmpdir(), 'hotspot-broken-'));
    // A valid Parquet file (the first part of truncated.parquet starts with PAR1) renamed to .csv.
    copyFileSync(fixture('truncated.parquet'), join(dir, 'records.csv'));
    const e = await failure(join(dir, 'records.csv'));
    expect(e.message).toMatch(/not CSV text: the content is a Parquet file/);
  });

  it('rejects an unknown extension', async () => {
    const e = await failure('/tmp/records.xlsx');
    expect(e.message).toMatch(/unknown record file extension/);
  });
});

describe('bad CSV rows are dead-lettered with file, line and reason', () => {
  it('bad-rows.csv', async () => {
    const path = fixture('bad-rows.csv');
    const { batches, stats, deadLetters } = await readAll(path);
    const byRow = new Map(deadLetters.letters.map((l) => [l.row, l.reason]));
    expect(deadLetters.letters.every((l) => l.source === path && l.raw.length > 0)).toBe(true);
    expect(byRow.get(3)).toBe("invalid imsi: '46000123' is not 15 digits");
    expect(byRow.get(4)).toBe("invalid imei: '35693803564380' is not 15 digits");
    expect(byRow.get(5)).toMatch(/^invalid time order: end_time 1700000000100 is before start_time 1700000000500/);
    expect(byRow.get(6)).toMatch(/^invalid procedure_type: 'teleport' is not one of attach, detach/);
    expect(byRow.get(7)).toBe("unmapped procedure_type: vendor code 99 is not in vendor code map 'default'");
    expect(byRow.get(8)).toBe('invalid procedure_status: 7 is out of range [0, 3]');
    expect(byRow.get(9)).toBe('missing xdr_id: required value is null or empty');
    expect(byRow.get(10)).toBe('wrong field count: expected 14 fields, got 12');
    expect(byRow.get(12)).toBe("invalid start_time: 'yesterday' is neither epoch ms nor ISO-8601");
    expect(byRow.get(13)).toBe("duplicate xdr_id: 'a01' was already read");
    expect(byRow.get(17)).toBe('malformed csv: unbalanced or misplaced quote');
    expect(byRow.get(18)).toBe('invalid s1ap_cause: 300 is out of range [0, 255]');
    expect(byRow.has(2) || byRow.has(11) || byRow.has(14) || byRow.has(15)).toBe(false);

    expect(stats).toMatchObject({ rows: 16, accepted: 4, deadLettered: 11, duplicates: 1 });
    expect(deadLetters.count).toBe(12);
    expect(deadLetters.countsByReason().get('duplicate xdr_id')).toBe(1);

    const batch = batches[0];
    expect(batch.numRows).toBe(4);
    const ids = utf8Column(batch, 'xdr_id');
    expect([0, 1, 2, 3].map((r) => stringAt(ids, r))).toEqual(['a01', 'a10', 'a13', 'a14']);
    // ISO-8601 times, int64 > 2^32, vendor codes 2 → s1u / 1 → s1mme + attach, quoted multi-line APN.
    expect(int64Column(batch, 'start_time').values[1]).toBe(Date.UTC(2023, 10, 14, 22, 13, 20));
    expect(int64Column(batch, 'end_time').values[1]).toBe(Date.UTC(2023, 10, 14, 22, 13, 20, 250));
    expect(int64Column(batch, 'ul_bytes').values[1]).toBe(5_000_000_000);
    expect([...enumColumn(batch, 'interface')]).toEqual([0, 1, 1, 0]);
    expect(enumColumn(batch, 'procedure_type')[3]).toBe(0);
    expect(enumColumn(batch, 's1ap_cause_group')[3]).toBe(0);
    expect(int32Column(batch, 's1ap_cause').values[3]).toBe(21);
    expect(stringAt(utf8Column(batch, 'apn'), 3)).toBe('cmnet,\nsecond line "quoted"');
    expect(stringAt(utf8Column(batch, 'msisdn'), 2)).toBeNull();
  });

  it('without a sink, rejected rows are still counted and summarised in a warning', async () => {
    const warnings: string[] = [];
    const it = readRecords(fixture('bad-rows.csv'), { onWarning: (m) => warnings.push(m) });
    for await (const _ of it) void _;
    expect(it.stats.deadLettered).toBe(11);
    expect(warnings.join('\n')).toMatch(/12 row\(s\) rejected and no dead-letter sink given; first: row 3: invalid imsi/);
  });
});

describe('bad JSON lines are dead-lettered', () => {
  it('bad-rows.jsonl', async () => {
    const path = fixture('bad-rows.jsonl');
    const { batches, stats, deadLetters, warnings } = await readAll(path);
    const byRow = new Map(deadLetters.letters.map((l) => [l.row, l.reason]));
    expect(byRow.get(2)).toBe('invalid imsi: expected a string, got boolean true');
    expect(byRow.get(3)).toBe("invalid start_time: 'not a time' is neither epoch ms nor ISO-8601");
    expect(byRow.get(4)).toMatch(/^invalid json: /);
    expect(byRow.get(6)).toBe('invalid json: expected an object, got an array');
    expect(byRow.get(8)).toBe('invalid tcp_syn_attempts: 1.5 is not an integer');
    expect(byRow.get(9)).toMatch(/^invalid interface: 'lte' is not one of s1mme, s1u/);
    expect(stats).toMatchObject({ rows: 8, accepted: 2, deadLettered: 6, duplicates: 0, unknownColumns: ['vendor_extra'] });
    expect(warnings.filter((w) => w.includes('unknown column'))).toEqual([`file ${path}: ignoring unknown column vendor_extra`]);
    const b = batches[0];
    expect(stringAt(utf8Column(b, 'imsi'), 1)).toBe('460001234567892');
    expect(int64Column(b, 'start_time').values[1]).toBe(Date.UTC(2023, 10, 14, 22, 13, 20, 500));
    expect(enumColumn(b, 'procedure_type')[1]).toBe(3); // vendor code 4 → service_request
    expect(int64Column(b, 'ul_bytes').values[1]).toBe(5_000_000_000);
  });
});
