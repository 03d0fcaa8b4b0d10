// Per-format decoding of Kafka (and gRPC) payloads into S1 batches: JSON objects, CSV lines, Arrow IPC chunks.
// JSON and CSV carry one record per message, so messages are decoded together, column by column, once a poll's
// worth has arrived. An Arrow IPC chunk already is columnar and is passed through without copying its buffers.
import {
  Data,
  Dictionary,
  Int8,
  Int32,
  Int64,
  RecordBatch,
  RecordBatchReader,
  Struct,
  Type,
  Utf8,
  makeData,
  type Vector,
} from 'apache-arrow';
import { S1_COLUMNS, S1_SCHEMA, arrowTypeOf, type ColumnSpec } from '../../schema/record.js';
import { enumDictionary } from '../../schema/s1-batch-builder.js';

export const MESSAGE_FORMATS = ['json', 'csv', 'arrow'] as const;
export type MessageFormat = (typeof MESSAGE_FORMATS)[number];

/**
 * Splits one CSV line (RFC 4180 quoting: "a,b" and "" for a quote). Returns a reason string when the line is
 * malformed (an unterminated quote), never throws.
 */
export function splitCsvLine(line: string): string[] | string {
  const out: string[] = [];
  let i = 0;
  const n = line.length;
  // Tolerate a trailing CR from CRLF producers.
  const end = n > 0 && line.charCodeAt(n - 1) === 13 ? n - 1 : n;
  for (;;) {
    if (i < end && line.charCodeAt(i) === 34) {
      let value = '';
      i++;
      for (;;) {
        const q = line.indexOf('"', i);
        if (q < 0 || q >= end) return 'malformed csv: unterminated quoted field';
        value += line.slice(i, q);
        if (q + 1 < end && line.charCodeAt(q + 1) === 34) {
          value += '"';
          i = q + 2;
          continue;
        }
        i = q + 1;
        break;
      }
      out.push(value);
      if (i >= end) return out;
      if (line.charCodeAt(i) !== 44) return `malformed csv: text after a closing quote at column ${out.length}`;
      i++;
    } else {
      const c = line.indexOf(',', i);
      if (c < 0 || c >= end) {
        out.push(line.slice(i, end));
        return out;
      }
      out.push(line.slice(i, c));
      i = c + 1;
    }
  }
}

/** Zips a header with a CSV line's fields. Returns a reason when the field count is wrong. */
export function csvFieldsToObject(header: readonly string[], fields: readonly string[]): Record<string, string> | string {
  if (fields.length !== header.length) {
    return `malformed csv: ${fields.length} fields, header has ${header.length}`;
  }
  const o: Record<string, string> = {};
  for (let i = 0; i < header.length; i++) o[header[i]] = fields[i];
  return o;
}

export interface ArrowChunkResult {
  batches: RecordBatch[];
  rows: number;
}

/**
 * Reads an Arrow IPC stream (schema + record batches) and conforms each batch to S1_SCHEMA: columns are
 * picked by name (extra columns are ignored), types must match, enum dictionaries are remapped to the fixed
 * vocabularies. Throws an Error whose message is the dead-letter reason when the chunk cannot be used; a chunk
 * is all-or-nothing because one Kafka message is the unit that is dead-lettered and replayed.
 */
export function decodeArrowChunk(bytes: Uint8Array): ArrowChunkResult {
  let reader: RecordBatchReader;
  try {
    reader = RecordBatchReader.from(bytes);
    reader.open();
  } catch (err) {
    throw new Error(`malformed arrow: ${(err as Error).message}`);
  }
  const batches: RecordBatch[] = [];
  let rows = 0;
  try {
    for (const batch of reader) {
      if (batch.numRows === 0) continue;
      batches.push(conformBatch(batch, rows));
      rows += batch.numRows;
    }
  } catch (err) {
    const msg = (err as Error).message;
    throw new Error(msg.startsWith('invalid ') || msg.startsWith('missing ') || msg.startsWith('arrow ') ? msg : `malformed arrow: ${msg}`);
  }
  return { batches, rows };
}

/** Conforms a foreign batch to S1_SCHEMA. `rowBase` numbers rows in reasons across a multi-batch chunk. */
export function conformBatch(batch: RecordBatch, rowBase = 0): RecordBatch {
  if (batch.schema === S1_SCHEMA) return batch;
  const n = batch.numRows;
  const children: Data[] = [];
  for (const spec of S1_COLUMNS) {
    const v = batch.getChild(spec.name);
    if (!v) {
      if (!spec.nullable) throw new Error(`missing ${spec.name}: arrow chunk has no column '${spec.name}'`);
      children.push(nullColumn(spec, n));
      continue;
    }
    children.push(conformColumn(spec, v, n, rowBase));
  }
  const data = makeData({ type: new Struct(S1_SCHEMA.fields), length: n, nullCount: 0, children });
  return new RecordBatch(S1_SCHEMA, data);
}

function soleChunk(spec: ColumnSpec, v: Vector): Data {
  if (v.data.length !== 1) throw new Error(`arrow chunk: column '${spec.name}' has ${v.data.length} chunks`);
  return v.data[0];
}

function conformColumn(spec: ColumnSpec, v: Vector, n: number, rowBase: number): Data {
  const d = soleChunk(spec, v);
  if (!spec.nullable && d.nullCount > 0) {
    throw new Error(`missing ${spec.name}: ${d.nullCount} null value(s) in a required column (first at row ${rowBase + firstNull(d) + 1})`);
  }
  const want = arrowTypeOf(spec);
  switch (spec.kind) {
    case 'int32':
    case 'int64': {
      if (d.type.typeId !== want.typeId || (d.type as { bitWidth?: number }).bitWidth !== (want as { bitWidth?: number }).bitWidth) {
        throw new Error(`invalid ${spec.name}: arrow type ${String(d.type)}, expected ${String(want)}`);
      }
      return d;
    }
    case 'utf8': {
      if (d.type.typeId !== Type.Utf8) throw new Error(`invalid ${spec.name}: arrow type ${String(d.type)}, expected Utf8`);
      if (spec.name === 'imsi' || spec.name === 'imei') checkFifteenDigits(spec, d, rowBase);
      return d;
    }
    case 'enum':
      return conformEnum(spec, d, n, rowBase);
  }
}

function conformEnum(spec: ColumnSpec, d: Data, n: number, rowBase: number): Data {
  const vocab = spec.vocabulary ?? [];
  const type = arrowTypeOf(spec) as Dictionary<Utf8, Int8>;
  if (d.type.typeId !== Type.Dictionary) {
    throw new Error(`invalid ${spec.name}: arrow type ${String(d.type)}, expected a dictionary of strings`);
  }
  const dict = d.dictionary;
  if (!dict) throw new Error(`invalid ${spec.name}: dictionary column without a dictionary`);
  // Map the sender's dictionary positions onto the fixed vocabulary codes.
  const map = new Int16Array(dict.length);
  let identity = (d.type as Dictionary).indices.bitWidth === 8;
  for (let i = 0; i < dict.length; i++) {
    const word = dict.get(i) as string | null;
    const code = word === null ? -1 : vocab.indexOf(word);
    map[i] = code;
    if (code !== i) identity = false;
  }
  const indices = d.values as ArrayLike<number>;
  const valid = d.nullCount > 0 ? d.nullBitmap : null;
  const out = identity ? (d.values as Int8Array) : new Int8Array(n);
  for (let i = 0; i < n; i++) {
    if (valid && !((valid[(i + d.offset) >> 3] >> ((i + d.offset) & 7)) & 1)) continue;
    const code = map[indices[i]] ?? -1;
    if (code < 0) {
      throw new Error(`invalid ${spec.name}: '${String(dict.get(indices[i]))}' at row ${rowBase + i + 1} is not one of ${vocab.join(', ')}`);
    }
    if (!identity) out[i] = code;
  }
  return makeData({
    type,
    length: n,
    offset: identity ? d.offset : 0,
    nullCount: d.nullCount,
    nullBitmap: d.nullCount > 0 ? d.nullBitmap : undefined,
    data: out,
    dictionary: enumDictionary(spec),
  });
}

function nullColumn(spec: ColumnSpec, n: number): Data {
  const bitmap = new Uint8Array((n + 7) >> 3);
  switch (spec.kind) {
    case 'int32':
      return makeData({ type: new Int32(), length: n, nullCount: n, nullBitmap: bitmap, data: new Int32Array(n) });
    case 'int64':
      return makeData({ type: new Int64(), length: n, nullCount: n, nullBitmap: bitmap, data: new BigInt64Array(n) });
    case 'utf8':
      return makeData({ type: new Utf8(), length: n, nullCount: n, nullBitmap: bitmap, valueOffsets: new Int32Array(n + 1), data: new Uint8Array(0) });
    case 'enum':
      return makeData({
        type: arrowTypeOf(spec) as Dictionary<Utf8, Int8>,
        length: n,
        nullCount: n,
        nullBitmap: bitmap,
        data: new Int8Array(n),
        dictionary: enumDictionary(spec),
      });
  }
}

function checkFifteenDigits(spec: ColumnSpec, d: Data, rowBase: number): void {
  const offsets = d.valueOffsets as Int32Array;
  const bytes = d.values as Uint8Array;
  const valid = d.nullCount > 0 ? d.nullBitmap : null;
  for (let i = 0; i < d.length; i++) {
    if (valid && !((valid[(i + d.offset) >> 3] >> ((i + d.offset) & 7)) & 1)) continue;
    const s = offsets[d.offset + i];
    const e = offsets[d.offset + i + 1];
    let ok = e - s === 15;
    for (let p = s; ok && p < e; p++) ok = bytes[p] >= 48 && bytes[p] <= 57;
    if (!ok) {
      const text = new TextDecoder().decode(bytes.subarray(s, Math.min(e, s + 40)));
      throw new Error(`invalid ${spec.name}: '${text}' at row ${rowBase + i + 1} is not 15 digits`);
    }
  }
}

function firstNull(d: Data): number {
  const bits = d.nullBitmap;
  if (!bits) return 0;
  for (let i = 0; i < d.length; i++) if (!((bits[(i + d.offset) >> 3] >> ((i + d.offset) & 7)) & 1)) return i;
  return 0;
}
