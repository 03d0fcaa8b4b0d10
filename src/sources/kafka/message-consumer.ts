// A consumer-group member that hands over raw messages (no record decoding): stage 2 of a scale-out run reads the
// scores topic with it. Like KafkaSource, offsets are committed only by commit(), and each assigned partition can
// start where the caller's own checkpoint says rather than at the group's committed offset.
import Kafka from 'node-rdkafka';
import type { LibrdKafkaError, Message, TopicPartition } from 'node-rdkafka';
import type { PartitionOffset } from './kafka-source.js';

export interface MessageConsumerOptions {
  brokers: string;
  groupId: string;
  topic: string;
  /** Extra librdkafka settings (security, timeouts); they override the defaults here. */
  rdkafka?: Record<string, string | number | boolean>;
}

export class KafkaMessageConsumer {
  private readonly consumer: Kafka.KafkaConsumer;
  private startOffsetOf: ((topic: string, partition: number) => number | undefined) | null = null;
  private running = false;

  constructor(readonly options: MessageConsumerOptions) {
    this.consumer = new Kafka.KafkaConsumer(
      {
        'bootstrap.servers': options.brokers,
        'group.id': options.groupId,
        'enable.auto.commit': false,
        'enable.auto.offset.store': false,
        'session.timeout.ms': 10_000,
        'heartbeat.interval.ms': 1_000,
        'fetch.message.max.bytes': 16_000_000,
        rebalance_cb: (err: LibrdKafkaError, assignment: TopicPartition[]) => this.onRebalance(err, assignment),
        ...options.rdkafka,
      },
      { 'auto.offset.reset': 'earliest' },
    );
  }

  /** Where each newly assigned partition starts (undefined: the group's committed offset). Set before start(). */
  useStartOffsets(startOffsetOf: (topic: string, partition: number) => number | undefined): void {
    this.startOffsetOf = startOffsetOf;
  }

  async start(): Promise<void> {
    await new Promise<void>((resolve, reject) =>
      this.consumer.connect({ timeout: 10_000 }, (err) => (err ? reject(new Error(`kafka connect failed: ${err.message}`)) : resolve())),
    );
    this.consumer.setDefaultConsumeTimeout(100);
    this.consumer.subscribe([this.options.topic]);
    this.running = true;
  }

  /** Up to `max` messages (waits up to ~100 ms for the first); transient errors give an empty list. */
  consume(max = 1000): Promise<Message[]> {
    return new Promise((resolve, reject) =>
      this.consumer.consume(max, (err, ms) => {
        if (!err) return resolve(ms);
        if ((err as { isFatal?: boolean }).isFatal) return reject(new Error(`kafka consumer failed: ${err.message}`));
        resolve([]);
      }),
    );
  }

  assignments(): TopicPartition[] {
    return this.running ? this.consumer.assignments().map((a) => ({ topic: a.topic, partition: a.partition })) : [];
  }

  /** Commits offsets of the partitions this member still owns (advisory: the caller's checkpoint rules). */
  commit(offsets: readonly PartitionOffset[]): void {
    const owned = new Set(this.assignments().map((t) => `${t.topic}\u0000${t.partition}`));
    const mine = offsets.filter((o) => owned.has(`${o.topic}\u0000${o.partition}`) && o.offset >= 0);
    if (mine.length > 0) this.consumer.commitSync(mine.map((o) => ({ topic: o.topic, partition: o.partition, offset: o.offset })));
  }

  async close(): Promise<void> {
    if (!this.running) return;
    this.running = false;
    await new Promise<void>((resolve) => this.consumer.disconnect(() => resolve()));
  }

  private onRebalance(err: LibrdKafkaError, assignment: TopicPartition[]): void {
    try {
      if (err.code === Kafka.CODES.ERRORS.ERR__ASSIGN_PARTITIONS) {
        const startOffsetOf = this.startOffsetOf;
        this.consumer.assign(
          startOffsetOf
            ? assignment.map((t) => {
                const offset = startOffsetOf(t.topic, t.partition);
                return offset === undefined ? t : { ...t, offset };
              })
            : assignment,
        );
      } else if (err.code === Kafka.CODES.ERRORS.ERR__REVOKE_PARTITIONS) {
        this.consumer.unassign();
      }
    } catch {
      // A rebalance racing a close: nothing left to assign.
    }
  }
}
