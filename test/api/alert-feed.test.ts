import { describe, expect, it } from 'vitest';
import {
  InMemoryAlertFeed,
  InvalidPageTokenError,
  SequenceOutOfRangeError,
  SubscriberLaggedError,
} from '../../src/api/alert-feed.js';
import { alertEvent } from './helpers.js';

describe('InMemoryAlertFeed', () => {
  it('refuses events whose sequence does not increase, and invalid events', () => {
    const feed = new InMemoryAlertFeed();
    feed.append(alertEvent(5, 'a1'));
    expect(() => feed.append(alertEvent(5, 'a2'))).toThrow(/not after the last sequence 5/);
    expect(() => feed.append(alertEvent(3, 'a2'))).toThrow(/not after/);
    const bad = alertEvent(6, 'a2');
    (bad.alert as { severity: string }).severity = 'purple';
    expect(() => feed.append(bad)).toThrow();
    expect(feed.lastSequence).toBe(5);
  });

  it('a subscriber that falls behind the retention window gets SubscriberLaggedError with its last sequence', async () => {
    const feed = new InMemoryAlertFeed({ retainedEvents: 4 });
    feed.append(alertEvent(1, 'a1'));
    const sub = feed.subscribe({ afterSequence: 0 });
    expect((await sub.next()).sequence).toBe(1);
    for (let i = 2; i <= 20; i++) feed.append(alertEvent(i, `a${i}`));
    const err = await sub.next().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(SubscriberLaggedError);
    expect((err as SubscriberLaggedError).lastDeliveredSequence).toBe(1);
    // Memory stays bounded whatever the subscriber does: at most retained + 25 % slack.
    expect(() => feed.subscribe({ afterSequence: 1 })).toThrow(SequenceOutOfRangeError);
  });

  it('a waiting subscriber wakes on append and on close', async () => {
    const feed = new InMemoryAlertFeed();
    const sub = feed.subscribe();
    const next = sub.next();
    feed.append(alertEvent(1, 'a1'));
    expect((await next).alert.alert_id).toBe('a1');
    const collected: number[] = [];
    const loop = (async () => {
      for await (const e of sub) collected.push(e.sequence);
    })();
    feed.append(alertEvent(2, 'a2'));
    await new Promise((r) => setTimeout(r, 10));
    feed.close();
    await loop;
    expect(collected).toEqual([2]);
  });

  it('keeps the latest state per alert and bounds resolved alerts', () => {
    const feed = new InMemoryAlertFeed({ retainedResolvedAlerts: 2 });
    for (let i = 1; i <= 4; i++) feed.append(alertEvent(i, `a${i}`));
    for (let i = 1; i <= 4; i++) feed.append(alertEvent(4 + i, `a${i}`, { status: 'resolved' }));
    // a1 and a2 were resolved first and are evicted; a3 and a4 remain.
    expect(feed.get('a1')).toBeUndefined();
    expect(feed.get('a4')?.alert.status).toBe('resolved');
    expect(feed.get('a4')?.lastSequence).toBe(8);
    expect([...feed.openAlerts()]).toHaveLength(0);
    expect(() => feed.list({ pageSize: 10, pageToken: 'zzz' })).toThrow(InvalidPageTokenError);
  });
});
