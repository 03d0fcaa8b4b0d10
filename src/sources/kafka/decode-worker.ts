// The Kafka decode worker: decodes and validates message values into S1 batches on a thread of its own, so the
// engine's thread spends its time on features, scoring and alerts (decoding an Arrow chunk — IPC parsing, the
// vectorised record checks, the enum remaps — was ~20 % of the engine thread's CPU). Units are answered in the
// order they came; the batches' buffers are transferred back, not copied. See DecodeThread for the other side.
import { parentPort } from 'node:worker_threads';
import { decodeArrowMessage, decodeCsvMessages, decodeJsonMessages, type DecodedMessages, type MessageLetter } from './message-decoders.js';
import { s1BatchParts, type S1BatchParts } from './s1-batch-transfer.js';

/**
 * One unit of work: an Arrow message, or a partition's run of JSON / CSV messages from one poll. The values travel
 * packed in one transferred buffer (value i is bytes [ends[i-1], ends[i]); a missing value is empty, which the
 * decoders treat as they treat a missing one).
 */
export interface DecodeRequest {
  id: number;
  format: 'arrow' | 'json' | 'csv';
  bytes: Uint8Array;
  ends: Int32Array;
  source: string;
  csvHeader?: readonly string[];
}

export type DecodeReply =
  | { id: number; batches: S1BatchParts[]; letters: MessageLetter[] }
  /** The decoder threw (a bug, not bad input: bad input is letters): the caller decodes this unit itself. */
  | { id: number; error: string };

export function decodeUnit(r: DecodeRequest): DecodedMessages {
  const opts = { source: r.source, xdrIds: null };
  const values = Array.from(r.ends, (end, i) => r.bytes.subarray(i === 0 ? 0 : r.ends[i - 1], end));
  if (r.format === 'arrow') return decodeArrowMessage(values[0], opts);
  if (r.format === 'json') return decodeJsonMessages(values, opts);
  return decodeCsvMessages(values, r.csvHeader, opts);
}

parentPort?.on('message', (r: DecodeRequest) => {
  let reply: DecodeReply;
  const transfer = new Set<ArrayBuffer>();
  try {
    const decoded = decodeUnit(r);
    reply = { id: r.id, batches: decoded.batches.map((b) => s1BatchParts(b, transfer)), letters: decoded.letters };
  } catch (err) {
    transfer.clear();
    reply = { id: r.id, error: (err as Error).message };
  }
  parentPort!.postMessage(reply, [...transfer]);
});
