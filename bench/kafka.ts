// Kafka source benchmark: sustained records/s from a Kafka topic (librdkafka's mock cluster hosted by kcat in its
// own process, DESIGN.md §8) decoded into S1 batches by KafkaSource, for JSON messages (one record each) and for
// Arrow IPC messages (CHUNK records each). Reference measured in the same run: decoding the same payloads from
// memory without Kafka, so the ratio is what the Kafka path (fetch, librdkafka → JS, queueing) costs on top.
// The lead extends this to Kafka → alerts once the pipeline is wired.
//
// The mock broker keeps only about 5 MB per partition (older segments are deleted), so the producer runs
// alongside the consumer in a child process (node-rdkafka cannot load in a worker thread) and stays at most a
// window of messages ahead of it, as a live feed does.
//
// usage: node dist/bench/kafka.js [--json-records N] [--arrow-records N] [--chunk ROWS] [--poll MESSAGES]
// Arrow chunks default to 4096 records (~0.9 MB): under Kafka's default 1 MB message.max.bytes.
import { parseArgs } from 'node:util';
import { fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { Table, tableToIPC } from 'apache-arrow';
import Kafka from 'node-rdkafka';
import { APP_TYPES, PROCEDURE_TYPES } from '../src/schema/record.js';
import { decodeJsonRecords } from '../src/sources/files/index.js';
import { KafkaSource } from '../src/sources/kafka/kafka-source.js';
import { decodeArrowMessage, decodeJsonMessages } from '../src/sources/kafka/message-decoders.js';
import { startKcatMock, type KafkaMock } from '../test/support/kafka-mock.js';
import { mulberry32 as rng } from '../test/support/mulberry32.js';

const { values: args } = parseArgs({
  options: {
    'json-records': { type: 'string', default: '200000' },
    'arrow-records': { type: 'string', default: '2000000' },
    chunk: { type: 'string', default: '4096' },
    poll: { type: 'string', default: '4096' },
    'producer-child': { type: 'boolean', default: false },
  },
});
const JSON_N = Number(args['json-records']);
const ARROW_N = Number(args['arrow-records']);
const CHUNK = Number(args.chunk);
const POLL = Number(args.poll);

/** A realistic S1 record as a JSON object: half S1-MME, half S1-U, 50k users, 3k cells. */
function record(i: number, rand: () => number): Record<string, unknown> {
  const user = Math.floor(rand() * 50_000);
  const base = {
    xdr_id: (0x10000000 + i).toString(16),
    imsi: String(460_001_000_000_000 + user),
    msisdn: String(8_613_800_000_000 + user),
    imei: String(359_881_000_000_000 + (user % 5000)),
    start_time: 1_700_000_000_000 + i * 5,
    end_time: 1_700_000_000_000 + i * 5 + Math.floor(rand() * 2000),
    tac: 4100 + (user % 40),
    eci: 25_600 * 256 + Math.floor(rand() * 3000),
    apn: rand() < 0.9 ? 'cmnet' : 'ims',
    bearer_qci: 9,
  };
  if (i % 2 === 0) {
    const fail = rand() < 0.03;
    return {
      ...base,
      interface: 's1mme',
      mme_code: 1 + (user % 4),
      procedure_type: PROCEDURE_TYPES[Math.floor(rand() * PROCEDURE_TYPES.length)],
      procedure_status: fail ? 1 : 0,
      request_cause: 3,
      keyword: 0,
      emm_cause: fail ? 15 : 0,
      esm_cause: 0,
      s1ap_cause_group: 'radioNetwork',
      s1ap_cause: fail ? 21 : 0,
      bearer_status: 0,
    };
  }
  return {
    ...base,
    interface: 's1u',
    app_type: APP_TYPES[Math.floor(rand() * APP_TYPES.length)],
    l4_protocol: 0,
    ul_bytes: Math.floor(rand() * 100_000),
    dl_bytes: Math.floor(rand() * 2_000_000),
    ul_packets: Math.floor(rand() * 200),
    dl_packets: Math.floor(rand() * 2000),
    ul_retrans_packets: Math.floor(rand() * 5),
    dl_retrans_packets: Math.floor(rand() * 20),
    tcp_syn_ack_delay_ms: Math.floor(rand() * 80),
    tcp_ack_delay_ms: Math.floor(rand() * 120),
    tcp_syn_attempts: 1,
    tcp_conn_status: 0,
    first_response_delay_ms: Math.floor(rand() * 300),
    http_status: 200,
    dns_rcode: 0,
  };
}

interface ProducerJob {
  bootstrap: string;
  topic: string;
  format: 'json' | 'arrow';
  /** Messages to send; payloads are generated in the child with the same seeds and sent round-robin. */
  total: number;
  /** Most messages the producer may be ahead of the consumer. */
  window: number;
}

function jsonPayloads(n: number): Array<{ key: string; value: Buffer }> {
  const rand = rng(11);
  return Array.from({ length: n }, (_, i) => {
    const r = record(i, rand);
    return { key: r.imsi as string, value: Buffer.from(JSON.stringify(r)) };
  });
}

/** 64 distinct Arrow chunks of CHUNK records each. */
function arrowPayloads(): Array<{ key: string; value: Buffer }> {
  const rand = rng(12);
  const out: Array<{ key: string; value: Buffer }> = [];
  for (let c = 0; c < 64; c++) {
    const objs = Array.from({ length: CHUNK }, (_, i) => record(c * CHUNK + i, rand));
    const ipc = tableToIPC(new Table(decodeJsonRecords(objs, { xdrIds: null }).batch), 'stream');
    out.push({ key: `chunk-${c}`, value: Buffer.from(ipc.buffer, ipc.byteOffset, ipc.byteLength) });
  }
  return out;
}

/** Child process: produces `total` messages, never more than `window` ahead of what the parent reports consumed. */
async function producerChild(): Promise<void> {
  const job = await new Promise<ProducerJob>((resolve) => process.once('message', (m) => resolve(m as ProducerJob)));
  let consumed = 0;
  process.on('message', (m) => {
    if (typeof m === 'number') consumed = m;
  });
  const payloads = job.format === 'json' ? jsonPayloads(Math.min(job.total, 50_000)) : arrowPayloads();
  const p = new Kafka.Producer({
    'bootstrap.servers': job.bootstrap,
    dr_cb: true,
    'linger.ms': 5,
    'batch.size': 1_000_000,
    'queue.buffering.max.kbytes': 262_144,
  });
  await new Promise<void>((resolve, reject) => p.connect({}, (err) => (err ? reject(err) : resolve())));
  p.setPollInterval(5);
  let delivered = 0;
  let failed = 0;
  p.on('delivery-report', (err) => {
    if (err) failed++;
    delivered++;
  });
  process.send!({ ready: true });
  for (let i = 0; i < job.total; ) {
    if (i - consumed >= job.window) {
      await new Promise((r) => setTimeout(r, 1));
      continue;
    }
    const m = payloads[i % payloads.length];
    try {
      p.produce(job.topic, null, m.value, m.key);
      i++;
    } catch {
      await new Promise((r) => setTimeout(r, 1)); // local queue full
    }
  }
  while (delivered < job.total) await new Promise((r) => setTimeout(r, 5));
  await new Promise<void>((resolve) => p.disconnect(() => resolve()));
  process.send!({ failed }, () => process.exit(0));
}

interface Producer {
  /** Tells the producer how many messages the consumer has accounted for. */
  consumed(n: number): void;
  done: Promise<number>;
}

async function startProducer(job: ProducerJob): Promise<Producer> {
  const child = fork(fileURLToPath(import.meta.url), ['--producer-child'], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  let ready!: () => void;
  const isReady = new Promise<void>((r) => (ready = r));
  let finished = false;
  // A progress message racing the producer's exit fails with EPIPE; it is no longer needed then. A producer that
  // really fails exits non-zero, which rejects `done`.
  child.on('error', () => undefined);
  const done = new Promise<number>((resolve, reject) => {
    child.on('message', (m: { ready?: boolean; failed?: number }) => {
      if (m.ready) ready();
      if (m.failed !== undefined) {
        finished = true;
        resolve(m.failed);
      }
    });
    child.once('exit', (code) => (code === 0 ? undefined : reject(new Error(`producer exited with ${code}`))));
  });
  child.send(job);
  await isReady;
  let last = 0;
  return {
    consumed(n) {
      // Progress messages are cheap, but there is no need for one per batch.
      // Once the producer has sent everything it exits; the consumer is still draining then.
      if ((n - last >= 8 || n === job.total) && !finished && child.connected) {
        last = n;
        child.send(n);
      }
    },
    done,
  };
}

interface Run {
  records: number;
  deadLettered: number;
  firstToLastMs: number;
  startToLastMs: number;
  peakRssMb: number;
  pauses: number;
}

async function consume(
  mock: KafkaMock,
  topic: string,
  format: 'json' | 'arrow',
  expectedMessages: number,
  producer: Producer,
): Promise<Run> {
  const src = new KafkaSource({
    brokers: mock.bootstrap,
    groupId: `bench-${format}-${Date.now()}`,
    topics: [{ topic, format }],
    deadLetterTopic: null,
    pollMessages: format === 'json' ? POLL : 16,
    rdkafka: { 'session.timeout.ms': 6000, 'heartbeat.interval.ms': 500 },
  });
  const t0 = performance.now();
  await src.start();
  let first = 0;
  let records = 0;
  let peakRss = 0;
  let n = 0;
  let messages = 0;
  while (messages < expectedMessages) {
    const d = await src.next();
    if (!d) break;
    if (messages === 0) first = performance.now();
    records += d.batch.numRows;
    messages += d.nextOffset - d.firstOffset;
    producer.consumed(messages);
    if ((n & 1023) === 0) log(`  ${fmt(records)} records`);
    if ((++n & 15) === 0) peakRss = Math.max(peakRss, process.memoryUsage.rss());
  }
  const end = performance.now();
  const stats = src.stats();
  await src.close();
  if (stats.deadLettered > 0) log(`dead letters: ${JSON.stringify(Object.fromEntries(stats.deadLetteredByReason))}`);
  return { records, deadLettered: stats.deadLettered, firstToLastMs: end - first, startToLastMs: end - t0, peakRssMb: peakRss / 2 ** 20, pauses: stats.pauses };
}

function decodeOnlyRate(fn: () => number): number {
  fn(); // warm-up
  const t0 = performance.now();
  const n = fn();
  return n / ((performance.now() - t0) / 1000);
}

/** Progress goes to stderr so the figures on stdout stay clean. */
const log = (msg: string) => process.stderr.write(`[kafka bench ${new Date().toISOString().slice(11, 19)}] ${msg}\n`);

const fmt = (x: number) => Math.round(x).toLocaleString('en-US');

async function main(): Promise<void> {
  const mock = await startKcatMock(1);
  try {
    // ---- JSON: one record per message, keyed by IMSI.
    log('generating records');
    const jsonRefPayloads = jsonPayloads(Math.min(JSON_N, 50_000));
    const jsonBytes = jsonRefPayloads.reduce((s, m) => s + m.value.length, 0) / jsonRefPayloads.length;
    log(`consuming ${fmt(JSON_N)} JSON messages while a producer process feeds them`);
    const jsonProducer = await startProducer({ bootstrap: mock.bootstrap, topic: 'bench-json', format: 'json', total: JSON_N, window: 20_000 });
    const json = await consume(mock, 'bench-json', 'json', JSON_N, jsonProducer);
    const jsonFailed = await jsonProducer.done;
    if (jsonFailed > 0) throw new Error(`${jsonFailed} JSON messages were not delivered`);
    log('decode-only reference (JSON)');
    const jsonRef = decodeOnlyRate(() => {
      let rows = 0;
      for (let i = 0; i < jsonRefPayloads.length; i += POLL) {
        rows += decodeJsonMessages(jsonRefPayloads.slice(i, i + POLL).map((m) => m.value), { source: 'mem' }).batches[0].numRows;
      }
      return rows;
    });

    // ---- Arrow IPC: CHUNK records per message.
    const arrowRefPayloads = arrowPayloads();
    const arrowBytes = arrowRefPayloads.reduce((s, m) => s + m.value.length, 0) / (arrowRefPayloads.length * CHUNK);
    const arrowMessages = Math.ceil(ARROW_N / CHUNK);
    log(`consuming ${arrowMessages} Arrow messages (${fmt(arrowMessages * CHUNK)} records) while a producer process feeds them`);
    // 16 × ~0.9 MB in flight: within the mock's ~5 MB per partition over 4 partitions.
    const arrowProducer = await startProducer({ bootstrap: mock.bootstrap, topic: 'bench-arrow', format: 'arrow', total: arrowMessages, window: 16 });
    const arrow = await consume(mock, 'bench-arrow', 'arrow', arrowMessages, arrowProducer);
    const arrowFailed = await arrowProducer.done;
    if (arrowFailed > 0) throw new Error(`${arrowFailed} Arrow messages were not delivered`);
    log('decode-only reference (Arrow)');
    const arrowRef = decodeOnlyRate(() => {
      let rows = 0;
      for (let k = 0; k < 4; k++) {
        for (const m of arrowRefPayloads) for (const b of decodeArrowMessage(m.value, { source: 'mem' }).batches) rows += b.numRows;
      }
      return rows;
    });

    const line = (name: string, r: Run, ref: number, bytesPerRecord: number) => {
      const rate = r.records / (r.firstToLastMs / 1000);
      console.log(
        `${name.padEnd(6)} ${fmt(r.records)} records (${bytesPerRecord.toFixed(0)} B/record on the wire, ${r.deadLettered} dead letters): ` +
          `${fmt(rate)} records/s sustained (first→last batch), ${fmt(r.records / (r.startToLastMs / 1000))} records/s incl. group join; ` +
          `decode-only reference ${fmt(ref)} records/s → Kafka path at ${((rate / ref) * 100).toFixed(0)} % of it; ` +
          `peak RSS ${r.peakRssMb.toFixed(0)} MB, pauses ${r.pauses}`,
      );
    };
    line('json', json, jsonRef, jsonBytes);
    line('arrow', arrow, arrowRef, arrowBytes);
    console.log(`settings: poll ${POLL} messages (json), Arrow chunk ${CHUNK} records, mock cluster of 1 broker (kcat, separate process)`);
  } finally {
    await mock.stop();
  }
}

if (args['producer-child']) await producerChild();
else await main();
