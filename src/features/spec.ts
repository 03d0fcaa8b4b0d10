// Feature specs (DESIGN.md §4): versioned JSON in features/, validated with zod and hashed, so a model can refuse
// a spec it was not trained with. The spec is data: compile() turns it into a flat plan of accumulator offsets and
// lookup tables once; the engine's kernels then only loop over typed arrays.
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { S1_COLUMN_INDEX, S1_COLUMNS, S1AP_CAUSE_GROUPS, type ColumnSpec } from '../schema/record.js';
import { HTTP_STATUS_CLASS_NAMES, S1AP_CAUSE_SPACE } from '../schema/codes.js';

/** Where the default spec lives (features/s1-v1.json at the repository root, also from dist/). */
export const DEFAULT_SPEC_PATH: string = (() => {
  const candidates = ['../../features/s1-v1.json', '../../../features/s1-v1.json'].map((rel) =>
    fileURLToPath(new URL(rel, import.meta.url)),
  );
  return candidates.find((p) => existsSync(p)) ?? candidates[0];
})();

const Value = z.union([z.string(), z.number().int()]);

/** A row filter: the record's `field` value is (or with `not`, is not) one of `in`. Nulls never match. */
export const WhereSchema = z.strictObject({
  field: z.string(),
  in: z.array(Value).min(1),
  not: z.boolean().default(false),
});

const BucketsSchema = z.record(z.string().regex(/^[a-z0-9_]+$/), z.array(Value).min(1));

/** One categorical axis: named buckets of field values, an optional `other` bucket and a bucket for nulls. */
export const AxisSchema = z.strictObject({
  field: z.string(),
  /** Bucket name → values. Omitted for enum fields: one bucket per vocabulary value. */
  buckets: BucketsSchema.optional(),
  /** Values in no bucket are counted as `<name>_other` instead of being skipped. */
  other: z.boolean().default(false),
  /** Nulls are counted in this bucket instead of being skipped (e.g. a DNS query with no answer). */
  nullBucket: z.string().regex(/^[a-z0-9_]+$/).optional(),
});

export const OneHotSchema = AxisSchema.extend({
  /** Feature names are `<name>_<bucket>` or, crossed, `<name>_<bucket>_<byBucket>`. */
  name: z.string().regex(/^[a-z0-9_]+$/),
  by: AxisSchema.optional(),
  where: WhereSchema.optional(),
});

export const STAT_KINDS = ['count', 'sum', 'mean', 'min', 'max', 'std'] as const;
export const StatSchema = z.strictObject({
  /** Features are `<stat>_<name>` (`n_<name>` for count). */
  name: z.string().regex(/^[a-z0-9_]+$/),
  field: z.string(),
  stats: z.array(z.enum(STAT_KINDS)).min(1),
  where: WhereSchema.optional(),
});

export const RatioSchema = z.strictObject({
  name: z.string().regex(/^[a-z0-9_]+$/),
  /** Quantities summed for the numerator / denominator: one-hot features (globs with `*` allowed),
   *  `n_<stat>` / `sum_<stat>` of declared statistics, or `cnt_records`. */
  num: z.array(z.string()).min(1),
  den: z.array(z.string()).min(1),
  scale: z.number().default(1),
});

const DiffFeatureSchema = z.union([
  z.string(),
  z.strictObject({ name: z.string(), smoothing: z.number().nonnegative() }),
]);

export const FeatureSpecFileSchema = z.strictObject({
  name: z.string().min(1),
  version: z.string().min(1),
  description: z.string().optional(),
  window: z.strictObject({
    lengthMs: z.number().int().positive().default(900_000),
    /** The window is cut into this many bins for the silence features (≤ 30 so a bin mask fits an int32). */
    silenceBins: z.number().int().min(1).max(30).default(15),
  }),
  baseline: z.strictObject({
    /** EWMA weight of the newest active window. */
    alpha: z.number().gt(0).lte(1).default(0.1),
    /** One baseline per hour of day (24×) instead of one overall. */
    hourOfDay: z.boolean().default(false),
  }),
  onehot: z.array(OneHotSchema).default([]),
  stats: z.array(StatSchema).default([]),
  ratios: z.array(RatioSchema).default([]),
  differential: z.strictObject({
    features: z.array(DiffFeatureSchema).default([]),
    /** Smoothing s of r_base_x = (x + s) / (base + s) unless a feature sets its own. */
    smoothing: z.number().nonnegative().default(1),
  }),
});
export type FeatureSpecFile = z.infer<typeof FeatureSpecFileSchema>;

/** A validated spec with its identity; `windowMs` and `hash` are what models and windows record. */
export interface FeatureSpec extends FeatureSpecFile {
  readonly hash: string;
  readonly windowMs: number;
}

/** JSON with object keys sorted, so the hash does not depend on key order or whitespace. */
export function canonicalJson(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canonicalJson).join(',')}]`;
  if (v && typeof v === 'object') {
    const keys = Object.keys(v as object).filter((k) => (v as Record<string, unknown>)[k] !== undefined).sort();
    return `{${keys.map((k) => `${JSON.stringify(k)}:${canonicalJson((v as Record<string, unknown>)[k])}`).join(',')}}`;
  }
  return JSON.stringify(v);
}

/** Validates a parsed spec (defaults filled in) and hashes its canonical form. Throws with every zod issue. */
export function parseFeatureSpec(json: unknown, source = 'feature spec'): FeatureSpec {
  const r = FeatureSpecFileSchema.safeParse(json);
  if (!r.success) {
    const issues = r.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ');
    throw new Error(`${source}: invalid feature spec: ${issues}`);
  }
  const hash = createHash('sha256').update(canonicalJson(r.data)).digest('hex');
  const spec: FeatureSpec = { ...r.data, hash, windowMs: r.data.window.lengthMs };
  // Compiling checks field names, bucket values and ratio references, so a bad spec fails at load time.
  try {
    compileSpec(spec);
  } catch (err) {
    throw new Error(`${source}: ${(err as Error).message}`);
  }
  return spec;
}

export async function loadFeatureSpec(path: string = DEFAULT_SPEC_PATH): Promise<FeatureSpec> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    throw new Error(`cannot read feature spec ${path}: ${(err as Error).message}`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new Error(`feature spec ${path} is not JSON: ${(err as Error).message}`);
  }
  return parseFeatureSpec(json, path);
}

// ---------------------------------------------------------------------------------------------------------------
// Compilation: spec → plan (accumulator layout + lookup tables).


/** Categorical fields computed from columns: value codes are small non-negative integers. */
export const DERIVED_CATEGORICAL: Record<string, { values: readonly string[] | null; describe: string }> = {
  // 0 none, 1..5 the hundreds digit (see codes.httpStatusClass); values named as in HTTP_STATUS_CLASS_NAMES.
  http_class: { values: HTTP_STATUS_CLASS_NAMES, describe: 'HTTP status class of http_status' },
  // 0 normal, 1 abnormal by the DOMAIN.md §3 rule; null when the record carries no S1AP cause.
  release_kind: { values: ['normal', 'abnormal'], describe: 'S1AP cause judged normal or abnormal release' },
  // group code × 256 + cause; values written as "radioNetwork/21".
  s1ap: { values: null, describe: 's1ap_cause_group/s1ap_cause' },
};

/** Numeric fields computed from columns. */
export const DERIVED_NUMERIC = ['duration_ms', 'bytes', 'packets', 'retrans_packets'] as const;

export type FieldRef =
  | { kind: 'enum'; column: string; vocabulary: readonly string[] }
  | { kind: 'int32'; column: string }
  | { kind: 'int64'; column: string }
  | { kind: 'derived'; name: string };

export function resolveField(name: string, forCategorical: boolean): FieldRef {
  if (forCategorical && name in DERIVED_CATEGORICAL) return { kind: 'derived', name };
  if (!forCategorical && (DERIVED_NUMERIC as readonly string[]).includes(name)) return { kind: 'derived', name };
  const i = S1_COLUMN_INDEX.get(name);
  if (i === undefined) throw new Error(`unknown field '${name}'`);
  const c: ColumnSpec = S1_COLUMNS[i];
  if (c.kind === 'enum') {
    if (!forCategorical) throw new Error(`field '${name}' is categorical, not numeric`);
    return { kind: 'enum', column: name, vocabulary: c.vocabulary! };
  }
  if (c.kind === 'int32') return { kind: 'int32', column: name };
  if (c.kind === 'int64') return { kind: 'int64', column: name };
  throw new Error(`field '${name}' is free text; it cannot be a feature`);
}

/** Largest integer code a lookup table covers; larger values fall into `other`. */
export const MAX_TABLE_CODE = 4095;

/** Value → numeric code of a field (vocabulary index, integer, or derived code). */
function valueCode(ref: FieldRef, v: string | number, where: string): number {
  if (ref.kind === 'enum') {
    const i = ref.vocabulary.indexOf(String(v));
    if (i < 0) throw new Error(`${where}: '${v}' is not a ${ref.column} value (${ref.vocabulary.join(', ')})`);
    return i;
  }
  if (ref.kind === 'derived') {
    if (ref.name === 's1ap') {
      const m = /^([A-Za-z]+)\/(\d+)$/.exec(String(v));
      const g = m ? (S1AP_CAUSE_GROUPS as readonly string[]).indexOf(m[1]) : -1;
      if (!m || g < 0 || Number(m[2]) >= S1AP_CAUSE_SPACE) throw new Error(`${where}: '${v}' is not group/cause (e.g. radioNetwork/21)`);
      return g * S1AP_CAUSE_SPACE + Number(m[2]);
    }
    const values = DERIVED_CATEGORICAL[ref.name].values!;
    const i = values.indexOf(String(v));
    if (i < 0) throw new Error(`${where}: '${v}' is not a ${ref.name} value (${values.join(', ')})`);
    return i;
  }
  if (typeof v !== 'number') throw new Error(`${where}: '${v}' is not an integer value of ${ref.column}`);
  if (v < 0 || v > MAX_TABLE_CODE) throw new Error(`${where}: code ${v} is outside 0..${MAX_TABLE_CODE}`);
  return v;
}

/** A compiled categorical axis: code → bucket lookup. */
export interface AxisPlan {
  field: FieldRef;
  /** table[code] = bucket index, -1 = not bucketed (goes to `otherBucket`). */
  table: Int16Array;
  otherBucket: number; // -1 = skip
  nullBucket: number; // -1 = skip
  names: string[];
}

export interface WherePlan {
  field: FieldRef;
  /** match[code] = 1 when the value passes; codes beyond the table never match (or always, with `not`). */
  match: Uint8Array;
  not: boolean;
}

export interface OneHotPlan {
  a: AxisPlan;
  b: AxisPlan | null;
  where: WherePlan | null;
  offset: number;
  names: string[];
}

export interface StatPlan {
  name: string;
  field: FieldRef;
  where: WherePlan | null;
  /** Accumulators n, sum, sumsq, min, max at offset..offset+4. */
  offset: number;
  stats: (typeof STAT_KINDS)[number][];
}

export interface RatioPlan {
  name: string;
  num: Int32Array; // accumulator offsets
  den: Int32Array;
  scale: number;
}

/** Accumulator layout of one user-window row (Float64). The engine aggregates encoded records instead of such
 *  rows now; the layout remains the address space of quantities (`offset`s of plans, ratio terms), which the
 *  engine maps onto its output and scratch columns. */
export const ACC = {
  records: 0,
  firstTime: 1,
  lastTime: 2,
  binMask: 3,
  msisdnTime: 4,
  msisdn: 5, // digits as a number
  msisdnLen: 6,
  cellOverflow: 7,
  cells: 8, // CELL_SLOTS pairs (eci, count)
} as const;
/** Distinct cells held inline per row; more spill into a side map (rare: > 8 cells in one window). */
export const CELL_SLOTS = 8;
const FIXED_ACC = ACC.cells + 2 * CELL_SLOTS;

/** Built-in features every spec gets (the first columns of every window). */
export const BUILTIN_FEATURES = [
  'cnt_records',
  'distinct_cells',
  'active_bins',
  'silence_max_gap_min',
  'silence_tail_min',
  'gap_since_prev_min',
  'windows_since_prev',
] as const;

export interface CompiledSpec {
  spec: FeatureSpec;
  onehots: OneHotPlan[];
  stats: StatPlan[];
  ratios: RatioPlan[];
  /** Width of one accumulator row, and its initial values. */
  width: number;
  rowTemplate: Float64Array;
  /** Names of the window's feature columns, in order: builtins, one-hot, stats, ratios, differential. */
  featureNames: string[];
  /** Index (in featureNames) of each differential base feature, and its ratio smoothing. */
  diffIndex: Int32Array;
  diffSmoothing: Float64Array;
  /** Where the differential block starts in featureNames. */
  diffStart: number;
  /** Baseline buckets per user (1 or 24). */
  baselineBuckets: number;
  /** Fields whose columns a batch must decode. */
  fields: FieldRef[];
}

function compileAxis(axis: z.infer<typeof AxisSchema>, where: string): AxisPlan {
  const field = resolveField(axis.field, true);
  const size =
    field.kind === 'enum'
      ? field.vocabulary.length
      : field.kind === 'derived'
        ? field.name === 's1ap'
          ? S1AP_CAUSE_GROUPS.length * S1AP_CAUSE_SPACE
          : DERIVED_CATEGORICAL[field.name].values!.length
        : MAX_TABLE_CODE + 1;
  const table = new Int16Array(size).fill(-1);
  const names: string[] = [];
  let buckets = axis.buckets;
  if (!buckets) {
    const values = field.kind === 'enum' ? field.vocabulary : field.kind === 'derived' ? DERIVED_CATEGORICAL[field.name].values : null;
    if (!values) throw new Error(`${where}: field '${axis.field}' needs explicit buckets`);
    buckets = Object.fromEntries(values.map((v) => [v, [v]]));
  }
  for (const [bucket, values] of Object.entries(buckets)) {
    const b = names.length;
    names.push(bucket);
    for (const v of values) {
      const code = valueCode(field, v, `${where} bucket '${bucket}'`);
      if (table[code] !== -1) throw new Error(`${where}: value '${v}' is in two buckets`);
      table[code] = b;
    }
  }
  let otherBucket = -1;
  if (axis.other) {
    otherBucket = names.length;
    names.push('other');
  }
  let nullBucket = -1;
  if (axis.nullBucket) {
    nullBucket = names.length;
    names.push(axis.nullBucket);
  }
  if (new Set(names).size !== names.length) throw new Error(`${where}: duplicate bucket names`);
  return { field, table, otherBucket, nullBucket, names };
}

function compileWhere(w: z.infer<typeof WhereSchema> | undefined, where: string): WherePlan | null {
  if (!w) return null;
  const field = resolveField(w.field, true);
  const codes = w.in.map((v) => valueCode(field, v, `${where} where`));
  const match = new Uint8Array(Math.max(...codes) + 1);
  for (const c of codes) match[c] = 1;
  return { field, match, not: w.not };
}

function fieldKey(f: FieldRef): string {
  return f.kind === 'derived' ? `derived:${f.name}` : `${f.kind}:${f.column}`;
}

/** Columns a derived field reads. */
const DERIVED_SOURCES: Record<string, FieldRef[]> = {
  http_class: [{ kind: 'int32', column: 'http_status' }],
  release_kind: [
    { kind: 'enum', column: 's1ap_cause_group', vocabulary: S1AP_CAUSE_GROUPS },
    { kind: 'int32', column: 's1ap_cause' },
  ],
  s1ap: [
    { kind: 'enum', column: 's1ap_cause_group', vocabulary: S1AP_CAUSE_GROUPS },
    { kind: 'int32', column: 's1ap_cause' },
  ],
  duration_ms: [{ kind: 'int64', column: 'end_time' }],
  bytes: [
    { kind: 'int64', column: 'ul_bytes' },
    { kind: 'int64', column: 'dl_bytes' },
  ],
  packets: [
    { kind: 'int32', column: 'ul_packets' },
    { kind: 'int32', column: 'dl_packets' },
  ],
  retrans_packets: [
    { kind: 'int32', column: 'ul_retrans_packets' },
    { kind: 'int32', column: 'dl_retrans_packets' },
  ],
};

const compiledCache = new WeakMap<FeatureSpec, CompiledSpec>();

export function compileSpec(spec: FeatureSpec): CompiledSpec {
  const cached = compiledCache.get(spec);
  if (cached) return cached;
  let width = FIXED_ACC;
  const quantities = new Map<string, number>([['cnt_records', ACC.records]]);
  const featureNames: string[] = [...BUILTIN_FEATURES];
  const fields = new Map<string, FieldRef>();
  const useField = (f: FieldRef) => {
    if (f.kind === 'derived') for (const s of DERIVED_SOURCES[f.name]) fields.set(fieldKey(s), s);
    else fields.set(fieldKey(f), f);
  };

  const onehots: OneHotPlan[] = spec.onehot.map((o, i) => {
    const where = `onehot[${i}] '${o.name}'`;
    const a = compileAxis(o, where);
    const b = o.by ? compileAxis(o.by, `${where} by`) : null;
    const w = compileWhere(o.where, where);
    useField(a.field);
    if (b) useField(b.field);
    if (w) useField(w.field);
    const names: string[] = [];
    for (const an of a.names) {
      if (b) for (const bn of b.names) names.push(`${o.name}_${an}_${bn}`);
      else names.push(`${o.name}_${an}`);
    }
    const plan: OneHotPlan = { a, b, where: w, offset: width, names };
    names.forEach((n, k) => quantities.set(n, width + k));
    width += names.length;
    featureNames.push(...names);
    return plan;
  });

  const statOffsets: number[] = [];
  const stats: StatPlan[] = spec.stats.map((s, i) => {
    const where = `stats[${i}] '${s.name}'`;
    const field = resolveField(s.field, false);
    const w = compileWhere(s.where, where);
    useField(field);
    if (w) useField(w.field);
    const plan: StatPlan = { name: s.name, field, where: w, offset: width, stats: s.stats };
    quantities.set(`n_${s.name}`, width);
    quantities.set(`sum_${s.name}`, width + 1);
    statOffsets.push(width);
    width += 5;
    for (const k of s.stats) featureNames.push(`${k === 'count' ? 'n' : k}_${s.name}`);
    return plan;
  });

  const resolveQuantities = (refs: string[], where: string): Int32Array => {
    const out: number[] = [];
    for (const r of refs) {
      if (r.includes('*')) {
        const re = new RegExp(`^${r.split('*').map((p) => p.replace(/[.+?^${}()|[\]\\]/g, '\\$&')).join('.*')}$`);
        const hits = [...quantities.keys()].filter((q) => re.test(q));
        if (hits.length === 0) throw new Error(`${where}: '${r}' matches no quantity`);
        for (const h of hits) out.push(quantities.get(h)!);
      } else {
        const q = quantities.get(r);
        if (q === undefined) throw new Error(`${where}: unknown quantity '${r}'`);
        out.push(q);
      }
    }
    return Int32Array.from(new Set(out));
  };
  const ratios: RatioPlan[] = spec.ratios.map((r, i) => {
    const where = `ratios[${i}] '${r.name}'`;
    featureNames.push(r.name);
    return { name: r.name, num: resolveQuantities(r.num, `${where} num`), den: resolveQuantities(r.den, `${where} den`), scale: r.scale };
  });

  const diffStart = featureNames.length;
  const diffIdx: number[] = [];
  const diffSmoothing: number[] = [];
  for (const d of spec.differential.features) {
    const name = typeof d === 'string' ? d : d.name;
    const k = featureNames.indexOf(name);
    if (k < 0 || k >= diffStart) throw new Error(`differential: unknown feature '${name}'`);
    diffIdx.push(k);
    diffSmoothing.push(typeof d === 'string' ? spec.differential.smoothing : d.smoothing);
  }
  for (const k of diffIdx) featureNames.push(`d_prev_${featureNames[k]}`);
  for (const k of diffIdx) featureNames.push(`d_base_${featureNames[k]}`);
  for (const k of diffIdx) featureNames.push(`r_base_${featureNames[k]}`);
  if (new Set(featureNames).size !== featureNames.length) {
    const dup = featureNames.find((n, i) => featureNames.indexOf(n) !== i);
    throw new Error(`duplicate feature name '${dup}'`);
  }

  const rowTemplate = new Float64Array(width);
  rowTemplate[ACC.firstTime] = Infinity;
  rowTemplate[ACC.lastTime] = -Infinity;
  rowTemplate[ACC.msisdnTime] = -Infinity;
  rowTemplate[ACC.msisdn] = NaN;
  for (let c = 0; c < CELL_SLOTS; c++) rowTemplate[ACC.cells + 2 * c] = NaN;
  for (const off of statOffsets) {
    rowTemplate[off + 3] = Infinity;
    rowTemplate[off + 4] = -Infinity;
  }
  fields.set('int64:start_time', { kind: 'int64', column: 'start_time' });
  fields.set('int64:eci', { kind: 'int64', column: 'eci' });
  const compiled: CompiledSpec = {
    spec,
    onehots,
    stats,
    ratios,
    width,
    rowTemplate,
    featureNames,
    diffIndex: Int32Array.from(diffIdx),
    diffSmoothing: Float64Array.from(diffSmoothing),
    diffStart,
    baselineBuckets: spec.baseline.hourOfDay ? 24 : 1,
    fields: [...fields.values()],
  };
  compiledCache.set(spec, compiled);
  return compiled;
}
