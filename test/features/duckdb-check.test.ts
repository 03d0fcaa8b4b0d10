// Every feature family recomputed independently in DuckDB SQL over the same records (as CSV), row by row.
// The SQL is generated from the spec's *meaning* (buckets, filters, fields) with its own code-table rules,
// not from the engine's compiled plan or kernels.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { describe, expect, it } from 'vitest';
import { FeatureEngine, loadFeatureSpec, type FeatureSpec, type FeatureWindow } from '../../src/features/index.js';
import { makeRecords, makeTopology, toBatch, toCsv } from './records.js';

const spec = await loadFeatureSpec();
const topology = makeTopology();
const L = spec.windowMs;

// DOMAIN.md §3, written out here on purpose (not imported): releases that are not drops.
const NORMAL_RELEASE = [
  ...[2, 4, 16, 17, 18, 19, 20, 22, 23, 24, 28, 33, 34, 35, 36].map((c) => `radioNetwork/${c}`),
  'nas/0',
  'nas/2',
  'misc/3',
];

const CATEGORICAL_SQL: Record<string, string> = {
  http_class: `CASE WHEN http_status IS NULL THEN NULL WHEN http_status = 0 THEN 'none'
    WHEN http_status BETWEEN 100 AND 599 THEN (http_status // 100)::VARCHAR || 'xx' ELSE '?' END`,
  s1ap: `CASE WHEN s1ap_cause_group IS NULL OR s1ap_cause IS NULL THEN NULL ELSE s1ap_cause_group || '/' || s1ap_cause::VARCHAR END`,
  release_kind: `CASE WHEN s1ap_cause_group IS NULL OR s1ap_cause IS NULL THEN NULL
    WHEN (s1ap_cause_group || '/' || s1ap_cause::VARCHAR) IN (${NORMAL_RELEASE.map((v) => `'${v}'`).join(',')}) THEN 'normal' ELSE 'abnormal' END`,
};
const NUMERIC_SQL: Record<string, string> = {
  duration_ms: 'CASE WHEN end_time >= start_time THEN end_time - start_time END',
  bytes: 'ul_bytes + dl_bytes',
  packets: 'ul_packets + dl_packets',
  retrans_packets: 'ul_retrans_packets + dl_retrans_packets',
};
const ENUMS = ['interface', 'procedure_type', 's1ap_cause_group', 'app_type'];

const lit = (field: string, v: string | number) => (typeof v === 'number' && !ENUMS.includes(field) && !(field in CATEGORICAL_SQL) ? String(v) : `'${v}'`);
const fieldSql = (f: string) => CATEGORICAL_SQL[f] ?? NUMERIC_SQL[f] ?? f;

type Axis = FeatureSpec['onehot'][number] | NonNullable<FeatureSpec['onehot'][number]['by']>;
function axisConditions(axis: Axis): [string, string][] {
  const f = `(${fieldSql(axis.field)})`;
  const buckets = axis.buckets ?? Object.fromEntries(
    (axis.field === 'interface' ? ['s1mme', 's1u'] : axis.field === 'app_type' ? ['http', 'https', 'dns', 'video', 'im', 'game', 'other'] : axis.field === 'release_kind' ? ['normal', 'abnormal'] : axis.field === 'procedure_type' ? ['attach', 'detach', 'tau', 'service_request', 'extended_service_request', 'paging', 'pdn_connect', 'erab_setup', 'erab_release', 'ue_context_release', 'x2_handover', 's1_handover_out', 's1_handover_in'] : []).map((v) => [v, [v]]),
  );
  const all = Object.values(buckets).flat().map((v) => lit(axis.field, v));
  const out: [string, string][] = Object.entries(buckets).map(([name, vs]) => [name, `${f} IN (${vs.map((v) => lit(axis.field, v)).join(',')})`]);
  if (axis.other) out.push(['other', `${f} IS NOT NULL AND ${f} NOT IN (${all.join(',')})`]);
  if (axis.nullBucket) out.push([axis.nullBucket, `${f} IS NULL`]);
  return out;
}
const whereSql = (w: FeatureSpec['onehot'][number]['where']) =>
  w ? `(${fieldSql(w.field)}) IS NOT NULL AND (${fieldSql(w.field)}) ${w.not ? 'NOT IN' : 'IN'} (${w.in.map((v) => lit(w.field, v)).join(',')})` : 'TRUE';

/** name → SQL aggregate, for every feature except the differential ones. */
function featureSql(): Map<string, string> {
  const q = new Map<string, string>(); // quantities: name → SQL of a per-row numeric (to be summed)
  const features = new Map<string, string>();
  for (const o of spec.onehot) {
    for (const [an, ac] of axisConditions(o)) {
      const combos: [string, string][] = o.by ? axisConditions(o.by).map(([bn, bc]) => [`${o.name}_${an}_${bn}`, `${ac} AND ${bc}`]) : [[`${o.name}_${an}`, ac]];
      for (const [name, cond] of combos) {
        const rowExpr = `CASE WHEN ${whereSql(o.where)} AND ${cond} THEN 1 ELSE 0 END`;
        q.set(name, rowExpr);
        features.set(name, `sum(${rowExpr})`);
      }
    }
  }
  q.set('cnt_records', '1');
  for (const s of spec.stats) {
    const v = `(${fieldSql(s.field)})`;
    const filt = `FILTER (WHERE ${whereSql(s.where)} AND ${v} IS NOT NULL)`;
    q.set(`n_${s.name}`, `CASE WHEN ${whereSql(s.where)} AND ${v} IS NOT NULL THEN 1 ELSE 0 END`);
    q.set(`sum_${s.name}`, `CASE WHEN ${whereSql(s.where)} THEN coalesce(${v}, 0) ELSE 0 END`);
    for (const k of s.stats) {
      const fn = { count: 'count', sum: 'sum', mean: 'avg', min: 'min', max: 'max', std: 'stddev_pop' }[k];
      const agg = `${fn}(${v}) ${filt}`;
      features.set(`${k === 'count' ? 'n' : k}_${s.name}`, k === 'sum' ? `coalesce(${agg}, 0)` : agg);
    }
  }
  const glob = (p: string) => {
    const re = new RegExp(`^${p.split('*').join('.*')}$`);
    return [...q.keys()].filter((k) => re.test(k));
  };
  for (const r of spec.ratios) {
    const num = [...new Set(r.num.flatMap(glob))].map((k) => `sum(${q.get(k)})`).join(' + ');
    const den = [...new Set(r.den.flatMap(glob))].map((k) => `sum(${q.get(k)})`).join(' + ');
    features.set(r.name, `CASE WHEN (${den}) > 0 THEN ${r.scale} * (${num}) / (${den}) END`);
  }
  return features;
}

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
    const feats = featureSql();
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
