// Foreign Arrow batches → S1_SCHEMA. Files written by other tools (or by hotspot and read back through
// Parquet) carry Utf8 instead of dictionaries, Int32 instead of Int64, timestamps, other column orders, other
// dictionary orders and extra columns. Two paths:
// - fast: the batch already has S1's physical types (what hotspot writes); its buffers are reused zero-copy,
//   only enum indices are remapped to the fixed vocabularies, and the rules run vectorized over typed arrays;
// - general: per column a filler is chosen once (type dispatch per column), then rows are staged and checked
//   exactly like CSV/JSON rows, so reasons and counts do not depend on the format.
import {
  DataType,
  DateUnit,
  Dictionary,
  Int8,
  RecordBatch,
  Struct,
  TimeUnit,
  makeData,
  makeVector,
  type Data,
  type Schema,
  type Vector,
} from 'apache-arrow';
import { S1_COLUMNS, S1_SCHEMA, REQUIRED_COLUMNS, arrowTypeOf } from '../../schema/record.js';
import { enumDictionary } from '../../schema/s1-batch-builder.js';
import { unpackValidity } from '../../schema/columns.js';
import {
  COL,
  COLUMN_KIND,
  INT_RANGES,
  KIND_ENUM,
  KIND_INT32,
  KIND_INT64,
  KIND_UTF8,
  type RowStage,
} from '../../schema/record-validation.js';
import { DeadLetterMemory, type DeadLetterSink } from '../dead-letters.js';
import { RowCollector } from './row-collector.js';
import { emptyS1Batch, type DecodeOptions } from './csv-decoder.js';

/** A batch whose columns cannot be mapped onto S1 at all (missing required column, unusable type). */
export class S1SchemaError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'S1SchemaError';
  }
}

type Filler = (row: number, stage: RowStage) => void;

const s1Schemas = new WeakSet<object>();

/**
 * Whether a batch schema is S1_SCHEMA structurally: same names, order, types and dictionary ids (apache-arrow
 * copies the schema object per batch, so identity cannot be used). Cached per schema object.
 */
export function isS1Schema(schema: Schema): boolean {
  if (schema === S1_SCHEMA || s1Schemas.has(schema)) return true;
  const f = schema.fields;
  const g = S1_SCHEMA.fields;
  if (f.length !== g.length) return false;
  for (let i = 0; i < f.length; i++) {
    const a = f[i].type as DataType;
    const b = g[i].type as DataType;
    if (f[i].name !== g[i].name || a.typeId !== b.typeId) return false;
    if (DataType.isDictionary(a)) {
      const d = b as Dictionary;
      if (a.id !== d.id || a.indices.bitWidth !== 8 || !DataType.isUtf8(a.dictionary)) return false;
    } else if (DataType.isInt(a) && a.bitWidth !== (b as typeof a).bitWidth) return false;
  }
  s1Schemas.add(schema);
  return true;
}
const utf8 = new TextDecoder();

/** Column positions of S1 in the foreign batch (-1 = absent) and the names it has that S1 does not. */
function mapColumns(batch: RecordBatch): { sourceIndex: Int32Array; unknown: string[] } {
  const byName = new Map(batch.schema.fields.map((f, i) => [f.name, i]));
  const sourceIndex = Int32Array.from(S1_COLUMNS.map((c) => byName.get(c.name) ?? -1));
  const known = new Set(S1_COLUMNS.map((c) => c.name));
  const unknown = batch.schema.fields.map((f) => f.name).filter((n) => !known.has(n));
  const missing = REQUIRED_COLUMNS.filter((n) => !byName.has(n));
  if (missing.length > 0) {
    throw new S1SchemaError(`missing required column${missing.length > 1 ? 's' : ''} ${missing.map((m) => `'${m}'`).join(', ')}`);
  }
  return { sourceIndex, unknown };
}

/** Int/Float/Timestamp/Date values as float64 (timestamps and dates in epoch ms); null for other types. */
function numericValues(data: Data): Float64Array | null {
  const t = data.type as DataType;
  const n = data.length;
  const out = new Float64Array(n);
  const src = data.values as ArrayLike<number> | BigInt64Array | BigUint64Array;
  // 64-bit storage: Int64/Uint64, timestamps and Date64 (apache-arrow may hold them as BigInt64Array or as
  // pairs of Int32).
  const wide =
    src instanceof BigInt64Array ||
    src instanceof BigUint64Array ||
    (DataType.isInt(t) && t.bitWidth === 64) ||
    DataType.isTimestamp(t) ||
    (DataType.isDate(t) && t.unit === DateUnit.MILLISECOND);
  if (DataType.isInt(t) || DataType.isFloat(t) || DataType.isTimestamp(t) || DataType.isDate(t)) {
    if (wide && !DataType.isFloat(t)) {
      // 64-bit: read the two 32-bit halves (exact below 2^53, no BigInt per value).
      const buf = src as unknown as { buffer: ArrayBuffer; byteOffset: number };
      const halves = new Int32Array(buf.buffer, buf.byteOffset, n * 2);
      const unsigned = DataType.isInt(t) && !t.isSigned;
      for (let i = 0; i < n; i++) {
        const hi = unsigned ? halves[2 * i + 1] >>> 0 : halves[2 * i + 1];
        out[i] = hi * 4294967296 + (halves[2 * i] >>> 0);
      }
    } else {
      const s = src as ArrayLike<number>;
      for (let i = 0; i < n; i++) out[i] = s[i];
    }
    if (DataType.isTimestamp(t)) {
      const div = t.unit === TimeUnit.SECOND ? 1e-3 : t.unit === TimeUnit.MILLISECOND ? 1 : t.unit === TimeUnit.MICROSECOND ? 1e3 : 1e6;
      if (div !== 1) for (let i = 0; i < n; i++) out[i] = Math.floor(out[i] / div);
    } else if (DataType.isDate(t) && t.unit === DateUnit.DAY) {
      for (let i = 0; i < n; i++) out[i] *= 86_400_000; // Date32: days
    }
    return out;
  }
  return null;
}

/** Dictionary values as strings (numbers and bigints stringified), once per batch. */
function dictionaryStrings(data: Data): (string | null)[] {
  const dict = data.dictionary as Vector;
  const out: (string | null)[] = [];
  for (let i = 0; i < dict.length; i++) {
    const v = dict.get(i);
    out.push(v === null || v === undefined ? null : String(v));
  }
  return out;
}

function makeFiller(col: number, data: Data): Filler {
  const kind = COLUMN_KIND[col];
  const t = data.type as DataType;
  const valid = unpackValidity(data);
  const name = S1_COLUMNS[col].name;
  if (DataType.isDictionary(t)) {
    const strings = dictionaryStrings(data);
    const idx = data.values as ArrayLike<number>;
    return (r, st) => {
      if (valid && !valid[r]) return;
      const s = strings[Number(idx[r])];
      if (s === null || s === undefined) return;
      if (kind === KIND_UTF8) st.setText(col, s);
      else if (kind === KIND_ENUM) st.setEnumName(col, s);
      else if (s.length > 0) st.setNumberText(col, s);
    };
  }
  if (DataType.isUtf8(t)) {
    const offsets = data.valueOffsets as Int32Array;
    const bytes = data.values as Uint8Array;
    return (r, st) => {
      if (valid && !valid[r]) return;
      const s = offsets[r];
      const e = offsets[r + 1];
      if (kind === KIND_UTF8) st.setBytes(col, bytes, s, e);
      else if (s === e) return;
      else if (kind === KIND_ENUM) st.setEnumName(col, utf8.decode(bytes.subarray(s, e)));
      else st.setNumberText(col, utf8.decode(bytes.subarray(s, e)));
    };
  }
  const nums = numericValues(data);
  if (nums) {
    const isFloat = DataType.isFloat(t);
    return (r, st) => {
      if (valid && !valid[r]) return;
      const v = nums[r];
      if (kind === KIND_UTF8) {
        if (Number.isSafeInteger(v) && v >= 0) st.setText(col, String(v));
        else st.fail(`invalid ${name}: ${v} is not a digit string`);
      } else if (kind === KIND_ENUM) {
        if (isFloat && !Number.isInteger(v)) st.fail(`invalid ${name}: ${v} is not a vendor code`);
        else st.setEnumVendorCode(col, v);
      } else st.setNumber(col, v);
    };
  }
  if (DataType.isBool(t) && kind !== KIND_UTF8 && kind !== KIND_ENUM) {
    const vec = makeVector(data);
    return (r, st) => {
      const v = vec.get(r);
      if (v !== null && v !== undefined) st.setNumber(col, v ? 1 : 0);
    };
  }
  if (DataType.isLargeUtf8(t) || DataType.isUtf8View(t)) {
    const vec = makeVector(data);
    return (r, st) => {
      const v = vec.get(r) as string | null;
      if (v === null || v === undefined) return;
      if (kind === KIND_UTF8) st.setText(col, v);
      else if (v.length === 0) return;
      else if (kind === KIND_ENUM) st.setEnumName(col, v);
      else st.setNumberText(col, v);
    };
  }
  throw new S1SchemaError(`column '${name}' has type ${String(t)}, which cannot hold S1 ${S1_COLUMNS[col].kind} values`);
}

const ENUM_INDEX = new Map(
  S1_COLUMNS.map((c, i) => [i, c.vocabulary ? new Map(c.vocabulary.map((v, k) => [v, k])) : null] as const),
);

/** Maps a dictionary's positions to S1 vocabulary codes; null when a value is not in the vocabulary. */
function dictionaryRemap(col: number, data: Data): Int8Array | null {
  const strings = dictionaryStrings(data);
  const vocab = ENUM_INDEX.get(col)!;
  const out = new Int8Array(Math.max(1, strings.length));
  for (let i = 0; i < strings.length; i++) {
    const code = strings[i] === null ? undefined : vocab.get(strings[i]!);
    if (code === undefined) return null;
    out[i] = code;
  }
  return out;
}

const isDigitsRange = (bytes: Uint8Array, s: number, e: number, n: number): boolean => {
  if (e - s !== n) return false;
  for (let i = s; i < e; i++) if (bytes[i] < 48 || bytes[i] > 57) return false;
  return true;
};

// Monomorphic range checks (one per array type) so the loops stay fast whatever column they are given.
function int32InRange(v: Int32Array, valid: Uint8Array | null, n: number, lo: number, hi: number): boolean {
  for (let r = 0; r < n; r++) if ((v[r] < lo || v[r] > hi) && (valid === null || valid[r] === 1)) return false;
  return true;
}
function float64InRange(v: Float64Array, valid: Uint8Array | null, n: number, lo: number, hi: number): boolean {
  for (let r = 0; r < n; r++) if (!(v[r] >= lo && v[r] <= hi) && (valid === null || valid[r] === 1)) return false;
  return true;
}
function allInRange(v: Int32Array | Float64Array, valid: Uint8Array | null, n: number, lo: number, hi: number): boolean {
  return v instanceof Int32Array ? int32InRange(v, valid, n, lo, hi) : float64InRange(v, valid, n, lo, hi);
}

/**
 * The fast path: a batch with S1's physical types whose rows all pass the same rules as RowStage.check, checked
 * vectorised per column. Returns the batch re-wrapped as S1_SCHEMA (buffers reused, enum indices remapped to the
 * fixed vocabularies), or null at the first doubt — the general path then decides row by row, with reasons.
 */
function fastPathBatch(batch: RecordBatch, sourceIndex: Int32Array): RecordBatch | null {
  const n = batch.numRows;
  const children: Data[] = [];
  let start: Float64Array | null = null;
  let end: Float64Array | null = null;
  let endValid: Uint8Array | null = null;
  for (let c = 0; c < S1_COLUMNS.length; c++) {
    const spec = S1_COLUMNS[c];
    const si = sourceIndex[c];
    if (si < 0) {
      children.push(makeData({ type: arrowTypeOf(spec), length: n, nullCount: n, nullBitmap: new Uint8Array((n + 7) >> 3), ...nullBuffers(spec, n) } as never));
      continue;
    }
    const data = batch.data.children[si];
    const t = data.type as DataType;
    const kind = COLUMN_KIND[c];
    const valid = unpackValidity(data);
    if (!spec.nullable && data.nullCount > 0) return null;
    if (kind === KIND_UTF8) {
      if (!DataType.isUtf8(t)) return null;
      const offsets = data.valueOffsets as Int32Array;
      const bytes = data.values as Uint8Array;
      if (c === COL.xdr_id) {
        for (let r = 0; r < n; r++) if (offsets[r + 1] === offsets[r]) return null;
      } else if (c === COL.imsi || c === COL.imei) {
        for (let r = 0; r < n; r++) {
          if (valid && !valid[r]) continue;
          if (!isDigitsRange(bytes, offsets[r], offsets[r + 1], 15)) return null;
        }
      }
      children.push(data);
    } else if (kind === KIND_ENUM) {
      if (!DataType.isDictionary(t) || !DataType.isUtf8(t.dictionary) || !DataType.isInt(t.indices) || (t.indices.bitWidth as number) === 64) return null;
      const remap = dictionaryRemap(c, data);
      if (!remap) return null;
      const idx = data.values as ArrayLike<number>;
      const codes = new Int8Array(n);
      for (let r = 0; r < n; r++) codes[r] = remap[idx[r]] ?? 0;
      children.push(
        makeData({
          type: arrowTypeOf(spec) as Dictionary<never, Int8>,
          length: n,
          nullCount: data.nullCount,
          nullBitmap: valid ? repackBitmap(valid) : undefined,
          data: codes,
          dictionary: enumDictionary(spec) as never,
        }),
      );
    } else {
      const isInt32 = kind === KIND_INT32;
      if (!DataType.isInt(t) || !t.isSigned || t.bitWidth !== (isInt32 ? 32 : 64)) return null;
      const range = INT_RANGES[spec.name];
      if (isInt32) {
        if (range && !allInRange(data.values as Int32Array, valid, n, range[0], range[1])) return null;
      } else {
        const v = numericValues(data)!;
        if (range && !allInRange(v, valid, n, range[0], range[1])) return null;
        if (c === COL.start_time) start = v;
        if (c === COL.end_time) {
          end = v;
          endValid = valid;
        }
      }
      children.push(data);
    }
  }
  if (start && end) {
    for (let r = 0; r < n; r++) if ((!endValid || endValid[r]) && end[r] < start[r]) return null;
  }
  return new RecordBatch(S1_SCHEMA, makeData({ type: new Struct(S1_SCHEMA.fields), length: n, nullCount: 0, children }));
}

function nullBuffers(spec: (typeof S1_COLUMNS)[number], n: number): Record<string, unknown> {
  switch (spec.kind) {
    case 'utf8':
      return { valueOffsets: new Int32Array(n + 1), data: new Uint8Array(0) };
    case 'int32':
      return { data: new Int32Array(n) };
    case 'int64':
      return { data: new BigInt64Array(n) };
    default:
      return { data: new Int8Array(n), dictionary: enumDictionary(spec) };
  }
}

function repackBitmap(valid: Uint8Array): Uint8Array {
  const bitmap = new Uint8Array((valid.length + 7) >> 3);
  for (let i = 0; i < valid.length; i++) if (valid[i]) bitmap[i >> 3] |= 1 << (i & 7);
  return bitmap;
}

function rowRaw(batch: RecordBatch, r: number): string {
  try {
    const row = batch.get(r)?.toJSON() ?? {};
    return JSON.stringify(row, (_k, v) => (typeof v === 'bigint' ? v.toString() : v));
  } catch {
    return `(row ${r})`;
  }
}

/**
 * Normalizes a stream of foreign batches into a RowCollector (shared with the file readers), keeping batch
 * order: fast-path batches pass straight through, general-path rows are staged into the collector.
 */
export class ColumnarNormalizer {
  private readonly collector: RowCollector;
  private readonly reported = new Set<string>();
  private readonly onUnknownColumns?: (names: string[]) => void;

  constructor(collector: RowCollector, onUnknownColumns?: (names: string[]) => void) {
    this.collector = collector;
    this.onUnknownColumns = onUnknownColumns;
  }

  /** Adds one foreign batch whose first row has row number `firstRow`; output lands in collector.ready. */
  push(batch: RecordBatch, firstRow: number): void {
    const { sourceIndex, unknown } = mapColumns(batch);
    const fresh = unknown.filter((u) => !this.reported.has(u));
    if (fresh.length > 0) {
      fresh.forEach((u) => this.reported.add(u));
      this.onUnknownColumns?.(fresh);
    }
    const n = batch.numRows;
    if (n === 0) return;
    // A vendor status table re-encodes procedure_status row by row: only the general path applies it.
    const fast = this.collector.stage.vendor.statusIsIdentity ? fastPathBatch(batch, sourceIndex) : null;
    let dedupFrom = 0;
    if (fast) {
      // Register ids; on the first duplicate fall back to the general path from there on.
      dedupFrom = n;
      const xdrIds = this.collector.xdrIds;
      if (xdrIds) {
        const ids = fast.data.children[COL.xdr_id];
        const offsets = ids.valueOffsets as Int32Array;
        const bytes = ids.values as Uint8Array;
        for (let r = 0; r < n; r++) {
          if (xdrIds.seenBytes(bytes, offsets[r], offsets[r + 1])) {
            dedupFrom = r;
            break;
          }
        }
      }
      if (dedupFrom === n) {
        this.collector.flush();
        this.collector.ready.push(fast);
        this.collector.counts.rows += n;
        this.collector.counts.accepted += n;
        return;
      }
    }
    const fillers: Filler[] = [];
    for (let c = 0; c < S1_COLUMNS.length; c++) {
      if (sourceIndex[c] >= 0) fillers.push(makeFiller(c, batch.data.children[sourceIndex[c]]));
    }
    const stage = this.collector.stage;
    const nf = fillers.length;
    for (let r = 0; r < n; r++) {
      stage.reset();
      for (let k = 0; k < nf; k++) fillers[k](r, stage);
      this.collector.accept(firstRow + r, () => rowRaw(batch, r), r < dedupFrom);
    }
  }
}

/**
 * Maps one foreign Arrow batch onto S1_SCHEMA (types, column order, dictionaries; extra columns dropped).
 * Rows that break the record rules go to `opts.deadLetters`; without a sink they raise an error rather than
 * vanish. Throws S1SchemaError when a required column is missing or a column type is unusable.
 */
export function normalizeBatch(batch: RecordBatch, opts: DecodeOptions & { onUnknownColumns?: (names: string[]) => void } = {}): RecordBatch {
  const sink: DeadLetterSink = opts.deadLetters ?? new DeadLetterMemory();
  const collector = new RowCollector({
    source: opts.source ?? 'arrow',
    batchSize: Math.max(1, batch.numRows),
    deadLetters: sink,
    vendorCodes: opts.vendorCodes,
    xdrIds: opts.xdrIds ?? null,
  });
  new ColumnarNormalizer(collector, opts.onUnknownColumns).push(batch, opts.firstRow ?? 1);
  collector.flush();
  if (!opts.deadLetters && sink.count > 0) {
    const first = (sink as DeadLetterMemory).letters[0];
    throw new S1SchemaError(`${sink.count} row(s) break the S1 record rules (first: row ${first.row}: ${first.reason}); pass a dead-letter sink to keep them`);
  }
  return collector.takeReady()[0] ?? emptyS1Batch();
}
