// A feature spec's meaning as DuckDB SQL aggregates over a table of S1 records (DESIGN.md §3 column names, enums
// as text), written independently of the engine's compiled plan and kernels: the tests' oracle, and the
// benchmark's "equivalent GROUP BY". Differential features are not covered (they need per-user history).
import type { FeatureSpec } from '../../src/features/index.js';

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
export function featureAggregatesSql(spec: FeatureSpec): Map<string, string> {
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

