import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { describe, expect, it } from 'vitest';
import { FEATURE_KEY_COLUMNS, FeatureEngine, compileSpec, loadFeatureSpec, writeFeatureWindows, type FeatureWindow } from '../../src/features/index.js';
import { makeRecords, makeTopology, toBatch } from './records.js';

async function readBack(path: string) {
  const db = await DuckDBInstance.create(':memory:');
  const con = await db.connect();
  const columns = (await con.runAndReadAll(`DESCRIBE SELECT * FROM read_parquet('${path}')`)).getRowObjectsJS().map((c) => c.column_name);
  const perWindow = (await con.runAndReadAll(`SELECT window_start, count(*) AS n FROM read_parquet('${path}') GROUP BY ALL ORDER BY 1`)).getRowObjectsJS();
  con.closeSync();
  return { columns, perWindow: perWindow.map((r) => [Number(r.window_start), Number(r.n)]) };
}

describe('feature Parquet output', () => {
  it('streams several windows into one file, rows per window preserved', async () => {
    const spec = await loadFeatureSpec();
    const topology = makeTopology();
    const rec = makeRecords(2000, 60, 1.2, 9, topology);
    const engine = new FeatureEngine(spec, topology);
    const windows: FeatureWindow[] = [...engine.push(toBatch(rec, [...Array(rec.n).keys()])), ...engine.flush()];
    const path = join(mkdtempSync(join(tmpdir(), 'features-pq-')), 'f.parquet');
    expect(await writeFeatureWindows(path, windows, topology)).toBe(windows.reduce((n, w) => n + w.imsi.length, 0));
    const back = await readBack(path);
    expect(back.columns).toEqual([...FEATURE_KEY_COLUMNS, ...compileSpec(spec).featureNames]);
    expect(back.perWindow).toEqual(windows.map((w) => [w.windowStart, w.imsi.length]));
  });

  it('writes an empty file with every column when there are no windows', async () => {
    const spec = await loadFeatureSpec();
    const path = join(mkdtempSync(join(tmpdir(), 'features-pq-')), 'empty.parquet');
    expect(await writeFeatureWindows(path, [], makeTopology(), compileSpec(spec).featureNames)).toBe(0);
    const back = await readBack(path);
    expect(back.columns).toEqual([...FEATURE_KEY_COLUMNS, ...compileSpec(spec).featureNames]);
    expect(back.perWindow).toEqual([]);
  });
});
