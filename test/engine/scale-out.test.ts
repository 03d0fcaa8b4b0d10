// Scale-out against the real Kafka protocol peer (kcat's mock cluster in its own process), with real processes:
// two `hotspot run --stage score` instances in one consumer group over the record topic — the second joins midway
// (a rebalance hands it partitions with their state through the shared checkpoint directory), then the first is
// killed with SIGKILL (its partitions move to the second from its last checkpoints) — and one
// `hotspot run --stage detect` over the scores topic. Its alerts (ids, sequences, contents), care lists and scored
// windows must equal those of a single `hotspot run --source kafka://…` over the same records, although the detect
// stage is killed with SIGKILL midway and restarted too.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { RecordBatch } from 'apache-arrow';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { int64Column } from '../../src/schema/columns.js';
import { partitionOfImsi, publishRecords } from '../../src/sources/kafka/record-publisher.js';
import { takeRows } from '../../src/schema/take-rows.js';
import { writeComplaints, writeSubscribers, writeTopology } from '../../src/sources/files/index.js';
import { createCity, faultImpacts, simulateComplaintDetails, simulateRecords, subscriberRows } from '../../src/sources/simulator/index.js';
import { readTopic, startKcatMock, type KafkaMock } from '../support/kafka-mock.js';
import { runContents } from '../support/run-database.js';
import { startRun as start, type Running } from '../support/run-process.js';

const RECORDS = 'scale-s1';
const SCORES = 'scale-scores';

let mock: KafkaMock;
let dir: string;
let firstHalf: RecordBatch[] = [];
let secondHalf: RecordBatch[] = [];
/** Event time where the second wave starts (ISO, minutes). */
let splitAt = '';

beforeAll(async () => {
  mock = await startKcatMock();
  dir = mkdtempSync(join(tmpdir(), 'hotspot-scale-'));
  const city = createCity({ seed: 77, hours: 3, subscribers: 700, scenario: 'all-faults' });
  await writeTopology(join(dir, 'topology.csv'), city.net.cells);
  await writeSubscribers(join(dir, 'subscribers.csv'), subscriberRows(city.subs));
  const complaints = simulateComplaintDetails(city, faultImpacts(city));
  await writeComplaints(join(dir, 'complaints.csv'), complaints.map(({ complaintId, time, msisdn, category, region }) => ({ complaintId, time, msisdn, category, region })));
  // Two waves in event-time order: the second is published only once the second instance has joined.
  const split = city.start + 90 * 60_000;
  splitAt = new Date(split).toISOString().slice(0, 16);
  for (const b of simulateRecords(city)) (int64Column(b, 'start_time').values[0] < split ? firstHalf : secondHalf).push(b);
  expect(firstHalf.length).toBeGreaterThan(0);
  expect(secondHalf.length).toBeGreaterThan(0);
}, 120_000);

afterAll(async () => {
  await mock?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

const GROUP_SETTINGS = 'rdkafka.session.timeout.ms=3000&rdkafka.heartbeat.interval.ms=300';
const sideFiles = () => ['--topology', join(dir, 'topology.csv'), '--subscribers-file', join(dir, 'subscribers.csv'), '--complaints', join(dir, 'complaints.csv')];

function scoreStage(): Running {
  return start([
    '--stage', 'score', '--source', `kafka://${mock.bootstrap}/${RECORDS}?format=arrow&group=scale-score&dlq=none&${GROUP_SETTINGS}`,
    '--scores-topic', `kafka://${mock.bootstrap}/${SCORES}`, '--checkpoint-dir', join(dir, 'partitions'),
    '--topology', join(dir, 'topology.csv'), '--exit-when-idle', '12', '--verbose',
  ]);
}



describe('scale-out: two scoring instances (one joins, one is killed) and a detect stage', () => {
  it('gives exactly the alerts, care lists and scores of a single instance', async () => {
    const publish = (batches: RecordBatch[]) => publishRecords(batches, { brokers: mock.bootstrap, topic: RECORDS, format: 'arrow', partitions: 4 });
    await publish(firstHalf);

    const detectDb = join(dir, 'detect.duckdb');
    const detectArgs = [
      '--stage', 'detect', '--source', `kafka://${mock.bootstrap}/${SCORES}?group=scale-detect&${GROUP_SETTINGS}`,
      ...sideFiles(), '--db', detectDb, '--exit-when-idle', '15', '--alerts-topic', `kafka://${mock.bootstrap}/alerts-scaled`, '--verbose',
    ];
    // Killed long before it could end on idleness: a loaded machine must not let it end on its own first.
    const firstDetect = start(detectArgs.map((a, i) => (detectArgs[i - 1] === '--exit-when-idle' ? '120' : a)));
    const a = scoreStage();
    await a.waitFor((out) => /^window \S+ of scale-s1\/\d+/m.test(out), 'instance a to publish a window');
    // The detect stage is killed too, after it has handed on a few windows, and restarted: it resumes from its
    // checkpoint (detector and outreach state, scores offsets of what was still waiting).
    await firstDetect.waitFor((out) => (out.match(/^checkpoint \d+: event time/gm)?.length ?? 0) >= 3, 'the detect stage to checkpoint');
    firstDetect.child.kill('SIGKILL');
    expect((await firstDetect.done).signal).toBe('SIGKILL');
    const detect = start(detectArgs);
    const b = scoreStage();
    await b.waitFor((out) => /^assigned scale-s1\/\d+/m.test(out), 'instance b to be assigned partitions');
    await a.waitFor((out) => /^revoked scale-s1\/\d+/m.test(out), 'instance a to give up partitions');
    await publish(secondHalf);
    // The first instance leaves without a goodbye once it publishes from the second wave.
    await a.waitFor((out) => [...out.matchAll(/^window (\S+) of scale-s1\/\d+/gm)].some((m) => m[1] >= splitAt), 'instance a to publish from the second wave');
    a.child.kill('SIGKILL');
    const [ra, rb, rd] = await Promise.all([a.done, b.done, detect.done]);
    expect(ra.signal).toBe('SIGKILL');
    expect(rb.code, rb.out).toBe(0);
    expect(rd.code, rd.out).toBe(0);
    expect(rd.out).toMatch(/resumed from checkpoint/);
    expect(rd.out).toMatch(/^[\d,]+ scored user-windows in [\d.]+ s/m); // the detect stage counts what it reads
    // b took over all partitions after the kill, restoring what a had checkpointed.
    const assignedToB = [...rb.out.matchAll(/^assigned scale-s1\/(\d+), from (checkpoint|the beginning)/gm)];
    expect(assignedToB.slice(-4).map((m) => m[1]).sort(), rb.out).toEqual(['0', '1', '2', '3']);
    expect(assignedToB.slice(-4).some((m) => m[2] === 'checkpoint'), rb.out).toBe(true);
    expect(ra.out).toMatch(/^checkpoint scale-s1\/\d+@\d+/m);

    const referenceDb = join(dir, 'reference.duckdb');
    const ref = await start([
      '--source', `kafka://${mock.bootstrap}/${RECORDS}?format=arrow&group=scale-reference&dlq=none&${GROUP_SETTINGS}`,
      ...sideFiles(), '--db', referenceDb, '--exit-when-idle', '3', '--alerts-topic', `kafka://${mock.bootstrap}/alerts-reference`,
    ]).done;
    expect(ref.code, ref.out).toBe(0);

    const expected = await runContents(referenceDb);
    expect(expected.alertEvents.length).toBeGreaterThan(5);
    expect(expected.outreach.length).toBeGreaterThan(0);
    expect(expected.scored.length).toBeGreaterThan(5000);
    const actual = await runContents(detectDb);
    expect(actual.scored).toEqual(expected.scored);
    expect(actual.alertEvents).toEqual(expected.alertEvents);
    expect(actual.alerts).toEqual(expected.alerts);
    expect(actual.outreach).toEqual(expected.outreach);

    // The alerts topic carries the same events; the killed detect stage's are re-sent after its restart with the
    // same sequence numbers (consumers keep the highest sequence seen).
    const events = async (topic: string) => {
      const bySequence = new Map<number, string>();
      for (const m of await readTopic(mock.bootstrap, topic, expected.alertEvents.length * 10, 5000)) {
        const text = m.value!.toString('utf8');
        bySequence.set((JSON.parse(text) as { sequence: number }).sequence, text);
      }
      return [...bySequence].sort((x, y) => x[0] - y[0]);
    };
    const reference = await events('alerts-reference');
    expect(reference.length).toBe(expected.alertEvents.length);
    expect(await events('alerts-scaled')).toEqual(reference);
  }, 180_000);
});

describe('scale-out: idle record partitions', () => {
  it('does not hold windows back for a partition with no records or one gone quiet, and still equals a single instance', async () => {
    // The record topic has 4 partitions (the mock's default) but the records are spread over 3 of them, so
    // partition 3 never has a record; partition 2 goes quiet after the first hour (its users' later records are
    // left out of the input, for both runs).
    const topic = 'idle-s1';
    const scores = 'idle-scores';
    const quietFrom = int64Column(firstHalf[0], 'start_time').values[0] + 60 * 60_000;
    const batches = [...firstHalf, ...secondHalf].map((b) => {
      const imsi = b.getChild('imsi')!;
      const time = int64Column(b, 'start_time').values;
      const keep: number[] = [];
      for (let i = 0; i < b.numRows; i++) if (!(partitionOfImsi(String(imsi.get(i)), 3) === 2 && time[i] >= quietFrom)) keep.push(i);
      return takeRows(b, Int32Array.from(keep));
    });
    await publishRecords(batches, { brokers: mock.bootstrap, topic, format: 'arrow', partitions: 3 });

    const detectDb = join(dir, 'idle-detect.duckdb');
    // The detect stage waits far longer for a quiet end than the scorer needs: every window it hands on before
    // that is complete by the idle rule, not by the end-of-input drain (which would warn of incomplete windows).
    const detect = start([
      '--stage', 'detect', '--source', `kafka://${mock.bootstrap}/${scores}?group=idle-detect&${GROUP_SETTINGS}`,
      ...sideFiles(), '--db', detectDb, '--exit-when-idle', '20', '--verbose',
    ]);
    const score = start([
      '--stage', 'score', '--source', `kafka://${mock.bootstrap}/${topic}?format=arrow&group=idle-score&dlq=none&${GROUP_SETTINGS}`,
      '--scores-topic', `kafka://${mock.bootstrap}/${scores}`, '--checkpoint-dir', join(dir, 'idle-partitions'),
      '--topology', join(dir, 'topology.csv'), '--exit-when-idle', '8', '--verbose',
    ]);
    const [rs, rd] = await Promise.all([score.done, detect.done]);
    expect(rs.code, rs.out).toBe(0);
    expect(rd.code, rd.out).toBe(0);
    expect(rs.out).toMatch(/^idle idle-s1\/3, published through nothing yet/m);
    expect(rs.out).toMatch(/^idle idle-s1\/2, published through \S+/m);
    expect(rd.out).toMatch(/^record partition 3 is idle/m);
    expect(rd.out).not.toMatch(/lacked part of a record partition's share|handed on without every record partition/);
    expect(rd.out).not.toMatch(/late share|came after their window/);
    // Windows after partition 2 went quiet were joined from partitions 0 and 1 alone.
    expect(rd.out).toMatch(/^window \S+: \d+ users from 2 record partitions/m);

    const referenceDb = join(dir, 'idle-reference.duckdb');
    const ref = await start([
      '--source', `kafka://${mock.bootstrap}/${topic}?format=arrow&group=idle-reference&dlq=none&${GROUP_SETTINGS}`,
      ...sideFiles(), '--db', referenceDb, '--exit-when-idle', '3',
    ]).done;
    expect(ref.code, ref.out).toBe(0);
    const expected = await runContents(referenceDb);
    expect(expected.alertEvents.length).toBeGreaterThan(0);
    const actual = await runContents(detectDb);
    expect(actual.scored).toEqual(expected.scored);
    expect(actual.alertEvents).toEqual(expected.alertEvents);
    expect(actual.outreach).toEqual(expected.outreach);
  }, 180_000);
});
