// Row selection for S1 batches: a new batch holding rows `indices` of `batch`, in that order, built column by
// column over the raw buffers (fixed-width values copied as machine words, utf8 bytes, dictionary indices that keep
// the fixed dictionaries), so splitting a batch by Kafka partition costs a copy, not a per-cell `get()`.
// Nothing here calls Data's per-row accessors: `getValid` and friends re-check the type on every call, which made
// this the producer's main cost in the Kafka benchmark.
import { Data, DataType, RecordBatch, makeData, type Field, type Schema, Struct } from 'apache-arrow';

export function takeRows(batch: RecordBatch, indices: Int32Array): RecordBatch {
  const schema: Schema = batch.schema;
  const children = schema.fields.map((f, c) => takeData(f, batch.getChildAt(c)!.data, indices));
  const struct = makeData({ type: new Struct(schema.fields), length: indices.length, nullCount: 0, children });
  return new RecordBatch(schema, struct);
}

function takeData(field: Field, chunks: readonly Data[], indices: Int32Array): Data {
  if (chunks.length !== 1) throw new Error(`takeRows: column ${field.name} has ${chunks.length} chunks, expected 1`);
  const d = chunks[0];
  const n = indices.length;
  const nullBitmap = d.nullBitmap && d.nullBitmap.length > 0 ? takeValidity(d.nullBitmap, d.offset, indices) : undefined;
  const nullCount = nullBitmap ? n - popcount(nullBitmap, n) : 0;
  const type = d.type;
  if (DataType.isUtf8(type)) {
    const { valueOffsets, data } = takeUtf8(d.valueOffsets as Int32Array, d.values as Uint8Array, indices);
    return makeData({ type, length: n, nullCount, nullBitmap: nullCount > 0 ? nullBitmap : undefined, valueOffsets, data });
  }
  if (DataType.isDictionary(type) || DataType.isInt(type) || DataType.isFloat(type)) {
    const data = takeFixedWidth(d.values as TypedArray, indices);
    const props = { type, length: n, nullCount, nullBitmap: nullCount > 0 ? nullBitmap : undefined, data };
    return makeData((DataType.isDictionary(type) ? { ...props, dictionary: d.dictionary! } : props) as Parameters<typeof makeData>[0]);
  }
  throw new Error(`takeRows: column ${field.name} has unsupported type ${String(type)}`);
}

type TypedArray = Int8Array | Uint8Array | Int16Array | Int32Array | Float32Array | Float64Array | BigInt64Array;

/**
 * Values of rows `indices`, copied as 1-, 2- or 4-byte words (an 8-byte value is two 4-byte words: no BigInt per
 * int64 and no float register that could touch a NaN's bits). Returns the source's own typed-array kind.
 */
function takeFixedWidth<T extends TypedArray>(values: T, indices: Int32Array): T {
  const n = indices.length;
  // One element per row for every S1 column type (Int64 is a BigInt64Array); an IPC buffer may hold padding after
  // the last row, so the width comes from the element size, never from byteLength / rows.
  const rowBytes = values.BYTES_PER_ELEMENT;
  const outBuffer = new ArrayBuffer(n * rowBytes);
  if (rowBytes % 4 === 0) {
    takeWords32(new Int32Array(values.buffer, values.byteOffset, values.byteLength >> 2), new Int32Array(outBuffer), rowBytes >> 2, indices);
  } else if (rowBytes === 2) {
    takeWords16(new Int16Array(values.buffer, values.byteOffset, values.byteLength >> 1), new Int16Array(outBuffer), indices);
  } else if (rowBytes === 1) {
    takeWords8(new Int8Array(values.buffer, values.byteOffset, values.byteLength), new Int8Array(outBuffer), indices);
  } else {
    throw new Error(`takeRows: unsupported value width of ${rowBytes} bytes`);
  }
  const Ctor = values.constructor as new (buffer: ArrayBuffer) => T;
  return new Ctor(outBuffer);
}

function takeWords32(src: Int32Array, out: Int32Array, words: number, indices: Int32Array): void {
  const n = indices.length;
  if (words === 1) {
    for (let i = 0; i < n; i++) out[i] = src[indices[i]];
  } else if (words === 2) {
    for (let i = 0; i < n; i++) {
      const r = indices[i] << 1;
      out[2 * i] = src[r];
      out[2 * i + 1] = src[r + 1];
    }
  } else {
    for (let i = 0; i < n; i++) for (let k = 0; k < words; k++) out[i * words + k] = src[indices[i] * words + k];
  }
}

function takeWords16(src: Int16Array, out: Int16Array, indices: Int32Array): void {
  for (let i = 0; i < indices.length; i++) out[i] = src[indices[i]];
}

function takeWords8(src: Int8Array, out: Int8Array, indices: Int32Array): void {
  for (let i = 0; i < indices.length; i++) out[i] = src[indices[i]];
}

function takeUtf8(offsets: Int32Array, bytes: Uint8Array, indices: Int32Array): { valueOffsets: Int32Array; data: Uint8Array } {
  const n = indices.length;
  const valueOffsets = new Int32Array(n + 1);
  let size = 0;
  for (let i = 0; i < n; i++) {
    const r = indices[i];
    size += offsets[r + 1] - offsets[r];
    valueOffsets[i + 1] = size;
  }
  const data = new Uint8Array(size);
  // Byte loop, not set(subarray()): the strings are short (IMSIs, APNs) and a subarray per row costs more.
  for (let i = 0, o = 0; i < n; i++) {
    const r = indices[i];
    for (let p = offsets[r], end = offsets[r + 1]; p < end; p++) data[o++] = bytes[p];
  }
  return { valueOffsets, data };
}

/** Validity bits of rows `indices`; the source bitmap starts at bit `offset` (a sliced Data keeps its bitmap). */
function takeValidity(bitmap: Uint8Array, offset: number, indices: Int32Array): Uint8Array {
  const out = new Uint8Array((indices.length + 7) >> 3);
  for (let i = 0; i < indices.length; i++) {
    const b = indices[i] + offset;
    if ((bitmap[b >> 3] >> (b & 7)) & 1) out[i >> 3] |= 1 << (i & 7);
  }
  return out;
}

function popcount(bitmap: Uint8Array, n: number): number {
  let c = 0;
  for (let i = 0; i < n; i++) c += (bitmap[i >> 3] >> (i & 7)) & 1;
  return c;
}
