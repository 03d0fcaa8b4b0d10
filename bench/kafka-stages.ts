// Scale-out benchmark: records/s Kafka → alerts through the two-stage run (README "Scale-out"), with 1 and with 2
// `hotspot run --stage score` processes in one consumer group and one `hotspot run --stage detect` process, all real
// processes against kcat's mock cluster (its own process).
//
// Data: the simulated city (seed 7, default scenario) published while the stages run (Arrow IPC, lz4), at most
// --ahead messages beyond the scoring group's committed offsets (committed at each closed window), because the
// mock broker keeps only ~5 MB per partition: a live feed a few windows ahead of its readers.
// Figures per configuration:
//   - aggregate records/s: all records / (last record taken by any scoring instance − first record taken by any)
//   - records per CPU-second of the scoring processes (their own process.cpuUsage), and the detect process's CPU
//     (from /proc), the steadier figures on a shared machine
//   - window close → alerts: from the moment the last record partition's window closed in stage 1 (its publish
//     time minus its scoring time) to the detect stage's log line for that window, after its alerts reached the
//     sinks. Windows closed by the end-of-input flush (after the idle timeout) are left out.
//
// usage: npm run build && node dist/bench/kafka-stages.js [--instances 1,2] [--subscribers 3000] [--hours 3] [--ahead 160]
import { spawn } from 'node:child_process';
import Kafka from 'node-rdkafka';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { publishRecords } from '../src/sources/kafka/record-publisher.js';
import { writeSubscribers, writeTopology } from '../src/sources/files/index.js';
import { createCity, simulateRecords, subscriberRows } from '../src/sources/simulator/index.js';
import { startKcatMock } from '../test/support/kafka-mock.js';

const { values: args } = parseArgs({
  options: {
    instances: { type: 'string', default: '1,2' },
    subscribers: { type: 'string', default: '3000' },
    ahead: { type: 'string', default: '160' },
    hours: { type: 'string', default: '3' },
  },
});

const ROOT = join(import.meta.dirname, '..', '..');
const BIN = join(ROOT, 'bin', 'hotspot.js');
const TICKS_PER_SECOND = 100; // Linux USER_HZ
const log = (msg: string) => process.stderr.write(`[kafka-stages ${new Date().toISOString().slice(11, 19)}] ${msg}\n`);
const fmt = (x: number) => Math.round(x).toLocaleString('en-US');
const quantile = (xs: number[], q: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length === 0 ? NaN : s[Math.min(s.length - 1, Math.floor(q * s.length))];
};

interface Line {
  at: number;
  text: string;
}

interface Proc {
  lines: Line[];
  /** CPU seconds (user + system) of the process, last read from /proc before it ended. */
  cpu: () => number;
  done: Promise<number | null>;
  ended: () => boolean;
}

function run(argv: string[]): Proc {
  const child = spawn(process.execPath, [BIN, 'run', ...argv], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  const lines: Line[] = [];
  let rest = '';
  const onData = (b: Buffer) => {
    const at = Date.now();
    rest += b.toString('utf8');
    const parts = rest.split('\n');
    rest = parts.pop()!;
    for (const text of parts) lines.push({ at, text });
  };
  child.stdout!.on('data', onData);
  child.stderr!.on('data', onData);
  let cpuTicks = 0;
  let ended = false;
  const poll = setInterval(() => {
    try {
      const stat = readFileSync(`/proc/${child.pid}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      cpuTicks = Number(fields[11]) + Number(fields[12]); // utime, stime (fields 14 and 15 of stat)
    } catch {
      // ended
    }
  }, 100);
  const done = new Promise<number | null>((resolve) =>
    child.once('exit', (code) => {
      clearInterval(poll);
      ended = true;
      if (rest) lines.push({ at: Date.now(), text: rest });
      resolve(code);
    }),
  );
  return { lines, cpu: () => cpuTicks / TICKS_PER_SECOND, done, ended: () => ended };
}

/** Publishes the city to `topic`, staying at most `ahead` messages beyond what `group` has committed. */
async function publishPaced(bootstrap: string, topic: string, group: string, ahead: number, readersGone: () => boolean): Promise<number> {
  const reader = new Kafka.KafkaConsumer({ 'bootstrap.servers': bootstrap, 'group.id': group, 'enable.auto.commit': false }, {});
  await new Promise<void>((resolve, reject) => reader.connect({}, (err) => (err ? reject(err) : resolve())));
  const committed = () =>
    new Promise<number>((resolve) =>
      reader.committed([0, 1, 2, 3].map((partition) => ({ topic, partition })), 2000, (err, tps) =>
        resolve(err ? 0 : tps.reduce((n, t) => n + Math.max(0, t.offset ?? 0), 0)),
      ),
    );
  let done = 0;
  let checkedAt = 0;
  try {
    const r = await publishRecords(simulateRecords(cityOf()), {
      brokers: bootstrap,
      topic,
      format: 'arrow',
      partitions: 4,
      pace: async (sent) => {
        while (sent - done >= ahead) {
          if (readersGone()) throw new Error('every scoring instance has ended: nobody reads the feed');
          if (Date.now() - checkedAt > 100) {
            done = await committed();
            checkedAt = Date.now();
          }
          if (sent - done >= ahead) await new Promise((res) => setTimeout(res, 50));
        }
      },
    });
    return r.records;
  } finally {
    await new Promise<void>((resolve) => reader.disconnect(() => resolve()));
  }
}

const cityOf = () => createCity({ seed: 7, hours: Number(args.hours), subscribers: Number(args.subscribers), scenario: 'default' });

async function measure(bootstrap: string, dir: string, instances: number): Promise<void> {
  const scores = `bench-scores-${instances}`;
  const recordsTopic = `bench-records-${instances}`;
  const group = `rdkafka.session.timeout.ms=6000&rdkafka.heartbeat.interval.ms=500`;
  const detect = run([
    '--stage', 'detect', '--source', `kafka://${bootstrap}/${scores}?group=bench-detect-${instances}&${group}`,
    '--topology', join(dir, 'topology.csv'), '--subscribers-file', join(dir, 'subscribers.csv'),
    '--db', join(dir, `detect-${instances}.duckdb`), '--exit-when-idle', '8', '--verbose', '--quiet',
  ]);
  const scorers = Array.from({ length: instances }, () =>
    run([
      '--stage', 'score', '--source', `kafka://${bootstrap}/${recordsTopic}?format=arrow&group=bench-score-${instances}&dlq=none&${group}`,
      '--scores-topic', `kafka://${bootstrap}/${scores}`, '--checkpoint-dir', join(dir, `partitions-${instances}`),
      '--topology', join(dir, 'topology.csv'), '--exit-when-idle', '5', '--verbose',
    ]),
  );
  const records = await publishPaced(bootstrap, recordsTopic, `bench-score-${instances}`, Number(args.ahead), () => scorers.every((p) => p.ended()));
  const codes = await Promise.all([...scorers.map((s) => s.done), detect.done]);
  if (codes.some((c) => c !== 0)) {
    for (const p of [...scorers, detect]) log(p.lines.slice(-5).map((l) => l.text).join('\n'));
    throw new Error(`a stage exited with ${codes.join(', ')}`);
  }

  let first = Infinity;
  let last = -Infinity;
  let taken = 0;
  let scoreCpu = 0;
  /** Per window and record partition: when stage 1 first closed it (a partition re-read after a rebalance
   *  publishes its windows again; the first copy is the one stage 2 uses). */
  const closedAt = new Map<string, number>();
  const flushAfter: number[] = [];
  for (const s of scorers) {
    const summary = s.lines.map((l) => /^([\d,]+) records, /.exec(l.text)).find((m) => m);
    const span = s.lines.map((l) => /^records taken from (\S+) to (\S+) \([\d.]+ s, ([\d.]+) s CPU/.exec(l.text)).find((m) => m);
    if (!span || !summary) throw new Error(`no summary from a scoring instance:\n${s.lines.slice(-5).map((l) => l.text).join('\n')}`);
    first = Math.min(first, Date.parse(span[1]));
    last = Math.max(last, Date.parse(span[2]));
    flushAfter.push(Date.parse(span[2]));
    taken += Number(summary[1].replace(/,/g, ''));
    scoreCpu += Number(span[3]);
    for (const l of s.lines) {
      const m = /^window (\S+) of (\S+): .* scored and sent in (\d+) ms/.exec(l.text);
      if (!m) continue;
      const t = l.at - Number(m[3]);
      // Windows closed by the end-of-input flush (records had stopped a while before) are not a close delay.
      if (t > Date.parse(span[2]) + 1000) continue;
      const k = `${m[1]} ${m[2]}`;
      closedAt.set(k, Math.min(closedAt.get(k) ?? Infinity, t));
    }
  }
  // A window is closed once its last record partition has closed it.
  const windowClosedAt = new Map<string, number>();
  for (const [k, t] of closedAt) {
    const w = k.split(' ')[0];
    windowClosedAt.set(w, Math.max(windowClosedAt.get(w) ?? -Infinity, t));
  }
  const delays: number[] = [];
  for (const l of detect.lines) {
    const m = /^window (\S+): (\d+) users/.exec(l.text);
    const t = m ? windowClosedAt.get(m[1]) : undefined;
    if (t !== undefined) delays.push(l.at - t);
  }
  const seconds = (last - first) / 1000;
  const handedOn = detect.lines.filter((l) => /^window \S+: \d+ users/.test(l.text)).length;
  console.log(
    `${instances} scoring instance(s): ${fmt(taken)} of ${fmt(records)} records in ${seconds.toFixed(2)} s first → last record: ` +
      `${fmt(taken / seconds)} records/s aggregate; ${fmt(taken / scoreCpu)} records per CPU-second of the scoring processes ` +
      `while records flowed (${scoreCpu.toFixed(1)} s CPU); detect process ${detect.cpu().toFixed(1)} s CPU in all (start-up included) for ${handedOn} windows; ` +
      `window close → alerts median ${quantile(delays, 0.5).toFixed(0)} ms, p99 ${quantile(delays, 0.99).toFixed(0)} ms ` +
      `(${delays.length} windows: ${delays.map((d) => d.toFixed(0)).join(' ')})`,
  );
}

async function main(): Promise<void> {
  const mock = await startKcatMock(1);
  const dir = mkdtempSync(join(tmpdir(), 'hotspot-kafka-stages-'));
  try {
    const city = cityOf();
    await writeTopology(join(dir, 'topology.csv'), city.net.cells);
    await writeSubscribers(join(dir, 'subscribers.csv'), subscriberRows(city.subs));
    log(`${fmt(Number(args.subscribers))} subscribers, ${args.hours} h; load average ${loadavg().map((x) => x.toFixed(1)).join(' ')}`);
    for (const n of args.instances.split(',').map(Number)) await measure(mock.bootstrap, dir, n);
    console.log(`load average at the end: ${loadavg().map((x) => x.toFixed(1)).join(' ')}`);
  } finally {
    await mock.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
