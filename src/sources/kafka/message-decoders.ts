// Per-format decoding of message payloads (Kafka values, gRPC Ingest messages) into S1 batches. The record rules
// are the files decoders' (src/sources/files): one set of rules, reasons and vendor-code tables for every source.
// JSON and CSV carry one record per message, so a poll's messages are decoded together into one batch; an Arrow
// IPC chunk is columnar already and goes through normalizeBatch's zero-copy fast path when it has S1's types.
import { RecordBatchReader, type RecordBatch } from 'apache-arrow';
import { S1_COLUMN_NAMES } from '../../schema/record.js';
import { DeadLetterMemory } from '../dead-letters.js';
import { decodeCsvLines, decodeJsonRecords, normalizeBatch, S1SchemaError, type XdrIdSet } from '../files/index.js';

export const MESSAGE_FORMATS = ['json', 'csv', 'arrow'] as const;
export type MessageFormat = (typeof MESSAGE_FORMATS)[number];

export interface MessageDecodeOptions {
  /** Names the origin in dead letters, e.g. `kafka:records/3`. */
  source: string;
  /** Cross-message duplicate detection; null (the default) leaves it to the caller (see KafkaSource). */
  xdrIds?: XdrIdSet | null;
}

/** A rejected message or row: `message` indexes the input values; `row` is the 1-based row inside an Arrow chunk. */
export interface MessageLetter {
  message: number;
  row: number;
  reason: string;
  raw: string;
}

export interface DecodedMessages {
  /** Good records of all messages in input order (possibly zero rows). */
  batches: RecordBatch[];
  letters: MessageLetter[];
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

function text(value: Uint8Array | null | undefined): string | null {
  if (!value || value.length === 0) return null;
  try {
    return utf8.decode(value);
  } catch {
    return null;
  }
}

/** One JSON object per message. */
export function decodeJsonMessages(values: ReadonlyArray<Uint8Array | null | undefined>, opts: MessageDecodeOptions): DecodedMessages {
  const letters: MessageLetter[] = [];
  const objects: unknown[] = [];
  const origin: number[] = [];
  for (let i = 0; i < values.length; i++) {
    const t = text(values[i]);
    if (t === null) {
      letters.push({ message: i, row: 1, reason: emptyOrBinary(values[i]), raw: '' });
      continue;
    }
    try {
      objects.push(JSON.parse(t));
      origin.push(i);
    } catch (err) {
      letters.push({ message: i, row: 1, reason: `invalid json: ${(err as Error).message}`, raw: t });
    }
  }
  const sink = new DeadLetterMemory();
  const r = decodeJsonRecords(objects, { source: opts.source, deadLetters: sink, xdrIds: opts.xdrIds ?? null, firstRow: 0 });
  for (const l of sink.letters) letters.push({ message: origin[l.row], row: 1, reason: l.reason, raw: l.raw });
  letters.sort((a, b) => a.message - b.message);
  return { batches: [r.batch], letters };
}

/** One CSV line per message, with a configured header (DESIGN.md §3 column order by default). */
export function decodeCsvMessages(
  values: ReadonlyArray<Uint8Array | null | undefined>,
  header: readonly string[] = S1_COLUMN_NAMES,
  opts: MessageDecodeOptions,
): DecodedMessages {
  const letters: MessageLetter[] = [];
  const lines: string[] = [];
  const origin: number[] = [];
  for (let i = 0; i < values.length; i++) {
    let t = text(values[i]);
    if (t === null) {
      letters.push({ message: i, row: 1, reason: emptyOrBinary(values[i]), raw: '' });
      continue;
    }
    t = t.replace(/\r?\n$/, '');
    // Lines are joined for the CSV decoder, so an embedded newline would shift every later message's row.
    if (t.includes('\n')) {
      letters.push({ message: i, row: 1, reason: 'malformed csv: a message must hold exactly one line', raw: t });
      continue;
    }
    lines.push(t);
    origin.push(i);
  }
  const sink = new DeadLetterMemory();
  const r = decodeCsvLines(lines, header, { source: opts.source, deadLetters: sink, xdrIds: opts.xdrIds ?? null, firstRow: 0 });
  for (const l of sink.letters) letters.push({ message: origin[l.row], row: 1, reason: l.reason, raw: l.raw });
  letters.sort((a, b) => a.message - b.message);
  return { batches: [r.batch], letters };
}

/**
 * One Arrow IPC stream (schema + batches) per message. Rows that break the record rules become letters of their
 * own (the rest of the chunk is kept); a chunk that is not Arrow, or lacks a required column, is one letter.
 */
export function decodeArrowMessage(value: Uint8Array | null | undefined, opts: MessageDecodeOptions): DecodedMessages {
  if (!value || value.length === 0) return { batches: [], letters: [{ message: 0, row: 0, reason: 'empty message: no value', raw: '' }] };
  const raw = `<arrow ${value.length} bytes>`;
  let foreign: RecordBatch[];
  try {
    const reader = RecordBatchReader.from(value);
    foreign = [...reader];
  } catch (err) {
    return { batches: [], letters: [{ message: 0, row: 0, reason: `malformed arrow: ${(err as Error).message}`, raw }] };
  }
  if (foreign.length === 0) {
    return { batches: [], letters: [{ message: 0, row: 0, reason: 'malformed arrow: no schema or record batch in the message', raw }] };
  }
  const sink = new DeadLetterMemory();
  const batches: RecordBatch[] = [];
  let firstRow = 1;
  try {
    for (const b of foreign) {
      if (b.numRows === 0) continue;
      batches.push(normalizeBatch(b, { source: opts.source, deadLetters: sink, xdrIds: opts.xdrIds ?? null, firstRow }));
      firstRow += b.numRows;
    }
  } catch (err) {
    const reason = err instanceof S1SchemaError ? `invalid arrow schema: ${err.message}` : `malformed arrow: ${(err as Error).message}`;
    return { batches: [], letters: [{ message: 0, row: 0, reason, raw }] };
  }
  return { batches, letters: sink.letters.map((l) => ({ message: 0, row: l.row, reason: l.reason, raw: l.raw })) };
}

function emptyOrBinary(v: Uint8Array | null | undefined): string {
  return !v || v.length === 0 ? 'empty message: no value' : 'invalid text: message is not UTF-8';
}
