// Kafka → alerts benchmark: sustained records/s through the whole live path of `hotspot run --source kafka://`
// (KafkaSource, event-time merge, features, GBDT scoring with TreeSHAP, detector, outreach, DuckDB writes and a
// checkpoint at every closed window), and the delay from a window's close to its alerts.
//
// Data: the simulated city (createCity, scenario default, seed 7) published by a producer child process with
// publishRecords — every user's records in one of 4 partitions, Arrow IPC chunks of ≤ 60 s of event time, or one
// JSON record per message — staying at most a window of messages ahead of the consumer, because librdkafka's
// mock broker (kcat, its own process, DESIGN.md §8) keeps only ~5 MB per partition.
// Delay: wall time from handing the engine the batch whose records close a window (the watermark passes its end)
// to the moment that window's alert events and care lists have reached the sinks (store included).
//
// usage: npm run build && node dist/bench/kafka-alerts.js [--format arrow|json|both] [--subscribers N] [--hours H]
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
import { publishRecords } from '../src/sources/kafka/record-publisher.js';
import { createCity, simulateRecords, subscriberRows } from '../src/sources/simulator/index.js';
import { Store } from '../src/store/store.js';
import { startKcatMock } from '../test/support/kafka-mock.js';

const { values: args } = parseArgs({
  options: {
    format: { type: 'string', default: 'both' },
    subscribers: { type: 'string', default: '20000' },
    hours: { type: 'string', default: '3' },
    'json-hours': { type: 'string', default: '1.25' },
    window: { type: 'string', default: '48' },
    'producer-child': { type: 'boolean', default: false },
  },
});

interface Job {
  bootstrap: string;
  topic: string;
  format: 'arrow' | 'json';
  subscribers: number;
  hours: number;
  window: number;
}

const IDLE_EXIT_MS = 4000;

const cityOf = (j: Pick<Job, 'subscribers' | 'hours'>) => createCity({ seed: 7, hours: j.hours, subscribers: j.subscribers, scenario: 'default' });

async function producerChild(): Promise<void> {
  const job = await new Promise<Job>((resolve) => process.once('message', (m) => resolve(m as Job)));
  let consumed = 0;
  process.on('message', (m) => {
    if (typeof m === 'number') consumed = m;
  });
  const city = cityOf(job);
  const r = await publishRecords(simulateRecords(city), {
    brokers: job.bootstrap,
    topic: job.topic,
    format: job.format,
    partitions: 4,
    pace: async (sent) => {
      while (sent - consumed >= job.window) await new Promise((res) => setTimeout(res, 2));
    },
  });
  process.send!({ records: r.records, messages: r.messages }, () => process.exit(0));
}

const log = (msg: string) => process.stderr.write(`[kafka-alerts ${new Date().toISOString().slice(11, 19)}] ${msg}\n`);
const fmt = (x: number) => Math.round(x).toLocaleString('en-US');
const quantile = (xs: number[], q: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length === 0 ? NaN : s[Math.min(s.length - 1, Math.floor(q * s.length))];
};

async function measure(bootstrap: string, format: 'arrow' | 'json', subscribers: number, hours: number): Promise<void> {
  const topic = `alerts-bench-${format}`;
  const window = format === 'arrow' ? Number(args.window) : 20_000;
  const city = cityOf({ subscribers, hours });
  const topology = buildTopology(city.net.cells);
  const spec = await loadFeatureSpec();
  const { model, card } = await loadModelDir('models/default', spec);
  const dir = mkdtempSync(join(tmpdir(), 'hotspot-kafka-alerts-'));
  const store = await Store.open(join(dir, 'bench.duckdb'));
  const runId = await store.beginRun({ source: topic, modelVersion: card.modelVersion });

  const child = fork(fileURLToPath(import.meta.url), ['--producer-child'], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  child.on('error', () => undefined);
  const produced = new Promise<{ records: number; messages: number }>((resolve, reject) => {
    child.on('message', (m) => resolve(m as { records: number; messages: number }));
    child.once('exit', (code) => (code === 0 ? undefined : reject(new Error(`producer exited with ${code}`))));
  });
  child.send({ bootstrap, topic, format, subscribers, hours, window } satisfies Job);

  // Timing: when the batch that closed a window was handed over, and when its alerts were out.
  let lastBatchAt = 0;
  let firstBatchAt = 0;
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
      // The last window is closed by the end-of-input flush after the idle timeout, not by a record: not a delay.
      if (d < IDLE_EXIT_MS) delays.push(d);
    },
  };
  const engine = new Engine({
    spec, topology, subscribers: subscriberRows(city.subs), model, threshold: card.threshold, modelVersion: card.modelVersion,
    sinks: [timing, new StoreSink(store)],
  });
  const source = new KafkaSource({
    brokers: bootstrap, groupId: `bench-${format}`, topics: [{ topic, format }], deadLetterTopic: null,
    rdkafka: { 'session.timeout.ms': 6000, 'heartbeat.interval.ms': 500 },
  });
  const controller = new AbortController();
  const cpu0 = process.cpuUsage();
  log(`${format}: ${fmt(subscribers)} subscribers, ${hours} h; consuming while the producer child feeds the topic`);
  // The feed learns what has been received on a clock, not per processed batch: while the event-time merge holds
  // batches back for a partition whose next chunk the feed has not sent yet, no batch is processed, and a report
  // tied to processing stalled the feed until the merge gave the partition up as idle (its records then came late).
  const report = setInterval(() => child.connected && child.send(Math.max(0, source.stats().messages - 8)), 20);
  const result = await runCheckpointed({
    engine, source, store, runId, sourceLabel: topic, resumeFrom: null, exitWhenIdleMs: IDLE_EXIT_MS, signal: controller.signal,
    onBatch: () => {
      lastBatchAt = performance.now();
      if (firstBatchAt === 0) firstBatchAt = lastBatchAt;
      messages++;
    },
  }).finally(() => clearInterval(report));
  const seconds = (lastBatchAt - firstBatchAt) / 1000;
  const cpu = process.cpuUsage(cpu0);
  const sent = await produced.catch(() => ({ records: NaN, messages: NaN }));
  await store.close('completed');
  rmSync(dir, { recursive: true, force: true });
  const p = engine.stats;
  console.log(
    `${format.padEnd(5)} ${fmt(p.records)} of ${fmt(sent.records)} records, ${p.windows} windows, ${fmt(p.userWindows)} user-windows, ${alertEvents} alert events, ` +
      `${p.deadLetters} dead letters, ${result.checkpoints} checkpoints (${delays.length} windows closed by records): ${fmt(p.records / seconds)} records/s sustained (first→last batch, wall), ` +
      `${fmt(p.records / ((cpu.user + cpu.system) / 1e6))} records per CPU-second of the engine process; ` +
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
