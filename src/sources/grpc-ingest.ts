// gRPC Ingest as a source: one IngestRequest (a group of S1Record messages and/or an Arrow IPC chunk) becomes
// S1 batches plus dead letters. The protobuf S1Record uses the column names of DESIGN.md §3, so records go
// through the files JSON decoder (int64 fields arrive as decimal strings, which it accepts) with the same rules
// and reasons as every other source.
import type { RecordBatch } from 'apache-arrow';
import type { DeadLetter } from './dead-letters.js';
import { DeadLetterMemory } from './dead-letters.js';
import { decodeJsonRecords, type XdrIdSet } from './files/index.js';
import { decodeArrowMessage } from './kafka/message-decoders.js';

/** An IngestRequest as proto-loader presents it (keepCase, int64 as strings, absent optionals undefined). */
export interface IngestMessage {
  records?: Array<Record<string, unknown>>;
  arrow_ipc?: Uint8Array;
  source?: string;
}

export interface DecodedIngest {
  batches: RecordBatch[];
  accepted: number;
  deadLetters: DeadLetter[];
}

/**
 * `messageNo` (1-based, within the call) names the message in dead letters (`source#messageNo`); a letter's row
 * is the 1-based position of the record within the message or the Arrow chunk (0 = the chunk as a whole).
 */
export function decodeIngestMessage(
  msg: IngestMessage,
  source: string,
  messageNo: number,
  xdrIds: XdrIdSet | null = null,
): DecodedIngest {
  const where = `${source}#${messageNo}`;
  const batches: RecordBatch[] = [];
  const sink = new DeadLetterMemory();
  let accepted = 0;
  const records = msg.records ?? [];
  if (records.length > 0) {
    const r = decodeJsonRecords(records, { source: where, deadLetters: sink, xdrIds });
    if (r.batch.numRows > 0) batches.push(r.batch);
    accepted += r.batch.numRows;
  }
  const ipc = msg.arrow_ipc;
  if (ipc && ipc.length > 0) {
    const r = decodeArrowMessage(ipc, { source: where, xdrIds });
    for (const b of r.batches) {
      if (b.numRows === 0) continue;
      batches.push(b);
      accepted += b.numRows;
    }
    for (const l of r.letters) sink.add({ source: where, row: l.row, reason: l.reason, raw: l.raw });
  }
  return { batches, accepted, deadLetters: sink.letters };
}
