// Kafka sinks: alert events (JSON keyed by region: every open, update and resolve), outreach lists (JSON keyed by
// alert id) and, optionally, scored user-windows (one Arrow IPC chunk per region and window, keyed by region, so
// a second stage keyed by region can aggregate across the partitions of the record topic).
// The producer is idempotent, so librdkafka's retries never write an event twice; per-key order is kept.
import Kafka from 'node-rdkafka';
import type { LibrdKafkaError } from 'node-rdkafka';
import { Float64, Int32, RecordBatch, Schema, Field, Struct, Table, makeData, tableToIPC } from 'apache-arrow';
import type { EngineSink } from '../engine/engine.js';
import type { ScoredWindow } from '../hotspots/scored-window.js';
import type { OutreachMessage } from '../outreach/outreach-message.js';
import { alertEventSchema, type AlertEvent, type AlertEventInput } from './alert-event.js';
import { SubscriberLaggedError, type AlertFeed } from './alert-feed.js';
import { maskMsisdn } from './wire.js';

export const DEFAULT_ALERTS_TOPIC = 'hotspot.alerts';
export const DEFAULT_OUTREACH_TOPIC = 'hotspot.outreach';
export const DEFAULT_SCORES_TOPIC = 'hotspot.scores';
export const SEQUENCE_HEADER = 'hotspot-sequence';
export const STATUS_HEADER = 'hotspot-status';
export const WINDOW_START_HEADER = 'hotspot-window-start';
export const WINDOW_END_HEADER = 'hotspot-window-end';
export const MODEL_VERSION_HEADER = 'hotspot-model-version';
/** Key of scored rows whose cell has no region in the topology. */
export const UNKNOWN_REGION_KEY = '_unknown';

export interface KafkaSinkOptions {
  brokers: string;
  clientId?: string;
  /** Extra librdkafka producer settings (security, linger); they override the defaults here. */
  rdkafka?: Record<string, string | number | boolean>;
}

export interface KafkaSinkStats {
  produced: number;
  delivered: number;
  failed: number;
  lastError: string;
}

/** One idempotent producer with delivery accounting; the concrete sinks below format the messages. */
export class KafkaProducerSink {
  private readonly producer: Kafka.Producer;
  private connected = false;
  private readonly counters: KafkaSinkStats = { produced: 0, delivered: 0, failed: 0, lastError: '' };

  constructor(opts: KafkaSinkOptions) {
    this.producer = new Kafka.Producer({
      'bootstrap.servers': opts.brokers,
      'client.id': opts.clientId ?? 'hotspot-sink',
      'enable.idempotence': true,
      'linger.ms': 5,
      dr_cb: true,
      ...opts.rdkafka,
    });
    this.producer.on('delivery-report', (err: LibrdKafkaError | null) => {
      if (err) {
        this.counters.failed++;
        this.counters.lastError = err.message;
      } else this.counters.delivered++;
    });
  }

  async start(): Promise<void> {
    if (this.connected) return;
    await new Promise<void>((resolve, reject) =>
      this.producer.connect({ timeout: 10_000 }, (err) => (err ? reject(new Error(`kafka connect failed: ${err.message}`)) : resolve())),
    );
    this.producer.setPollInterval(50);
    this.connected = true;
  }

  /** Queues one message; when librdkafka's local queue is full, waits for deliveries to make room. */
  async send(topic: string, key: string, value: Buffer | null, headers?: Kafka.MessageHeader[], partition: number | null = null): Promise<void> {
    if (!this.connected) throw new Error('kafka sink not started');
    for (;;) {
      try {
        this.producer.produce(topic, partition, value, key, Date.now(), undefined, headers);
        this.counters.produced++;
        return;
      } catch (err) {
        if ((err as LibrdKafkaError).code !== Kafka.CODES.ERRORS.ERR__QUEUE_FULL) throw err;
        await new Promise((r) => setTimeout(r, 10));
      }
    }
  }

  /**
   * Partitions of `topic` from the cluster's metadata; asking creates the topic where the cluster auto-creates
   * topics, so this waits (up to `timeoutMs`) for it to appear.
   */
  async partitionCount(topic: string, timeoutMs = 10_000): Promise<number> {
    if (!this.connected) throw new Error('kafka sink not started');
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const md = await new Promise<Kafka.Metadata | null>((resolve) =>
        this.producer.getMetadata({ topic, timeout: 2000 }, (err, m) => resolve(err ? null : m)),
      );
      const n = md?.topics.find((t) => t.name === topic)?.partitions.length ?? 0;
      if (n > 0) return n;
      if (Date.now() > deadline) throw new Error(`kafka topic ${topic} has no partitions after ${timeoutMs} ms`);
      await new Promise((r) => setTimeout(r, 200));
    }
  }

  /** Waits until everything queued so far is delivered (or failed, which `stats()` then shows). */
  flush(timeoutMs = 10_000): Promise<void> {
    return new Promise((resolve, reject) => this.producer.flush(timeoutMs, (err) => (err ? reject(err) : resolve())));
  }

  stats(): KafkaSinkStats {
    return { ...this.counters };
  }

  async close(): Promise<void> {
    if (!this.connected) return;
    await this.flush().catch(() => undefined);
    await new Promise<void>((resolve) => this.producer.disconnect(() => resolve()));
    this.connected = false;
  }
}

/** Alert events as JSON (`{sequence, ...alert}`) keyed by region; sequence and status also in headers. */
export class KafkaAlertSink {
  constructor(
    readonly producer: KafkaProducerSink,
    readonly topic = DEFAULT_ALERTS_TOPIC,
  ) {}

  async publish(input: AlertEventInput): Promise<void> {
    const e: AlertEvent = alertEventSchema.parse(input);
    const value = Buffer.from(JSON.stringify({ sequence: e.sequence, ...e.alert }), 'utf8');
    await this.producer.send(this.topic, e.alert.region, value, [
      { [SEQUENCE_HEADER]: String(e.sequence) },
      { [STATUS_HEADER]: e.alert.status },
    ]);
  }
}

/**
 * Forwards every event of the feed after `afterSequence` to Kafka, in order, until stopped. The caller stores the
 * last forwarded sequence with its checkpoint and passes it back on restart, so nothing is skipped.
 */
export function forwardAlerts(feed: AlertFeed, sink: KafkaAlertSink, afterSequence = 0) {
  const sub = feed.subscribe({ afterSequence });
  let last = afterSequence;
  let failure: Error | null = null;
  const done = (async () => {
    try {
      for await (const e of sub) {
        await sink.publish(e);
        last = e.sequence;
      }
    } catch (err) {
      failure = err instanceof SubscriberLaggedError ? new Error(`alert forwarding fell behind: ${err.message}`) : (err as Error);
    }
  })();
  return {
    get lastSequence() {
      return last;
    },
    get error() {
      return failure;
    },
    async stop(): Promise<void> {
      sub.close();
      await done;
    },
  };
}

/** Care lists as JSON keyed by alert id. MSISDNs are kept (care needs them) unless `maskMsisdn` is set. */
export class KafkaOutreachSink {
  constructor(
    readonly producer: KafkaProducerSink,
    readonly topic = DEFAULT_OUTREACH_TOPIC,
    readonly opts: { maskMsisdn?: boolean } = {},
  ) {}

  async publish(alertId: string, list: readonly OutreachMessage[]): Promise<void> {
    const entries = this.opts.maskMsisdn ? list.map((m) => ({ ...m, msisdn: maskMsisdn(m.msisdn) })) : list;
    const value = Buffer.from(JSON.stringify({ alert_id: alertId, entries }), 'utf8');
    await this.producer.send(this.topic, alertId, value);
  }
}

/** Arrow schema of a scores chunk: one row per scored user of one region and window. */
export const SCORES_SCHEMA = new Schema([
  new Field('imsi', new Float64(), false),
  new Field('cell', new Float64(), false),
  new Field('region_index', new Int32(), false),
  new Field('probability', new Float64(), false),
]);

/**
 * Scored user-windows, one Arrow IPC chunk per region, keyed by region name (so one consumer sees all of a region's
 * users whichever record partition they came from). Window bounds and model version travel in headers.
 */
export class KafkaScoresSink {
  constructor(
    readonly producer: KafkaProducerSink,
    readonly regions: readonly string[],
    readonly topic = DEFAULT_SCORES_TOPIC,
  ) {}

  async publish(w: ScoredWindow): Promise<number> {
    const n = w.imsi.length;
    // Counting sort of rows by region (index -1 → the last bucket).
    const buckets = this.regions.length + 1;
    const counts = new Int32Array(buckets + 1);
    for (let i = 0; i < n; i++) counts[bucketOf(w.regionIndex[i], buckets) + 1]++;
    for (let b = 0; b < buckets; b++) counts[b + 1] += counts[b];
    const order = new Int32Array(n);
    const fill = counts.slice(0, buckets);
    for (let i = 0; i < n; i++) order[fill[bucketOf(w.regionIndex[i], buckets)]++] = i;
    const headers: Kafka.MessageHeader[] = [
      { [WINDOW_START_HEADER]: String(w.windowStart) },
      { [WINDOW_END_HEADER]: String(w.windowEnd) },
      { [MODEL_VERSION_HEADER]: w.modelVersion },
    ];
    let messages = 0;
    for (let b = 0; b < buckets; b++) {
      const from = counts[b];
      const to = counts[b + 1];
      if (to === from) continue;
      const rows = order.subarray(from, to);
      const m = rows.length;
      const imsi = new Float64Array(m);
      const cell = new Float64Array(m);
      const region = new Int32Array(m);
      const prob = new Float64Array(m);
      for (let k = 0; k < m; k++) {
        const i = rows[k];
        imsi[k] = w.imsi[i];
        cell[k] = w.cell[i];
        region[k] = w.regionIndex[i];
        prob[k] = w.probability[i];
      }
      const f64 = (values: Float64Array) => makeData({ type: new Float64(), length: m, nullCount: 0, data: values });
      const data = makeData({
        type: new Struct(SCORES_SCHEMA.fields),
        length: m,
        nullCount: 0,
        children: [f64(imsi), f64(cell), makeData({ type: new Int32(), length: m, nullCount: 0, data: region }), f64(prob)],
      });
      const ipc = tableToIPC(new Table(new RecordBatch(SCORES_SCHEMA, data)), 'stream');
      const key = b < this.regions.length ? this.regions[b] : UNKNOWN_REGION_KEY;
      await this.producer.send(this.topic, key, Buffer.from(ipc.buffer, ipc.byteOffset, ipc.byteLength), headers);
      messages++;
    }
    return messages;
  }
}

function bucketOf(regionIndex: number, buckets: number): number {
  return regionIndex >= 0 && regionIndex < buckets - 1 ? regionIndex : buckets - 1;
}

/** Where a run publishes: each topic as kafka://BROKERS/TOPIC (one broker list for all). */
export interface RunPublishTargets {
  brokers: string;
  alertsTopic?: string;
  outreachTopic?: string;
  scoresTopic?: string;
  rdkafka?: Record<string, string | number | boolean>;
}

/**
 * The Kafka sinks as one engine sink: alert events (JSON keyed by region), care lists (JSON keyed by alert id) and
 * optionally scored user-windows (Arrow per region). After a crash, events after the last checkpoint are sent again
 * with the same alert_id and sequence: consumers keep the highest sequence per alert.
 */
export async function kafkaEngineSink(t: RunPublishTargets, regions: readonly string[]): Promise<{ sink: EngineSink; close(): Promise<KafkaSinkStats> }> {
  const producer = new KafkaProducerSink({ brokers: t.brokers, clientId: 'hotspot-run', rdkafka: t.rdkafka });
  await producer.start();
  const alerts = t.alertsTopic ? new KafkaAlertSink(producer, t.alertsTopic) : null;
  const outreach = t.outreachTopic ? new KafkaOutreachSink(producer, t.outreachTopic) : null;
  const scores = t.scoresTopic ? new KafkaScoresSink(producer, regions, t.scoresTopic) : null;
  const sink: EngineSink = {
    name: 'kafka',
    onScoredWindow: scores ? async (w) => void (await scores.publish(w)) : undefined,
    onAlertEvents: alerts
      ? async (events) => {
          for (const e of events) await alerts.publish(e as unknown as AlertEventInput);
        }
      : undefined,
    onOutreach: outreach
      ? async (messages) => {
          const byAlert = new Map<string, OutreachMessage[]>();
          for (const m of messages) {
            let list = byAlert.get(m.alertId);
            if (!list) byAlert.set(m.alertId, (list = []));
            list.push(m);
          }
          for (const [alertId, list] of byAlert) await outreach.publish(alertId, list);
        }
      : undefined,
  };
  return {
    sink,
    async close() {
      await producer.flush().catch(() => undefined);
      const stats = producer.stats();
      await producer.close();
      return stats;
    },
  };
}
