// Kafka as a record source (node-rdkafka, consumer group). Messages are keyed by IMSI and carry one record as JSON
// or a CSV line, or an Arrow IPC stream chunk of many records; the format is set per topic. Each delivered batch
// comes from one topic-partition and covers a contiguous offset range, so the caller (the checkpointing engine)
// knows exactly which offsets a batch's effects cover and commits only those, with `commit()`.
// Memory stays flat when the engine falls behind: decoded batches wait in a bounded queue, and above its limit
// the assigned partitions are paused so librdkafka stops fetching; they resume once the queue has drained to half.
// Bad messages go to the dead-letter topic with their reason in headers, are counted, and consumption goes on.
import Kafka from 'node-rdkafka';
import type { LibrdKafkaError, Message, TopicPartition } from 'node-rdkafka';
import type { RecordBatch } from 'apache-arrow';
import { z } from 'zod';
import { S1_COLUMN_NAMES } from '../../schema/record.js';
import { S1BatchBuilder } from '../../schema/s1-batch-builder.js';
import { reasonCategory, type DeadLetter, type DeadLetterSink } from '../dead-letters.js';
import type { XdrIdSet } from '../files/index.js';
import { DecodeThread } from './decode-thread.js';
import { MESSAGE_FORMATS, decodeArrowMessage, decodeCsvMessages, decodeJsonMessages, type DecodedMessages } from './message-decoders.js';

export const DEFAULT_POLL_MESSAGES = 4096;
export const DEFAULT_MAX_QUEUED_RECORDS = 200_000;
const CONSUME_GAP_MS = 10;
export const DEFAULT_DEAD_LETTER_TOPIC = 'hotspot.dead-letters';
/** Dead-letter headers: the reason, and where the message came from. */
export const DLQ_REASON_HEADER = 'hotspot-reason';
export const DLQ_TOPIC_HEADER = 'hotspot-source-topic';
export const DLQ_PARTITION_HEADER = 'hotspot-source-partition';
export const DLQ_OFFSET_HEADER = 'hotspot-source-offset';
/** Set when one row of an Arrow chunk was rejected: its 1-based row; the letter's value is that row as JSON. */
export const DLQ_ROW_HEADER = 'hotspot-source-row';

export const kafkaTopicSchema = z.object({
  topic: z.string().min(1),
  format: z.enum(MESSAGE_FORMATS),
  /** Column names of CSV lines; defaults to the contract order of DESIGN.md §3. */
  csvHeader: z.array(z.string().min(1)).optional(),
});
export type KafkaTopic = z.infer<typeof kafkaTopicSchema>;

export const kafkaSourceOptionsSchema = z.object({
  brokers: z.string().min(1),
  groupId: z.string().min(1),
  topics: z.array(kafkaTopicSchema).min(1),
  /** Where bad messages go; `null` keeps them only in the local sink and counters. */
  deadLetterTopic: z.string().min(1).nullable().default(DEFAULT_DEAD_LETTER_TOPIC),
  /** Messages fetched per poll (and so the most records a JSON/CSV batch holds). */
  pollMessages: z.number().int().positive().default(DEFAULT_POLL_MESSAGES),
  /** Above this many decoded records waiting, partitions are paused. */
  maxQueuedRecords: z.number().int().positive().default(DEFAULT_MAX_QUEUED_RECORDS),
  /** `consumer` = KIP-848 (fast rebalances, needs a broker that speaks it); `classic` otherwise. */
  groupProtocol: z.enum(['classic', 'consumer']).default('classic'),
  /** Where a partition without a committed offset starts. */
  startFrom: z.enum(['earliest', 'latest']).default('earliest'),
  /** Extra librdkafka settings (security, timeouts); they override the defaults here. */
  rdkafka: z.record(z.string(), z.union([z.string(), z.number(), z.boolean()])).default({}),
  /**
   * Decode and validate messages on a worker thread, so that the engine's thread does less. Off by default: on two
   * shared cores it cost more CPU per record than it saved (bench/RESULTS.md "Streaming"). Even when on, an xdr_id
   * set (its state lives on this thread) or a missing compiled worker means decoding on this thread.
   */
  decodeThread: z.boolean().default(false),
});
export type KafkaSourceOptions = z.input<typeof kafkaSourceOptionsSchema>;

export interface PartitionOffset {
  topic: string;
  partition: number;
  /** The next offset to read, i.e. what a commit stores. */
  offset: number;
}

export interface DeliveredBatch {
  topic: string;
  partition: number;
  /** Offset range [firstOffset, nextOffset) of the messages this batch accounts for (dead letters included). */
  firstOffset: number;
  nextOffset: number;
  /** Good records; zero rows when every message in the range was dead-lettered. */
  batch: RecordBatch;
  deadLettered: number;
  /**
   * The letters of this offset range, so a checkpointing consumer stores them with the records' effects (the
   * `deadLetters` hook sees them earlier, at decode time, ahead of what has been processed).
   */
  letters: DeadLetter[];
}

export interface KafkaSourceStats {
  messages: number;
  records: number;
  deadLettered: number;
  deadLetteredByReason: Map<string, number>;
  batches: number;
  pauses: number;
  resumes: number;
  queuedRecords: number;
  /** Deliveries dropped from the queue because their partition was revoked (another member re-reads them). */
  droppedOnRevoke: number;
  /** Dead letters that could not be handed to the producer (kept in the local sink only). */
  deadLetterPublishFailures: number;
  lastDeadLetterError: string;
}

export interface RebalanceListener {
  assigned?(partitions: TopicPartition[]): void;
  revoked?(partitions: TopicPartition[]): void;
}

export class KafkaSourceClosedError extends Error {}

const keyOf = (topic: string, partition: number) => `${topic}\u0000${partition}`;

/** What one poll decodes as a piece: an Arrow message, or a partition's run of JSON / CSV messages. */
interface DecodeUnit {
  partitionKey: string;
  decodeHere(): DecodedMessages;
  onThread(decoder: DecodeThread): Promise<DecodedMessages | null>;
  /** Dead letters and batches into the queue, with their offset range. */
  queue(r: DecodedMessages): void;
}

export class KafkaSource implements AsyncIterable<DeliveredBatch> {
  readonly options: z.output<typeof kafkaSourceOptionsSchema>;
  private readonly consumer: Kafka.KafkaConsumer;
  private dlqProducer: Kafka.Producer | null = null;
  private readonly formats = new Map<string, KafkaTopic>();
  private readonly queue: DeliveredBatch[] = [];
  private queuedRecords = 0;
  private paused = false;
  private running = false;
  private closed = false;
  private loop: Promise<void> | null = null;
  private wakeConsumer: (() => void) | null = null;
  private wakeLoop: (() => void) | null = null;
  private fatal: Error | null = null;
  private readonly counters = {
    messages: 0,
    records: 0,
    deadLettered: 0,
    batches: 0,
    pauses: 0,
    resumes: 0,
    droppedOnRevoke: 0,
    deadLetterPublishFailures: 0,
  };
  private lastDeadLetterError = '';
  private startOffsetOf: ((topic: string, partition: number) => number | undefined) | null = null;
  private readonly byReason = new Map<string, number>();
  /** Next offset taken from librdkafka per partition (decoded, not necessarily processed): how far the feed is read. */
  private readonly receivedUpTo = new Map<string, PartitionOffset>();
  private decoder: DecodeThread | null = null;
  /** Messages at the decode thread. */
  private decodingMessages = 0;
  /** Per partition, how often it was revoked: a unit decoded for an earlier assignment is dropped on return. */
  private readonly revocations = new Map<string, number>();

  constructor(
    opts: KafkaSourceOptions,
    private readonly hooks: {
      deadLetters?: DeadLetterSink;
      rebalance?: RebalanceListener;
      /**
       * Duplicate xdr_id detection across messages. Off by default: a partition re-read after a rebalance or a
       * restart is not a duplicate, so a set used here must be checkpointed with the offsets it has seen.
       */
      xdrIds?: XdrIdSet | null;
    } = {},
  ) {
    this.options = kafkaSourceOptionsSchema.parse(opts);
    for (const t of this.options.topics) this.formats.set(t.topic, t);
    const o = this.options;
    const cooperative = o.groupProtocol === 'consumer';
    this.consumer = new Kafka.KafkaConsumer(
      {
        'bootstrap.servers': o.brokers,
        'group.id': o.groupId,
        // Offsets are committed only by commit(): the checkpoint decides what is done.
        'enable.auto.commit': false,
        'enable.auto.offset.store': false,
        // Bounds librdkafka's own prefetch so pausing really bounds memory.
        'queued.max.messages.kbytes': 16_384,
        // Classic protocol: a restarted instance waits for its dead predecessor's session to expire before it gets
        // its partitions back; 10 s instead of Kafka's 45 s. Heartbeats come from librdkafka's own thread, so
        // engine pauses (a window close, a checkpoint) do not count against it. (KIP-848 sets these broker side.)
        ...(cooperative ? { 'group.protocol': 'consumer' } : { 'session.timeout.ms': 10_000, 'heartbeat.interval.ms': 1_000 }),
        rebalance_cb: (err: LibrdKafkaError, assignment: TopicPartition[]) => this.onRebalance(err, assignment),
        ...o.rdkafka,
      },
      { 'auto.offset.reset': o.startFrom },
    );
  }

  /**
   * Where each newly assigned partition starts (undefined: the group's committed offset). Set before start() by a
   * consumer that keeps its own positions with its state (the checkpointed run).
   */
  useStartOffsets(startOffsetOf: (topic: string, partition: number) => number | undefined): void {
    this.startOffsetOf = startOffsetOf;
  }

  /** Partitions of each subscribed topic, from the cluster's metadata. */
  partitionCount(timeoutMs = 10_000): Promise<number> {
    return new Promise((resolve, reject) =>
      this.consumer.getMetadata({ timeout: timeoutMs }, (err, md) => {
        if (err) return reject(new Error(`kafka metadata failed: ${err.message}`));
        const wanted = new Set(this.options.topics.map((t) => t.topic));
        resolve(md.topics.filter((t) => wanted.has(t.name)).reduce((n, t) => n + t.partitions.length, 0));
      }),
    );
  }

  /** Connects, subscribes and starts fetching in the background. */
  async start(): Promise<void> {
    if (this.running) return;
    if (this.options.deadLetterTopic) {
      this.dlqProducer = new Kafka.Producer({
        'bootstrap.servers': this.options.brokers,
        'client.id': `${this.options.groupId}-dlq`,
        ...pickSecurity(this.options.rdkafka),
      });
      await connect(this.dlqProducer);
      this.dlqProducer.setPollInterval(100);
    }
    await connect(this.consumer);
    if (this.options.decodeThread && !this.hooks.xdrIds) this.decoder = DecodeThread.open();
    // node-rdkafka's consume(n) keeps collecting until n messages or until no message came for this long, so under
    // a steady flow (a message at least every 100 ms) a 100 ms gap held every message back until 4,096 had come or
    // the flow paused; with a 10 ms gap what is there is handed over almost at once.
    this.consumer.setDefaultConsumeTimeout(CONSUME_GAP_MS);
    this.consumer.subscribe(this.options.topics.map((t) => t.topic));
    this.running = true;
    this.loop = this.fetchLoop();
  }

  /** The next batch in partition order; null once closed. Throws if the consumer failed for good. */
  async next(): Promise<DeliveredBatch | null> {
    for (;;) {
      if (this.fatal) throw this.fatal;
      const d = this.queue.shift();
      if (d) {
        this.queuedRecords -= d.batch.numRows;
        this.maybeResume();
        return d;
      }
      if (this.closed) return null;
      await new Promise<void>((resolve) => (this.wakeConsumer = resolve));
    }
  }

  /** The next batch if one is already decoded and waiting, else null (never waits). */
  poll(): DeliveredBatch | null {
    const d = this.queue.shift();
    if (!d) return null;
    this.queuedRecords -= d.batch.numRows;
    this.maybeResume();
    return d;
  }

  async *[Symbol.asyncIterator](): AsyncIterator<DeliveredBatch> {
    for (;;) {
      const d = await this.next();
      if (!d) return;
      yield d;
    }
  }

  /**
   * Commits the given offsets (next offset to read per partition). Dead letters produced for messages below those
   * offsets are flushed first, so a committed bad message is always on the dead-letter topic. Offsets of partitions
   * this member no longer owns (revoked by a rebalance) are not committed: the new owner re-reads from the last
   * committed offset, and the caller learns which were skipped.
   */
  async commit(offsets: readonly PartitionOffset[]): Promise<{ committed: PartitionOffset[]; skipped: PartitionOffset[] }> {
    const owned = new Set(this.assignments().map((t) => keyOf(t.topic, t.partition)));
    const committed = offsets.filter((o) => owned.has(keyOf(o.topic, o.partition)));
    const skipped = offsets.filter((o) => !owned.has(keyOf(o.topic, o.partition)));
    if (committed.length === 0) return { committed, skipped };
    await this.flushDeadLetters();
    try {
      this.consumer.commitSync(committed.map((o) => ({ topic: o.topic, partition: o.partition, offset: o.offset })));
    } catch (err) {
      throw new Error(`kafka commit failed: ${(err as Error).message}`);
    }
    return { committed, skipped };
  }

  /** Committed offsets of the given partitions (-1001 = none), from the group coordinator. */
  committed(partitions: TopicPartition[], timeoutMs = 5000): Promise<PartitionOffset[]> {
    return new Promise((resolve, reject) =>
      this.consumer.committed(partitions, timeoutMs, (err, tps) =>
        err ? reject(err) : resolve(tps.map((t) => ({ topic: t.topic, partition: t.partition, offset: t.offset ?? -1001 }))),
      ),
    );
  }

  /** The partition's first and next-to-be-written offsets, asked of its leader (not librdkafka's cache, which an
   *  empty partition may never fill). */
  watermarkOffsets(topic: string, partition: number, timeoutMs = 5000): Promise<{ low: number; high: number }> {
    return new Promise((resolve, reject) =>
      this.consumer.queryWatermarkOffsets(topic, partition, timeoutMs, (err, o) =>
        err ? reject(new Error(`kafka watermark offsets of ${topic}/${partition}: ${err.message}`)) : resolve({ low: o.lowOffset, high: o.highOffset }),
      ),
    );
  }

  assignments(): TopicPartition[] {
    return this.running ? this.consumer.assignments().map((a) => ({ topic: a.topic, partition: a.partition })) : [];
  }

  stats(): KafkaSourceStats {
    return {
      ...this.counters,
      deadLetteredByReason: new Map(this.byReason),
      queuedRecords: this.queuedRecords,
      lastDeadLetterError: this.lastDeadLetterError,
    };
  }

  /** Whether messages are decoded on a worker thread. */
  get decodesOnWorker(): boolean {
    return this.decoder !== null;
  }

  /** Per partition, the next offset after the last message taken from the broker (decoded, maybe not processed yet). */
  received(): PartitionOffset[] {
    return [...this.receivedUpTo.values()].map((o) => ({ ...o }));
  }

  get isPaused(): boolean {
    return this.paused;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.wakeLoop?.();
    this.wakeConsumer?.();
    await this.loop;
    await this.decoder?.close();
    this.decoder = null;
    if (this.running) {
      this.running = false;
      await new Promise<void>((resolve) => this.consumer.disconnect(() => resolve()));
    }
    if (this.dlqProducer) {
      await this.flushDeadLetters().catch(() => undefined);
      await new Promise<void>((resolve) => this.dlqProducer!.disconnect(() => resolve()));
      this.dlqProducer = null;
    }
  }

  // ------------------------------------------------------------------ internals

  private async fetchLoop(): Promise<void> {
    while (!this.closed) {
      if (this.queuedRecords >= this.options.maxQueuedRecords) {
        this.pause();
        await new Promise<void>((resolve) => (this.wakeLoop = resolve));
        this.wakeLoop = null;
        continue;
      }
      // The decode thread's backlog counts as queued too: at most one poll's worth of messages ahead of it.
      if (this.decodingMessages >= this.options.pollMessages) {
        await new Promise<void>((resolve) => (this.wakeLoop = resolve));
        this.wakeLoop = null;
        continue;
      }
      let messages: Message[];
      try {
        messages = await new Promise<Message[]>((resolve, reject) =>
          this.consumer.consume(this.options.pollMessages, (err, ms) => (err ? reject(err) : resolve(ms))),
        );
      } catch (err) {
        const e = err as LibrdKafkaError;
        // Transient broker errors are retried by librdkafka; only a fatal error stops the source.
        if ((e as { isFatal?: boolean }).isFatal) {
          this.fatal = new Error(`kafka consumer failed: ${e.message}`);
          this.wakeConsumer?.();
          return;
        }
        continue;
      }
      if (messages.length === 0 || this.closed) continue;
      this.decodeAndQueue(messages);
    }
  }

  private decodeAndQueue(messages: Message[]): void {
    this.counters.messages += messages.length;
    // Group by partition, keeping each partition's order; a poll returns runs of the same partition.
    const groups = new Map<string, Message[]>();
    for (const m of messages) {
      const k = keyOf(m.topic, m.partition);
      let g = groups.get(k);
      if (!g) groups.set(k, (g = []));
      g.push(m);
    }
    const units: DecodeUnit[] = [];
    for (const group of groups.values()) {
      const last = group[group.length - 1];
      this.receivedUpTo.set(keyOf(last.topic, last.partition), { topic: last.topic, partition: last.partition, offset: last.offset + 1 });
      const topic = this.formats.get(group[0].topic);
      if (!topic) continue; // not subscribed (cannot happen), nothing to decode with
      if (topic.format === 'arrow') for (const m of group) units.push(this.arrowUnit(m));
      else units.push(this.recordsUnit(topic, group));
    }
    const decoder = this.decoder;
    if (!decoder) {
      for (const u of units) u.queue(u.decodeHere());
      this.wakeConsumerNow();
      return;
    }
    // On the decode thread. A poll's batches are queued together, as when decoded here: queued one by one as they
    // came back, a partition answered last held the event-time merge back, and past its idleness its records came
    // late. Answers come in request order, so polls stay in order too.
    const revocations = units.map((u) => this.revocations.get(u.partitionKey) ?? 0);
    this.decodingMessages += messages.length;
    void Promise.all(units.map((u) => u.onThread(decoder))).then((results) => {
      this.decodingMessages -= messages.length;
      if (this.closed) return;
      for (let i = 0; i < units.length; i++) {
        // Revoked meanwhile: dropped, as dropRevoked drops what is queued (the new owner re-reads it).
        if ((this.revocations.get(units[i].partitionKey) ?? 0) !== revocations[i]) this.counters.droppedOnRevoke++;
        else units[i].queue(results[i] ?? units[i].decodeHere()); // the thread could not: decoded here
      }
      this.wakeLoop?.();
      this.wakeConsumerNow();
    });
  }

  private wakeConsumerNow(): void {
    const wake = this.wakeConsumer;
    this.wakeConsumer = null;
    wake?.();
  }

  private recordsUnit(topic: KafkaTopic, group: Message[]): DecodeUnit {
    const source = `kafka:${group[0].topic}/${group[0].partition}`;
    const values = group.map((m) => m.value);
    const format = topic.format === 'json' ? 'json' : 'csv';
    return {
      partitionKey: keyOf(group[0].topic, group[0].partition),
      decodeHere: () => {
        const opts = { source, xdrIds: this.hooks.xdrIds ?? null };
        return format === 'json' ? decodeJsonMessages(values, opts) : decodeCsvMessages(values, topic.csvHeader ?? S1_COLUMN_NAMES, opts);
      },
      onThread: (d) => d.decode(format, values, source, topic.csvHeader),
      queue: (r) => {
        const letters = r.letters.map((l) => this.deadLetter(group[l.message], l.reason, 0, l.raw));
        this.enqueue(group, r.batches[0] ?? emptyBatch(), letters);
      },
    };
  }

  private arrowUnit(m: Message): DecodeUnit {
    const source = `kafka:${m.topic}/${m.partition}`;
    return {
      partitionKey: keyOf(m.topic, m.partition),
      decodeHere: () => decodeArrowMessage(m.value, { source, xdrIds: this.hooks.xdrIds ?? null }),
      onThread: (d) => d.decode('arrow', [m.value], source),
      queue: (r) => this.queueArrowMessage(m, r),
    };
  }

  private queueArrowMessage(m: Message, r: DecodedMessages): void {
    const letters = r.letters.map((l) => this.deadLetter(m, l.reason, l.row, l.raw));
    const batches = r.batches.filter((b) => b.numRows > 0);
    if (batches.length === 0) batches.push(emptyBatch());
    // A chunk of several batches: only the last one carries the message's offset forward, so a commit after the
    // first cannot skip the rest.
    for (let i = 0; i < batches.length; i++) {
      const last = i === batches.length - 1;
      this.enqueueRange(m.topic, m.partition, m.offset, last ? m.offset + 1 : m.offset, batches[i], last ? letters : []);
    }
  }

  private enqueue(group: Message[], batch: RecordBatch, letters: DeadLetter[]): void {
    const first = group[0];
    const last = group[group.length - 1];
    this.enqueueRange(first.topic, first.partition, first.offset, last.offset + 1, batch, letters);
  }

  private enqueueRange(topic: string, partition: number, firstOffset: number, nextOffset: number, batch: RecordBatch, letters: DeadLetter[]): void {
    this.queue.push({ topic, partition, firstOffset, nextOffset, batch, deadLettered: letters.length, letters });
    this.queuedRecords += batch.numRows;
    this.counters.records += batch.numRows;
    this.counters.batches++;
  }

  /**
   * `row` > 0 names one row of an Arrow chunk: its letter carries the row as text (JSON) rather than the whole chunk,
   * and the chunk's good rows go on. Other letters carry the original message value byte for byte.
   */
  private deadLetter(m: Message, reason: string, row: number, rowRaw: string): DeadLetter {
    this.counters.deadLettered++;
    const cat = reasonCategory(reason);
    this.byReason.set(cat, (this.byReason.get(cat) ?? 0) + 1);
    const isArrow = this.formats.get(m.topic)?.format === 'arrow';
    const letter: DeadLetter = {
      source: `kafka:${m.topic}/${m.partition}@${m.offset}`,
      row,
      reason,
      raw: row > 0 ? rowRaw : m.value ? (isArrow ? `<arrow ${m.value.length} bytes>` : m.value.toString('utf8')) : '',
    };
    this.hooks.deadLetters?.add(letter);
    const p = this.dlqProducer;
    if (!p || !this.options.deadLetterTopic) return letter;
    const headers: Kafka.MessageHeader[] = [
      { [DLQ_REASON_HEADER]: reason },
      { [DLQ_TOPIC_HEADER]: m.topic },
      { [DLQ_PARTITION_HEADER]: String(m.partition) },
      { [DLQ_OFFSET_HEADER]: String(m.offset) },
    ];
    if (row > 0) headers.push({ [DLQ_ROW_HEADER]: String(row) });
    const value = row > 0 ? Buffer.from(rowRaw, 'utf8') : (m.value ?? null);
    try {
      produceWithRetry(p, this.options.deadLetterTopic, value, m.key ?? null, headers);
    } catch (err) {
      // The letter is still in the local sink and the counters; the failure is counted, not thrown into the loop.
      this.counters.deadLetterPublishFailures++;
      this.lastDeadLetterError = (err as Error).message;
    }
    return letter;
  }

  private pause(): void {
    if (this.paused) return;
    this.paused = true;
    this.counters.pauses++;
    this.consumer.pause(this.consumer.assignments());
  }

  private maybeResume(): void {
    if (this.queuedRecords > this.options.maxQueuedRecords / 2) return;
    if (this.paused && this.running && !this.closed) {
      this.paused = false;
      this.counters.resumes++;
      this.consumer.resume(this.consumer.assignments());
    }
    this.wakeLoop?.();
  }

  private onRebalance(err: LibrdKafkaError, assignment: TopicPartition[]): void {
    const cooperative = this.consumer.rebalanceProtocol() === 'COOPERATIVE';
    try {
      if (err.code === Kafka.CODES.ERRORS.ERR__ASSIGN_PARTITIONS) {
        // A checkpointing consumer starts each partition where its own state is, not at the group's committed
        // offset (which may lag behind it, or be ahead after an eager rebalance handed the partition back).
        const startOffsetOf = this.startOffsetOf;
        if (startOffsetOf) {
          assignment = assignment.map((t) => {
            const offset = startOffsetOf(t.topic, t.partition);
            return offset === undefined ? t : { ...t, offset };
          });
        }
        if (cooperative) this.consumer.incrementalAssign(assignment);
        else this.consumer.assign(assignment);
        // A paused source stays paused on newly assigned partitions too.
        if (this.paused) this.consumer.pause(assignment);
        this.hooks.rebalance?.assigned?.(assignment);
      } else if (err.code === Kafka.CODES.ERRORS.ERR__REVOKE_PARTITIONS) {
        for (const t of assignment) this.revocations.set(keyOf(t.topic, t.partition), (this.revocations.get(keyOf(t.topic, t.partition)) ?? 0) + 1);
        this.dropRevoked(assignment);
        this.hooks.rebalance?.revoked?.(assignment);
        if (cooperative) this.consumer.incrementalUnassign(assignment);
        else this.consumer.unassign();
      }
    } catch (e) {
      // A rebalance racing a close: nothing left to assign.
      if (!this.closed) this.fatal = new Error(`kafka rebalance failed: ${(e as Error).message}`);
    }
  }

  /** Queued deliveries of revoked partitions are dropped: the new owner reads them again from the committed offset. */
  private dropRevoked(revoked: TopicPartition[]): void {
    const gone = new Set(revoked.map((t) => keyOf(t.topic, t.partition)));
    let kept = 0;
    for (const d of this.queue) {
      if (gone.has(keyOf(d.topic, d.partition))) {
        this.queuedRecords -= d.batch.numRows;
        this.counters.droppedOnRevoke++;
      } else {
        this.queue[kept++] = d;
      }
    }
    this.queue.length = kept;
  }

  private flushDeadLetters(): Promise<void> {
    const p = this.dlqProducer;
    if (!p) return Promise.resolve();
    return new Promise((resolve, reject) => p.flush(10_000, (err) => (err ? reject(err) : resolve())));
  }
}

let empty: RecordBatch | null = null;
function emptyBatch(): RecordBatch {
  empty ??= new S1BatchBuilder(1).finish();
  return empty;
}

function connect(client: Kafka.KafkaConsumer | Kafka.Producer): Promise<void> {
  return new Promise((resolve, reject) =>
    client.connect({ timeout: 10_000 }, (err) => (err ? reject(new Error(`kafka connect failed: ${err.message}`)) : resolve())),
  );
}

/** The producer's local queue can fill under a burst of bad messages: poll and retry rather than lose a letter. */
export function produceWithRetry(
  p: Kafka.Producer,
  topic: string,
  value: Buffer | null,
  key: Buffer | string | null,
  headers?: Kafka.MessageHeader[],
  attempts = 50,
): void {
  for (let i = 0; ; i++) {
    try {
      p.produce(topic, null, value, key, Date.now(), undefined, headers);
      return;
    } catch (err) {
      const code = (err as LibrdKafkaError).code;
      if (code !== Kafka.CODES.ERRORS.ERR__QUEUE_FULL || i >= attempts) throw err;
      p.poll();
    }
  }
}

/** Security settings the dead-letter producer shares with the consumer. */
function pickSecurity(rdkafka: Record<string, string | number | boolean>): Record<string, string | number | boolean> {
  const out: Record<string, string | number | boolean> = {};
  for (const [k, v] of Object.entries(rdkafka)) if (k.startsWith('security.') || k.startsWith('sasl.') || k.startsWith('ssl.')) out[k] = v;
  return out;
}
