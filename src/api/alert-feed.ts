// The alert feed: an ordered log of alert events with a bounded retention window, plus the latest state of
// every alert for List/Get. Subscribers hold a cursor into the shared log rather than a queue of their own, so a
// slow subscriber costs O(1) memory; the gRPC handler pulls the next event only when the socket has drained.
// A subscriber that falls further behind than the retention window gets SubscriberLaggedError and resumes with
// its last sequence (or learns, with OUT_OF_RANGE, that those events are gone).
import {
  alertEventSchema,
  severityRank,
  type Alert,
  type AlertEvent,
  type AlertEventInput,
  type AlertStatus,
  type Severity,
} from './alert-event.js';

export const DEFAULT_RETAINED_EVENTS = 100_000;
export const DEFAULT_RETAINED_RESOLVED_ALERTS = 10_000;

export interface AlertFilter {
  /** Only these regions; empty or absent = all. */
  readonly regions?: ReadonlySet<string>;
  /** This severity and above. */
  readonly minSeverity?: Severity;
}

export function matchesFilter(alert: Alert, filter: AlertFilter | undefined): boolean {
  if (!filter) return true;
  if (filter.regions && filter.regions.size > 0 && !filter.regions.has(alert.region)) return false;
  if (filter.minSeverity && severityRank(alert.severity) < severityRank(filter.minSeverity)) return false;
  return true;
}

/** The requested resume point is older than what the feed still holds. */
export class SequenceOutOfRangeError extends Error {
  constructor(
    readonly afterSequence: number,
    readonly oldestResumable: number,
  ) {
    super(
      `after_sequence ${afterSequence} is no longer retained: the oldest resumable after_sequence is ${oldestResumable}`,
    );
  }
}

/** A subscriber fell behind the retention window while connected. */
export class SubscriberLaggedError extends Error {
  constructor(readonly lastDeliveredSequence: number) {
    super(`subscriber fell behind the retained alert events after sequence ${lastDeliveredSequence}`);
  }
}

export class FeedClosedError extends Error {
  constructor() {
    super('alert feed closed');
  }
}

export interface AlertSubscription extends AsyncIterable<AlertEvent> {
  /** Next matching event; waits for one. Rejects with SubscriberLaggedError or FeedClosedError. */
  next(): Promise<AlertEvent>;
  /** Sequence of the last event handed out (or the resume point). */
  readonly lastDeliveredSequence: number;
  close(): void;
}

export interface AlertListQuery {
  statuses?: readonly AlertStatus[];
  regions?: readonly string[];
  /** updated_at >= fromTime (epoch ms). */
  fromTime?: number;
  /** updated_at < toTime (epoch ms). */
  toTime?: number;
  pageSize: number;
  /** Opaque cursor returned by a previous page. */
  pageToken?: string;
}

export interface AlertListPage {
  alerts: Alert[];
  nextPageToken: string;
}

export interface AlertState {
  alert: Alert;
  lastSequence: number;
}

/** Read side used by ListAlerts / GetAlert / region risk; the store can implement it too. */
export interface AlertQuery {
  list(q: AlertListQuery): AlertListPage;
  get(alertId: string): AlertState | undefined;
  openAlerts(): Iterable<Alert>;
}

/** Write + subscribe side: the engine appends, StreamAlerts and the Kafka sink subscribe. */
export interface AlertFeed extends AlertQuery {
  append(event: AlertEventInput): AlertEvent;
  readonly lastSequence: number;
  subscribe(opts?: { afterSequence?: number; filter?: AlertFilter }): AlertSubscription;
  close(): void;
}

export class InvalidPageTokenError extends Error {}

export interface InMemoryAlertFeedOptions {
  retainedEvents?: number;
  retainedResolvedAlerts?: number;
}

export class InMemoryAlertFeed implements AlertFeed {
  private readonly retainedEvents: number;
  private readonly retainedResolved: number;
  private readonly evictionSlack: number;
  /** events[i - evicted] is the event with absolute index i. */
  private events: AlertEvent[] = [];
  private evicted = 0;
  private lastEvictedSequence = 0;
  private last = 0;
  private readonly states = new Map<string, AlertState>();
  /** Resolved alert ids in resolution order, to bound memory. */
  private readonly resolvedOrder = new Set<string>();
  private waiters: Array<() => void> = [];
  private closed = false;

  constructor(opts: InMemoryAlertFeedOptions = {}) {
    this.retainedEvents = opts.retainedEvents ?? DEFAULT_RETAINED_EVENTS;
    this.retainedResolved = opts.retainedResolvedAlerts ?? DEFAULT_RETAINED_RESOLVED_ALERTS;
    if (this.retainedEvents < 1) throw new Error('retainedEvents must be at least 1');
    this.evictionSlack = Math.max(1, Math.floor(this.retainedEvents / 4));
  }

  get lastSequence(): number {
    return this.last;
  }

  /** Events with sequence > this are all retained. */
  get oldestResumableSequence(): number {
    return this.lastEvictedSequence;
  }

  append(input: AlertEventInput): AlertEvent {
    if (this.closed) throw new FeedClosedError();
    const event = alertEventSchema.parse(input);
    if (event.sequence <= this.last) {
      throw new Error(`alert event sequence ${event.sequence} is not after the last sequence ${this.last}`);
    }
    this.last = event.sequence;
    this.events.push(event);
    if (this.events.length >= this.retainedEvents + this.evictionSlack) {
      // Evict in chunks so the copy is amortised: between retainedEvents and +25% are held.
      const drop = this.events.length - this.retainedEvents;
      this.lastEvictedSequence = this.events[drop - 1].sequence;
      this.events = this.events.slice(drop);
      this.evicted += drop;
    }
    const id = event.alert.alert_id;
    this.states.set(id, { alert: event.alert, lastSequence: event.sequence });
    this.resolvedOrder.delete(id);
    if (event.alert.status === 'resolved') {
      this.resolvedOrder.add(id);
      if (this.resolvedOrder.size > this.retainedResolved) {
        const oldest = this.resolvedOrder.values().next().value as string;
        this.resolvedOrder.delete(oldest);
        this.states.delete(oldest);
      }
    }
    this.wake();
    return event;
  }

  subscribe(opts: { afterSequence?: number; filter?: AlertFilter } = {}): AlertSubscription {
    if (this.closed) throw new FeedClosedError();
    let cursor: number; // absolute index of the next event to look at
    let lastDelivered: number;
    if (opts.afterSequence === undefined) {
      cursor = this.evicted + this.events.length;
      lastDelivered = this.last;
    } else {
      const after = opts.afterSequence;
      if (after < this.lastEvictedSequence) throw new SequenceOutOfRangeError(after, this.lastEvictedSequence);
      cursor = this.evicted + this.firstIndexAfter(after);
      lastDelivered = after;
    }
    const filter = opts.filter;
    let closedByClient = false;
    const feed = this;
    const sub: AlertSubscription = {
      get lastDeliveredSequence() {
        return lastDelivered;
      },
      async next(): Promise<AlertEvent> {
        for (;;) {
          if (closedByClient || feed.closed) throw new FeedClosedError();
          if (cursor < feed.evicted) throw new SubscriberLaggedError(lastDelivered);
          const end = feed.evicted + feed.events.length;
          while (cursor < end) {
            const ev = feed.events[cursor - feed.evicted];
            cursor++;
            if (matchesFilter(ev.alert, filter)) {
              lastDelivered = ev.sequence;
              return ev;
            }
          }
          await new Promise<void>((resolve) => feed.waiters.push(resolve));
        }
      },
      close() {
        closedByClient = true;
        feed.wake();
      },
      async *[Symbol.asyncIterator]() {
        try {
          for (;;) yield await sub.next();
        } catch (err) {
          if (err instanceof FeedClosedError) return;
          throw err;
        }
      },
    };
    return sub;
  }

  get(alertId: string): AlertState | undefined {
    return this.states.get(alertId);
  }

  *openAlerts(): Iterable<Alert> {
    for (const s of this.states.values()) if (s.alert.status !== 'resolved') yield s.alert;
  }

  list(q: AlertListQuery): AlertListPage {
    const statuses = q.statuses && q.statuses.length > 0 ? new Set(q.statuses) : null;
    const regions = q.regions && q.regions.length > 0 ? new Set(q.regions) : null;
    const cursor = q.pageToken ? decodePageToken(q.pageToken) : null;
    const matching: Alert[] = [];
    for (const { alert } of this.states.values()) {
      if (statuses && !statuses.has(alert.status)) continue;
      if (regions && !regions.has(alert.region)) continue;
      if (q.fromTime !== undefined && alert.updated_at < q.fromTime) continue;
      if (q.toTime !== undefined && alert.updated_at >= q.toTime) continue;
      if (cursor && compareAlertOrder(alert, cursor) <= 0) continue;
      matching.push(alert);
    }
    // Order by (opened_at, alert_id): opened_at never changes, so the cursor stays valid as alerts update.
    matching.sort((a, b) => compareAlertOrder(a, { openedAt: b.opened_at, alertId: b.alert_id }));
    const page = matching.slice(0, q.pageSize);
    const more = matching.length > q.pageSize;
    const lastOfPage = page[page.length - 1];
    return {
      alerts: page,
      nextPageToken: more && lastOfPage ? encodePageToken(lastOfPage.opened_at, lastOfPage.alert_id) : '',
    };
  }

  close(): void {
    this.closed = true;
    this.wake();
  }

  private firstIndexAfter(sequence: number): number {
    let lo = 0;
    let hi = this.events.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (this.events[mid].sequence <= sequence) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  private wake(): void {
    const w = this.waiters;
    this.waiters = [];
    for (const resolve of w) resolve();
  }
}

interface AlertCursor {
  openedAt: number;
  alertId: string;
}

function compareAlertOrder(a: Alert, c: AlertCursor): number {
  if (a.opened_at !== c.openedAt) return a.opened_at - c.openedAt;
  return a.alert_id < c.alertId ? -1 : a.alert_id > c.alertId ? 1 : 0;
}

function encodePageToken(openedAt: number, alertId: string): string {
  return Buffer.from(JSON.stringify([openedAt, alertId]), 'utf8').toString('base64url');
}

function decodePageToken(token: string): AlertCursor {
  try {
    const v: unknown = JSON.parse(Buffer.from(token, 'base64url').toString('utf8'));
    if (Array.isArray(v) && v.length === 2 && Number.isSafeInteger(v[0]) && typeof v[1] === 'string') {
      return { openedAt: v[0], alertId: v[1] };
    }
  } catch {
    // fall through
  }
  throw new InvalidPageTokenError('page_token is not a token returned by a previous page');
}
