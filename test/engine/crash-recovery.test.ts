// The crash test of the streaming issue: the real `hotspot run --source kafka://…` process, killed with SIGKILL at
// random moments and restarted, must end with exactly the database an uninterrupted run produces — the same
// alert events (ids, sequence numbers, contents), care lists, scored windows and dead letters, none doubled.
// The broker (librdkafka's mock cluster hosted by kcat) lives in its own process and outlives every kill.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTopology } from '../../src/schema/side-files.js';
import { publishRecords } from '../../src/sources/kafka/record-publisher.js';
import { writeComplaints, writeSubscribers, writeTopology } from '../../src/sources/files/index.js';
import { createCity, faultImpacts, simulateComplaintDetails, simulateRecords, subscriberRows } from '../../src/sources/simulator/index.js';
import { mulberry32 } from '../support/mulberry32.js';
import { readTopic, startKcatMock, type KafkaMock } from '../support/kafka-mock.js';
import { query, runContents } from '../support/run-database.js';

const ROOT = join(import.meta.dirname, '..', '..');
const BIN = join(ROOT, 'bin', 'hotspot.js');
const TOPIC = 'crash-s1';

let mock: KafkaMock;
let dir: string;
let records = 0;

beforeAll(async () => {
  mock = await startKcatMock();
  dir = mkdtempSync(join(tmpdir(), 'hotspot-crash-'));
  // Small enough to stay inside the mock broker's per-partition retention, large enough for a dozen alert events.
  const city = createCity({ seed: 77, hours: 3, subscribers: 700, scenario: 'all-faults' });
  await writeTopology(join(dir, 'topology.csv'), city.net.cells);
  await writeSubscribers(join(dir, 'subscribers.csv'), subscriberRows(city.subs));
  const complaints = simulateComplaintDetails(city, faultImpacts(city));
  await writeComplaints(join(dir, 'complaints.csv'), complaints.map(({ complaintId, time, msisdn, category, region }) => ({ complaintId, time, msisdn, category, region })));
  expect(buildTopology(city.net.cells).cells.length).toBeGreaterThan(1000);
  records = (await publishRecords(simulateRecords(city), { brokers: mock.bootstrap, topic: TOPIC, format: 'arrow', partitions: 4 })).records;
}, 120_000);

afterAll(async () => {
  await mock?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

function runArgs(group: string, db: string, checkpointGap: string): string[] {
  // Every alert event also goes to a topic of its own per run: at least once, with deterministic sequences.
  const publish = ['--alerts-topic', `kafka://${mock.bootstrap}/alerts-${group}`];
  const url = `kafka://${mock.bootstrap}/${TOPIC}?format=arrow&group=${group}&dlq=none&rdkafka.session.timeout.ms=3000&rdkafka.heartbeat.interval.ms=300`;
  return [
    BIN, 'run', '--source', url,
    '--topology', join(dir, 'topology.csv'),
    '--subscribers-file', join(dir, 'subscribers.csv'),
    '--complaints', join(dir, 'complaints.csv'),
    '--db', db, '--exit-when-idle', '3', '--checkpoint-gap', checkpointGap, '--verbose', ...publish,
  ];
}

interface Finished {
  code: number | null;
  signal: NodeJS.Signals | null;
  out: string;
}

/** `--verbose` prints a line per checkpoint: the run has made (new) progress durable. */
const CHECKPOINT = /^checkpoint (\d+): event time (\S+)/gm;

function start(group: string, db: string, checkpointGap: string, onCheckpoint?: (id: number, eventTime: string) => void): { child: ChildProcess; done: Promise<Finished> } {
  const child = spawn(process.execPath, runArgs(group, db, checkpointGap), { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout!.on('data', (b) => {
    const before = out.length;
    out += b;
    // Report each new complete checkpoint line once.
    const fresh = out.slice(out.lastIndexOf('\n', before - 1) + 1);
    for (const m of fresh.matchAll(CHECKPOINT)) if (fresh.indexOf('\n', m.index) >= 0) onCheckpoint?.(Number(m[1]), m[2]);
  });
  child.stderr!.on('data', (b) => (out += b));
  const done = new Promise<Finished>((resolve) => child.once('exit', (code, signal) => resolve({ code, signal, out })));
  return { child, done };
}



/** The uninterrupted run every crashed run must end up equal to (taken once, at the default cadence). */
let reference: Promise<{ db: string; expected: Awaited<ReturnType<typeof runContents>> }> | null = null;
function referenceRun(): Promise<{ db: string; expected: Awaited<ReturnType<typeof runContents>> }> {
  reference ??= (async () => {
    const db = join(dir, 'reference.duckdb');
    const ref = await start('reference', db, '2').done;
    expect(ref.code, ref.out).toBe(0);
    const expected = await runContents(db);
    expect(expected.alertEvents.length).toBeGreaterThan(5);
    expect(expected.outreach.length).toBeGreaterThan(0);
    expect(expected.scored.length).toBeGreaterThan(1000); // scored user-windows
    const refRecords = await query(db, "SELECT count(*) AS n FROM runs WHERE status = 'completed'");
    expect(Number(refRecords[0].n)).toBe(1);
    return { db, expected };
  })();
  return reference;
}

const WINDOW_MS = 15 * 60_000;

describe('hotspot run from Kafka, killed with SIGKILL and restarted', () => {
  // Two checkpoint cadences: one per closed window, and several windows per checkpoint (a checkpoint gap longer
  // than this small city's windows take to process, as when catching up), which leaves more to re-read.
  it.each([
    { cadence: 'a checkpoint at every closed window', gap: '0', name: 'crashed' },
    { cadence: 'closed windows waiting out a 0.4 s checkpoint gap', gap: '0.4', name: 'crashed-gap' },
  ])('ends with exactly the alerts, care lists and scores of an uninterrupted run ($cadence)', async ({ gap, name }) => {
    const { expected } = await referenceRun();
    const crashed = join(dir, `${name}.duckdb`);
    const rand = mulberry32(20261123);
    let kills = 0;
    let resumes = 0;
    // Kill at random moments: once during start-up, then four times a random 0–400 ms after a (re)started run
    // commits a checkpoint at or past the next target in event time (mid-window, mid-write, mid-checkpoint,
    // wherever it lands; the targets make each restart get further, however fast the machine); then let a run get
    // to the end.
    // With a gap a restarted run checkpoints rarely and can finish before a late target is reached: earlier ones.
    const targets =
      gap === '0'
        ? ['2026-03-02T16:30', '2026-03-02T17:00', '2026-03-02T17:30', '2026-03-02T18:00']
        : ['2026-03-02T16:15', '2026-03-02T16:30', '2026-03-02T16:45', '2026-03-02T17:00'];
    for (let attempt = 0; attempt < 9; attempt++) {
      let timer: NodeJS.Timeout | null = null;
      const kill = (delayMs: number) => {
        if (timer === null) timer = setTimeout(() => child.kill('SIGKILL'), delayMs);
      };
      const target = attempt >= 1 ? targets[kills - 1] : undefined;
      const { child, done } = start(name, crashed, gap, (_id, eventTime) => {
        if (target !== undefined && eventTime >= target) kill(rand() * 400);
      });
      if (attempt === 0) kill(300 + rand() * 1500);
      const r = await done;
      if (timer) clearTimeout(timer);
      if (/resumed from checkpoint/.test(r.out)) resumes++;
      if (r.signal === 'SIGKILL') {
        kills++;
        continue;
      }
      expect(r.code, r.out).toBe(0);
      break;
    }
    expect(kills).toBeGreaterThanOrEqual(5);
    expect(resumes).toBeGreaterThanOrEqual(4); // kills fell after checkpoints, so restarts really resumed
    const actual = await runContents(crashed);
    expect(actual.alertEvents).toEqual(expected.alertEvents);
    expect(actual.alerts).toEqual(expected.alerts);
    expect(actual.outreach).toEqual(expected.outreach);
    expect(actual.scored).toEqual(expected.scored);
    expect(actual.deadLetters).toEqual(expected.deadLetters);
    // The alerts topic: the uninterrupted run published each event once; the crashed runs re-sent the events after
    // their last checkpoint, and keeping the highest sequence seen gives exactly the same stream.
    const published = async (group: string, atLeast: number) => {
      // All of the topic: read until nothing more arrives (a crashed run's topic holds re-sent events too).
      const messages = await readTopic(mock.bootstrap, `alerts-${group}`, atLeast * 10, 5000);
      expect(messages.length).toBeGreaterThanOrEqual(atLeast);
      return messages.map((m) => JSON.parse(m.value!.toString('utf8')) as { sequence: number; alert_id: string; status: string });
    };
    const refTopic = await published('reference', expected.alertEvents.length);
    expect(refTopic.map((e) => e.sequence).sort((a, b) => a - b)).toEqual(expected.alertEvents.map((e) => Number(e.sequence)));
    const crashedTopic = await published(name, expected.alertEvents.length);
    const bySequence = new Map(crashedTopic.map((e) => [e.sequence, `${e.alert_id}/${e.status}`]));
    expect([...bySequence.entries()].sort((a, b) => a[0] - b[0])).toEqual(
      refTopic.map((e) => [e.sequence, `${e.alert_id}/${e.status}`] as [number, string]).sort((a, b) => a[0] - b[0]),
    );

    const scoredRecords = await query(crashed, 'SELECT count(DISTINCT checkpoint_id) AS n FROM checkpoints');
    expect(Number(scoredRecords[0].n)).toBeGreaterThan(3);
    // The cadence is the one asked for: with a gap, some checkpoint came more than one window after the previous.
    const times = (await query(crashed, 'SELECT epoch_ms(event_time) AS t FROM checkpoints ORDER BY checkpoint_id')).map((r) => Number(r.t));
    const largestStep = Math.max(...times.slice(1).map((t, i) => t - times[i]));
    if (gap === '0') expect(largestStep).toBeLessThanOrEqual(WINDOW_MS);
    else expect(largestStep).toBeGreaterThan(WINDOW_MS);
    expect(records).toBeGreaterThan(100_000);
  }, 600_000);
});
