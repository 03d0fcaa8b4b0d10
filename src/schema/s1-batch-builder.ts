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

  /**
   * Appends rows `row`..`row + count - 1` (in order, after any gap): value k is the `width` bytes of `src`
   * starting at `srcStarts[from + k]`. One call per run of rows: fixed-width ids copied from a per-user table.
   */
  setFixedWidthRows(row: number, count: number, src: Uint8Array, srcStarts: Int32Array, from: number, width: number): void {
    this.fillTo(row);
    this.reserve(count * width);
    const dst = this.bytes;
    const offsets = this.offsets;
    const valid = this.valid;
    let end = this.end;
    if (width >= 8 && width <= 16) {
      // Two overlapping unaligned 8-byte moves per value ([0, 8) and [width - 8, width)) instead of a byte
      // loop. Moving the bytes as float64 is bit-exact: a NaN pattern would need a 0x7f/0xff byte right after a
      // byte ≥ 0xf0, which valid UTF-8 never has (a 4-byte lead is followed by a continuation byte).
      const from8 = new DataView(src.buffer, src.byteOffset, src.byteLength);
      const to8 = new DataView(dst.buffer, dst.byteOffset, dst.byteLength);
      const tail = width - 8;
      for (let k = 0; k < count; k++) {
        const s = srcStarts[from + k];
        to8.setFloat64(end, from8.getFloat64(s, true), true);
        to8.setFloat64(end + tail, from8.getFloat64(s + tail, true), true);
        end += width;
        offsets[row + k + 1] = end;
        valid[row + k] = 1;
      }
    } else {
      for (let k = 0; k < count; k++) {
        const s = srcStarts[from + k];
        for (let b = 0; b < width; b++) dst[end + b] = src[s + b];
        end += width;
        offsets[row + k + 1] = end;
        valid[row + k] = 1;
      }
    }
    this.end = end;
    this.rows = row + count;
  }

  /**
   * Appends rows `row`..`row + count - 1`: value k is entry `codes[from + k]` of a small string table
   * (`table` bytes, entry j spanning tableAt[j]..tableAt[j + 1]); a negative code is a null.
   */
  setCodedRows(row: number, count: number, table: Uint8Array, tableAt: Int32Array, codes: Int8Array, from: number): void {
    this.fillTo(row);
    let longest = 0;
    for (let j = 0; j + 1 < tableAt.length; j++) longest = Math.max(longest, tableAt[j + 1] - tableAt[j]);
    this.reserve(count * longest);
    const dst = this.bytes;
    const offsets = this.offsets;
    const valid = this.valid;
    let end = this.end;
    for (let k = 0; k < count; k++) {
      const code = codes[from + k];
      if (code >= 0) {
        const e = tableAt[code + 1];
        for (let b = tableAt[code]; b < e; b++) dst[end++] = table[b];
        valid[row + k] = 1;
      }
      offsets[row + k + 1] = end;
    }
    this.end = end;
    this.rows = row + count;
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

  /**
   * The first `length` rows as Arrow data; `copy` gives them their own buffers (see flush): those of `out` when
   * they are large enough (a spent batch's), else new ones, recorded in `out` for the next reuse.
   */
  toData(length: number, copy = false, out?: OutputBuffers): Data<Utf8> {
    this.fillTo(length);
    const packed = packValidityCounted(this.valid, length, out);
    let offsets = this.offsets.subarray(0, length + 1);
    let bytes = this.bytes.subarray(0, this.end);
    if (copy) {
      offsets = copyInt32(offsets, out);
      if (out?.bytes && out.bytes.length >= bytes.length) {
        out.bytes.set(bytes);
        bytes = out.bytes.subarray(0, bytes.length);
      } else {
        bytes = bytes.slice();
        if (out) out.bytes = bytes;
      }
    }
    return makeData({
      type: new Utf8(),
      length,
      nullCount: packed.nulls,
      nullBitmap: packed.bitmap,
      valueOffsets: offsets,
      data: bytes,
    });
  }

  /** Empties the column for reuse (rows 0..length-1 back to null; the byte buffer is kept). */
  reset(length: number): void {
    this.valid.fill(0, 0, Math.max(length, this.rows));
    this.end = 0;
    this.rows = 0;
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

/**
 * The buffers one column of a flushed batch owns (its data are views of them), kept so that a spent batch's
 * buffers serve a later flush. `int32`: int32 values or utf8 offsets.
 */
interface OutputBuffers {
  bitmap?: Uint8Array;
  int32?: Int32Array;
  int64?: BigInt64Array;
  int8?: Int8Array;
  bytes?: Uint8Array;
}

/** `src` copied into `out`'s int32 buffer when it is large enough, else into a new one (kept in `out`). */
function copyInt32(src: Int32Array, out: OutputBuffers | undefined): Int32Array {
  if (out?.int32 && out.int32.length >= src.length) {
    out.int32.set(src);
    return out.int32.subarray(0, src.length);
  }
  const copy = src.slice();
  if (out) out.int32 = copy;
  return copy;
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
  /** Output buffers of the batches flush() handed out, by batch: only this builder's batches can be reused. */
  private readonly outputs = new WeakMap<RecordBatch, OutputBuffers[]>();

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
    return this.toBatch(false);
  }

  /**
   * Like finish(), but the batch gets its own exact-size copies of the rows and the builder is emptied for the
   * next batch (length 0, every column back to its initial state). A producer of many batches reuses one
   * builder this way instead of allocating (and garbage-collecting) ~20 MB of scratch columns per batch; the
   * column arrays fetched before stay valid.
   *
   * `spent`: an earlier batch of this builder that nothing reads any more (e.g. already written to a file): its
   * buffers are overwritten with the new batch instead of allocating new ones. A batch this builder did not
   * flush, or one already passed back, is ignored. Passing a batch that is still read corrupts it.
   */
  flush(spent?: RecordBatch): RecordBatch {
    // A spent batch's buffers are overwritten in place: no allocation and no garbage collection per batch.
    const reuse = spent ? this.outputs.get(spent) : undefined;
    if (spent) this.outputs.delete(spent);
    const out = reuse ?? S1_COLUMNS.map((): OutputBuffers => ({}));
    const batch = this.toBatch(true, out);
    this.outputs.set(batch, out);
    const n = this.length;
    for (let i = 0; i < this.stores.length; i++) resetStore(S1_COLUMNS[i], this.stores[i], n);
    this.length = 0;
    return batch;
  }

  private toBatch(copy: boolean, out?: OutputBuffers[]): RecordBatch {
    const n = this.length;
    const children: Data[] = [];
    for (let i = 0; i < this.stores.length; i++) {
      const spec = S1_COLUMNS[i];
      const s = this.stores[i];
      const o = out?.[i];
      // One monomorphic function per kind: a single switch over all kinds deoptimised again and again.
      if (s.kind === 'int32') children.push(int32Data(s.values, s.valid, n, copy, o));
      else if (s.kind === 'int64') children.push(int64Data(s.values, s.valid, n, o));
      else if (s.kind === 'enum') children.push(enumData(spec, s.values, n, o));
      else children.push(s.values.toData(n, copy, o));
    }
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

function int32Data(values: Int32Array, valid: Uint8Array, n: number, copy: boolean, out?: OutputBuffers): Data {
  const packed = packValidityCounted(valid, n, out);
  return makeData({
    type: new Int32(),
    length: n,
    nullCount: packed.nulls,
    nullBitmap: packed.bitmap,
    data: copy ? copyInt32(values.subarray(0, n), out) : values.subarray(0, n),
  });
}

function int64Data(values: Float64Array, valid: Uint8Array, n: number, buffers?: OutputBuffers): Data {
  // Write the two little-endian 32-bit halves instead of one BigInt per value (exact below 2^53).
  let out: BigInt64Array;
  if (buffers?.int64 && buffers.int64.length >= n) out = buffers.int64.subarray(0, n);
  else {
    out = new BigInt64Array(n);
    if (buffers) buffers.int64 = out;
  }
  const halves = new Int32Array(out.buffer, out.byteOffset, n * 2);
  for (let i = 0; i < n; i++) {
    const x = values[i];
    if (x >= 0 && x < 2147483648) {
      // Counters, bytes and cell ids mostly fit in 31 bits (the high half is written too: buffers are reused).
      halves[2 * i] = x;
      halves[2 * i + 1] = 0;
    } else {
      const hi = Math.floor(x / 4294967296);
      halves[2 * i] = (x - hi * 4294967296) | 0;
      halves[2 * i + 1] = hi | 0;
    }
  }
  const packed = packValidityCounted(valid, n, buffers);
  return makeData({
    type: new Int64(),
    length: n,
    nullCount: packed.nulls,
    nullBitmap: packed.bitmap,
    data: out,
  });
}

/** Enum codes (-1 = null) → dictionary indices and a validity bitmap, four codes per step. */
function enumData(spec: ColumnSpec, codes: Int8Array, n: number, out?: OutputBuffers): Data {
  let indices: Int8Array;
  if (out?.int8 && out.int8.length >= n) indices = out.int8.subarray(0, n);
  else {
    indices = new Int8Array(n);
    if (out) out.int8 = indices;
  }
  const bitmap = bitmapFor(n, out);
  let nulls = 0;
  const groups = codes.byteOffset % 4 === 0 ? n >> 3 : 0;
  if (groups > 0) {
    const c32 = new Uint32Array(codes.buffer, codes.byteOffset, groups * 2);
    const i32 = new Uint32Array(indices.buffer, indices.byteOffset, groups * 2);
    for (let g = 0; g < groups; g++) {
      const a = c32[2 * g];
      const b = c32[2 * g + 1];
      // A negative code (null) has its byte's top bit set: that byte's index becomes 0 and its bit stays clear.
      const na = a & 0x80808080;
      const nb = b & 0x80808080;
      i32[2 * g] = a & ~((na >>> 7) * 0xff);
      i32[2 * g + 1] = b & ~((nb >>> 7) * 0xff);
      const byte = gatherBits((~a & 0x80808080) >>> 7) | (gatherBits((~b & 0x80808080) >>> 7) << 4);
      bitmap[g] = byte;
      nulls += 8 - POPCOUNT[byte];
    }
  }
  for (let i = groups * 8; i < n; i++) {
    const c = codes[i];
    if (c < 0) {
      indices[i] = 0;
      nulls++;
    } else {
      indices[i] = c;
      bitmap[i >> 3] |= 1 << (i & 7);
    }
  }
  return makeData({
    type: arrowTypeOf(spec) as Dictionary<Utf8, Int8>,
    length: n,
    nullCount: nulls,
    nullBitmap: nulls > 0 ? bitmap : undefined,
    data: indices,
    dictionary: enumDictionary(spec),
  });
}

function resetStore(spec: ColumnSpec, s: ColumnStore, n: number): void {
  switch (s.kind) {
    case 'int32':
    case 'int64':
      s.values.fill(0, 0, n);
      s.valid.fill(spec.nullable ? 0 : 1, 0, n);
      return;
    case 'enum':
      s.values.fill(-1, 0, n);
      return;
    case 'utf8':
      s.values.reset(n);
  }
}

/** Bits 0, 8, 16, 24 of x → bits 0..3. */
function gatherBits(x: number): number {
  return (x | (x >>> 7) | (x >>> 14) | (x >>> 21)) & 0xf;
}

const POPCOUNT = (() => {
  const t = new Uint8Array(256);
  for (let i = 1; i < 256; i++) t[i] = (i & 1) + t[i >> 1];
  return t;
})();

/** A zeroed bitmap for n rows: `out`'s when large enough (a spent batch's), else a new one kept in `out`. */
function bitmapFor(n: number, out: OutputBuffers | undefined): Uint8Array {
  const size = (n + 7) >> 3;
  if (out?.bitmap && out.bitmap.length >= size) return out.bitmap.subarray(0, size).fill(0);
  const bitmap = new Uint8Array(size);
  if (out) out.bitmap = bitmap;
  return bitmap;
}

/**
 * Packs a byte-per-row validity array (any non-zero byte = valid) into an Arrow bitmap, eight rows per step,
 * counting nulls on the way; bitmap undefined when every row is valid. `out`: buffers to reuse (see flush).
 */
export function packValidityCounted(
  valid: Uint8Array,
  n: number,
  out?: OutputBuffers,
): { bitmap: Uint8Array | undefined; nulls: number } {
  const bitmap = bitmapFor(n, out);
  let nulls = 0;
  const groups = valid.byteOffset % 4 === 0 ? n >> 3 : 0;
  if (groups > 0) {
    const v32 = new Uint32Array(valid.buffer, valid.byteOffset, groups * 2);
    for (let g = 0; g < groups; g++) {
      let a = v32[2 * g];
      let b = v32[2 * g + 1];
      // Top bit of each byte := (byte ≠ 0), without carries between bytes.
      a = (((a & 0x7f7f7f7f) + 0x7f7f7f7f) | a) & 0x80808080;
      b = (((b & 0x7f7f7f7f) + 0x7f7f7f7f) | b) & 0x80808080;
      const byte = gatherBits(a >>> 7) | (gatherBits(b >>> 7) << 4);
      bitmap[g] = byte;
      nulls += 8 - POPCOUNT[byte];
    }
  }
  for (let i = groups * 8; i < n; i++) {
    if (valid[i]) bitmap[i >> 3] |= 1 << (i & 7);
    else nulls++;
  }
  return { bitmap: nulls > 0 ? bitmap : undefined, nulls };
}

/** Packs a byte-per-row validity array into an Arrow bitmap; undefined when every row is valid. */
export function packValidity(valid: Uint8Array, n: number): Uint8Array | undefined {
  return packValidityCounted(valid, n).bitmap;
}
