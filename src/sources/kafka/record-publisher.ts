// Puts S1 records on a Kafka topic the way hotspot's Kafka source reads them: every user's records in one
// partition (chosen from the IMSI), in the order given, as one JSON record per message keyed by IMSI, or as
// Arrow IPC stream chunks of one partition's records keyed by the chunk's first IMSI. Used by
// `hotspot simulate --publish`, the streaming tests and the Kafka benchmark.
import { Table, tableToIPC, type RecordBatch } from 'apache-arrow';
import Kafka from 'node-rdkafka';
import { S1_COLUMN_NAMES } from '../../schema/record.js';
import { takeRows } from '../../schema/take-rows.js';
import { int64Column, utf8Column } from '../../schema/columns.js';
import type { MessageFormat } from './message-decoders.js';

export interface PublishOptions {
  brokers: string;
  topic: string;
  format: Extract<MessageFormat, 'json' | 'arrow'>;
  /** Partitions of the topic (auto-created topics of the mock cluster have 4). */
  partitions: number;
  /** Most records per Arrow chunk. */
  chunkRecords?: number;
  /**
   * Most event time one Arrow chunk spans (ms), like a probe that ships what it saw in the last interval; keeps
   * partitions interleaved finely enough for the consumer's event-time merge. Default 60 s.
   */
  chunkSpanMs?: number;
  rdkafka?: Record<string, string | number | boolean>;
  /** Awaited before each message with the count sent so far: lets a live feed stay a window ahead of its reader. */
  pace?: (sent: number) => Promise<void> | void;
}

export interface PublishResult {
  messages: number;
  records: number;
}

/** FNV-1a over the IMSI's digits: stable across processes and releases (unlike a keyed hash). */
export function partitionOfImsi(imsi: string, partitions: number): number {
  const bytes = new TextEncoder().encode(imsi);
  return partitionOfImsiBytes(bytes, 0, bytes.length, partitions);
}

/** The same over the UTF-8 bytes [from, to) of an Arrow column: no string per record. */
function partitionOfImsiBytes(bytes: Uint8Array, from: number, to: number, partitions: number): number {
  let h = 0x811c9dc5;
  for (let p = from; p < to; p++) {
    h ^= bytes[p];
    h = Math.imul(h, 0x01000193);
  }
  return (h >>> 0) % partitions;
}

/** One message as publishRecords sends it: its partition (of `partitions`), key (an IMSI) and value. */
export interface RecordMessage {
  partition: number;
  key: string;
  value: Buffer;
  /** Records the message carries. */
  records: number;
}

export type EncodeOptions = Pick<PublishOptions, 'format' | 'partitions' | 'chunkRecords' | 'chunkSpanMs'>;

/**
 * The messages publishRecords sends for one batch, in send order: JSON one record per message, or each
 * partition's records in Arrow IPC chunks. Apart from sending, so a benchmark can encode its feed before its clock
 * starts.
 */
export function encodeRecordMessages(batch: RecordBatch, o: EncodeOptions): RecordMessage[] {
  const out: RecordMessage[] = [];
  const imsiCol = utf8Column(batch, 'imsi');
  const imsiVector = batch.getChild('imsi')!;
  const imsiAt = (i: number) => String(imsiVector.get(i));
  const parts = new Int32Array(batch.numRows);
  const counts = new Int32Array(o.partitions);
  for (let i = 0; i < batch.numRows; i++) counts[(parts[i] = partitionOfImsiBytes(imsiCol.bytes, imsiCol.offsets[i], imsiCol.offsets[i + 1], o.partitions))]++;
  if (o.format === 'json') {
    const rows = batch.toArray();
    for (let i = 0; i < batch.numRows; i++) {
      const obj: Record<string, unknown> = {};
      const row = rows[i] as Record<string, unknown>;
      for (const c of S1_COLUMN_NAMES) obj[c] = typeof row[c] === 'bigint' ? Number(row[c]) : row[c];
      out.push({ partition: parts[i], key: imsiAt(i), value: Buffer.from(JSON.stringify(obj)), records: 1 });
    }
    return out;
  }
  const chunk = o.chunkRecords ?? 8192;
  const span = o.chunkSpanMs ?? 60_000;
  const start = int64Column(batch, 'start_time').values;
  for (let p = 0; p < o.partitions; p++) {
    if (counts[p] === 0) continue;
    const rowsOfP = new Int32Array(counts[p]);
    for (let i = 0, k = 0; i < batch.numRows; i++) if (parts[i] === p) rowsOfP[k++] = i;
    for (let s = 0; s < rowsOfP.length; ) {
      // A chunk ends at `chunk` records or when its span of event time is used up.
      const spanEnd = start[rowsOfP[s]] + span;
      let e = s + 1;
      while (e < rowsOfP.length && e - s < chunk && start[rowsOfP[e]] < spanEnd) e++;
      const sel = rowsOfP.subarray(s, e);
      const ipc = tableToIPC(new Table(takeRows(batch, sel)), 'stream');
      out.push({ partition: p, key: imsiAt(sel[0]), value: Buffer.from(ipc.buffer, ipc.byteOffset, ipc.byteLength), records: e - s });
      s = e;
    }
  }
  return out;
}

export async function publishRecords(batches: AsyncIterable<RecordBatch> | Iterable<RecordBatch>, o: PublishOptions): Promise<PublishResult> {
  const producer = await connectRecordProducer(o.brokers, o.rdkafka);
  let records = 0;
  let sent = 0;
  try {
    for await (const batch of batches) {
      records += batch.numRows;
      for (const m of encodeRecordMessages(batch, o)) {
        await o.pace?.(sent);
        await producer.send(o.topic, m.partition, m.value, m.key);
        sent++;
      }
    }
    await producer.drain();
  } finally {
    await producer.close();
  }
  return { messages: sent, records };
}

/** A producer set up the way hotspot's record topics are written (lz4, large messages, delivery reports counted). */
export interface RecordProducer {
  /** Queues one message, waiting while librdkafka's local queue is full. */
  send(topic: string, partition: number, value: Buffer, key: string): Promise<void>;
  /**
   * Asks for the topics' metadata, which a broker that auto-creates topics (the mock cluster; Kafka with
   * auto.create.topics.enable) answers by creating them: a consumer group then sees every partition from the start.
   */
  ensureTopics(topics: readonly string[]): Promise<void>;
  /** Waits until every queued message is delivered; throws the first delivery failure. */
  drain(): Promise<void>;
  close(): Promise<void>;
}

export async function connectRecordProducer(brokers: string, rdkafka: Record<string, string | number | boolean> = {}): Promise<RecordProducer> {
  const producer = new Kafka.Producer({
    'bootstrap.servers': brokers,
    dr_cb: true,
    'linger.ms': 5,
    'queue.buffering.max.kbytes': 262_144,
    'message.max.bytes': 16_000_000,
    // Arrow chunks of S1 records shrink about 4× with lz4: less broker disk and network per record.
    'compression.codec': 'lz4',
    ...rdkafka,
  });
  await new Promise<void>((resolve, reject) => producer.connect({ timeout: 10_000 }, (err) => (err ? reject(new Error(`kafka connect failed: ${err.message}`)) : resolve())));
  producer.setPollInterval(5);
  let sent = 0;
  let delivered = 0;
  let failure: Error | null = null;
  producer.on('delivery-report', (err) => {
    delivered++;
    if (err && !failure) failure = new Error(`kafka delivery failed: ${err.message}`);
  });
  return {
    async send(topic, partition, value, key) {
      for (;;) {
        try {
          producer.produce(topic, partition, value, key);
          sent++;
          return;
        } catch (err) {
          if ((err as { code?: number }).code !== Kafka.CODES.ERRORS.ERR__QUEUE_FULL) throw err;
          await new Promise((r) => setTimeout(r, 5));
        }
      }
    },
    async ensureTopics(topics) {
      for (const topic of topics) {
        await new Promise<void>((resolve, reject) =>
          producer.getMetadata({ topic, timeout: 10_000 }, (err) => (err ? reject(new Error(`kafka metadata of ${topic} failed: ${err.message}`)) : resolve())),
        );
      }
    },
    async drain() {
      await new Promise<void>((resolve, reject) => producer.flush(30_000, (err) => (err ? reject(err) : resolve())));
      while (delivered < sent && !failure) await new Promise((r) => setTimeout(r, 5));
      if (failure) throw failure;
    },
    close: () => new Promise<void>((resolve) => producer.disconnect(() => resolve())),
  };
}
