// Feature kernels, push side: each runs over one batch's typed arrays and encodes what a record contributes to
// its user-window (a one-hot bucket, a statistic's input value) into a column of a staging array; the engine
// copies each record's encoded row into its window's buffer and aggregates the rows when the window closes.
// Column decoding and derived fields are computed once per batch (BatchColumns); kernels never see Arrow objects.
import type { Data, RecordBatch } from 'apache-arrow';
import type { NumericColumn } from '../schema/columns.js';
import { ABNORMAL_RELEASE, S1AP_CAUSE_SPACE } from '../schema/codes.js';
import type { AxisPlan, FieldRef, OneHotPlan, StatPlan, WherePlan } from './spec.js';

/** Categorical codes: -1 = null; values that cannot be table codes (negative) become a large code (→ other). */
const UNTABLED = 0x7fffffff;

/** Typed arrays reused from batch to batch for decoded columns and masks, so decoding a batch allocates (and
 *  page-faults) nothing once the arena has grown to the batch size. Arrays may be longer than the batch. */
export class DecodeArena {
  private readonly arrays = new Map<string, Float64Array | Int32Array | Uint8Array>();

  float64(key: string, n: number): Float64Array {
    const a = this.arrays.get(key);
    if (a instanceof Float64Array && a.length >= n) return a;
    const b = new Float64Array(roundUp8(n));
    this.arrays.set(key, b);
    return b;
  }

  int32(key: string, n: number): Int32Array {
    const a = this.arrays.get(key);
    if (a instanceof Int32Array && a.length >= n) return a;
    const b = new Int32Array(roundUp8(n));
    this.arrays.set(key, b);
    return b;
  }

  uint8(key: string, n: number): Uint8Array {
    const a = this.arrays.get(key);
    if (a instanceof Uint8Array && a.length >= n) return a;
    const b = new Uint8Array(roundUp8(n));
    this.arrays.set(key, b);
    return b;
  }
}

const roundUp8 = (n: number) => Math.max(8, (n + 7) & ~7);

/** EXPAND[nibble]: four validity bytes (0/1, little-endian) of the nibble's bits. */
const EXPAND = Uint32Array.from({ length: 16 }, (_, b) => (b & 1) | (((b >> 1) & 1) << 8) | (((b >> 2) & 1) << 16) | (((b >> 3) & 1) << 24));

function soleData(batch: RecordBatch, name: string): Data {
  const v = batch.getChild(name);
  if (!v) throw new Error(`batch has no column '${name}'`);
  if (v.data.length !== 1) throw new Error(`column '${name}' has ${v.data.length} chunks; expected 1`);
  return v.data[0];
}

/** The Arrow validity bitmap as one byte per row in `out` (≥ n rounded up to 8), or null when no row is null.
 *  Byte-aligned bitmaps expand a nibble at a time through a table. */
function validityInto(data: Data, out: Uint8Array): Uint8Array | null {
  if (data.nullCount === 0 || !data.nullBitmap || data.nullBitmap.length === 0) return null;
  const n = data.length;
  const bits = data.nullBitmap;
  const off = data.offset;
  if ((off & 7) === 0 && (out.byteOffset & 3) === 0 && bits.length >= (off >> 3) + ((n + 7) >> 3)) {
    const o32 = new Uint32Array(out.buffer, out.byteOffset, out.length >> 2);
    const b0 = off >> 3;
    const nb = (n + 7) >> 3;
    for (let k = 0; k < nb; k++) {
      const b = bits[b0 + k];
      o32[2 * k] = EXPAND[b & 15];
      o32[2 * k + 1] = EXPAND[b >> 4];
    }
  } else {
    for (let i = 0; i < n; i++) {
      const j = i + off;
      out[i] = (bits[j >> 3] >> (j & 7)) & 1;
    }
  }
  return out;
}

/** Lazily decoded columns of one batch, shared by all kernels. */
export class BatchColumns {
  readonly n: number;
  private readonly numeric = new Map<string, NumericColumn>();
  private readonly codes = new Map<string, Int32Array>();
  private readonly masks = new Map<WherePlan, Uint8Array>();

  constructor(
    readonly batch: RecordBatch,
    private readonly arena: DecodeArena = new DecodeArena(),
  ) {
    this.n = batch.numRows;
  }

  num(column: string, kind: 'int32' | 'int64'): NumericColumn {
    let c = this.numeric.get(column);
    if (!c) {
      const d = soleData(this.batch, column);
      const valid = validityInto(d, this.arena.uint8(`valid:${column}`, this.n));
      if (kind === 'int32') c = { values: d.values as Int32Array, valid };
      else {
        const src = d.values as BigInt64Array | Int32Array;
        const n = d.length;
        const out = this.arena.float64(`int64:${column}`, n);
        // Read the two 32-bit halves instead of converting BigInts one by one (about 10× faster).
        const halves = src instanceof BigInt64Array ? new Int32Array(src.buffer, src.byteOffset, n * 2) : src;
        for (let i = 0; i < n; i++) out[i] = halves[2 * i + 1] * 4294967296 + (halves[2 * i] >>> 0);
        c = { values: out, valid };
      }
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
      m = this.arena.uint8(`where:${this.masks.size}`, this.n);
      const hit = w.not ? 0 : 1;
      for (let i = 0; i < this.n; i++) {
        const c = codes[i];
        // Nulls never match, with or without `not`.
        m[i] = c < 0 ? 0 : c < match.length && match[c] === 1 ? hit : 1 - hit;
      }
      this.masks.set(w, m);
    }
    return m;
  }

  private deriveCodes(f: FieldRef): Int32Array {
    const n = this.n;
    const out = this.arena.int32(`codes:${f.kind === 'derived' ? `derived:${f.name}` : f.column}`, n);
    if (f.kind === 'enum') {
      const d = soleData(this.batch, f.column);
      const idx = d.values as Int8Array;
      const valid = validityInto(d, this.arena.uint8(`valid:${f.column}`, n));
      if (valid === null) for (let i = 0; i < n; i++) out[i] = idx[i];
      else for (let i = 0; i < n; i++) out[i] = valid[i] === 0 ? -1 : idx[i];
      return out;
    }
    if (f.kind === 'int32' || f.kind === 'int64') {
      const { values, valid } = this.num(f.column, f.kind);
      // One loop per validity case: the null test is not paid on columns without nulls.
      if (valid === null)
        for (let i = 0; i < n; i++) {
          const v = values[i];
          out[i] = v >= 0 && v < UNTABLED ? v : UNTABLED;
        }
      else
        for (let i = 0; i < n; i++) {
          const v = values[i];
          out[i] = valid[i] === 0 ? -1 : v >= 0 && v < UNTABLED ? v : UNTABLED;
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
    const out = this.arena.float64(`derived:${name}`, n);
    const valid = this.arena.uint8(`derived-valid:${name}`, n);
    const pair = (a: NumericColumn, b: NumericColumn, sub: boolean) => {
      for (let i = 0; i < n; i++) {
        if ((a.valid && !a.valid[i]) || (b.valid && !b.valid[i])) {
          valid[i] = 0;
          continue;
        }
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
  // Branch-free: value + (NaN if the record is out, else 0). Exact, as valid values are integers (never -0), and
  // validity and filter bytes are 0 or 1.
  const out0 = OUT_OR_KEEP;
  if (valid !== null && where !== null) for (let i = 0; i < n; i++) out[at + i] = values[i] + out0[valid[i] & where[i]];
  else if (valid !== null) for (let i = 0; i < n; i++) out[at + i] = values[i] + out0[valid[i]];
  else if (where !== null) for (let i = 0; i < n; i++) out[at + i] = values[i] + out0[where[i]];
  else out.set(values.subarray(0, n), at);
}

/** Indexed by a validity/filter byte: NaN (0: the record is out) or 0 (1: keep the value). */
const OUT_OR_KEEP = Float64Array.of(NaN, 0);
