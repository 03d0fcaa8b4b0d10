// Feature kernels, push side: each runs over one batch's typed arrays and encodes what a record contributes to
// its user-window (a one-hot bucket, a statistic's input value) into a column of a staging array; the engine
// copies each record's encoded row into its window's buffer and aggregates the rows when the window closes.
// Column decoding and derived fields are computed once per batch (BatchColumns); kernels never see Arrow objects.
import type { RecordBatch } from 'apache-arrow';
import { enumColumn, int32Column, int64Column, type NumericColumn } from '../schema/columns.js';
import { ABNORMAL_RELEASE, S1AP_CAUSE_SPACE } from '../schema/codes.js';
import type { AxisPlan, FieldRef, OneHotPlan, StatPlan, WherePlan } from './spec.js';

/** Categorical codes: -1 = null; values that cannot be table codes (negative) become a large code (→ other). */
const UNTABLED = 0x7fffffff;

/** Lazily decoded columns of one batch, shared by all kernels. */
export class BatchColumns {
  readonly n: number;
  private readonly numeric = new Map<string, NumericColumn>();
  private readonly codes = new Map<string, Int32Array>();
  private readonly masks = new Map<WherePlan, Uint8Array>();

  constructor(readonly batch: RecordBatch) {
    this.n = batch.numRows;
  }

  num(column: string, kind: 'int32' | 'int64'): NumericColumn {
    let c = this.numeric.get(column);
    if (!c) {
      c = kind === 'int32' ? int32Column(this.batch, column) : int64Column(this.batch, column);
      this.numeric.set(column, c);
    }
    return c;
  }

  /** A numeric field (column or derived) for statistics. */
  numericField(f: FieldRef): NumericColumn {
    if (f.kind === 'int32' || f.kind === 'int64') return this.num(f.column, f.kind);
    if (f.kind === 'enum') throw new Error(`field '${f.column}' is categorical`);
    const key = `derived:${f.name}`;
    let c = this.numeric.get(key);
    if (!c) {
      c = this.deriveNumeric(f.name);
      this.numeric.set(key, c);
    }
    return c;
  }

  /** A categorical field as Int32 codes (-1 null). */
  categorical(f: FieldRef): Int32Array {
    const key = f.kind === 'derived' ? `derived:${f.name}` : f.column;
    let c = this.codes.get(key);
    if (!c) {
      c = this.deriveCodes(f);
      this.codes.set(key, c);
    }
    return c;
  }

  where(w: WherePlan | null): Uint8Array | null {
    if (!w) return null;
    let m = this.masks.get(w);
    if (!m) {
      const codes = this.categorical(w.field);
      const match = w.match;
      m = new Uint8Array(this.n);
      const hit = w.not ? 0 : 1;
      for (let i = 0; i < this.n; i++) {
        const c = codes[i];
        if (c < 0) continue; // nulls never match, with or without `not`
        m[i] = c < match.length && match[c] === 1 ? hit : 1 - hit;
      }
      this.masks.set(w, m);
    }
    return m;
  }

  private deriveCodes(f: FieldRef): Int32Array {
    const n = this.n;
    const out = new Int32Array(n);
    if (f.kind === 'enum') {
      const e = enumColumn(this.batch, f.column);
      for (let i = 0; i < n; i++) out[i] = e[i];
      return out;
    }
    if (f.kind === 'int32' || f.kind === 'int64') {
      const { values, valid } = this.num(f.column, f.kind);
      for (let i = 0; i < n; i++) {
        const v = values[i];
        out[i] = valid && !valid[i] ? -1 : v >= 0 && v < UNTABLED ? v : UNTABLED;
      }
      return out;
    }
    switch (f.name) {
      case 'http_class': {
        const { values, valid } = this.num('http_status', 'int32');
        for (let i = 0; i < n; i++) {
          if (valid && !valid[i]) out[i] = -1;
          else {
            const s = values[i];
            out[i] = s === 0 ? 0 : s >= 100 && s <= 599 ? (s / 100) | 0 : UNTABLED;
          }
        }
        return out;
      }
      case 'release_kind':
      case 's1ap': {
        const group = this.categorical({ kind: 'enum', column: 's1ap_cause_group', vocabulary: [] });
        const { values, valid } = this.num('s1ap_cause', 'int32');
        const kind = f.name === 'release_kind';
        for (let i = 0; i < n; i++) {
          const g = group[i];
          if (g < 0 || (valid && !valid[i])) {
            out[i] = -1;
            continue;
          }
          const c = values[i];
          const inSpace = c >= 0 && c < S1AP_CAUSE_SPACE;
          // Causes outside the space are abnormal (codes.isAbnormalRelease) and untabled for `s1ap`.
          if (kind) out[i] = inSpace ? ABNORMAL_RELEASE[g * S1AP_CAUSE_SPACE + c] : 1;
          else out[i] = inSpace ? g * S1AP_CAUSE_SPACE + c : UNTABLED;
        }
        return out;
      }
    }
    throw new Error(`unknown derived categorical field '${f.name}'`);
  }

  private deriveNumeric(name: string): NumericColumn {
    const n = this.n;
    const out = new Float64Array(n);
    const valid = new Uint8Array(n);
    const pair = (a: NumericColumn, b: NumericColumn, sub: boolean) => {
      for (let i = 0; i < n; i++) {
        if ((a.valid && !a.valid[i]) || (b.valid && !b.valid[i])) continue;
        out[i] = sub ? a.values[i] - b.values[i] : a.values[i] + b.values[i];
        valid[i] = 1;
      }
    };
    switch (name) {
      case 'duration_ms':
        pair(this.num('end_time', 'int64'), this.num('start_time', 'int64'), true);
        // A record that ends before it starts has no meaningful duration: treat as missing.
        for (let i = 0; i < n; i++) if (valid[i] && out[i] < 0) valid[i] = 0;
        break;
      case 'bytes':
        pair(this.num('ul_bytes', 'int64'), this.num('dl_bytes', 'int64'), false);
        break;
      case 'packets':
        pair(this.num('ul_packets', 'int32'), this.num('dl_packets', 'int32'), false);
        break;
      case 'retrans_packets':
        pair(this.num('ul_retrans_packets', 'int32'), this.num('dl_retrans_packets', 'int32'), false);
        break;
      default:
        throw new Error(`unknown derived numeric field '${name}'`);
    }
    return { values: out, valid };
  }
}

/** Bucket of one code on one axis, or -1 to skip. */
function bucketOf(axis: AxisPlan, code: number): number {
  if (code < 0) return axis.nullBucket;
  const b = code < axis.table.length ? axis.table[code] : -1;
  return b >= 0 ? b : axis.otherBucket;
}

/** One-hot encoding: writes each record's bucket (crossed: a × nb + b; -1 = not counted) to out[at + i]. The
 *  bucket is resolved once here, so the close-time loop only adds 1 to the bucket's count column. */
export function encodeOneHot(plan: OneHotPlan, cols: BatchColumns, out: Int16Array, at: number): void {
  const n = cols.n;
  const a = cols.categorical(plan.a.field);
  const where = cols.where(plan.where);
  if (!plan.b) {
    const axis = plan.a;
    const table = axis.table;
    const tl = table.length;
    const nullBucket = axis.nullBucket;
    const otherBucket = axis.otherBucket;
    for (let i = 0; i < n; i++) {
      if (where !== null && where[i] === 0) {
        out[at + i] = -1;
        continue;
      }
      const c = a[i];
      let k = c < 0 ? nullBucket : c < tl ? table[c] : -1;
      if (k < 0 && c >= 0) k = otherBucket;
      out[at + i] = k;
    }
    return;
  }
  const b = cols.categorical(plan.b.field);
  const nb = plan.b.names.length;
  for (let i = 0; i < n; i++) {
    let k = -1;
    if (where === null || where[i] === 1) {
      const ka = bucketOf(plan.a, a[i]);
      const kb = ka < 0 ? -1 : bucketOf(plan.b, b[i]);
      if (kb >= 0) k = ka * nb + kb;
    }
    out[at + i] = k;
  }
}

/** Statistic input: writes each record's value of the plan's field to out[at + i], NaN where the value is missing
 *  or the record fails the plan's filter (valid values are never NaN: they come from integers). */
export function encodeStat(plan: StatPlan, cols: BatchColumns, out: Float64Array, at: number): void {
  const n = cols.n;
  const { values, valid } = cols.numericField(plan.field);
  const where = cols.where(plan.where);
  for (let i = 0; i < n; i++) {
    out[at + i] = (valid !== null && valid[i] === 0) || (where !== null && where[i] === 0) ? NaN : values[i];
  }
}
