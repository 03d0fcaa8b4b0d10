// The scores topic of a scale-out run (README "Scale-out"): stage 1 publishes, per record partition and closed
// window, every scored user-window; stage 2 puts the partitions' shares of a window back together and detects.
//
// Messages (Arrow IPC stream chunks, keyed by region so the rows of one region stay together):
//   rows     one row per user: imsi, cell, region_index, probability, then the model's feature values by name
//   contrib  one row per explained (at-risk) user: imsi, then its TreeSHAP contributions (features…, expected)
//   end      the end-of-window marker of (record partition, window), sent to every scores partition, holding how
//            many rows/contrib chunks that partition published for the window
//   idle     a record partition is read to its end and holds no open window: stage 2 need not wait for its share
//            of the windows after the last one it published (window-end header); sent to every scores partition
//   active   records came again to a partition that was idle: its shares are to be waited for again
// Stage 2 needs every user's features, not only the at-risk users and per-cell counts: the detector compares an
// alert's users with the mean of everyone else scored in the window, and for alerts equal to a single instance's
// the sums must run over the same values in the same (IMSI) order.
import { Field, Float64, Int32, makeData, RecordBatch, Schema, Struct, Table, tableFromIPC, tableToIPC, type Data } from 'apache-arrow';
import type { MessageHeader } from 'node-rdkafka';
import { MODEL_VERSION_HEADER, UNKNOWN_REGION_KEY, WINDOW_END_HEADER, WINDOW_START_HEADER } from '../api/kafka-sinks.js';
import type { ScoredWindow } from '../hotspots/scored-window.js';

export const KIND_HEADER = 'hotspot-kind';
export const RECORD_PARTITION_HEADER = 'hotspot-record-partition';
export const RECORD_PARTITIONS_HEADER = 'hotspot-record-partitions';
export const CHUNK_HEADER = 'hotspot-chunk';
export const CHUNKS_HEADER = 'hotspot-chunks';
/** Key of the end-of-window markers (they go to every partition explicitly; the key only names them). */
export const MARKER_KEY = '_end';
/** Rows per chunk: 512 users × (4 + 192 features) × 8 bytes ≈ 800 kB, under Kafka's default 1 MB message limit. */
export const DEFAULT_CHUNK_ROWS = 512;

export type ScoreMessageKind = 'rows' | 'contrib' | 'end' | 'idle' | 'active';

export interface ScoreMessage {
  key: string;
  /** null for a marker. */
  value: Buffer | null;
  headers: MessageHeader[];
}

/** What identifies a message of the scores topic; from its headers. */
export interface ScoreMessageHead {
  kind: ScoreMessageKind;
  windowStart: number;
  windowEnd: number;
  modelVersion: string;
  recordPartition: number;
  recordPartitions: number;
  /** rows/contrib: the chunk's index; end: the number of chunks; idle/active: 0. */
  chunk: number;
}

/** Whether a message kind says how far a record partition is, rather than carrying a window's share. */
export const isPartitionState = (kind: ScoreMessageKind): kind is 'idle' | 'active' => kind === 'idle' || kind === 'active';

/**
 * A record partition's state as a scores-topic message (sent to every scores partition): `idle` when it has been
 * read to its end and holds no open window, `active` when records came to it again. `publishedThrough` is the end
 * of the latest window it has published (0 if none), so stage 2 can tell an idle message that predates the
 * partition's later windows.
 */
export function encodePartitionState(
  kind: 'idle' | 'active',
  recordPartition: number,
  recordPartitions: number,
  publishedThrough: number,
  modelVersion: string,
): ScoreMessage {
  return {
    key: MARKER_KEY,
    value: null,
    headers: [
      { [KIND_HEADER]: kind },
      { [WINDOW_START_HEADER]: String(publishedThrough) },
      { [WINDOW_END_HEADER]: String(publishedThrough) },
      { [MODEL_VERSION_HEADER]: modelVersion },
      { [RECORD_PARTITION_HEADER]: String(recordPartition) },
      { [RECORD_PARTITIONS_HEADER]: String(recordPartitions) },
      { [CHUNK_HEADER]: '0' },
    ],
  };
}

const ROW_FIELDS = ['imsi', 'cell', 'region_index', 'probability'];

/**
 * One record partition's closed window as scores-topic messages: its chunks (by region, then at most `chunkRows`
 * rows each), then the end marker. Row order within a region is the window's (IMSI) order.
 */
export function encodeWindowMessages(
  w: ScoredWindow,
  regions: readonly string[],
  recordPartition: number,
  recordPartitions: number,
  chunkRows = DEFAULT_CHUNK_ROWS,
): { chunks: ScoreMessage[]; marker: ScoreMessage } {
  const n = w.imsi.length;
  const nf = w.featureNames.length;
  // Counting sort of rows by region (index -1 → the last bucket), stable.
  const buckets = regions.length + 1;
  const bucketOf = (r: number) => (r >= 0 && r < buckets - 1 ? r : buckets - 1);
  const counts = new Int32Array(buckets + 1);
  for (let i = 0; i < n; i++) counts[bucketOf(w.regionIndex[i]) + 1]++;
  for (let b = 0; b < buckets; b++) counts[b + 1] += counts[b];
  const order = new Int32Array(n);
  const fill = counts.slice(0, buckets);
  for (let i = 0; i < n; i++) order[fill[bucketOf(w.regionIndex[i])]++] = i;
  // Explained row → its row in the contributions matrix.
  const contribRow = new Int32Array(n).fill(-1);
  for (let j = 0; j < w.explainedRows.length; j++) contribRow[w.explainedRows[j]] = j;

  const rowsSchema = new Schema([
    new Field('imsi', new Float64(), false),
    new Field('cell', new Float64(), false),
    new Field('region_index', new Int32(), false),
    new Field('probability', new Float64(), false),
    ...w.featureNames.map((f) => new Field(f, new Float64(), false)),
  ]);
  const contribSchema = new Schema([
    new Field('imsi', new Float64(), false),
    ...w.featureNames.map((f) => new Field(f, new Float64(), false)),
    new Field('expected_value', new Float64(), false),
  ]);
  const head = (kind: ScoreMessageKind, chunk: number): MessageHeader[] => [
    { [KIND_HEADER]: kind },
    { [WINDOW_START_HEADER]: String(w.windowStart) },
    { [WINDOW_END_HEADER]: String(w.windowEnd) },
    { [MODEL_VERSION_HEADER]: w.modelVersion },
    { [RECORD_PARTITION_HEADER]: String(recordPartition) },
    { [RECORD_PARTITIONS_HEADER]: String(recordPartitions) },
    { [kind === 'end' ? CHUNKS_HEADER : CHUNK_HEADER]: String(chunk) },
  ];

  const chunks: ScoreMessage[] = [];
  for (let b = 0; b < buckets; b++) {
    const key = b < regions.length ? regions[b] : UNKNOWN_REGION_KEY;
    for (let from = counts[b]; from < counts[b + 1]; from += chunkRows) {
      const rows = order.subarray(from, Math.min(from + chunkRows, counts[b + 1]));
      const m = rows.length;
      const cols: Data[] = [];
      cols.push(f64Data(gather(w.imsi, rows)), f64Data(gather(w.cell, rows)));
      const region = new Int32Array(m);
      for (let k = 0; k < m; k++) region[k] = w.regionIndex[rows[k]];
      cols.push(makeData({ type: new Int32(), length: m, nullCount: 0, data: region }), f64Data(gather(w.probability, rows)));
      for (let f = 0; f < nf; f++) cols.push(f64Data(gather(w.features[f], rows)));
      chunks.push({ key, value: ipcOf(rowsSchema, cols, m), headers: head('rows', chunks.length) });

      // The chunk's explained users, with their contributions.
      const explained: number[] = [];
      for (let k = 0; k < m; k++) if (contribRow[rows[k]] >= 0) explained.push(rows[k]);
      if (explained.length === 0) continue;
      const e = explained.length;
      const width = nf + 1;
      const contrib: Data[] = [f64Data(Float64Array.from(explained, (r) => w.imsi[r]))];
      for (let f = 0; f < width; f++) {
        const col = new Float64Array(e);
        for (let k = 0; k < e; k++) col[k] = w.contributions[contribRow[explained[k]] * width + f];
        contrib.push(f64Data(col));
      }
      chunks.push({ key, value: ipcOf(contribSchema, contrib, e), headers: head('contrib', chunks.length) });
    }
  }
  return { chunks, marker: { key: MARKER_KEY, value: null, headers: head('end', chunks.length) } };
}

function gather(src: Float64Array, rows: Int32Array): Float64Array {
  const out = new Float64Array(rows.length);
  for (let k = 0; k < rows.length; k++) out[k] = src[rows[k]];
  return out;
}

const f64Data = (values: Float64Array) => makeData({ type: new Float64(), length: values.length, nullCount: 0, data: values });

function ipcOf(schema: Schema, children: Data[], length: number): Buffer {
  const data = makeData({ type: new Struct(schema.fields), length, nullCount: 0, children });
  const ipc = tableToIPC(new Table(new RecordBatch(schema, data)), 'stream');
  return Buffer.from(ipc.buffer, ipc.byteOffset, ipc.byteLength);
}

/** The head of a scores-topic message, or the reason it is not one. */
export function parseScoreHead(headers: readonly MessageHeader[] | undefined): ScoreMessageHead | string {
  const h = new Map<string, string>();
  for (const entry of headers ?? []) for (const [k, v] of Object.entries(entry)) h.set(k, Buffer.isBuffer(v) ? v.toString('utf8') : String(v));
  const kind = h.get(KIND_HEADER);
  if (kind !== 'rows' && kind !== 'contrib' && kind !== 'end' && kind !== 'idle' && kind !== 'active') return `not a scores message (${KIND_HEADER} '${kind ?? ''}')`;
  const int = (name: string) => {
    const v = Number(h.get(name));
    return Number.isSafeInteger(v) ? v : NaN;
  };
  const head: ScoreMessageHead = {
    kind,
    windowStart: int(WINDOW_START_HEADER),
    windowEnd: int(WINDOW_END_HEADER),
    modelVersion: h.get(MODEL_VERSION_HEADER) ?? '',
    recordPartition: int(RECORD_PARTITION_HEADER),
    recordPartitions: int(RECORD_PARTITIONS_HEADER),
    chunk: int(kind === 'end' ? CHUNKS_HEADER : CHUNK_HEADER),
  };
  if (isPartitionState(kind) ? !(head.windowEnd >= 0 && head.windowEnd === head.windowStart) : !(head.windowEnd > head.windowStart)) return `bad window bounds ${h.get(WINDOW_START_HEADER)}..${h.get(WINDOW_END_HEADER)}`;
  if (!(head.recordPartitions > 0) || !(head.recordPartition >= 0 && head.recordPartition < head.recordPartitions)) {
    return `bad record partition ${h.get(RECORD_PARTITION_HEADER)} of ${h.get(RECORD_PARTITIONS_HEADER)}`;
  }
  if (!(head.chunk >= 0)) return `bad chunk ${h.get(kind === 'end' ? CHUNKS_HEADER : CHUNK_HEADER)}`;
  return head;
}

/** A decoded rows or contrib chunk: column arrays by position (rows: imsi, cell, region_index, probability, features…). */
export interface ScoreChunk {
  names: string[];
  columns: Array<Float64Array | Int32Array>;
  length: number;
}

export function decodeScoreChunk(kind: 'rows' | 'contrib', value: Buffer | null | undefined): ScoreChunk | string {
  if (!value || value.length === 0) return `empty ${kind} chunk`;
  let table: Table;
  try {
    table = tableFromIPC(value);
  } catch (err) {
    return `${kind} chunk is not Arrow IPC: ${(err as Error).message}`;
  }
  const names = table.schema.fields.map((f) => f.name);
  const minWidth = kind === 'rows' ? ROW_FIELDS.length : 2;
  if (names.length < minWidth || names[0] !== 'imsi' || (kind === 'rows' && names.slice(0, 4).join() !== ROW_FIELDS.join())) {
    return `${kind} chunk has columns ${names.slice(0, 5).join(', ')}…, expected ${kind === 'rows' ? ROW_FIELDS.join(', ') : 'imsi'}, …`;
  }
  const columns = names.map((_, i) => {
    const v = table.getChildAt(i)!;
    // One batch per chunk as written (its value buffer may be padded past the rows); a re-batched one is joined.
    const d = v.data[0];
    return (v.data.length === 1 ? d.values.subarray(d.offset, d.offset + d.length) : v.toArray()) as Float64Array | Int32Array;
  });
  return { names, columns, length: table.numRows };
}

/** One record partition's share of a window as it arrives: chunks by index, the marker's chunk count. */
export interface PartitionShare {
  chunks: Map<number, { kind: 'rows' | 'contrib'; chunk: ScoreChunk }>;
  /** From the end marker; -1 until it arrives. */
  expectedChunks: number;
}

/**
 * The shares of every record partition joined into the window a single instance would have scored: rows in IMSI
 * order, features by the model's names, contributions for the explained users. `explain` picks the explained rows
 * among those that came with contributions (the scorer's caps, applied over the whole window as one instance would).
 */
export function assembleWindow(
  windowStart: number,
  windowEnd: number,
  modelVersion: string,
  shares: Iterable<PartitionShare>,
  explain: (probability: Float64Array, cell: Float64Array) => Int32Array,
): ScoredWindow {
  const rowChunks: ScoreChunk[] = [];
  const contribChunks: ScoreChunk[] = [];
  for (const s of shares) {
    for (const [, c] of [...s.chunks].sort((a, b) => a[0] - b[0])) (c.kind === 'rows' ? rowChunks : contribChunks).push(c.chunk);
  }
  const featureNames = rowChunks.length > 0 ? rowChunks[0].names.slice(ROW_FIELDS.length) : [];
  const nf = featureNames.length;
  let n = 0;
  for (const c of rowChunks) n += c.length;
  const imsi = new Float64Array(n);
  let at = 0;
  for (const c of rowChunks) {
    imsi.set(c.columns[0] as Float64Array, at);
    at += c.length;
  }
  // IMSI order, as the feature engine emits a window (an IMSI lives in exactly one record partition).
  const order = Int32Array.from({ length: n }, (_, i) => i).sort((a, b) => imsi[a] - imsi[b]);
  const place = (col: (c: ScoreChunk) => Float64Array | Int32Array, out: Float64Array | Int32Array) => {
    let base = 0;
    const src = new Float64Array(n);
    for (const c of rowChunks) {
      src.set(col(c), base);
      base += c.length;
    }
    for (let i = 0; i < n; i++) out[i] = src[order[i]];
    return out;
  };
  const sortedImsi = place((c) => c.columns[0], new Float64Array(n)) as Float64Array;
  const cell = place((c) => c.columns[1], new Float64Array(n)) as Float64Array;
  const regionIndex = place((c) => c.columns[2], new Int32Array(n)) as Int32Array;
  const probability = place((c) => c.columns[3], new Float64Array(n)) as Float64Array;
  const features: Float64Array[] = [];
  for (let f = 0; f < nf; f++) {
    const names = rowChunks.map((c) => c.names[ROW_FIELDS.length + f]);
    if (names.some((x) => x !== featureNames[f])) throw new Error(`window ${windowStart}: record partitions scored with different features (${featureNames[f]})`);
    features.push(place((c) => c.columns[ROW_FIELDS.length + f], new Float64Array(n)) as Float64Array);
  }

  // Contributions by IMSI; rows without any are not candidates for explaining.
  const contribOf = new Map<number, { c: ScoreChunk; k: number }>();
  for (const c of contribChunks) {
    if (c.names.length !== nf + 2) throw new Error(`window ${windowStart}: a contributions chunk has ${c.names.length - 1} values per user, expected ${nf + 1}`);
    const ids = c.columns[0] as Float64Array;
    for (let k = 0; k < c.length; k++) contribOf.set(ids[k], { c, k });
  }
  const candidate = new Float64Array(n);
  for (let i = 0; i < n; i++) candidate[i] = contribOf.has(sortedImsi[i]) ? probability[i] : -Infinity;
  const explainedRows = explain(candidate, cell);
  const width = nf + 1;
  const contributions = new Float64Array(explainedRows.length * width);
  for (let j = 0; j < explainedRows.length; j++) {
    const { c, k } = contribOf.get(sortedImsi[explainedRows[j]])!;
    for (let f = 0; f < width; f++) contributions[j * width + f] = (c.columns[1 + f] as Float64Array)[k];
  }
  return {
    windowStart,
    windowEnd,
    imsi: sortedImsi,
    cell,
    regionIndex,
    probability,
    featureNames,
    features,
    explainedRows,
    contributions,
    modelVersion,
  };
}
