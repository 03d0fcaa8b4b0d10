// A real Kafka protocol peer for tests (DESIGN.md §8): librdkafka's mock cluster, either hosted by Debian's kcat in
// its own process (what crash tests need: the broker outlives the engine) or by node-rdkafka in this process
// (newer librdkafka: speaks the KIP-848 consumer-group protocol, so group tests take seconds, not tens of seconds).
// Both are stopped by the test's teardown; kcat is ended by its own process id.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, openSync, closeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Kafka from 'node-rdkafka';

export interface KafkaMock {
  /** bootstrap.servers of the mock brokers. */
  readonly bootstrap: string;
  /** Mock cluster log (kcat only), for diagnosing a failing test. */
  readonly logPath?: string;
  stop(): Promise<void>;
}

const BOOTSTRAP = /bootstrap\.servers=(\S+)/;

/** Starts `kcat` hosting a mock cluster of `brokers` brokers; resolves once it listens. */
export async function startKcatMock(brokers = 3, timeoutMs = 10_000): Promise<KafkaMock> {
  const dir = mkdtempSync(join(tmpdir(), 'hotspot-kafka-mock-'));
  const logPath = join(dir, 'kafka.log');
  const fd = openSync(logPath, 'w');
  // The log goes to a file, not a pipe: a pipe nobody drains would eventually block the broker.
  const child: ChildProcess = spawn(
    'kcat',
    ['-C', '-b', 'localhost:1', '-t', '_hold', '-X', `test.mock.num.brokers=${brokers}`, '-d', 'mock', '-q'],
    { stdio: ['ignore', 'ignore', fd] },
  );
  closeSync(fd);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  let spawnError: Error | null = null;
  child.once('error', (e) => (spawnError = e));

  const deadline = Date.now() + timeoutMs;
  let bootstrap: string | null = null;
  while (!bootstrap) {
    if (spawnError) throw new Error(`cannot start kcat (apt-get install -y kcat): ${(spawnError as Error).message}`);
    if (child.exitCode !== null) throw new Error(`kcat mock exited with ${child.exitCode}; see ${logPath}`);
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`kcat mock did not report its bootstrap servers within ${timeoutMs} ms; see ${logPath}`);
    }
    await new Promise((r) => setTimeout(r, 50));
    bootstrap = BOOTSTRAP.exec(readFileSync(logPath, 'utf8'))?.[1] ?? null;
  }
  return {
    bootstrap,
    logPath,
    async stop() {
      if (child.exitCode === null && child.pid !== undefined) {
        process.kill(child.pid, 'SIGTERM');
        const killTimer = setTimeout(() => child.pid !== undefined && child.exitCode === null && process.kill(child.pid, 'SIGKILL'), 3000);
        await exited;
        clearTimeout(killTimer);
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Hosts a mock cluster inside this process with node-rdkafka's bundled librdkafka (KIP-848 capable). */
export async function startInProcessMock(brokers = 3, timeoutMs = 10_000): Promise<KafkaMock> {
  const host = new Kafka.Producer({
    'bootstrap.servers': 'localhost:1',
    'client.id': 'hotspot-test-mock-host',
    'test.mock.num.brokers': brokers,
    debug: 'mock',
    event_cb: true,
  } as Kafka.ProducerGlobalConfig);
  const bootstrap = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('in-process mock cluster did not start')), timeoutMs);
    host.on('event.log', (l: { message: string }) => {
      const m = BOOTSTRAP.exec(l.message);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]);
      }
    });
    host.connect({}, (err) => err && reject(err));
  });
  // The mock's debug log is chatty; drop it once we have what we need.
  host.removeAllListeners('event.log');
  return {
    bootstrap,
    async stop() {
      await new Promise<void>((resolve) => host.disconnect(() => resolve()));
    },
  };
}

/** Produces messages and waits until the broker has them all. */
export async function produceAll(
  bootstrap: string,
  topic: string,
  messages: Array<{ key?: string | null; value: Buffer | string | null; partition?: number; headers?: Kafka.MessageHeader[] }>,
): Promise<void> {
  const p = new Kafka.Producer({ 'bootstrap.servers': bootstrap, dr_cb: true, 'linger.ms': 5 });
  await new Promise<void>((resolve, reject) => p.connect({}, (err) => (err ? reject(err) : resolve())));
  p.setPollInterval(10);
  let pending = messages.length;
  let failure: Error | null = null;
  const done = new Promise<void>((resolve) => {
    if (pending === 0) resolve();
    p.on('delivery-report', (err) => {
      if (err) failure ??= new Error(`delivery failed: ${err.message}`);
      if (--pending === 0) resolve();
    });
  });
  for (const m of messages) {
    const value = m.value === null ? null : Buffer.isBuffer(m.value) ? m.value : Buffer.from(m.value);
    for (;;) {
      try {
        p.produce(topic, m.partition ?? null, value, m.key ?? null, Date.now(), undefined, m.headers);
        break;
      } catch {
        await new Promise((r) => setTimeout(r, 5));
      }
    }
  }
  await done;
  await new Promise<void>((resolve) => p.disconnect(() => resolve()));
  if (failure) throw failure;
}

/** Reads every message of a topic from the beginning, by assignment (no group join), until `count` arrived. */
export async function readTopic(bootstrap: string, topic: string, count: number, timeoutMs = 15_000): Promise<Kafka.Message[]> {
  const c = new Kafka.KafkaConsumer(
    { 'bootstrap.servers': bootstrap, 'group.id': `reader-${process.pid}`, 'enable.auto.commit': false },
    { 'auto.offset.reset': 'earliest' },
  );
  await new Promise<void>((resolve, reject) => c.connect({}, (err) => (err ? reject(err) : resolve())));
  const meta = await new Promise<Kafka.Metadata>((resolve, reject) =>
    c.getMetadata({ topic, timeout: 5000 }, (err, m) => (err ? reject(err) : resolve(m))),
  );
  const partitions = meta.topics.find((t) => t.name === topic)?.partitions ?? [];
  c.assign(partitions.map((p) => ({ topic, partition: p.id, offset: 0 })));
  c.setDefaultConsumeTimeout(100);
  const out: Kafka.Message[] = [];
  const deadline = Date.now() + timeoutMs;
  while (out.length < count && Date.now() < deadline) {
    const ms = await new Promise<Kafka.Message[]>((resolve) => c.consume(1000, (err, m) => resolve(err ? [] : m)));
    out.push(...ms);
  }
  await new Promise<void>((resolve) => c.disconnect(() => resolve()));
  return out;
}
