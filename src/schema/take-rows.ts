// Row selection for S1 batches: a new batch holding rows `indices` of `batch`, in that order, built column by
// column over the raw buffers (int32, int64, utf8, and dictionary indices that keep the fixed dictionaries), so
// splitting a batch by Kafka partition costs a copy, not a per-cell `get()`.
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
  const nullBitmap = d.nullCount > 0 ? takeValidity(d, indices) : undefined;
  const nullCount = nullBitmap ? n - popcount(nullBitmap, n) : 0;
  const type = d.type;
  if (DataType.isDictionary(type)) {
    const src = d.values as Int8Array;
    const out = new Int8Array(n);
    for (let i = 0; i < n; i++) out[i] = src[indices[i]];
    return makeData({ type, length: n, nullCount, nullBitmap, data: out, dictionary: d.dictionary! });
  }
  if (DataType.isUtf8(type)) {
    const offsets = d.valueOffsets as Int32Array;
    const bytes = d.values as Uint8Array;
    const outOffsets = new Int32Array(n + 1);
    let size = 0;
    for (let i = 0; i < n; i++) {
      const r = indices[i];
      size += offsets[r + 1] - offsets[r];
      outOffsets[i + 1] = size;
    }
    const outBytes = new Uint8Array(size);
    for (let i = 0; i < n; i++) {
      const r = indices[i];
      outBytes.set(bytes.subarray(offsets[r], offsets[r + 1]), outOffsets[i]);
    }
    return makeData({ type, length: n, nullCount, nullBitmap, valueOffsets: outOffsets, data: outBytes });
  }
  if (DataType.isInt(type) || DataType.isFloat(type)) {
    const src = d.values as Int32Array | BigInt64Array | Float64Array;
    // Int64 values are stored as pairs of int32 words in some builds: copy by element of the typed array.
    const stride = src.length / d.length;
    const Ctor = src.constructor as { new (n: number): typeof src };
    const out = new Ctor(n * stride);
    if (stride === 1) for (let i = 0; i < n; i++) out[i] = src[indices[i]];
    else for (let i = 0; i < n; i++) for (let k = 0; k < stride; k++) out[i * stride + k] = src[indices[i] * stride + k];
    return makeData({ type, length: n, nullCount, nullBitmap, data: out } as Parameters<typeof makeData>[0]);
  }
  throw new Error(`takeRows: column ${field.name} has unsupported type ${String(type)}`);
}

function takeValidity(d: Data, indices: Int32Array): Uint8Array {
  const out = new Uint8Array((indices.length + 7) >> 3);
  for (let i = 0; i < indices.length; i++) if (d.getValid(indices[i])) out[i >> 3] |= 1 << (i & 7);
  return out;
}

function popcount(bitmap: Uint8Array, n: number): number {
  let c = 0;
  for (let i = 0; i < n; i++) c += (bitmap[i >> 3] >> (i & 7)) & 1;
  return c;
}
