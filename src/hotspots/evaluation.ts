// Replay metrics (DESIGN.md §6): did the alerts come before the complaint hotspots customer service would have
// declared, and how many alerts matched nothing? The truth is complaints only, as DESIGN says; injected faults
// (simulator scenarios) are optional extra truth for the suspected-cause accuracy.
//
// Definitions (all times epoch ms, event time):
// - Hotspot: N complaints of one category in one region within T (defaults 5, 2 h). Declared at the Nth
//   complaint. One hotspot per region+category episode: the episode lasts while complaints of that kind keep
//   coming less than T apart; a new hotspot needs N fresh complaints after the episode ended.
// - An alert *catches* a hotspot when the hotspot's region is among the alert's regions (as of declaration),
//   it opened at or before the declaration, at most `maxLeadHours` before it (older alerts are about
//   something else), and it had not resolved more than `graceHours` before the hotspot's first complaint
//   (complaints lag the fault, so a just-resolved alert still explains them). Lead = declaration − the
//   earliest catching alert's opened_at.
// - An alert is *late* for a hotspot when it opened in (or grew into) the hotspot's region after the
//   declaration but before the episode ended (+ grace): right, but no lead. Late alerts are not false alerts;
//   the hotspot is not caught.
// - False alert: an alert that catches no hotspot and is late for none. An alert merged into another is
//   judged as part of the survivor (same incident), not on its own.
// - false_alerts_per_1000_cell_hours = false_alerts / (cells × replay hours / 1000).
// - Suspected cause of a caught hotspot: what ops were shown for that region at the declaration — the cause, at
//   that moment, of the alert then holding the region (if several do, the one with most users at risk there,
//   then the earliest opened; if none holds it any more, the alert that last did). Not the final cause (hindsight), and not a timeline folded from merged alerts
//   (a merge joins incidents for the lead, but each alert showed its own cause while it existed).
// - Injected fault behind a hotspot (cause truth): with the faults' affected users (simulator truth), the fault
//   behind most of the complaints that declared it; otherwise the fault running in the region when the catching
//   alert opened (see matchFault).
import { z } from 'zod';
import { auc, precisionRecallAt, prAuc } from '../model/metrics.js';
import { COMPLAINT_CATEGORIES, type Complaint, type ComplaintCategory } from '../schema/side-files.js';
import type { AlertEvent } from './alert.js';
import type { FaultDomain } from './cause-domains.js';

const HOUR_MS = 3_600_000;

export const DEFAULT_HOTSPOT_MIN_COMPLAINTS = 5;
export const DEFAULT_HOTSPOT_WINDOW_HOURS = 2;
export const DEFAULT_MAX_LEAD_HOURS = 24;
export const DEFAULT_GRACE_HOURS = 2;

export const evaluationConfigSchema = z.object({
  hotspotMinComplaints: z.number().int().min(1).default(DEFAULT_HOTSPOT_MIN_COMPLAINTS),
  hotspotWindowHours: z.number().positive().default(DEFAULT_HOTSPOT_WINDOW_HOURS),
  maxLeadHours: z.number().positive().default(DEFAULT_MAX_LEAD_HOURS),
  graceHours: z.number().nonnegative().default(DEFAULT_GRACE_HOURS),
  /** Categories that count as network complaints (default: all but `other`). */
  categories: z.array(z.enum(COMPLAINT_CATEGORIES)).default(['no_signal', 'cannot_connect', 'slow_data', 'call_drop', 'voice']),
});
export type EvaluationConfig = z.infer<typeof evaluationConfigSchema>;
export type EvaluationConfigInput = z.input<typeof evaluationConfigSchema>;

export interface ComplaintHotspot {
  region: string;
  category: ComplaintCategory;
  /** First of the N complaints that declared it. */
  firstComplaintAt: number;
  declaredAt: number;
  /** Last complaint of the episode. */
  endAt: number;
  complaints: number;
}

/** An alert folded from its events: what evaluation needs. */
export interface AlertSpan {
  alertId: string;
  openedAt: number;
  /** null while still open at the end of the replay. */
  resolvedAt: number | null;
  /** Regions over time: (time the region joined, region). */
  regionsSince: Array<{ at: number; region: string }>;
  /** Suspected cause over time: (time, cause). */
  causes: Array<{ at: number; cause: FaultDomain }>;
}

/** A fault the simulator injected (optional truth for cause accuracy and fault-aware false alerts). */
export interface InjectedFault {
  domain: FaultDomain;
  regions: string[];
  startAt: number;
  endAt: number;
  /**
   * MSISDNs of the users the fault affected, when the truth has them (the simulator's does): then a hotspot's
   * fault is the one its complaints came from, which is exact when two faults overlap in one region.
   */
  msisdns?: readonly string[];
}

export interface HotspotOutcome extends ComplaintHotspot {
  caughtBy: string | null;
  leadMinutes: number | null;
  lateAlert: string | null;
  /** Suspected cause shown for the region at declaration, and the injected fault's domain if one matched. */
  suspectedCause: FaultDomain | null;
  /** The alert whose cause that was (the catching incident, or one of the alerts merged into it). */
  causeAlert: string | null;
  injectedDomain: FaultDomain | null;
  /**
   * With the faults' users: every domain of a fault that had hit the users behind the declaring complaints by
   * the time they complained. More than one when faults overlap in the same users (a DNS fault among users a PGW
   * fault already hit): then any of them is a defensible cause.
   */
  injectedDomains: FaultDomain[];
}

export interface HotspotMetrics {
  hotspots: number;
  caught: number;
  late: number;
  missed: number;
  recall: number;
  median_lead_minutes: number | null;
  lead_minutes: number[];
  alerts: number;
  false_alerts: number;
  false_alerts_per_1000_cell_hours: number;
  cell_hours: number;
  /** Complaints without a region (cannot be placed; counted, not used). */
  unlocated_complaints: number;
  /** Share of caught hotspots with a matching injected fault whose suspected cause equals the fault's domain. */
  cause_accuracy: number | null;
  /** Same, counting a cause right when it is the domain of any fault that had hit the complainants (needs fault users). */
  cause_accuracy_any_fault: number | null;
  /** Alerts matching neither a hotspot nor an injected fault (only when faults are given). */
  false_alerts_vs_faults: number | null;
  outcomes: HotspotOutcome[];
  false_alert_ids: string[];
}

export function parseEvaluationConfig(input: unknown = {}): EvaluationConfig {
  const parsed = evaluationConfigSchema.safeParse(input ?? {});
  if (!parsed.success) throw new Error(`invalid evaluation config: ${z.prettifyError(parsed.error)}`);
  return parsed.data;
}

/** Ground-truth hotspots from complaints. Complaints without a region are counted in `unlocated`. */
export function complaintHotspots(complaints: readonly Complaint[], config: EvaluationConfigInput = {}): { hotspots: ComplaintHotspot[]; unlocated: number } {
  const cfg = parseEvaluationConfig(config);
  const windowMs = cfg.hotspotWindowHours * HOUR_MS;
  const n = cfg.hotspotMinComplaints;
  const wanted = new Set<string>(cfg.categories);
  const byKey = new Map<string, number[]>();
  let unlocated = 0;
  for (const c of complaints) {
    if (!wanted.has(c.category)) continue;
    if (!c.region) {
      unlocated++;
      continue;
    }
    const key = `${c.region}\u0000${c.category}`;
    const times = byKey.get(key) ?? [];
    times.push(c.time);
    byKey.set(key, times);
  }
  const hotspots: ComplaintHotspot[] = [];
  for (const [key, times] of byKey) {
    const [region, category] = key.split('\u0000') as [string, ComplaintCategory];
    times.sort((a, b) => a - b);
    let start = 0; // first complaint not yet part of an ended episode
    let episode: ComplaintHotspot | null = null;
    for (let j = 0; j < times.length; j++) {
      const t = times[j];
      if (episode) {
        if (t - episode.endAt <= windowMs) {
          episode.endAt = t;
          episode.complaints++;
          continue;
        }
        hotspots.push(episode);
        episode = null;
        start = j;
      }
      while (t - times[start] > windowMs) start++;
      if (j - start + 1 >= n) {
        episode = { region, category, firstComplaintAt: times[j - n + 1], declaredAt: t, endAt: t, complaints: n };
      }
    }
    if (episode) hotspots.push(episode);
  }
  hotspots.sort((a, b) => a.declaredAt - b.declaredAt || a.region.localeCompare(b.region) || a.category.localeCompare(b.category));
  return { hotspots, unlocated };
}

/** Folds alert events (in sequence order) into one span per incident; merged-away alerts join their survivor. */
export function alertSpans(events: readonly AlertEvent[]): AlertSpan[] {
  const spans = new Map<string, AlertSpan>();
  const mergedInto = new Map<string, string>();
  const sorted = [...events].sort((a, b) => a.sequence - b.sequence);
  for (const e of sorted) {
    const a = e.alert;
    let span = spans.get(a.alert_id);
    if (!span) {
      span = { alertId: a.alert_id, openedAt: a.opened_at, resolvedAt: null, regionsSince: [], causes: [] };
      spans.set(a.alert_id, span);
    }
    const at = a.updated_at;
    for (const r of e.regions.length > 0 ? e.regions : [a.region]) {
      if (!span.regionsSince.some((x) => x.region === r)) span.regionsSince.push({ at, region: r });
    }
    if (span.causes.at(-1)?.cause !== a.suspected_cause) span.causes.push({ at, cause: a.suspected_cause });
    if (a.status === 'resolved') {
      span.resolvedAt = e.resolved_at ?? at;
      if (e.merged_into) mergedInto.set(a.alert_id, e.merged_into);
    }
  }
  // Fold merged alerts into their (final) survivor: the incident was known since the earliest of them.
  const root = (id: string): string => {
    let r = id;
    for (let guard = 0; mergedInto.has(r) && guard < 1000; guard++) r = mergedInto.get(r)!;
    return r;
  };
  for (const [from] of mergedInto) {
    const target = spans.get(root(from));
    const source = spans.get(from);
    if (!target || !source || target === source) continue;
    const mergeAt = source.resolvedAt ?? target.openedAt;
    target.openedAt = Math.min(target.openedAt, source.openedAt);
    for (const r of source.regionsSince) {
      const existing = target.regionsSince.find((x) => x.region === r.region);
      if (!existing) target.regionsSince.push({ ...r });
      else existing.at = Math.min(existing.at, r.at);
    }
    target.causes = [...source.causes.filter((c) => c.at < mergeAt), ...target.causes].sort((a, b) => a.at - b.at);
    spans.delete(from);
  }
  return [...spans.values()].sort((a, b) => a.openedAt - b.openedAt || a.alertId.localeCompare(b.alertId));
}

function inRegionBy(span: AlertSpan, region: string, by: number): boolean {
  return span.regionsSince.some((r) => r.region === region && r.at <= by);
}

function causeAt(span: AlertSpan, at: number): FaultDomain | null {
  let cause: FaultDomain | null = span.causes[0]?.cause ?? null;
  for (const c of span.causes) if (c.at <= at) cause = c.cause;
  return cause;
}

export interface EvaluateInput {
  events: readonly AlertEvent[];
  complaints: readonly Complaint[];
  /** Number of cells in the topology and the replay's time range, for the per-cell-hour rate. */
  cells: number;
  startAt: number;
  endAt: number;
  faults?: readonly InjectedFault[];
  config?: EvaluationConfigInput;
}

export function evaluateHotspots(input: EvaluateInput): HotspotMetrics {
  const cfg = parseEvaluationConfig(input.config ?? {});
  const maxLeadMs = cfg.maxLeadHours * HOUR_MS;
  const graceMs = cfg.graceHours * HOUR_MS;
  const { hotspots, unlocated } = complaintHotspots(input.complaints, cfg);
  const spans = alertSpans(input.events);
  const timelines = alertTimelines(input.events);
  const faultUsers = faultsByUser(input.faults);
  // The complaints that declared a hotspot: its region and category, from its first to its declaring complaint.
  const complaintsOf = (h: ComplaintHotspot): Complaint[] =>
    input.complaints.filter((c) => c.region === h.region && c.category === h.category && c.time >= h.firstComplaintAt && c.time <= h.declaredAt);
  const useful = new Set<string>();
  const outcomes: HotspotOutcome[] = hotspots.map((h) => {
    const catching = spans.filter(
      (s) =>
        s.openedAt <= h.declaredAt &&
        s.openedAt >= h.declaredAt - maxLeadMs &&
        (s.resolvedAt ?? Infinity) >= h.firstComplaintAt - graceMs &&
        inRegionBy(s, h.region, h.declaredAt),
    );
    for (const s of catching) useful.add(s.alertId);
    const late = spans.filter((s) =>
      s.regionsSince.some((r) => r.region === h.region && r.at > h.declaredAt && r.at <= h.endAt + graceMs),
    );
    for (const s of late) useful.add(s.alertId);
    const first = catching[0] ?? null; // spans are sorted by openedAt
    const fault = first
      ? (faultOfComplaints(faultUsers, complaintsOf(h)) ?? matchFault(input.faults, h, first.openedAt, maxLeadMs))
      : null;
    const shown = first ? causeShown(timelines, h.region, h.declaredAt) : null;
    return {
      ...h,
      caughtBy: first?.alertId ?? null,
      leadMinutes: first ? (h.declaredAt - first.openedAt) / 60_000 : null,
      lateAlert: first ? null : (late[0]?.alertId ?? null),
      suspectedCause: first ? (shown?.cause ?? causeAt(first, h.declaredAt)) : null,
      causeAlert: first ? (shown?.alertId ?? first.alertId) : null,
      injectedDomain: fault?.domain ?? null,
      injectedDomains: first ? faultDomainsOfComplaints(faultUsers, complaintsOf(h)) : [],
    };
  });
  const caught = outcomes.filter((o) => o.caughtBy !== null);
  const leads = caught.map((o) => o.leadMinutes!).sort((a, b) => a - b);
  const falseIds = spans.filter((s) => !useful.has(s.alertId)).map((s) => s.alertId);
  const cellHours = (input.cells * Math.max(0, input.endAt - input.startAt)) / HOUR_MS;
  const withFault = caught.filter((o) => o.injectedDomain !== null);
  let falseVsFaults: number | null = null;
  if (input.faults) {
    falseVsFaults = spans.filter(
      (s) => !useful.has(s.alertId) && !input.faults!.some((f) => overlapsFault(s, f, graceMs)),
    ).length;
  }
  return {
    hotspots: hotspots.length,
    caught: caught.length,
    late: outcomes.filter((o) => o.caughtBy === null && o.lateAlert !== null).length,
    missed: outcomes.filter((o) => o.caughtBy === null).length,
    recall: hotspots.length > 0 ? caught.length / hotspots.length : Number.NaN,
    median_lead_minutes: median(leads),
    lead_minutes: leads,
    alerts: spans.length,
    false_alerts: falseIds.length,
    false_alerts_per_1000_cell_hours: cellHours > 0 ? (falseIds.length * 1000) / cellHours : Number.NaN,
    cell_hours: cellHours,
    unlocated_complaints: unlocated,
    cause_accuracy: withFault.length > 0 ? withFault.filter((o) => o.suspectedCause === o.injectedDomain).length / withFault.length : null,
    cause_accuracy_any_fault:
      faultUsers && withFault.length > 0
        ? withFault.filter((o) => o.suspectedCause === o.injectedDomain || (o.suspectedCause !== null && o.injectedDomains.includes(o.suspectedCause))).length /
          withFault.length
        : null,
    false_alerts_vs_faults: falseVsFaults,
    outcomes,
    false_alert_ids: falseIds,
  };
}

/** What one alert showed over time (unfolded: merged alerts keep their own history). */
interface AlertTimeline {
  openedAt: number;
  states: Array<{ at: number; regions: readonly string[]; cause: FaultDomain; resolved: boolean; usersIn: Record<string, number> }>;
}

function alertTimelines(events: readonly AlertEvent[]): Map<string, AlertTimeline> {
  const out = new Map<string, AlertTimeline>();
  for (const e of [...events].sort((a, b) => a.sequence - b.sequence)) {
    const a = e.alert;
    let t = out.get(a.alert_id);
    if (!t) out.set(a.alert_id, (t = { openedAt: a.opened_at, states: [] }));
    const resolved = a.status === 'resolved';
    t.states.push({
      at: resolved ? (e.resolved_at ?? a.updated_at) : a.updated_at,
      regions: e.regions.length > 0 ? e.regions : [a.region],
      cause: a.suspected_cause,
      resolved,
      usersIn: e.region_users_at_risk ?? {},
    });
  }
  return out;
}

/**
 * The suspected cause ops saw for a region at time `at`: the alert holding the region then (the one with most
 * users at risk there — what the region's trouble is about — then the earliest opened), or else the alert that
 * held it last before. Alerts update together at every window, so several usually held the region at that last
 * moment: among them the same order applies (most users at risk there, as last reported before resolving; then
 * the earliest opened).
 */
function causeShown(timelines: Map<string, AlertTimeline>, region: string, at: number): { alertId: string; cause: FaultDomain } | null {
  let holding: { alertId: string; openedAt: number; users: number; cause: FaultDomain } | null = null;
  let last: { alertId: string; at: number; openedAt: number; users: number; cause: FaultDomain } | null = null;
  for (const [alertId, t] of timelines) {
    if (t.openedAt > at) continue;
    let state: AlertTimeline['states'][number] | null = null;
    let lastHere: { at: number; users: number; cause: FaultDomain } | null = null;
    for (const s of t.states) {
      if (s.at > at) break;
      state = s;
      if (s.regions.includes(region)) {
        // A resolving event reports no users at risk: keep the users the alert last reported there.
        lastHere = { at: s.at, users: s.resolved && lastHere ? lastHere.users : (s.usersIn[region] ?? 0), cause: s.cause };
      }
    }
    if (lastHere && (!last || lastHere.at > last.at || (lastHere.at === last.at && ranksBefore(lastHere.users, t.openedAt, last)))) {
      last = { alertId, at: lastHere.at, openedAt: t.openedAt, users: lastHere.users, cause: lastHere.cause };
    }
    if (state && !state.resolved && state.regions.includes(region)) {
      const users = state.usersIn[region] ?? 0;
      if (!holding || ranksBefore(users, t.openedAt, holding)) holding = { alertId, openedAt: t.openedAt, users, cause: state.cause };
    }
  }
  return holding ?? last;
}

/** Which of two alerts in a region is its trouble: more users at risk there, then the earlier opened. */
const ranksBefore = (users: number, openedAt: number, other: { users: number; openedAt: number }): boolean =>
  users > other.users || (users === other.users && openedAt < other.openedAt);

function faultsByUser(faults: readonly InjectedFault[] | undefined): Map<string, InjectedFault[]> | null {
  if (!faults || !faults.some((f) => f.msisdns)) return null;
  const byUser = new Map<string, InjectedFault[]>();
  for (const f of faults) for (const m of f.msisdns ?? []) byUser.set(m, [...(byUser.get(m) ?? []), f]);
  return byUser;
}

/**
 * The injected fault most of a hotspot's complaints came from: for each complaint, the latest-starting fault that
 * affected its user and had started by then. Null when no complaint can be attributed (background complaints).
 */
function faultOfComplaints(byUser: Map<string, InjectedFault[]> | null, complaints: readonly Complaint[]): InjectedFault | null {
  if (!byUser) return null;
  const votes = new Map<InjectedFault, number>();
  for (const c of complaints) {
    let best: InjectedFault | null = null;
    for (const f of byUser.get(c.msisdn) ?? []) if (f.startAt <= c.time && (!best || f.startAt > best.startAt)) best = f;
    if (best) votes.set(best, (votes.get(best) ?? 0) + 1);
  }
  let winner: InjectedFault | null = null;
  for (const [f, n] of votes) {
    const w = winner ? votes.get(winner)! : 0;
    if (n > w || (n === w && winner && f.startAt > winner.startAt)) winner = f;
  }
  return winner;
}

/** Domains of every fault that had hit a declaring complaint's user by the time of the complaint. */
function faultDomainsOfComplaints(byUser: Map<string, InjectedFault[]> | null, complaints: readonly Complaint[]): FaultDomain[] {
  if (!byUser) return [];
  const domains = new Set<FaultDomain>();
  for (const c of complaints) for (const f of byUser.get(c.msisdn) ?? []) if (f.startAt <= c.time) domains.add(f.domain);
  return [...domains].sort();
}

/**
 * The injected fault behind a caught hotspot when the truth has no affected users: in its region, not over more than maxLead before its first
 * complaint (complaints lag), and already running when the catching alert opened (an alert cannot be about a
 * fault that had not started). The latest such start wins; when none had started, the latest before declaration.
 */
function matchFault(faults: readonly InjectedFault[] | undefined, h: ComplaintHotspot, alertOpenedAt: number, maxLeadMs: number): InjectedFault | null {
  if (!faults) return null;
  const latestStartingBy = (by: number) => {
    let best: InjectedFault | null = null;
    for (const f of faults) {
      if (!f.regions.includes(h.region) || f.startAt > by || f.endAt + maxLeadMs < h.firstComplaintAt) continue;
      if (!best || f.startAt > best.startAt) best = f;
    }
    return best;
  };
  return latestStartingBy(alertOpenedAt) ?? latestStartingBy(h.declaredAt);
}

function overlapsFault(s: AlertSpan, f: InjectedFault, graceMs: number): boolean {
  const end = s.resolvedAt ?? Infinity;
  return s.openedAt <= f.endAt + graceMs && end >= f.startAt && s.regionsSince.some((r) => f.regions.includes(r.region));
}

export function median(sorted: readonly number[]): number | null {
  if (sorted.length === 0) return null;
  const m = sorted.length >> 1;
  return sorted.length % 2 ? sorted[m] : (sorted[m - 1] + sorted[m]) / 2;
}

export interface UserLevelMetrics {
  auc: number;
  pr_auc: number;
  precision: number;
  recall: number;
  threshold: number;
  samples: number;
  positives: number;
}

/** User-window metrics at the operating threshold (label: the user complained within the horizon). */
export function userLevelMetrics(probability: ArrayLike<number>, label: ArrayLike<number>, threshold: number): UserLevelMetrics {
  const pr = precisionRecallAt(probability, label, threshold);
  return {
    auc: auc(probability, label),
    pr_auc: prAuc(probability, label),
    precision: pr.precision,
    recall: pr.recall,
    threshold,
    samples: probability.length,
    positives: pr.positives,
  };
}
