// S1 batches across a thread boundary (the Kafka decode worker → the engine's thread) without copying: a batch
// goes as its columns' typed arrays, whose ArrayBuffers are transferred, and is re-wrapped as S1_SCHEMA on the
// other side with the process's shared enum dictionaries (so dictionary ids and vectors stay the ones every other
// S1 batch has; an Arrow stream writer needs that).
import { makeData, RecordBatch, Struct, type Data } from 'apache-arrow';
import { S1_COLUMNS, S1_SCHEMA } from '../../schema/record.js';
import { enumDictionary } from '../../schema/s1-batch-builder.js';

interface ColumnParts {
  offset: number;
  length: number;
  nullCount: number;
  nullBitmap: Uint8Array | null;
  valueOffsets: Int32Array | null;
  values: ArrayBufferView;
}

export interface S1BatchParts {
  length: number;
  columns: ColumnParts[];
}

/** The parts of an S1_SCHEMA batch, and the ArrayBuffers to transfer with them (each once). */
export function s1BatchParts(batch: RecordBatch, transfer: Set<ArrayBuffer>): S1BatchParts {
  const children = batch.data.children;
  if (children.length !== S1_COLUMNS.length) throw new Error(`not an S1 batch: ${children.length} columns`);
  const columns: ColumnParts[] = [];
  for (const d of children as Data[]) {
    const nullBitmap = d.nullCount > 0 && d.nullBitmap && d.nullBitmap.length > 0 ? d.nullBitmap : null;
    const valueOffsets = (d.valueOffsets as Int32Array | undefined) ?? null;
    const values = d.values as ArrayBufferView;
    for (const v of [nullBitmap, valueOffsets, values]) if (v && v.buffer instanceof ArrayBuffer) transfer.add(v.buffer);
    columns.push({ offset: d.offset, length: d.length, nullCount: d.nullCount, nullBitmap, valueOffsets, values });
  }
  return { length: batch.numRows, columns };
}

/** The batch back from its parts, as S1_SCHEMA. */
export function s1BatchFromParts(parts: S1BatchParts): RecordBatch {
  const children = parts.columns.map((c, i) => {
    const spec = S1_COLUMNS[i];
    const type = S1_SCHEMA.fields[i].type;
    const common = { type, offset: c.offset, length: c.length, nullCount: c.nullCount, nullBitmap: c.nullBitmap ?? undefined };
    if (spec.kind === 'enum') return makeData({ ...common, data: c.values, dictionary: enumDictionary(spec) } as never);
    if (spec.kind === 'utf8') return makeData({ ...common, valueOffsets: c.valueOffsets!, data: c.values } as never);
    return makeData({ ...common, data: c.values } as never);
  });
  return new RecordBatch(S1_SCHEMA, makeData({ type: new Struct(S1_SCHEMA.fields), length: parts.length, nullCount: 0, children }));
}
