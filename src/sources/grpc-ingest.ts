// gRPC Ingest as a source: one IngestRequest (a group of S1Record messages and/or an Arrow IPC chunk) becomes
// S1 batches plus dead letters. The protobuf already types the fields, so records go through the same
// column-wise object decoder as Kafka JSON, which checks vocabularies, digits and ranges.
import type { RecordBatch } from 'apache-arrow';
import type { DeadLetter } from './dead-letters.js';
import { decodeRecordObjects, type RecordObject } from './kafka/object-decoder.js';
import { decodeArrowChunk } from './kafka/message-decoders.js';

/** An IngestRequest as proto-loader presents it (keepCase, int64 as strings, absent optionals undefined). */
export interface IngestMessage {
  records?: RecordObject[];
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
 * is the 1-based position of the record within the message, or 0 for an Arrow chunk rejected as a whole.
 */
export function decodeIngestMessage(msg: IngestMessage, source: string, messageNo: number): DecodedIngest {
  const batches: RecordBatch[] = [];
  const deadLetters: DeadLetter[] = [];
  let accepted = 0;
  const records = msg.records ?? [];
  if (records.length > 0) {
    const decoded = decodeRecordObjects(records, `${source}#${messageNo}`);
    if (decoded.batch) {
      batches.push(decoded.batch);
      accepted += decoded.batch.numRows;
    }
    deadLetters.push(...decoded.deadLetters);
  }
  const ipc = msg.arrow_ipc;
  if (ipc && ipc.length > 0) {
    try {
      const chunk = decodeArrowChunk(ipc);
      batches.push(...chunk.batches);
      accepted += chunk.rows;
    } catch (err) {
      deadLetters.push({
        source: `${source}#${messageNo}`,
        row: 0,
        reason: (err as Error).message,
        raw: `<arrow_ipc ${ipc.length} bytes>`,
      });
    }
  }
  return { batches, accepted, deadLetters };
}
