// What the gRPC API serves, fed two ways: live from the engine (`hotspot run --grpc`), as an engine sink that
// appends every alert event to the feed, keeps each alert's care list and the latest risk per region; or from a
// finished run in the database (`hotspot serve`), read back once.
import type { EngineSink } from '../engine/engine.js';
import type { AlertEvent as EngineAlertEvent } from '../hotspots/alert.js';
import type { ScoredWindow } from '../hotspots/scored-window.js';
import type { OutreachMessage } from '../outreach/outreach-message.js';
import type { Store } from '../store/store.js';
import type { AlertEventInput } from './alert-event.js';
import { InMemoryAlertFeed, type AlertFeed } from './alert-feed.js';
import type { OutreachQuery, RegionRiskQuery, RegionRiskRow } from './queries.js';

/** Care lists per alert, in sending order (proactive, then restoration, each by rank). */
export class CareLists implements OutreachQuery {
  private readonly byAlert = new Map<string, OutreachMessage[]>();

  add(messages: readonly OutreachMessage[]): void {
    for (const m of messages) {
      let list = this.byAlert.get(m.alertId);
      if (!list) this.byAlert.set(m.alertId, (list = []));
      list.push(m);
    }
  }

  forAlert(alertId: string): readonly OutreachMessage[] | undefined {
    return this.byAlert.get(alertId);
  }
}

/** Latest users at risk and expected complaints (sum of probabilities) per region. */
export class RegionRisk implements RegionRiskQuery {
  private readonly rows = new Map<string, RegionRiskRow>();

  constructor(regions: readonly string[]) {
    for (const region of regions) this.rows.set(region, { region, usersAtRisk: 0, expectedComplaints: 0, asOf: 0 });
  }

  onScoredWindow(w: ScoredWindow, regions: readonly string[], threshold: number): void {
    const atRisk = new Float64Array(regions.length);
    const expected = new Float64Array(regions.length);
    const { regionIndex, probability } = w;
    for (let i = 0; i < probability.length; i++) {
      const r = regionIndex[i];
      if (r < 0 || r >= regions.length) continue;
      expected[r] += probability[i];
      if (probability[i] >= threshold) atRisk[r]++;
    }
    for (let r = 0; r < regions.length; r++) {
      this.set({ region: regions[r], usersAtRisk: atRisk[r], expectedComplaints: expected[r], asOf: w.windowEnd });
    }
  }

  set(row: RegionRiskRow): void {
    this.rows.set(row.region, row);
  }

  regions(): readonly RegionRiskRow[] {
    return [...this.rows.values()];
  }
}

export interface ApiViews {
  alerts: AlertFeed;
  outreach: CareLists;
  regionRisk: RegionRisk;
}

/** The engine's alert events in the API's shape (the API schema keeps the fields DESIGN.md §7 names). */
export function toApiEvent(e: EngineAlertEvent): AlertEventInput {
  return e as unknown as AlertEventInput;
}

/** An engine sink that keeps the API views current while a run goes on. */
export function liveApiSink(regions: readonly string[]): { sink: EngineSink; views: ApiViews } {
  const views: ApiViews = { alerts: new InMemoryAlertFeed(), outreach: new CareLists(), regionRisk: new RegionRisk(regions) };
  const sink: EngineSink = {
    name: 'grpc',
    onScoredWindow: (w, rs, threshold) => views.regionRisk.onScoredWindow(w, rs, threshold),
    onAlertEvents: (events) => {
      for (const e of events) views.alerts.append(toApiEvent(e));
    },
    onOutreach: (messages) => views.outreach.add(messages),
  };
  return { sink, views };
}

/** The API views of a stored run: every alert event in sequence order, its care lists, its last window's risk. */
export async function storedApiViews(store: Store, runId: string, regions: readonly string[]): Promise<ApiViews> {
  const views: ApiViews = { alerts: new InMemoryAlertFeed({ retainedEvents: 1_000_000 }), outreach: new CareLists(), regionRisk: new RegionRisk(regions) };
  for (const e of await store.alertEvents(runId)) views.alerts.append(toApiEvent(e));
  const outreach = await store.query(
    `SELECT alert_id, kind, rank, tier, msisdn, user_id, vip_level, probability, region, severity,
            epoch_ms(listed_at) AS listed_at, epoch_ms(send_at) AS send_at
     FROM outreach WHERE run_id = $1 ORDER BY alert_id, kind, rank`,
    [runId],
  );
  views.outreach.add(
    outreach.map((m) => ({
      alertId: String(m.alert_id),
      kind: m.kind as OutreachMessage['kind'],
      rank: Number(m.rank),
      tier: m.tier as OutreachMessage['tier'],
      msisdn: String(m.msisdn),
      userId: String(m.user_id),
      vipLevel: Number(m.vip_level),
      probability: Number(m.probability),
      region: String(m.region),
      severity: m.severity as OutreachMessage['severity'],
      listedAt: Number(m.listed_at),
      sendAt: Number(m.send_at),
    })),
  );
  const risk = await store.query(
    `SELECT region, count(*) FILTER (at_risk) AS at_risk, sum(probability) AS expected, epoch_ms(max(window_end)) AS as_of
     FROM scored_windows
     WHERE run_id = $1 AND window_start = (SELECT max(window_start) FROM scored_windows WHERE run_id = $1)
     GROUP BY region`,
    [runId],
  );
  for (const r of risk) {
    if (r.region === null) continue;
    views.regionRisk.set({ region: String(r.region), usersAtRisk: Number(r.at_risk), expectedComplaints: Number(r.expected), asOf: Number(r.as_of) });
  }
  return views;
}
