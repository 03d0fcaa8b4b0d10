// Kafka → alerts benchmark: sustained records/s through the whole live path of `hotspot run --source kafka://`
// (KafkaSource, event-time merge, features, GBDT scoring with TreeSHAP, detector, outreach, DuckDB writes and
// checkpoints), and the delay from a window's close to its alerts.
//
// Data: the simulated city (createCity, scenario default, seed 7), every user's records in one of `--partitions`
// record partitions (16 by default: a production record topic has many), Arrow IPC chunks of ≤ 60 s of event time
// or one JSON record per message. librdkafka's mock broker (kcat, its own process, DESIGN.md §8) auto-creates
// topics of 4 partitions only, so 16 partitions are 4 topics of 4; the engine reads them as one stream either way.
// A producer child process encodes every message before the clock starts (a probe's messages are made by the
// probe, not by hotspot's machine) and then only hands them to librdkafka. The mock keeps just 5 MiB of
// (compressed) log per partition and drops older messages, so the feed stays within a byte budget per partition
// of what the consumer has taken: RETENTION_BYTES × the measured lz4 ratio × a safety share. A record lost to
// retention anyway would show as "records of records" short, and the figures would be marked invalid.
// Delay: wall time from handing the engine the batch whose records close a window (the watermark passes its end)
// to the moment that window's alert events and care lists have reached the sinks (store included).
//
// usage: npm run build && node dist/bench/kafka-alerts.js [--format arrow|json|both] [--subscribers N] [--hours H]
//        [--partitions 16] [--ahead-share 0.5]
import { fork } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { Engine, type EngineSink } from '../src/engine/engine.js';
import { StoreSink } from '../src/engine/store-sink.js';
import { runCheckpointed } from '../src/engine/checkpointed-run.js';
import { loadFeatureSpec } from '../src/features/index.js';
import { loadModelDir } from '../src/model/model-dir.js';
import { buildTopology } from '../src/schema/side-files.js';
import { KafkaSource } from '../src/sources/kafka/kafka-source.js';
import { connectRecordProducer, encodeRecordMessages, type RecordMessage } from '../src/sources/kafka/record-publisher.js';
import { createCity, simulateRecords, subscriberRows } from '../src/sources/simulator/index.js';
import { Store } from '../src/store/store.js';
import { startKcatMock } from '../test/support/kafka-mock.js';

const { values: args } = parseArgs({
  options: {
    format: { type: 'string', default: 'both' },
    subscribers: { type: 'string', default: '20000' },
    hours: { type: 'string', default: '3' },
    'json-hours': { type: 'string', default: '1.25' },
    partitions: { type: 'string', default: '16' },
    'ahead-share': { type: 'string', default: '0.5' },
    'decode-thread': { type: 'string', default: 'off' },
    'producer-child': { type: 'boolean', default: false },
  },
});

interface Job {
  bootstrap: string;
  topics: string[];
  format: 'arrow' | 'json';
  subscribers: number;
  hours: number;
  /** Most uncompressed bytes the feed may be ahead of the consumer in one partition. */
  aheadBytes: number;
}

/** What the mock broker keeps per partition (librdkafka rdkafka_mock.c: max_size = 5 MiB, older message sets go). */
const RETENTION_BYTES = 5 * 1024 * 1024;
/** Arrow IPC chunks of the city compress ~3.1× with lz4 (the `lz4` tool on three 60-s chunks: 195 → 63 kB, …). */
const LZ4_RATIO = 3;
/** JSON records: one small message each; the mock's other limit (100,000 messages per partition) binds first. */
const JSON_AHEAD_MESSAGES = 20_000;
/** Partitions of a topic the mock auto-creates. */
const MOCK_TOPIC_PARTITIONS = 4;

const IDLE_EXIT_MS = 4000;

const cityOf = (j: Pick<Job, 'subscribers' | 'hours'>) => createCity({ seed: 7, hours: j.hours, subscribers: j.subscribers, scenario: 'default' });

async function producerChild(): Promise<void> {
  const job = await new Promise<Job>((resolve) => process.once('message', (m) => resolve(m as Job)));
  const partitions = job.topics.length * MOCK_TOPIC_PARTITIONS;
  // Received offset per record partition (topic index × 4 + partition), as the consumer reports it.
  const received = new Float64Array(partitions);
  process.on('message', (m) => {
    if (Array.isArray(m)) for (const [p, offset] of m as [number, number][]) received[p] = Math.max(received[p], offset);
  });
  // Every message encoded before the first is sent: the feed then costs only librdkafka's work.
  const messages: RecordMessage[] = [];
  let records = 0;
  for await (const batch of simulateRecords(cityOf(job))) {
    records += batch.numRows;
    for (const m of encodeRecordMessages(batch, { format: job.format, partitions })) messages.push(m);
  }
  // Bytes sent per partition before each of its messages (prefix sums): the budget check is then O(1).
  const perPartition = new Int32Array(partitions);
  for (const m of messages) perPartition[m.partition]++;
  const sentBefore = Array.from(perPartition, (n) => new Float64Array(n + 1));
  const next = new Int32Array(partitions);
  for (const m of messages) {
    const p = m.partition;
    sentBefore[p][next[p] + 1] = sentBefore[p][next[p]] + (job.format === 'json' ? 1 : m.value.length);
    next[p]++;
  }
  next.fill(0);
  const producer = await connectRecordProducer(job.bootstrap);
  // The topics exist before the consumer joins, as a production topic does: otherwise the group first gets only the
  // partitions of the topics already created, and the rest come late (and so do their records).
  await producer.ensureTopics(job.topics);
  process.send!({ encoded: messages.length });
  try {
    for (const m of messages) {
      const p = m.partition;
      const k = next[p]++;
      // Wait while this message would put more than the budget between the consumer and the newest message.
      while (sentBefore[p][k + 1] - sentBefore[p][Math.min(k, received[p])] > job.aheadBytes) await new Promise((res) => setTimeout(res, 2));
      await producer.send(job.topics[p >> 2], p & 3, m.value, m.key);
    }
    await producer.drain();
  } finally {
    await producer.close();
  }
  process.send!({ records, messages: messages.length }, () => process.exit(0));
}

const log = (msg: string) => process.stderr.write(`[kafka-alerts ${new Date().toISOString().slice(11, 19)}] ${msg}\n`);
const fmt = (x: number) => Math.round(x).toLocaleString('en-US');
const quantile = (xs: number[], q: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length === 0 ? NaN : s[Math.min(s.length - 1, Math.floor(q * s.length))];
};

async function measure(bootstrap: string, format: 'arrow' | 'json', subscribers: number, hours: number): Promise<void> {
  const partitions = Number(args.partitions);
  if (!(partitions >= MOCK_TOPIC_PARTITIONS && partitions % MOCK_TOPIC_PARTITIONS === 0)) throw new Error(`--partitions must be a multiple of ${MOCK_TOPIC_PARTITIONS}`);
  const topics = Array.from({ length: partitions / MOCK_TOPIC_PARTITIONS }, (_, i) => `alerts-bench-${format}-${i}`);
  const topic = topics[0];
  const aheadBytes = format === 'arrow' ? RETENTION_BYTES * LZ4_RATIO * Number(args['ahead-share']) : JSON_AHEAD_MESSAGES / partitions;
  const city = cityOf({ subscribers, hours });
  const topology = buildTopology(city.net.cells);
  const spec = await loadFeatureSpec();
  const { model, card } = await loadModelDir('models/default', spec);
  const dir = mkdtempSync(join(tmpdir(), 'hotspot-kafka-alerts-'));
  const store = await Store.open(join(dir, 'bench.duckdb'));
  const runId = await store.beginRun({ source: topic, modelVersion: card.modelVersion });

  const t0 = performance.now();
  const child = fork(fileURLToPath(import.meta.url), ['--producer-child'], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  child.on('error', () => undefined);
  let encodedAt = 0;
  let onEncoded = () => undefined as void;
  const encoded = new Promise<void>((resolve) => (onEncoded = resolve));
  const produced = new Promise<{ records: number; messages: number }>((resolve, reject) => {
    child.on('message', (m) => {
      if (!('encoded' in (m as object))) return resolve(m as { records: number; messages: number });
      encodedAt = performance.now();
      onEncoded();
    });
    child.once('exit', (code) => (code === 0 ? undefined : reject(new Error(`producer exited with ${code}`))));
  });
  child.send({ bootstrap, topics, format, subscribers, hours, aheadBytes } satisfies Job);

  // Timing: when the batch that closed a window was handed over, and when its alerts were out.
  let lastBatchAt = 0;
  let firstBatchAt = 0;
  let decodedOnWorker = false;
  let alertEvents = 0;
  const delays: number[] = [];
  let messages = 0;
  // First among the sinks: the engine hands each window's alert events and care lists out before the scored rows,
  // so this sink's onScoredWindow marks the moment the window's alerts are out.
  const timing: EngineSink = {
    name: 'timing',
    onAlertEvents: (e) => void (alertEvents += e.length),
    onScoredWindow: () => {
      const d = performance.now() - lastBatchAt;
      // Windows closed by the end-of-input flush after the idle timeout, not by a record: not a delay.
      if (!flushing) delays.push(d);
    },
  };
  const engine = new Engine({
    spec, topology, subscribers: subscriberRows(city.subs), model, threshold: card.threshold, modelVersion: card.modelVersion,
    sinks: [timing, new StoreSink(store)],
  });
  // The run's end-of-input flush goes through engine.finish: windows it closes are not timed.
  let flushing = false;
  const finish = engine.finish.bind(engine);
  engine.finish = (o) => ((flushing = true), finish(o));
  const source = new KafkaSource({
    brokers: bootstrap, groupId: `bench-${format}`, topics: topics.map((t) => ({ topic: t, format })), deadLetterTopic: null,
    rdkafka: { 'session.timeout.ms': 6000, 'heartbeat.interval.ms': 500 },
    decodeThread: args['decode-thread'] === 'on',
  });
  const controller = new AbortController();
  // The run ends after 4 s without records: it starts once the feed is ready to flow.
  await Promise.race([encoded, produced]);
  // CPU from the first batch on: the group join and the wait for the child's encoding are not the live path.
  let cpu0 = process.cpuUsage();
  let elu0 = performance.eventLoopUtilization();
  log(`${format}: ${fmt(subscribers)} subscribers, ${hours} h, ${partitions} record partitions (${topics.length} topics); the producer child encodes, then feeds`);
  // The feed learns what has been received on a clock, not per processed batch: while the event-time merge holds
  // batches back for a partition whose next chunk the feed has not sent yet, no batch is processed, and a report
  // tied to processing stalled the feed until the merge gave the partition up as idle (its records then came late).
  const topicIndex = new Map(topics.map((t, i) => [t, i]));
  const report = setInterval(() => {
    if (child.connected) child.send(source.received().map((o) => [topicIndex.get(o.topic)! * MOCK_TOPIC_PARTITIONS + o.partition, o.offset]));
  }, 20);
  const result = await runCheckpointed({
    engine, source, store, runId, sourceLabel: topic, resumeFrom: null, exitWhenIdleMs: IDLE_EXIT_MS, signal: controller.signal,
    onBatch: () => {
      lastBatchAt = performance.now();
      if (firstBatchAt === 0) {
        firstBatchAt = lastBatchAt;
        decodedOnWorker = source.decodesOnWorker;
        elu0 = performance.eventLoopUtilization();
        cpu0 = process.cpuUsage();
      }
      messages++;
    },
  }).finally(() => clearInterval(report));
  const seconds = (lastBatchAt - firstBatchAt) / 1000;
  const cpu = process.cpuUsage(cpu0);
  // The engine thread's own busy time (event-loop utilisation); the CPU figure above also counts librdkafka's
  // threads and the decode worker.
  const elu = performance.eventLoopUtilization(elu0);
  const sent = await produced.catch(() => ({ records: NaN, messages: NaN }));
  await store.close('completed');
  rmSync(dir, { recursive: true, force: true });
  const p = engine.stats;
  const st = source.stats();
  console.log(`source: ${fmt(st.messages)} messages, decoded on ${decodedOnWorker ? 'a worker thread' : 'the engine thread'}, ${st.pauses} pauses, ${st.droppedOnRevoke} deliveries dropped on revoke`);
  if (p.deadLetters > 0) console.log(`dead letters by reason: ${[...engine.deadLetters.countsByReason()].map(([r, n]) => `${r} ${n}`).join(', ')}`);
  if (!(p.records === sent.records)) console.log(`INVALID: ${fmt(sent.records - p.records)} records never reached the engine (the feed outran the mock's retention?)`);
  console.log(
    `${format.padEnd(5)} ${partitions} partitions, encoded ${((encodedAt - t0) / 1000).toFixed(1)} s before the feed; ${fmt(p.records)} of ${fmt(sent.records)} records, ${p.windows} windows, ${fmt(p.userWindows)} user-windows, ${alertEvents} alert events, ` +
      `${p.deadLetters} dead letters, ${result.checkpoints} checkpoints (${delays.length} windows closed by records): ${fmt(p.records / seconds)} records/s sustained (first→last batch, wall), ` +
      `${fmt(p.records / ((cpu.user + cpu.system) / 1e6))} records per CPU-second of the engine process (${((cpu.user + cpu.system) / 1e6).toFixed(1)} CPU-s; engine thread busy ${(elu.active / 1000).toFixed(1)} s, ${(elu.utilization * 100).toFixed(0)} % of the run); ` +
      `window close → alerts: median ${quantile(delays, 0.5).toFixed(0)} ms, p99 ${quantile(delays, 0.99).toFixed(0)} ms, max ${Math.max(...delays).toFixed(0)} ms ` +
      `(per window in order: ${delays.map((d) => d.toFixed(0)).join(' ')})`,
  );
}

async function main(): Promise<void> {
  const mock = await startKcatMock(1);
  try {
    const subscribers = Number(args.subscribers);
    if (args.format === 'arrow' || args.format === 'both') await measure(mock.bootstrap, 'arrow', subscribers, Number(args.hours));
    if (args.format === 'json' || args.format === 'both') await measure(mock.bootstrap, 'json', subscribers, Number(args['json-hours']));
    console.log(`load average at the end: ${(await import('node:os')).loadavg().map((x) => x.toFixed(1)).join(' ')}`);
  } finally {
    await mock.stop();
  }
}

if (args['producer-child']) await producerChild();
else await main();
