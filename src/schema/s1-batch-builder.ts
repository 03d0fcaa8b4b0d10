// Columnar builder for S1 batches. Decoders and the simulator write values straight into typed
// arrays (no per-record objects); `finish()` wraps them as an Arrow RecordBatch of S1_SCHEMA
// without copying the numeric buffers more than once.
import {
  Data,
  Dictionary,
  Int8,
  Int32,
  Int64,
  RecordBatch,
  Struct,
  Utf8,
  makeData,
  vectorFromArray,
  type Vector,
} from 'apache-arrow';
import { S1_COLUMNS, S1_COLUMN_INDEX, S1_SCHEMA, arrowTypeOf, type ColumnSpec } from './record.js';

const textEncoder = new TextEncoder();

/** A growable UTF-8 column written in row order. */
export class Utf8ColumnBuilder {
  offsets: Int32Array;
  bytes: Uint8Array;
  valid: Uint8Array;
  private end = 0;
  private rows = 0;

  constructor(capacity: number, bytesPerValue = 16) {
    this.offsets = new Int32Array(capacity + 1);
    this.bytes = new Uint8Array(Math.max(64, capacity * bytesPerValue));
    this.valid = new Uint8Array(capacity);
  }

  /** Appends the value for row `row`; rows must arrive in order (gaps become nulls). */
  set(row: number, value: string | null | undefined): void {
    this.fillTo(row);
    if (value === null || value === undefined) {
      this.offsets[row + 1] = this.end;
      this.rows = row + 1;
      return;
    }
    // ASCII fast path: ids and APNs are ASCII in practice.
    const n = value.length;
    this.reserve(n * 3);
    let ascii = true;
    for (let i = 0; i < n; i++) {
      const c = value.charCodeAt(i);
      if (c > 127) {
        ascii = false;
        break;
      }
      this.bytes[this.end + i] = c;
    }
    if (ascii) this.end += n;
    else this.end += textEncoder.encodeInto(value, this.bytes.subarray(this.end)).written;
    this.valid[row] = 1;
    this.offsets[row + 1] = this.end;
    this.rows = row + 1;
  }

  /** Appends raw UTF-8 bytes (already validated) for row `row`. */
  setBytes(row: number, src: Uint8Array, start: number, endExclusive: number): void {
    this.fillTo(row);
    const n = endExclusive - start;
    this.reserve(n);
    // Short ids (IMSI, xdr_id) are copied byte by byte: a subarray per value costs more than the copy.
    if (n <= 64) {
      const dst = this.bytes;
      const at = this.end - start;
      for (let i = start; i < endExclusive; i++) dst[at + i] = src[i];
    } else {
      this.bytes.set(src.subarray(start, endExclusive), this.end);
    }
    this.end += n;
    this.valid[row] = 1;
    this.offsets[row + 1] = this.end;
    this.rows = row + 1;
  }

  /** Writes a non-negative integer as decimal digits, zero-padded to `width` (IMSI, MSISDN, IMEI). */
  setDigits(row: number, value: number, width: number): void {
    this.fillTo(row);
    this.reserve(width);
    let v = value;
    for (let i = width - 1; i >= 0; i--) {
      const d = v % 10;
      this.bytes[this.end + i] = 48 + d;
      v = (v - d) / 10;
    }
    this.end += width;
    this.valid[row] = 1;
    this.offsets[row + 1] = this.end;
    this.rows = row + 1;
  }

  toData(length: number): Data<Utf8> {
    this.fillTo(length);
    const nullBitmap = packValidity(this.valid, length);
    return makeData({
      type: new Utf8(),
      length,
      nullCount: nullBitmap ? countNulls(this.valid, length) : 0,
      nullBitmap,
      valueOffsets: this.offsets.subarray(0, length + 1),
      data: this.bytes.subarray(0, this.end),
    });
  }

  private fillTo(row: number): void {
    for (let r = this.rows; r < row; r++) this.offsets[r + 1] = this.end;
    if (row > this.rows) this.rows = row;
  }

  private reserve(extra: number): void {
    if (this.end + extra <= this.bytes.length) return;
    const grown = new Uint8Array(Math.max(this.bytes.length * 2, this.end + extra));
    grown.set(this.bytes.subarray(0, this.end));
    this.bytes = grown;
  }
}

type ColumnStore =
  | { kind: 'int32'; values: Int32Array; valid: Uint8Array }
  | { kind: 'int64'; values: Float64Array; valid: Uint8Array }
  | { kind: 'enum'; values: Int8Array } // -1 = null
  | { kind: 'utf8'; values: Utf8ColumnBuilder };

/**
 * Fixed-capacity builder for one S1 batch. Numeric columns: write `int32(name)[row]` / `int64(name)[row]`
 * and mark `valid(name)[row] = 1` (nullable columns start null). Enum columns: write the vocabulary
 * code to `enumCodes(name)[row]` (-1 = null). Text: `utf8(name).set(row, s)` in row order.
 */
export class S1BatchBuilder {
  readonly capacity: number;
  length = 0;
  private readonly stores: ColumnStore[];

  constructor(capacity: number) {
    this.capacity = capacity;
    this.stores = S1_COLUMNS.map((c) => newStore(c, capacity));
  }

  int32(name: string): Int32Array {
    const s = this.store(name);
    if (s.kind !== 'int32') throw new Error(`column '${name}' is ${s.kind}, not int32`);
    return s.values;
  }

  int64(name: string): Float64Array {
    const s = this.store(name);
    if (s.kind !== 'int64') throw new Error(`column '${name}' is ${s.kind}, not int64`);
    return s.values;
  }

  valid(name: string): Uint8Array {
    const s = this.store(name);
    if (s.kind === 'int32' || s.kind === 'int64') return s.valid;
    if (s.kind === 'utf8') return s.values.valid;
    throw new Error(`column '${name}' is an enum: write -1 for null`);
  }

  enumCodes(name: string): Int8Array {
    const s = this.store(name);
    if (s.kind !== 'enum') throw new Error(`column '${name}' is ${s.kind}, not enum`);
    return s.values;
  }

  utf8(name: string): Utf8ColumnBuilder {
    const s = this.store(name);
    if (s.kind !== 'utf8') throw new Error(`column '${name}' is ${s.kind}, not utf8`);
    return s.values;
  }

  get full(): boolean {
    return this.length >= this.capacity;
  }

  /** Wraps the first `length` rows as a RecordBatch of S1_SCHEMA. The builder must not be reused after. */
  finish(): RecordBatch {
    const n = this.length;
    const children = this.stores.map((s, i) => storeToData(S1_COLUMNS[i], s, n));
    const data = makeData({
      type: new Struct(S1_SCHEMA.fields),
      length: n,
      nullCount: 0,
      children,
    });
    return new RecordBatch(S1_SCHEMA, data);
  }

  private store(name: string): ColumnStore {
    const i = S1_COLUMN_INDEX.get(name);
    if (i === undefined) throw new Error(`unknown S1 column '${name}'`);
    return this.stores[i];
  }
}

function newStore(spec: ColumnSpec, capacity: number): ColumnStore {
  switch (spec.kind) {
    case 'int32':
      return { kind: 'int32', values: new Int32Array(capacity), valid: filledValidity(spec, capacity) };
    case 'int64':
      return { kind: 'int64', values: new Float64Array(capacity), valid: filledValidity(spec, capacity) };
    case 'enum':
      return { kind: 'enum', values: new Int8Array(capacity).fill(-1) };
    case 'utf8':
      return { kind: 'utf8', values: new Utf8ColumnBuilder(capacity, spec.name === 'apn' ? 6 : 16) };
  }
}

function filledValidity(spec: ColumnSpec, capacity: number): Uint8Array {
  const v = new Uint8Array(capacity);
  if (!spec.nullable) v.fill(1);
  return v;
}

const dictionaryVectors = new Map<string, Vector<Utf8>>();

/** The shared dictionary vector of an enum column (one per column for the life of the process). */
export function enumDictionary(spec: ColumnSpec): Vector<Utf8> {
  let v = dictionaryVectors.get(spec.name);
  if (!v) {
    v = vectorFromArray([...(spec.vocabulary ?? [])], new Utf8());
    dictionaryVectors.set(spec.name, v);
  }
  return v;
}

function storeToData(spec: ColumnSpec, s: ColumnStore, n: number): Data {
  switch (s.kind) {
    case 'int32': {
      const bitmap = packValidity(s.valid, n);
      return makeData({
        type: new Int32(),
        length: n,
        nullCount: bitmap ? countNulls(s.valid, n) : 0,
        nullBitmap: bitmap,
        data: s.values.subarray(0, n),
      });
    }
    case 'int64': {
      // Write the two little-endian 32-bit halves instead of one BigInt per value (exact below 2^53).
      const out = new BigInt64Array(n);
      const halves = new Int32Array(out.buffer, 0, n * 2);
      const v = s.values;
      for (let i = 0; i < n; i++) {
        const hi = Math.floor(v[i] / 4294967296);
        halves[2 * i] = (v[i] - hi * 4294967296) | 0;
        halves[2 * i + 1] = hi | 0;
      }
      const bitmap = packValidity(s.valid, n);
      return makeData({
        type: new Int64(),
        length: n,
        nullCount: bitmap ? countNulls(s.valid, n) : 0,
        nullBitmap: bitmap,
        data: out,
      });
    }
    case 'enum': {
      const codes = s.values.subarray(0, n);
      const valid = new Uint8Array(n);
      for (let i = 0; i < n; i++) valid[i] = codes[i] >= 0 ? 1 : 0;
      const bitmap = packValidity(valid, n);
      const indices = new Int8Array(n);
      for (let i = 0; i < n; i++) indices[i] = codes[i] < 0 ? 0 : codes[i];
      return makeData({
        type: arrowTypeOf(spec) as Dictionary<Utf8, Int8>,
        length: n,
        nullCount: bitmap ? countNulls(valid, n) : 0,
        nullBitmap: bitmap,
        data: indices,
        dictionary: enumDictionary(spec),
      });
    }
    case 'utf8':
      return s.values.toData(n);
  }
}

/** Packs a byte-per-row validity array into an Arrow bitmap; undefined when every row is valid. */
export function packValidity(valid: Uint8Array, n: number): Uint8Array | undefined {
  let allValid = true;
  for (let i = 0; i < n; i++) {
    if (valid[i] === 0) {
      allValid = false;
      break;
    }
  }
  if (allValid) return undefined;
  const bitmap = new Uint8Array((n + 7) >> 3);
  for (let i = 0; i < n; i++) if (valid[i]) bitmap[i >> 3] |= 1 << (i & 7);
  return bitmap;
}

function countNulls(valid: Uint8Array, n: number): number {
  let nulls = 0;
  for (let i = 0; i < n; i++) if (valid[i] === 0) nulls++;
  return nulls;
}

