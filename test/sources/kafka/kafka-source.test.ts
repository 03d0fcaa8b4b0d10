// KafkaSource against librdkafka's mock cluster hosted by kcat in its own process (DESIGN.md §8).
import { Table, tableFromJSON, tableToIPC } from 'apache-arrow';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringAt, utf8Column, int64Column } from '../../../src/schema/columns.js';
import { DeadLetterMemory } from '../../../src/sources/dead-letters.js';
import {
  DLQ_OFFSET_HEADER,
  DLQ_REASON_HEADER,
  DLQ_ROW_HEADER,
  DLQ_TOPIC_HEADER,
  KafkaSource,
  type DeliveredBatch,
} from '../../../src/sources/kafka/kafka-source.js';
import { decodeJsonRecords } from '../../../src/sources/files/index.js';
import { S1_COLUMN_NAMES } from '../../../src/schema/record.js';
import { mmeRecord, s1uRecord } from '../../api/helpers.js';
import { produceAll, readTopic, startKcatMock, type KafkaMock } from '../../support/kafka-mock.js';

let mock: KafkaMock;
beforeAll(async () => {
  mock = await startKcatMock();
});
afterAll(async () => {
  await mock?.stop();
});

let groupNo = 0;
function source(topics: ConstructorParameters<typeof KafkaSource>[0]['topics'], extra: Partial<ConstructorParameters<typeof KafkaSource>[0]> = {}, deadLetters?: DeadLetterMemory) {
  return new KafkaSource(
    {
      brokers: mock.bootstrap,
      groupId: `test-group-${process.pid}-${groupNo++}`,
      topics,
      rdkafka: { 'session.timeout.ms': 6000, 'heartbeat.interval.ms': 500 },
      ...extra,
    },
    { deadLetters },
  );
}

/** Pulls deliveries until `records` good rows and `dead` dead letters have been accounted for. */
async function collect(src: KafkaSource, records: number, dead = 0): Promise<DeliveredBatch[]> {
  const out: DeliveredBatch[] = [];
  let rows = 0;
  let letters = 0;
  while (rows < records || letters < dead) {
    const d = await src.next();
    if (!d) break;
    out.push(d);
    rows += d.batch.numRows;
    letters += d.deadLettered;
  }
  return out;
}

function imsisOf(ds: DeliveredBatch[]): string[] {
  const out: string[] = [];
  for (const d of ds) {
    if (d.batch.numRows === 0) continue;
    const col = utf8Column(d.batch, 'imsi');
    for (let i = 0; i < d.batch.numRows; i++) out.push(stringAt(col, i)!);
  }
  return out;
}

/** Per partition, the delivered offset ranges must tile [0, end) with no gap and no overlap. */
function expectContiguous(ds: DeliveredBatch[]): Map<number, number> {
  const next = new Map<number, number>();
  for (const d of ds) {
    expect(d.firstOffset).toBe(next.get(d.partition) ?? 0);
    next.set(d.partition, d.nextOffset);
  }
  return next;
}

describe('KafkaSource (kcat mock cluster)', { timeout: 60_000 }, () => {
  it('consumes JSON records keyed by IMSI into S1 batches with explicit offsets, and commits them', async () => {
    const topic = `records-json-${process.pid}`;
    const records = Array.from({ length: 300 }, (_, i) => (i % 2 ? mmeRecord(i) : s1uRecord(i)));
    await produceAll(mock.bootstrap, topic, records.map((r) => ({ key: String(r.imsi), value: JSON.stringify(r) })));
    const src = source([{ topic, format: 'json' }], { deadLetterTopic: null });
    await src.start();
    const ds = await collect(src, 300);
    expect(imsisOf(ds).sort()).toEqual(records.map((r) => String(r.imsi)).sort());
    const ends = expectContiguous(ds);
    // Records keyed by IMSI: one user's records stay in order within their partition.
    const byUser = new Map<string, number[]>();
    for (const d of ds) {
      const imsi = utf8Column(d.batch, 'imsi');
      const start = int64Column(d.batch, 'start_time').values;
      for (let i = 0; i < d.batch.numRows; i++) {
        const k = stringAt(imsi, i)!;
        byUser.set(k, [...(byUser.get(k) ?? []), start[i]]);
      }
    }
    for (const times of byUser.values()) expect(times).toEqual([...times].sort((a, b) => a - b));

    const offsets = [...ends].map(([partition, offset]) => ({ topic, partition, offset }));
    await src.commit(offsets);
    const committed = await src.committed(offsets.map(({ topic, partition }) => ({ topic, partition })));
    expect(committed.sort((a, b) => a.partition - b.partition)).toEqual(offsets.sort((a, b) => a.partition - b.partition));
    expect(src.stats()).toMatchObject({ messages: 300, records: 300, deadLettered: 0 });
    await src.close();
  });

  it('consumes CSV lines and Arrow IPC chunks; bad messages go to the dead-letter topic with the reason in headers', async () => {
    const csvTopic = `records-csv-${process.pid}`;
    const arrowTopic = `records-arrow-${process.pid}`;
    const dlq = `dead-letters-${process.pid}`;
    const csvLine = (r: Record<string, unknown>) => S1_COLUMN_NAMES.map((c) => (r[c] === undefined ? '' : String(r[c]))).join(',');
    const csvGood = Array.from({ length: 40 }, (_, i) => mmeRecord(1000 + i));
    await produceAll(mock.bootstrap, csvTopic, [
      ...csvGood.map((r) => ({ key: String(r.imsi), value: csvLine(r) })),
      { key: 'bad-1', value: csvLine(mmeRecord(2000, { imsi: '12345' })) },
      { key: 'bad-2', value: 'only,three,fields' },
      { key: 'bad-3', value: '"unterminated,quote' },
    ]);
    const arrowRecords = Array.from({ length: 500 }, (_, i) => s1uRecord(5000 + i));
    const chunk = (rs: Record<string, unknown>[]) => Buffer.from(tableToIPC(new Table(decodeJsonRecords(rs).batch), 'stream'));
    // A chunk from a foreign writer (inferred types, only the required columns) with one bad row.
    const foreignRows = [
      { xdr_id: 'f1', interface: 's1u', imsi: '460009000000001', start_time: 1_700_000_000_000 },
      { xdr_id: 'f2', interface: 's1u', imsi: '46000', start_time: 1_700_000_000_001 },
      { xdr_id: 'f3', interface: 's1mme', imsi: '460009000000003', start_time: 1_700_000_000_002 },
    ];
    const foreign = Buffer.from(tableToIPC(tableFromJSON(foreignRows), 'stream'));
    await produceAll(mock.bootstrap, arrowTopic, [
      { key: 'chunk-1', value: chunk(arrowRecords.slice(0, 250)) },
      { key: 'junk', value: Buffer.from([1, 2, 3, 4, 5, 6, 7, 8]) },
      { key: 'chunk-2', value: chunk(arrowRecords.slice(250)) },
      { key: 'foreign', value: foreign },
    ]);

    const letters = new DeadLetterMemory();
    const src = source([{ topic: csvTopic, format: 'csv' }, { topic: arrowTopic, format: 'arrow' }], { deadLetterTopic: dlq }, letters);
    await src.start();
    const ds = await collect(src, 542, 5);
    const csvDs = ds.filter((d) => d.topic === csvTopic);
    const arrowDs = ds.filter((d) => d.topic === arrowTopic);
    expect(imsisOf(csvDs).sort()).toEqual(csvGood.map((r) => String(r.imsi)).sort());
    expect(imsisOf(arrowDs).sort()).toEqual(
      [...arrowRecords.map((r) => String(r.imsi)), '460009000000001', '460009000000003'].sort(),
    );
    expectContiguous(csvDs);
    expectContiguous(arrowDs);

    const stats = src.stats();
    expect(stats.deadLettered).toBe(5);
    expect(Object.fromEntries(stats.deadLetteredByReason)).toEqual({ 'invalid imsi': 2, 'wrong field count': 1, 'malformed csv': 1, 'malformed arrow': 1 });
    expect(letters.count).toBe(5);
    // commit() flushes dead letters first, so committed bad messages are on the dead-letter topic.
    await src.commit(ds.map((d) => ({ topic: d.topic, partition: d.partition, offset: d.nextOffset })));
    await src.close();

    const onDlq = await readTopic(mock.bootstrap, dlq, 5);
    expect(onDlq).toHaveLength(5);
    const header = (m: (typeof onDlq)[number], k: string) => {
      const h = m.headers?.find((x) => k in x);
      return h ? String(h[k]) : undefined;
    };
    const byKey = new Map(onDlq.map((m) => [String(m.key), m]));
    expect(header(byKey.get('bad-1')!, DLQ_REASON_HEADER)).toMatch(/^invalid imsi: '12345' is not 15 digits/);
    expect(header(byKey.get('bad-2')!, DLQ_REASON_HEADER)).toMatch(/^wrong field count: expected 37 fields, got 3/);
    expect(header(byKey.get('bad-3')!, DLQ_REASON_HEADER)).toMatch(/^malformed csv: unbalanced or misplaced quote/);
    expect(header(byKey.get('junk')!, DLQ_REASON_HEADER)).toMatch(/^malformed arrow/);
    expect(header(byKey.get('junk')!, DLQ_TOPIC_HEADER)).toBe(arrowTopic);
    expect(Number(header(byKey.get('junk')!, DLQ_OFFSET_HEADER))).toBeGreaterThanOrEqual(0);
    // One bad row of an Arrow chunk: the letter names the row and carries it as JSON; the chunk's other rows went on.
    const rowLetter = byKey.get('foreign')!;
    expect(header(rowLetter, DLQ_ROW_HEADER)).toBe('2');
    expect(header(rowLetter, DLQ_REASON_HEADER)).toMatch(/^invalid imsi/);
    expect(rowLetter.value!.toString()).toContain('46000');
    // The original payload is kept byte for byte.
    expect(byKey.get('bad-2')!.value!.toString()).toBe('only,three,fields');
  });

  it('pauses fetching when the engine falls behind, keeps the queue bounded, and resumes without loss', async () => {
    const topic = `records-slow-${process.pid}`;
    const n = 6000;
    await produceAll(
      mock.bootstrap,
      topic,
      Array.from({ length: n }, (_, i) => {
        const r = mmeRecord(i);
        return { key: String(r.imsi), value: JSON.stringify(r) };
      }),
    );
    const src = source([{ topic, format: 'json' }], {
      deadLetterTopic: null,
      maxQueuedRecords: 500,
      pollMessages: 200,
      rdkafka: { 'session.timeout.ms': 6000, 'heartbeat.interval.ms': 500, 'fetch.wait.max.ms': 10 },
    });
    await src.start();
    // A slow engine: take one batch, then let the source run ahead while we do not read.
    const ds: DeliveredBatch[] = [(await src.next())!];
    let maxQueued = 0;
    let received = ds[0].batch.numRows;
    while (received < n) {
      // Wait until the source has stopped itself (paused) before reading on: it must not run ahead unbounded.
      while (!src.isPaused && src.stats().queuedRecords + received < n) await new Promise((r) => setTimeout(r, 5));
      maxQueued = Math.max(maxQueued, src.stats().queuedRecords);
      const d = (await src.next())!;
      ds.push(d);
      received += d.batch.numRows;
    }
    const stats = src.stats();
    expect(stats.pauses).toBeGreaterThan(1);
    expect(stats.resumes).toBeGreaterThan(0);
    // Bounded: the limit plus at most one poll's worth that was in flight when the limit was crossed.
    expect(maxQueued).toBeLessThanOrEqual(500 + 200);
    expect(received).toBe(n);
    expectContiguous(ds);
    expect(new Set(imsisOf(ds)).size).toBe(1000);
    await src.close();
  });
});
