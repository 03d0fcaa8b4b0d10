// `hotspot features` end to end: a record file and topology in, a Parquet file out that DuckDB reads back with the
// same values the engine computes in memory.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { describe, expect, it, vi } from 'vitest';
import { main } from '../../src/cli/main.js';
import { FeatureEngine, loadFeatureSpec, type FeatureWindow } from '../../src/features/index.js';
import { openRecordWriter, readRecords, writeTopology } from '../../src/sources/files/index.js';
import { makeRecords, makeTopology, toBatch } from './records.js';

describe('hotspot features', () => {
  it('writes one Parquet row per user-window with key columns and every feature', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'features-cli-'));
    const topology = makeTopology();
    const rec = makeRecords(3000, 80, 1.5, 31, topology);
    const order = [...Array(rec.n).keys()];
    const writer = await openRecordWriter(join(dir, 'records.parquet'), 'parquet');
    for (let i = 0; i < rec.n; i += 1000) await writer.write(toBatch(rec, order.slice(i, i + 1000)));
    await writer.close();
    await writeTopology(join(dir, 'topology.csv'), topology.cells);

    const err = vi.spyOn(console, 'error').mockImplementation(() => {});
    const code = await main(['features', '--records', join(dir, 'records.parquet'), '--topology', join(dir, 'topology.csv'), '--out', join(dir, 'f.parquet')]);
    const message = err.mock.calls.map((c) => String(c[0])).join('\n');
    err.mockRestore();
    expect(code, message).toBe(0);
    // The generator makes a few out-of-range codes on purpose: the reader dead-letters them.
    expect(message).toMatch(/(\d+) records → \d+ user-window rows in \d+ windows × 221 features.*; (\d+) dead letters/);
    const [, seen, dead] = /(\d+) records .*; (\d+) dead letters/.exec(message)!;
    expect(Number(seen) + Number(dead)).toBe(rec.n);

    const spec = await loadFeatureSpec();
    const engine = new FeatureEngine(spec, topology);
    const windows: FeatureWindow[] = [];
    for await (const b of readRecords(join(dir, 'records.parquet'))) windows.push(...engine.push(b));
    windows.push(...engine.flush());
    const db = await DuckDBInstance.create(':memory:');
    const con = await db.connect();
    const rows = (await con.runAndReadAll(`SELECT * FROM read_parquet('${join(dir, 'f.parquet')}') ORDER BY window_start, imsi`)).getRowObjectsJS();
    const columns = (await con.runAndReadAll(`DESCRIBE SELECT * FROM read_parquet('${join(dir, 'f.parquet')}')`)).getRowObjectsJS();
    con.closeSync();
    expect(columns.slice(0, 6).map((c) => [c.column_name, c.column_type])).toEqual([
      ['window_start', 'BIGINT'], ['window_end', 'BIGINT'], ['imsi', 'VARCHAR'], ['msisdn', 'VARCHAR'], ['cell', 'DOUBLE'], ['region', 'VARCHAR'],
    ]);
    expect(columns.slice(6).map((c) => c.column_name)).toEqual(windows[0].featureNames);
    expect(rows.length).toBe(windows.reduce((n, w) => n + w.imsi.length, 0));
    let k = 0;
    for (const w of windows)
      for (let j = 0; j < w.imsi.length; j++, k++) {
        const r = rows[k];
        expect(Number(r.window_start)).toBe(w.windowStart);
        expect(r.imsi).toBe(String(w.imsi[j]));
        expect(r.msisdn).toBe(w.msisdn[j]);
        expect(r.region).toBe(w.regionIndex[j] >= 0 ? topology.regions[w.regionIndex[j]] : null);
        // Parquet keeps NaN as NaN (DuckDB reads it back as NaN, not NULL); toEqual treats NaN as equal to NaN.
        expect(w.featureNames.map((n) => r[n])).toEqual(w.columns.map((c) => c[j]));
      }
  });

  it('fails with a clear message and exit code for a missing record file or flag', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'features-cli-'));
    await writeTopology(join(dir, 'topology.csv'), makeTopology().cells);
    writeFileSync(join(dir, 'bad-spec.json'), '{"name": 1}');
    const err = vi.spyOn(console, 'error').mockImplementation(() => {});
    const missing = await main(['features', '--records', join(dir, 'nope.csv'), '--topology', join(dir, 'topology.csv'), '--out', join(dir, 'f.parquet')]);
    const noFlag = await main(['features', '--topology', join(dir, 'topology.csv'), '--out', join(dir, 'f.parquet')]);
    const badSpec = await main(['features', '--records', join(dir, 'nope.csv'), '--topology', join(dir, 'topology.csv'), '--out', join(dir, 'f.parquet'), '--spec', join(dir, 'bad-spec.json')]);
    const messages = err.mock.calls.map((c) => String(c[0]));
    err.mockRestore();
    expect(missing).toBe(1);
    expect(messages[0]).toMatch(/nope\.csv/);
    expect(noFlag).toBe(2);
    expect(messages[1]).toMatch(/--records is required/);
    expect(badSpec).toBe(1);
    expect(messages[2]).toMatch(/invalid feature spec/);
  });
});
