// Every feature family recomputed independently in DuckDB SQL over the same records (as CSV), row by row.
// The SQL is generated from the spec's *meaning* (buckets, filters, fields) with its own code-table rules,
// not from the engine's compiled plan or kernels.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { describe, expect, it } from 'vitest';
import { FeatureEngine, loadFeatureSpec, type FeatureWindow } from '../../src/features/index.js';
import { featureAggregatesSql } from './spec-sql.js';
import { makeRecords, makeTopology, toBatch, toCsv } from './records.js';

const spec = await loadFeatureSpec();
const topology = makeTopology();
const L = spec.windowMs;

describe('features against DuckDB SQL', () => {
  it('every one-hot, statistical, ratio and built-in feature matches an independent SQL computation', async () => {
    const rec = makeRecords(5000, 120, 2, 21, topology);
    const engine = new FeatureEngine(spec, topology);
    const order = [...Array(rec.n).keys()];
    const windows: FeatureWindow[] = [];
    for (let i = 0; i < rec.n; i += 700) windows.push(...engine.push(toBatch(rec, order.slice(i, i + 700))));
    windows.push(...engine.flush());

    const dir = mkdtempSync(join(tmpdir(), 'features-duckdb-'));
    const csv = join(dir, 'records.csv');
    writeFileSync(csv, toCsv(rec));
    const db = await DuckDBInstance.create(':memory:');
    const con = await db.connect();
    await con.run('SET autoinstall_known_extensions=false');
    await con.run(`CREATE TABLE r AS SELECT * FROM read_csv('${csv}', header = true, all_varchar = false,
      types = {'imsi': 'BIGINT', 'msisdn': 'VARCHAR', 'start_time': 'BIGINT', 'end_time': 'BIGINT', 'eci': 'BIGINT',
               'ul_bytes': 'BIGINT', 'dl_bytes': 'BIGINT'})`);
    const bins = spec.window.silenceBins;
    const feats = featureAggregatesSql(spec);
    const names = [...feats.keys()];
    const sql = `
      WITH base AS (SELECT *, start_time // ${L} AS w, ((start_time % ${L}) * ${bins}) // ${L} AS bin FROM r),
      agg AS (
        SELECT imsi, w, count(*) AS cnt_records, count(DISTINCT eci) AS distinct_cells,
               count(DISTINCT bin) AS active_bins, max(bin) AS last_bin, min(start_time) AS first_t, max(start_time) AS last_t,
               arg_max(msisdn, (start_time, msisdn::BIGINT)) AS msisdn,
               ${names.map((n, k) => `${feats.get(n)} AS f${k}`).join(',\n')}
        FROM base GROUP BY imsi, w),
      gaps AS (SELECT imsi, w, max(bin - pb - 1) AS max_gap FROM
                 (SELECT DISTINCT imsi, w, bin, lag(bin) OVER (PARTITION BY imsi, w ORDER BY bin) AS pb
                  FROM (SELECT DISTINCT imsi, w, bin FROM base)) GROUP BY imsi, w),
      cells AS (SELECT imsi, w, eci, count(*) AS n FROM base WHERE eci IS NOT NULL GROUP BY imsi, w, eci),
      dominant AS (SELECT imsi, w, eci FROM (SELECT *, row_number() OVER (PARTITION BY imsi, w ORDER BY n DESC, eci) AS k FROM cells) WHERE k = 1)
      SELECT agg.*, coalesce(gaps.max_gap, 0) AS max_gap, dominant.eci AS cell,
             (first_t - lag(last_t) OVER (PARTITION BY agg.imsi ORDER BY agg.w)) / 60000 AS gap_since_prev_min,
             agg.w - lag(agg.w) OVER (PARTITION BY agg.imsi ORDER BY agg.w) AS windows_since_prev
      FROM agg LEFT JOIN gaps USING (imsi, w) LEFT JOIN dominant USING (imsi, w)`;
    const rows = (await con.runAndReadAll(sql)).getRowObjectsJS();
    const byKey = new Map(rows.map((r) => [`${r.imsi}|${Number(r.w) * L}`, r]));
    const num = (v: unknown) => (v === null || v === undefined ? NaN : Number(v));

    let compared = 0;
    let rowsSeen = 0;
    const binMin = L / bins / 60_000;
    for (const w of windows) {
      for (let j = 0; j < w.imsi.length; j++) {
        const r = byKey.get(`${w.imsi[j]}|${w.windowStart}`);
        expect(r, `SQL row for ${w.imsi[j]} @ ${w.windowStart}`).toBeDefined();
        rowsSeen++;
        const expected: Record<string, number> = {
          cnt_records: num(r!.cnt_records),
          distinct_cells: num(r!.distinct_cells),
          active_bins: num(r!.active_bins),
          silence_max_gap_min: num(r!.max_gap) * binMin,
          silence_tail_min: (bins - 1 - num(r!.last_bin)) * binMin,
          gap_since_prev_min: num(r!.gap_since_prev_min),
          windows_since_prev: num(r!.windows_since_prev),
        };
        names.forEach((n, k) => (expected[n] = num(r![`f${k}`])));
        expect(w.msisdn[j]).toBe(r!.msisdn);
        expect(w.cell[j]).toBe(num(r!.cell));
        expect(w.regionIndex[j]).toBe(Number.isNaN(w.cell[j]) ? -1 : (topology.regionOfCell.get(w.cell[j]) ?? -1));
        for (const [name, want] of Object.entries(expected)) {
          const got = w.columns[w.featureNames.indexOf(name)][j];
          if (Number.isNaN(want)) expect(got, name).toBeNaN();
          else expect(Math.abs(got - want), `${name}: ${got} vs ${want}`).toBeLessThanOrEqual(1e-9 * Math.max(1, Math.abs(want)));
          compared++;
        }
      }
    }
    expect(rowsSeen).toBe(rows.length);
    // Every non-differential feature of the spec was checked.
    const checked = new Set([...names, 'cnt_records', 'distinct_cells', 'active_bins', 'silence_max_gap_min', 'silence_tail_min', 'gap_since_prev_min', 'windows_since_prev']);
    expect(windows[0].featureNames.filter((n) => !/^(d_prev|d_base|r_base)_/.test(n) && !checked.has(n))).toEqual([]);
    expect(compared).toBeGreaterThan(rowsSeen * 100);
    con.closeSync();
  });
});
