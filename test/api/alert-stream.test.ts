// StreamAlerts over a real loopback client: live delivery, filters, disconnect + resume with nothing lost or
// doubled, and OUT_OF_RANGE for a resume point that is no longer retained.
import * as grpc from '@grpc/grpc-js';
import { afterEach, describe, expect, it } from 'vitest';
import { InMemoryAlertFeed } from '../../src/api/alert-feed.js';
import { LAST_SEQUENCE_METADATA_KEY, startGrpcServer, type RunningGrpcServer } from '../../src/api/grpc-server.js';
import { alertEvent, hotspotClient, type LooseClient } from './helpers.js';

interface Received {
  sequence: string;
  alert: { alert_id: string; region: string; severity: string };
}

/** Opens a StreamAlerts call and collects events; `until` resolves once `n` events arrived. */
function subscribe(client: LooseClient, req: object) {
  const events: Received[] = [];
  const waiters: Array<{ n: number; resolve: () => void }> = [];
  let error: grpc.ServiceError | null = null;
  let ended = false;
  const call = client.StreamAlerts(req) as grpc.ClientReadableStream<Received>;
  const subscribed = new Promise<grpc.Metadata>((resolve) => call.on('metadata', resolve));
  call.on('data', (e: Received) => {
    events.push(e);
    for (const w of waiters.filter((w) => events.length >= w.n)) w.resolve();
  });
  const done = new Promise<void>((resolve) => {
    call.on('error', (e: grpc.ServiceError) => {
      error = e;
      resolve();
    });
    call.on('end', () => {
      ended = true;
      resolve();
    });
  });
  return {
    call,
    events,
    subscribed,
    done,
    get error() {
      return error;
    },
    get ended() {
      return ended;
    },
    until(n: number) {
      if (events.length >= n) return Promise.resolve();
      return new Promise<void>((resolve) => waiters.push({ n, resolve }));
    },
  };
}

const regions = ['north', 'south', 'east'] as const;
const severities = ['blue', 'yellow', 'orange', 'red'] as const;
const eventNo = (i: number) =>
  alertEvent(i, `a${i % 7}`, { region: regions[i % 3], severity: severities[i % 4], status: i % 7 === i ? 'open' : 'updated' });

describe('StreamAlerts', { timeout: 10_000 }, () => {
  let server: RunningGrpcServer | undefined;
  const clients: LooseClient[] = [];
  afterEach(async () => {
    for (const c of clients.splice(0)) c.close();
    await server?.close();
  });

  async function start(feed: InMemoryAlertFeed) {
    server = await startGrpcServer({ alerts: feed });
    const client = hotspotClient(server.port);
    clients.push(client);
    return client;
  }

  it('a subscriber that disconnects and resumes after its last sequence misses nothing and sees nothing twice', async () => {
    const feed = new InMemoryAlertFeed();
    const client = await start(feed);
    for (let i = 1; i <= 5; i++) feed.append(eventNo(i));

    const first = subscribe(client, { after_sequence: '0' });
    await first.until(5);
    // Live events after the replayed ones.
    for (let i = 6; i <= 12; i++) feed.append(eventNo(i));
    await first.until(12);
    first.call.cancel();
    await first.done;
    const last = first.events[first.events.length - 1].sequence;

    // Events produced while the subscriber is away.
    for (let i = 13; i <= 30; i++) feed.append(eventNo(i));
    const second = subscribe(client, { after_sequence: last });
    await second.until(18);
    for (let i = 31; i <= 40; i++) feed.append(eventNo(i));
    await second.until(28);
    second.call.cancel();
    await second.done;

    const all = [...first.events, ...second.events].map((e) => Number(e.sequence));
    expect(all).toEqual(Array.from({ length: 40 }, (_, i) => i + 1));
  });

  it('without after_sequence a subscriber gets only live events', async () => {
    const feed = new InMemoryAlertFeed();
    const client = await start(feed);
    for (let i = 1; i <= 3; i++) feed.append(eventNo(i));
    const sub = subscribe(client, {});
    // The response headers arrive once the server-side subscription exists, with the sequence it starts after.
    const headers = await sub.subscribed;
    expect(headers.get(LAST_SEQUENCE_METADATA_KEY)).toEqual(['3']);
    feed.append(eventNo(4));
    feed.append(eventNo(5));
    await sub.until(2);
    sub.call.cancel();
    expect(sub.events.map((e) => Number(e.sequence))).toEqual([4, 5]);
  });

  it('filters by region and minimum severity', async () => {
    const feed = new InMemoryAlertFeed();
    const client = await start(feed);
    for (let i = 1; i <= 24; i++) feed.append(eventNo(i));
    const sub = subscribe(client, { after_sequence: '0', regions: ['north', 'south'], min_severity: 'SEVERITY_ORANGE' });
    const expected = Array.from({ length: 24 }, (_, i) => i + 1).filter(
      (i) => regions[i % 3] !== 'east' && i % 4 >= 2,
    );
    await sub.until(expected.length);
    feed.append(eventNo(25)); // south, yellow: below the minimum
    feed.append(eventNo(26)); // east, orange: other region
    feed.append(eventNo(27)); // north, red: delivered
    await sub.until(expected.length + 1);
    sub.call.cancel();
    expect(sub.events.map((e) => Number(e.sequence))).toEqual([...expected, 27]);
    for (const e of sub.events) {
      expect(e.alert.region).not.toBe('east');
      expect(['SEVERITY_ORANGE', 'SEVERITY_RED']).toContain(e.alert.severity);
    }
  });

  it('answers OUT_OF_RANGE when the resume point is older than the retained events', async () => {
    const feed = new InMemoryAlertFeed({ retainedEvents: 4 });
    const client = await start(feed);
    for (let i = 1; i <= 20; i++) feed.append(eventNo(i));
    const stale = subscribe(client, { after_sequence: '2' });
    await stale.done;
    expect(stale.error?.code).toBe(grpc.status.OUT_OF_RANGE);
    expect(stale.error?.details).toMatch(/after_sequence 2 is no longer retained/);

    const fresh = subscribe(client, { after_sequence: '18' });
    await fresh.until(2);
    fresh.call.cancel();
    expect(fresh.events.map((e) => Number(e.sequence))).toEqual([19, 20]);
  });

  it('rejects an invalid request with INVALID_ARGUMENT naming the field', async () => {
    const client = await start(new InMemoryAlertFeed());
    const bad = subscribe(client, { min_severity: 17 });
    await bad.done;
    expect(bad.error?.code).toBe(grpc.status.INVALID_ARGUMENT);
    expect(bad.error?.details).toMatch(/^min_severity: unknown value 17/);
  });

  it('ends open streams cleanly when the server shuts down', async () => {
    const feed = new InMemoryAlertFeed();
    const client = await start(feed);
    feed.append(eventNo(1));
    const sub = subscribe(client, { after_sequence: '0' });
    await sub.until(1);
    await server!.close();
    server = undefined;
    await sub.done;
    expect(sub.events).toHaveLength(1);
  });
});
