// Files written by other tools: Parquet/Arrow with Utf8 instead of dictionaries, Int32 instead of Int64,
// timestamps, vendor codes, another column order and extra columns; CSV with extra columns.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  Field,
  Int32,
  Int64,
  RecordBatch,
  Schema,
  Struct,
  Table,
  TimestampMillisecond,
  Utf8,
  makeData,
  tableToIPC,
  vectorFromArray,
  type DataType,
} from 'apache-arrow';
import { parquetWasm } from '../../../src/sources/files/parquet-wasm.js';
import { enumColumn, int64Column, stringAt, utf8Column } from '../../../src/schema/columns.js';
import { readAll } from './read-all.js';

const dir = mkdtempSync(join(tmpdir(), 'hotspot-foreign-'));

function foreignTable(): Table {
  const cols: [string, DataType, unknown[]][] = [
    ['probe_site', new Utf8(), ['bj-1', 'bj-2', 'bj-3']],
    ['start_time', new TimestampMillisecond(), [1_700_000_000_000, 1_700_000_001_000, 1_700_000_002_000]],
    ['xdr_id', new Utf8(), ['f1', 'f2', 'f3']],
    ['imsi', new Utf8(), ['460001234567890', '460001234567891', '46000']],
    ['interface', new Int32(), [1, 2, 1]],
    ['procedure_type', new Utf8(), ['attach', null, 'tau']],
    ['eci', new Int32(), [25_600_768, 25_600_769, null]],
    ['ul_bytes', new Int64(), [null, 5_000_000_000n, null]],
  ];
  const fields = cols.map(([name, type]) => new Field(name, type, true));
  const children = cols.map(([, type, values]) => vectorFromArray(values as never[], type).data[0]);
  return new Table(new RecordBatch(new Schema(fields), makeData({ type: new Struct(fields), length: 3, nullCount: 0, children })));
}


describe('foreign columnar files', () => {
  const files = {
    parquet: () => {
      const pw = parquetWasm();
      const p = join(dir, 'foreign.parquet');
      writeFileSync(p, pw.writeParquet(pw.Table.fromIPCStream(tableToIPC(foreignTable(), 'stream'))));
      return p;
    },
    'arrow file': () => {
      const p = join(dir, 'foreign.arrow');
      writeFileSync(p, tableToIPC(foreignTable(), 'file'));
      return p;
    },
  };
  for (const [kind, make] of Object.entries(files)) {
    it(`${kind}: mapped onto S1, bad rows dead-lettered, extra columns reported once`, async () => {
      const path = make();
      const { batch, stats, deadLetters, warnings } = await readAll(path);
      expect(stats).toMatchObject({ rows: 3, accepted: 2, deadLettered: 1, unknownColumns: ['probe_site'] });
      expect(warnings).toEqual([`file ${path}: ignoring unknown column probe_site`]);
      expect(deadLetters.letters).toMatchObject([{ source: path, row: 3, reason: "invalid imsi: '46000' is not 15 digits" }]);
      expect([...enumColumn(batch, 'interface')]).toEqual([0, 1]);
      expect([...enumColumn(batch, 'procedure_type')]).toEqual([0, -1]);
      expect([...int64Column(batch, 'start_time').values]).toEqual([1_700_000_000_000, 1_700_000_001_000]);
      expect([...int64Column(batch, 'eci').values]).toEqual([25_600_768, 25_600_769]);
      expect(int64Column(batch, 'ul_bytes').values[1]).toBe(5_000_000_000);
      expect(stringAt(utf8Column(batch, 'xdr_id'), 1)).toBe('f2');
    });
  }
});

describe('CSV with extra columns', () => {
  it('keeps them out and reports them once', async () => {
    const path = join(dir, 'extra.csv');
    writeFileSync(
      path,
      'probe,xdr_id,interface,imsi,start_time,cell_label\np1,c1,s1mme,460001234567890,1700000000000,x\np2,c2,s1u,460001234567891,1700000000000,y\n',
    );
    const { batch, stats, warnings } = await readAll(path);
    expect(stats).toMatchObject({ accepted: 2, unknownColumns: ['probe', 'cell_label'] });
    expect(warnings).toEqual([`file ${path}: ignoring unknown columns probe, cell_label`]);
    expect(batch.schema.fields.map((f) => f.name)).not.toContain('probe');
  });
});
