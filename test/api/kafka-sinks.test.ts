import { tableFromIPC } from 'apache-arrow';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InMemoryAlertFeed } from '../../src/api/alert-feed.js';
import {
  KafkaAlertSink,
  KafkaOutreachSink,
  KafkaProducerSink,
  KafkaScoresSink,
  SEQUENCE_HEADER,
  STATUS_HEADER,
  UNKNOWN_REGION_KEY,
  WINDOW_END_HEADER,
  forwardAlerts,
} from '../../src/api/kafka-sinks.js';
import type { ScoredWindow } from '../../src/hotspots/scored-window.js';
import type { OutreachMessage } from '../../src/outreach/outreach-message.js';
import { readTopic, startInProcessMock, type KafkaMock } from '../support/kafka-mock.js';
import { alertEvent } from './helpers.js';

let mock: KafkaMock;
let producer: KafkaProducerSink;
beforeAll(async () => {
  mock = await startInProcessMock();
  producer = new KafkaProducerSink({ brokers: mock.bootstrap });
  await producer.start();
});
afterAll(async () => {
  await producer?.close();
  await mock?.stop();
});

const header = (m: { headers?: Array<Record<string, string | Buffer>> }, k: string) => {
  const h = m.headers?.find((x) => k in x);
  return h ? String(h[k]) : undefined;
};

describe('Kafka sinks', { timeout: 30_000 }, () => {
  it('forwards every alert event from the feed as JSON keyed by region, in sequence order per region', async () => {
    const topic = `alerts-${process.pid}`;
    const feed = new InMemoryAlertFeed();
    const regions = ['north', 'south'];
    for (let i = 1; i <= 4; i++) feed.append(alertEvent(i, `a${i % 2}`, { region: regions[i % 2], status: i <= 2 ? 'open' : 'updated' }));
    const fwd = forwardAlerts(feed, new KafkaAlertSink(producer, topic), 0);
    feed.append(alertEvent(5, 'a1', { region: 'south', status: 'resolved' }));
    feed.append(alertEvent(6, 'a0', { region: 'north', status: 'resolved' }));
    while (fwd.lastSequence < 6) await new Promise((r) => setTimeout(r, 10));
    await fwd.stop();
    await producer.flush();

    const msgs = await readTopic(mock.bootstrap, topic, 6);
    expect(msgs).toHaveLength(6);
    const perRegion = new Map<string, number[]>();
    for (const m of msgs) {
      const body = JSON.parse(m.value!.toString());
      expect(String(m.key)).toBe(body.region);
      expect(header(m, SEQUENCE_HEADER)).toBe(String(body.sequence));
      expect(header(m, STATUS_HEADER)).toBe(body.status);
      expect(body).toMatchObject({ alert_id: expect.any(String), severity: 'yellow', model_version: 'test-model-1' });
      perRegion.set(body.region, [...(perRegion.get(body.region) ?? []), body.sequence]);
    }
    expect(perRegion.get('north')).toEqual([2, 4, 6]);
    expect(perRegion.get('south')).toEqual([1, 3, 5]);
    expect(producer.stats().failed).toBe(0);
  });

  it('publishes outreach lists keyed by alert id, masking MSISDNs on request', async () => {
    const topic = `outreach-${process.pid}`;
    const list: OutreachMessage[] = [1, 2].map((rank) => ({
      alertId: 'a9',
      kind: 'proactive',
      rank,
      tier: 'other',
      msisdn: `861380000000${rank}`,
      userId: `u_${rank}`,
      vipLevel: 0,
      probability: 0.5,
      region: 'north',
      severity: 'red',
      listedAt: 1,
      sendAt: 2,
    }));
    await new KafkaOutreachSink(producer, topic).publish('a9', list);
    await new KafkaOutreachSink(producer, topic, { maskMsisdn: true }).publish('a9', list);
    await producer.flush();
    const msgs = await readTopic(mock.bootstrap, topic, 2);
    const bodies = msgs.map((m) => JSON.parse(m.value!.toString()));
    expect(msgs.map((m) => String(m.key))).toEqual(['a9', 'a9']);
    expect(bodies[0].entries.map((e: OutreachMessage) => e.msisdn)).toEqual(['8613800000001', '8613800000002']);
    expect(bodies[1].entries.map((e: OutreachMessage) => e.msisdn)).toEqual(['*********0001', '*********0002']);
  });

  it('publishes scored user-windows as one Arrow chunk per region, keyed by region', async () => {
    const topic = `scores-${process.pid}`;
    const n = 10;
    const regionIndex = Int32Array.from({ length: n }, (_, i) => (i === 9 ? -1 : i % 3));
    const w: ScoredWindow = {
      windowStart: 1_700_000_000_000,
      windowEnd: 1_700_000_900_000,
      imsi: Float64Array.from({ length: n }, (_, i) => 460001000000000 + i),
      cell: Float64Array.from({ length: n }, (_, i) => 6_553_600 + i),
      regionIndex,
      probability: Float64Array.from({ length: n }, (_, i) => i / 10),
      featureNames: [],
      features: [],
      explainedRows: new Int32Array(0),
      contributions: new Float64Array(0),
      modelVersion: 'm1',
    };
    const sent = await new KafkaScoresSink(producer, ['east', 'north', 'south'], topic).publish(w);
    expect(sent).toBe(4);
    await producer.flush();
    const msgs = await readTopic(mock.bootstrap, topic, 4);
    const byKey = new Map(msgs.map((m) => [String(m.key), m]));
    expect([...byKey.keys()].sort()).toEqual(['east', 'north', 'south', UNKNOWN_REGION_KEY].sort());
    for (const [key, m] of byKey) {
      expect(header(m, WINDOW_END_HEADER)).toBe('1700000900000');
      const t = tableFromIPC(m.value!);
      const imsis = [...t.getChild('imsi')!.toArray()] as number[];
      const expected = Array.from({ length: n }, (_, i) => i)
        .filter((i) => (key === UNKNOWN_REGION_KEY ? regionIndex[i] === -1 : ['east', 'north', 'south'][regionIndex[i]] === key))
        .map((i) => 460001000000000 + i);
      expect(imsis).toEqual(expected);
      const probs = [...t.getChild('probability')!.toArray()] as number[];
      expect(probs).toEqual(expected.map((x) => (x - 460001000000000) / 10));
    }
  });
});
