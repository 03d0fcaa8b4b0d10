// Consumer-group rebalance with two KafkaSource instances. Uses the mock cluster hosted by node-rdkafka's newer
// librdkafka, which speaks the KIP-848 consumer protocol, so the second member joins in about a second.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringAt, utf8Column } from '../../../src/schema/columns.js';
import { KafkaSource, type DeliveredBatch } from '../../../src/sources/kafka/kafka-source.js';
import { mmeRecord } from '../../api/helpers.js';
import { produceAll, startInProcessMock, type KafkaMock } from '../../support/kafka-mock.js';

let mock: KafkaMock;
beforeAll(async () => {
  mock = await startInProcessMock();
});
afterAll(async () => {
  await mock?.stop();
});

interface Member {
  name: string;
  src: KafkaSource;
  deliveries: DeliveredBatch[];
  assigned: string[];
  revoked: string[];
}

function member(name: string, topic: string, groupId: string): Member {
  const m: Member = { name, deliveries: [], assigned: [], revoked: [], src: undefined as unknown as KafkaSource };
  m.src = new KafkaSource(
    { brokers: mock.bootstrap, groupId, topics: [{ topic, format: 'json' }], deadLetterTopic: null, groupProtocol: 'consumer', pollMessages: 50 },
    {
      rebalance: {
        assigned: (ps) => m.assigned.push(...ps.map((p) => `${p.partition}`)),
        revoked: (ps) => m.revoked.push(...ps.map((p) => `${p.partition}`)),
      },
    },
  );
  return m;
}

/** Reads and commits each batch as it comes (what the engine does after each checkpoint) until stopped. */
async function pump(m: Member, stop: () => boolean): Promise<void> {
  while (!stop()) {
    const d = await Promise.race([m.src.next(), new Promise<null>((r) => setTimeout(() => r(null), 100))]);
    if (!d) continue;
    m.deliveries.push(d);
    await m.src.commit([{ topic: d.topic, partition: d.partition, offset: d.nextOffset }]);
  }
}

function xdrIds(ds: DeliveredBatch[]): string[] {
  const out: string[] = [];
  for (const d of ds) {
    const col = utf8Column(d.batch, 'xdr_id');
    for (let i = 0; i < d.batch.numRows; i++) out.push(stringAt(col, i)!);
  }
  return out;
}

const waitFor = async (cond: () => boolean, what: string, ms = 20_000) => {
  const deadline = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
};

describe('KafkaSource consumer group', { timeout: 60_000 }, () => {
  it('a second member takes over partitions; every record is delivered, committed work is not re-read', async () => {
    const topic = `records-group-${process.pid}`;
    const groupId = `hotspot-${process.pid}`;
    const wave = (from: number) =>
      Array.from({ length: 400 }, (_, i) => {
        const r = mmeRecord(from + i);
        return { key: String(r.imsi), value: JSON.stringify(r) };
      });
    await produceAll(mock.bootstrap, topic, wave(0));

    const a = member('a', topic, groupId);
    await a.src.start();
    let stopA = false;
    const pumpA = pump(a, () => stopA);
    await waitFor(() => xdrIds(a.deliveries).length >= 400, 'member a to read the first wave');
    const partitions = new Set(a.deliveries.map((d) => d.partition));
    expect(partitions.size).toBeGreaterThan(1);

    const b = member('b', topic, groupId);
    await b.src.start();
    let stopB = false;
    const pumpB = pump(b, () => stopB);
    await waitFor(() => b.src.assignments().length > 0 && a.revoked.length > 0, 'the rebalance');
    await waitFor(
      () => a.src.assignments().length + b.src.assignments().length === partitions.size,
      'both members to hold all partitions',
    );

    await produceAll(mock.bootstrap, topic, wave(400));
    const all = () => new Set([...xdrIds(a.deliveries), ...xdrIds(b.deliveries)]);
    await waitFor(() => all().size >= 800, 'all 800 records');
    stopA = stopB = true;
    await Promise.all([pumpA, pumpB]);

    // Nothing lost.
    expect(all().size).toBe(800);
    // Each partition belongs to exactly one member at the end, and together they hold all of them.
    const pa = a.src.assignments().map((p) => p.partition);
    const pb = b.src.assignments().map((p) => p.partition);
    expect(pa.filter((p) => pb.includes(p))).toEqual([]);
    expect(new Set([...pa, ...pb]).size).toBe(partitions.size);
    expect(pb.length).toBeGreaterThan(0);
    // B starts on its partitions where A's commits left off: second-wave records of a partition A gave up were
    // read by B only, and nothing that A committed was read twice.
    const seen = [...xdrIds(a.deliveries), ...xdrIds(b.deliveries)];
    expect(seen.length).toBe(800);
    const bFirst = new Map<number, number>();
    for (const d of b.deliveries) if (!bFirst.has(d.partition)) bFirst.set(d.partition, d.firstOffset);
    const aEnd = new Map<number, number>();
    for (const d of a.deliveries) aEnd.set(d.partition, Math.max(aEnd.get(d.partition) ?? 0, d.nextOffset));
    for (const [p, first] of bFirst) expect(first).toBe(aEnd.get(p) ?? 0);

    await Promise.all([a.src.close(), b.src.close()]);
  });
});
