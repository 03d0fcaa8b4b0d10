// Hotspot detection: per closed window, users at risk and expected complaints per cell against a per-cell,
// per-hour baseline; hot cells clustered into incidents; one alert per incident through open → updated →
// resolved with hysteresis. Deterministic: ids and sequence numbers depend only on the input windows, so a
// restart that replays the same input (or restores a snapshot) produces the same events.
//
// Each window, in order:
//  1. aggregate: per cell, users scored, at risk (probability ≥ threshold), expected complaints (Σ p), VIPs;
//  2. classify cells against the baseline λ (cell × hour-of-day EWMA, prior while young): hot when at-risk users
//     ≥ cell.minUsersAtRisk with Poisson tail < cell.openPValue, warm when the tail < cell.sustainPValue; an
//     eNB or region whose sum is significant promotes its above-baseline cells to hot (thin, wide faults);
//  3. cluster hot cells into incidents: neighbours (same eNB, same TAC, ≤ neighbourKm) with the same dominant
//     domain — TreeSHAP share plus causeCodeWeight × the cause codes that moved, the same evidence that names
//     an alert's cause; region/network-scoped domains (core, subscription, pgw_apn, dns) join across the scope;
//  4. one incident = one alert: a cluster joins an active alert of its own TreeSHAP domain (or is a small
//     remnant) through its cells, its footprint, a neighbour, or — region/network scope — a region the alert
//     has held; a local cluster bridging alerts of its domain merges them into the oldest; cells no alert
//     reaches are judged on their own: an untouched cluster opens a new alert if above the floors and
//     significant (and, for region/network scope, lifting its whole scope);
//  4b. a young, small network-scoped alert followed within precursorWindows by a larger alert of another domain
//     in its regions was that incident's first sign: it folds into it (resolved, merged_into);
//  4c. a second incident over the same cells (a DNS fault among a PGW fault's users, a PGW fault among a lingering
//     MME storm's): each at-risk user has a domain of their own (their TreeSHAP by domain + their moved cause
//     codes); users of another network domain, or with codes new since the alert opened, split off as their own
//     alert (or join that domain's alert already reaching them) and the cells are shared — each user counts for
//     the alert of their own domain, once. A local incident (a crowd, a backhaul) inside a network/region alert's
//     cells splits off too: neighbouring hot cells where most users at risk are its own and do not carry the
//     wide alert's codes;
//  5. an alert keeps only cells whose users still point at its domain, and stays while they are jointly above
//     baseline (alert.sustainPValue); after
//     alert.resolveAfterWindows windows that are not, it resolves — easy to stay, hard to open: no flapping;
//  6. severity (peak over the incident) from users at risk, expected complaints and VIPs; suspected cause and
//     evidence from the at-risk users' summed TreeSHAP per domain plus the cause codes that moved; a core or
//     subscription incident confined to one small cluster of neighbouring eNBs (far more of its users there than
//     on the rest of their regions, no MME overload codes) is named radio: a cut-over misconfiguration;
//  7. cells outside alerts teach the baseline; the first warmupWindows windows only teach. A cell without history
//     is judged against what the rest of the network shows this window for as many users (cold start), so a
//     restart does not need an hour of calibration before it can alert.
//
// Usage:
//   const detector = new HotspotDetector(topology, subscribers, { threshold: card.threshold });
//   for (const w of windows) for (const e of detector.onWindow(w)) sink(e);
//   for (const e of detector.finish()) sink(e);          // end of a finite input (replay)
//   outreach.onAlertEvent(e, detector.affectedUsers(e.alert.alert_id));
import { createHash } from 'node:crypto';
import { z } from 'zod';
import type { Subscriber, Topology } from '../schema/side-files.js';
import {
  severityRank,
  SEVERITIES,
  type AffectedUser,
  type AlertEvent,
  type AlertRecord,
  type EvidenceItem,
  type FeatureContribution,
  type Severity,
} from './alert.js';
import { CellHourBaseline, HOURS_PER_DAY, type BaselineState } from './baseline.js';
import { FAULT_DOMAINS, mapFeatureDomains, type FaultDomain, type FeatureDomainMap } from './cause-domains.js';
import {
  DEFAULT_DOMAIN_SCOPE,
  parseDetectorConfig,
  type DetectorConfig,
  type DetectorConfigInput,
  type DomainScope,
} from './detector-config.js';
import { poissonUpperTail } from './poisson.js';
import { detectorSnapshotSchema } from './detector-snapshot.js';
import type { ScoredWindow } from './scored-window.js';

const N_DOMAINS = FAULT_DOMAINS.length;
/** userCode packs (windowStart, domain) as windowStart × CODE_PACK + domain: exact in float64 for epoch ms. */
const CODE_PACK = 8;
const LEVEL_NORMAL = 0;
const LEVEL_WARM = 1; // above baseline enough to keep a cell in an existing alert
const LEVEL_HOT = 2; // significant on its own: may start an alert
const SNAPSHOT_VERSION = 2;
const ATTRIBUTION_KEEP_SHARE = 0.5;
/** A cell leaves an alert when the alert's domain scores below this share of the cell's top domain. */
const OTHER_DOMAIN_SHARE = 0.5;
/** A domain's codes were part of an alert's opening signature when they held at least this share of its code lift. */
const OPEN_CODE_SHARE = 0.2;

/** Counters a caller can report; nothing the detector drops goes uncounted. */
export interface DetectorStats {
  windows: number;
  rows: number;
  /** Rows whose cell is unknown (NaN or not in the topology): scored, but cannot be placed on the map. */
  unlocatedRows: number;
  /** Windows refused (malformed or out of order), with the last reason. */
  rejectedWindows: number;
  lastRejection: string | null;
  events: number;
}

interface ActiveAlert {
  id: string;
  /** Creation order; the oldest alert survives a merge. */
  ordinal: number;
  openedAt: number;
  updatedAt: number;
  /** Cell indices (into topology.cells) currently in the alert. */
  cells: Set<number>;
  /** Every cell the alert has held: a fault flaring up again there is the same incident. */
  footprint: Set<number>;
  quietWindows: number;
  severity: Severity;
  cause: FaultDomain;
  usersAtRisk: number;
  expected: number;
  vip: number;
  baselineAtRisk: number;
  pValue: number;
  causeScores: Record<FaultDomain, number>;
  /** Explained users behind the current attribution. */
  attributedUsers: number;
  /**
   * Domain (FAULT_DOMAINS index) of the largest TreeSHAP share behind the attribution, or -1: what the cells'
   * own users point at, which is what clusters are compared with (the cause may be congestion from load).
   */
  shapDomain: number;
  evidence: EvidenceItem[];
  contributions: FeatureContribution[];
  modelVersion: string;
  affected: Map<number, AffectedUser>;
  /** What the last emitted event said, to decide whether a change is worth an `updated`. */
  emitted: { cellsKey: string; usersAtRisk: number; severity: Severity; cause: FaultDomain };
  /** Bit d set: a domain-d incident has split off this alert once already (never again: no flapping). */
  splitDomains: number;
  /** Bit d set: domain d's cause codes were moving among the alert's users when it was first attributed; -1 before. */
  openCodes: number;
  /**
   * The domain a split-off alert stands for (its users were chosen by their own evidence for it), or -1. Its cause
   * stays that domain: re-attributing it from the model's contributions alone would hand its users back.
   */
  splitFor: number;
}

export interface DetectorSnapshot {
  version: number;
  sequence: number;
  ordinal: number;
  /** null before the first window. */
  lastWindowStart: number | null;
  lastWindowEnd: number;
  stats: DetectorStats;
  baseline: BaselineState;
  /** The network's usual rates per user scored (the prior of cells without history). */
  networkRate: { atRisk: number; expected: number; windows: number };
  alerts: Array<Omit<ActiveAlert, 'cells' | 'footprint' | 'affected'> & { cells: number[]; footprint: number[]; affected: AffectedUser[] }>;
  /** Affected users kept for resolved alerts (the restoration lists), oldest first. */
  resolved: Array<{ alertId: string; users: AffectedUser[] }>;
  /** Each user's last moved cause-code domain (index into FAULT_DOMAINS) and the window it moved in; optional in older snapshots. */
  userCodes?: Array<{ imsi: number; at: number; domain: number }>;
}

export class HotspotDetector {
  readonly config: DetectorConfig;
  readonly stats: DetectorStats = {
    windows: 0,
    rows: 0,
    unlocatedRows: 0,
    rejectedWindows: 0,
    lastRejection: null,
    events: 0,
  };
  private readonly baseline: CellHourBaseline;
  private readonly nCells: number;
  private readonly cellLat: Float64Array;
  private readonly cellLon: Float64Array;
  private readonly cellEnb: Float64Array;
  private readonly cellTac: Float64Array;
  private readonly cellRegion: Int32Array;
  private readonly vipLevelOf = new Map<number, number>();
  private readonly alerts: ActiveAlert[] = [];
  private readonly resolved = new Map<string, AffectedUser[]>();
  private sequence = 0;
  private ordinal = 0;
  private lastWindowStart = -Infinity;
  private lastWindowEnd = 0;
  private domainMap: FeatureDomainMap | null = null;
  /** Rows of each alert slot's at-risk users this window, and per-feature column totals (lazily). */
  private alertRows: number[][] = [];
  private readonly columnTotals = new Map<number, { sum: number; n: number }>();
  /** The window being processed (per-window scratch, never state). */
  private window: ScoredWindow | null = null;
  /** The network rates per user scored used as prior this window (per-window scratch). */
  private coldRate: { atRisk: number; expected: number } | null = null;
  /** The network's usual at-risk users and expected complaints per user scored, learnt outside incidents. */
  private networkRate = { atRisk: 0, expected: 0, windows: 0 };
  // Per-window scratch, reused: one allocation per topology, not per window.
  private rowCell = new Int32Array(0);
  private readonly cellUsers: Int32Array;
  private readonly cellAtRisk: Int32Array;
  private readonly cellVip: Int32Array;
  private readonly cellExpected: Float64Array;
  private readonly cellLambda: Float64Array;
  /** Baseline without the per-cell floor: sums over eNBs and regions must not add up the floors. */
  private readonly cellLambdaRaw: Float64Array;
  private readonly cellEnbIndex: Int32Array;
  private readonly nEnbs: number;
  private readonly cellLevel: Uint8Array;
  private readonly cellAlert: Int32Array;
  // Per-window scratch for second incidents over the same cells (classifyUsers):
  /** Each at-risk row's own domain (-1: none / not at risk). */
  private rowDomain = new Int8Array(0);
  /** Each at-risk row's cause-code domain (the codes that moved most for them), -1 when none moved. */
  private rowCodeDomain = new Int8Array(0);
  /** Per row, a bit per domain whose cause codes moved for the user this window (not remembered ones). */
  private rowCodeMask = new Uint8Array(0);
  /**
   * Per user (IMSI) the domain whose codes last moved for them and when (windowStart × 8 + domain): state, kept for
   * alert.codeMemoryMs so a user still at risk after their fault's codes stopped stays with that incident.
   */
  private readonly userCode = new Map<number, number>();
  /** Each row's index into explainedRows / contributions, -1 when not explained. */
  private rowExplained = new Int32Array(0);
  /** At-risk users per cell × domain, by each user's own evidence. */
  private readonly cellDomainAtRisk: Int32Array;
  /** At-risk users per cell × code domain whose own domain is another one. */
  private readonly cellCodeOnly: Int32Array;
  /** At-risk users per cell × the domain of their remembered codes (moved within codeMemoryMs, not now). */
  private readonly cellRemembered: Int32Array;
  /** At-risk users per cell × own domain × remembered code domain: they are not a second incident of their own domain. */
  private readonly cellRememberedPair: Int32Array;
  /** Users at risk per cell × own domain × a domain whose codes move for them now (same layout). */
  private readonly cellMovingPair: Int32Array;
  /** Cells held by more than one active alert → their slots, ascending (per-window scratch). */
  private readonly sharedCells = new Map<number, number[]>();
  /** Users at risk (and VIPs) each alert got in shared cells this window (per-window scratch). */
  private readonly sharedAtRisk = new Map<ActiveAlert, Map<number, { atRisk: number; vip: number }>>();

  constructor(
    private readonly topology: Topology,
    subscribers: readonly Subscriber[],
    config: DetectorConfigInput = {},
  ) {
    this.config = parseDetectorConfig(config);
    const cells = topology.cells;
    this.nCells = cells.length;
    this.baseline = new CellHourBaseline(this.nCells, this.config.baseline);
    this.cellLat = Float64Array.from(cells, (c) => c.lat);
    this.cellLon = Float64Array.from(cells, (c) => c.lon);
    this.cellEnb = Float64Array.from(cells, (c) => c.enbId);
    this.cellTac = Float64Array.from(cells, (c) => c.tac);
    this.cellRegion = Int32Array.from(cells, (c) => topology.regionOfCell.get(c.eci) ?? -1);
    for (const s of subscribers) if (s.vipLevel > 0) this.vipLevelOf.set(Number(s.imsi), s.vipLevel);
    this.cellUsers = new Int32Array(this.nCells);
    this.cellAtRisk = new Int32Array(this.nCells);
    this.cellVip = new Int32Array(this.nCells);
    this.cellExpected = new Float64Array(this.nCells);
    this.cellLambda = new Float64Array(this.nCells);
    this.cellLambdaRaw = new Float64Array(this.nCells);
    const enbIndex = new Map<number, number>();
    this.cellEnbIndex = Int32Array.from(cells, (c) => {
      if (!enbIndex.has(c.enbId)) enbIndex.set(c.enbId, enbIndex.size);
      return enbIndex.get(c.enbId)!;
    });
    this.nEnbs = enbIndex.size;
    this.cellLevel = new Uint8Array(this.nCells);
    this.cellAlert = new Int32Array(this.nCells);
    this.cellDomainAtRisk = new Int32Array(this.nCells * N_DOMAINS);
    this.cellCodeOnly = new Int32Array(this.nCells * N_DOMAINS);
    this.cellRemembered = new Int32Array(this.nCells * N_DOMAINS);
    this.cellRememberedPair = new Int32Array(this.nCells * N_DOMAINS * N_DOMAINS);
    this.cellMovingPair = new Int32Array(this.nCells * N_DOMAINS * N_DOMAINS);
  }

  /** Alerts currently open (including those in their quiet, not-yet-resolved windows). */
  activeAlerts(): AlertRecord[] {
    return this.alerts.map((a) => this.record(a, 'updated'));
  }

  /**
   * Users at risk in the alert's cells since it opened (full IMSI: for outreach only), highest probability
   * first. Kept for `retainResolvedAlerts` resolved alerts so the restoration list can be built.
   */
  affectedUsers(alertId: string): AffectedUser[] {
    const active = this.alerts.find((a) => a.id === alertId);
    const users = active ? [...active.affected.values()] : [...(this.resolved.get(alertId) ?? [])];
    return users.sort((a, b) => b.probability - a.probability || a.imsi - b.imsi);
  }

  onWindow(w: ScoredWindow): AlertEvent[] {
    const problem = this.validate(w);
    if (problem) {
      this.stats.rejectedWindows++;
      this.stats.lastRejection = problem;
      return [];
    }
    this.stats.windows++;
    this.columnTotals.clear();
    this.window = w;
    this.lastWindowStart = w.windowStart;
    this.lastWindowEnd = w.windowEnd;
    const hour = this.hourOfDay(w.windowStart);
    this.aggregate(w);
    this.networkRates();
    this.classifyCells(hour);
    const cellShap = this.accumulateShap(w);
    this.classifyUsers(w);
    this.sharedCells.clear();
    this.sharedAtRisk.clear();
    const events: AlertEvent[] = [];

    // Hot cells → clusters → matched to active alerts (merging alerts a cluster bridges) or opened as new.
    const clusters = this.clusterHotCells(cellShap);
    const touchedBy = new Map<ActiveAlert, number[][]>();
    const newClusters: number[][] = [];
    for (const whole of clusters) {
      const domain = this.dominantDomain(cellShap, whole);
      const touched = this.alerts.filter((a) => this.touches(a, whole, domain));
      if (touched.length === 0) {
        newClusters.push(whole);
        continue;
      }
      // A network-scoped cluster can span an active alert's regions and new ones: only the cells the alerts
      // can reach join them; the rest is judged as an incident of its own.
      touched.sort((a, b) => a.ordinal - b.ordinal);
      const rest: number[] = [];
      if (this.scope(domain) === 'neighbour') {
        // A local incident that grew to bridge two alerts is one incident: the oldest of its own domain absorbs
        // the others of that domain. Alerts of another domain it merely touches (as a small remnant) are other
        // incidents: a few radio-looking cells between an MME alert and a PGW alert must not make them one.
        const survivor = touched.find((a) => a.shapDomain === domain) ?? touched[0];
        const sameIncident = (a: ActiveAlert) => a.shapDomain < 0 || survivor.shapDomain < 0 || a.shapDomain === survivor.shapDomain;
        const others: ActiveAlert[] = [];
        for (const a of touched) {
          if (a === survivor) continue;
          if (sameIncident(a)) events.push(...this.absorb(survivor, a, w));
          else others.push(a);
        }
        const parts = new Map<ActiveAlert, number[]>();
        for (const c of whole) {
          const owner = [survivor, ...others].find((a) => this.reaches(a, c, domain));
          if (!owner) rest.push(c);
          else parts.set(owner, [...(parts.get(owner) ?? []), c]);
        }
        for (const [alert, cells] of parts) this.grow(touchedBy, alert, cells);
      } else {
        // Same-domain incidents in different regions (two PGW faults, an MME storm and a later one) stay apart:
        // each cell goes to the oldest alert that reaches it.
        const parts = new Map<ActiveAlert, number[]>();
        for (const c of whole) {
          const owner = touched.find((a) => this.reaches(a, c, domain));
          if (!owner) rest.push(c);
          else parts.set(owner, [...(parts.get(owner) ?? []), c]);
        }
        for (const [alert, cells] of parts) this.grow(touchedBy, alert, cells);
      }
      if (rest.length > 0) newClusters.push(rest);
    }

    // Existing alerts: keep cells still above their sustain level, add the clusters that reached them.
    // Cells two alerts held last window (a second incident over the same cells) are judged per alert on the
    // users of its own domain there.
    this.holdCells(this.alerts.map(() => true));
    const sharedBefore = new Map(this.sharedCells);
    this.cellAlert.fill(-1);
    for (const alert of this.alerts) {
      const next = new Set<number>();
      // A cell whose at-risk users now point at another fault domain carries another incident: it leaves this
      // alert (and may open its own), so neither keeps this alert alive nor decides its cause — unless the
      // cell is shared with that incident's alert and still holds users of this alert's own domain. (Requiring
      // those users to be above the cell's baseline on their own lost cause accuracy and opened a false alert
      // on the tuning cities: bench/RESULTS.md.)
      for (const c of alert.cells) {
        if (this.cellLevel[c] < LEVEL_WARM) continue;
        const shared = sharedBefore.has(c);
        if (!this.otherDomain(cellShap, c, alert) || (shared && alert.shapDomain >= 0 && this.cellDomainAtRisk[c * N_DOMAINS + alert.shapDomain] > 0)) next.add(c);
      }
      // A cell of the alert's footprint comes back (or stays) while users at risk there carry its domain's codes
      // that stopped moving within codeMemoryMs: after a PGW fault ends, its users still at risk (and complaining
      // later) belong to it, not to an older MME-storm alert whose stale TreeSHAP they still match.
      const minRemembered = this.config.alert.codeMemoryMinUsers;
      if (this.config.alert.codeMemoryMs > 0 && alert.shapDomain >= 0) {
        for (const c of alert.footprint) {
          if (this.cellLevel[c] >= LEVEL_WARM && this.cellRemembered[c * N_DOMAINS + alert.shapDomain] >= minRemembered) next.add(c);
        }
      }
      const grown = touchedBy.get(alert) ?? [];
      for (const cluster of grown) for (const c of cluster) next.add(c);
      // Hysteresis: easier to stay than to open, but the remaining cells must still be jointly above baseline,
      // or a large alert would be kept alive by the chance of any one of its cells being a little busy. In a
      // shared cell only the users of the alert's own domain count for it.
      const sustained =
        grown.length > 0 || (next.size > 0 && this.ownTotals(alert, next, sharedBefore, w.windowStart).pValue < this.config.alert.sustainPValue);
      if (sustained) {
        alert.cells = next;
        for (const c of next) alert.footprint.add(c);
        alert.quietWindows = 0;
      } else {
        alert.quietWindows++; // keeps its last cells for the record while quiet
      }
    }
    // A quiet alert keeps its last cells for the record, but its users are no longer counted as affected.
    this.holdCells(this.alerts.map((a) => a.quietWindows === 0));

    // New incidents: only clusters above the floors and significant together.
    newClusters.sort((a, b) => this.minEci(a) - this.minEci(b));
    const warm = this.stats.windows > this.config.warmupWindows;
    for (const whole of warm ? newClusters : []) {
      // Cells still held by an alert of another domain stay there; the rest may be a new incident.
      const cluster = whole.filter((c) => this.cellAlert[c] < 0);
      if (cluster.length === 0) continue;
      const t = this.totals(cluster, w.windowStart);
      const { minUsersAtRisk, minExpectedComplaints, openPValue, expectedRatio } = this.config.alert;
      const excess = t.expected - t.baselineExpected;
      const aboveFloor = t.atRisk >= minUsersAtRisk || excess >= minExpectedComplaints;
      const significant =
        (t.pValue < openPValue ||
          (t.atRisk > 0 && excess >= minExpectedComplaints && t.expected >= expectedRatio * Math.max(t.baselineExpected, this.config.baseline.minLambda))) &&
        this.scopeSignificant(cluster, this.dominantDomain(cellShap, cluster));
      if (!aboveFloor || !significant) continue;
      const alert = this.open(cluster, w);
      // Until its first attribution (this window's refresh), the domain its cells point at: a split this window
      // must see it as the alert of that domain.
      alert.shapDomain = this.dominantDomain(cellShap, cluster);
      this.alerts.push(alert);
      for (const c of cluster) this.cellAlert[c] = this.alerts.length - 1;
    }
    if (warm) this.splitSecondIncidents(w);

    // Users at risk in alert cells join the alert's affected list (for outreach and ops).
    this.collectAffected(w);

    // Refresh every active alert and decide what to emit; resolve after N quiet windows (hysteresis).
    const stillActive: ActiveAlert[] = [];
    for (const alert of this.alerts) {
      if (alert.quietWindows >= this.config.alert.resolveAfterWindows) {
        alert.updatedAt = w.windowEnd;
        events.push(this.emit(alert, 'resolved', w.windowEnd, null));
        this.retainResolved(alert);
        continue;
      }
      stillActive.push(alert);
      const isNew = alert.emitted.cellsKey === '';
      this.refresh(alert, w, cellShap);
      if (isNew) {
        events.push(this.emit(alert, 'open', null, null));
      } else if (alert.quietWindows === 0 && this.changedEnough(alert)) {
        alert.updatedAt = w.windowEnd;
        events.push(this.emit(alert, 'updated', null, null));
      }
    }
    this.alerts.length = 0;
    this.alerts.push(...stillActive);
    events.push(...this.foldPrecursors(w));

    // Learn the baseline from cells outside incidents only, so an incident never becomes the new normal.
    this.cellAlert.fill(-1);
    for (const a of this.alerts) for (const c of a.cells) this.cellAlert[c] = 1;
    let users = 0;
    let atRisk = 0;
    let expected = 0;
    for (let c = 0; c < this.nCells; c++) {
      if (this.cellAlert[c] >= 0) continue;
      this.baseline.observe(c, hour, this.cellAtRisk[c], this.cellExpected[c], this.cellUsers[c]);
      users += this.cellUsers[c];
      atRisk += this.cellAtRisk[c];
      expected += this.cellExpected[c];
    }
    if (users >= Math.max(1, this.config.baseline.coldStartMinUsers)) {
      const net = this.networkRate;
      const step = Math.max(this.config.baseline.alpha, 1 / (net.windows + 1));
      net.atRisk += step * (atRisk / users - net.atRisk);
      net.expected += step * (expected / users - net.expected);
      net.windows = Math.min(net.windows + 1, 1e6);
    }
    return events;
  }

  /** End of a finite input: resolves what is still open (resolved_at = end of the last window). */
  finish(): AlertEvent[] {
    const events = this.alerts.map((a) => {
      a.updatedAt = this.lastWindowEnd;
      const e = this.emit(a, 'resolved', this.lastWindowEnd, null);
      this.retainResolved(a);
      return e;
    });
    this.alerts.length = 0;
    return events;
  }

  /**
   * Everything needed to continue exactly where this detector is, as plain JSON (it goes to a checkpoint file):
   * baselines, active alerts with their affected users, the affected users kept for resolved alerts (restoration
   * lists), counters. A detector restored from it emits exactly the events, and answers exactly the
   * affectedUsers(), that the uninterrupted detector would. Per-window scratch is not state.
   */
  snapshot(): DetectorSnapshot {
    return structuredClone({
      version: SNAPSHOT_VERSION,
      sequence: this.sequence,
      ordinal: this.ordinal,
      // -Infinity (no window yet) is not JSON: null stands for it.
      lastWindowStart: Number.isFinite(this.lastWindowStart) ? this.lastWindowStart : null,
      lastWindowEnd: this.lastWindowEnd,
      stats: this.stats,
      baseline: this.baseline.snapshot(),
      networkRate: this.networkRate,
      alerts: this.alerts.map((a) => ({ ...a, cells: [...a.cells], footprint: [...a.footprint], affected: [...a.affected.values()] })),
      // In retention order: the oldest is evicted first.
      resolved: [...this.resolved].map(([alertId, users]) => ({ alertId, users })),
      userCodes: [...this.userCode].map(([imsi, m]) => ({ imsi, at: Math.floor(m / CODE_PACK), domain: m % CODE_PACK })),
    });
  }

  /** Continues from a snapshot (validated: it comes from a file). Refuses one of another version or topology. */
  restore(input: DetectorSnapshot): void {
    const parsed = detectorSnapshotSchema.safeParse(input);
    if (!parsed.success) throw new Error(`invalid detector snapshot: ${z.prettifyError(parsed.error)}`);
    const s = structuredClone(parsed.data) as DetectorSnapshot;
    this.baseline.restore(s.baseline);
    this.networkRate = { ...s.networkRate };
    this.sequence = s.sequence;
    this.ordinal = s.ordinal;
    this.lastWindowStart = s.lastWindowStart ?? -Infinity;
    this.lastWindowEnd = s.lastWindowEnd;
    Object.assign(this.stats, s.stats);
    this.alerts.length = 0;
    for (const a of s.alerts) {
      for (const c of [...a.cells, ...a.footprint]) {
        if (c >= this.nCells) throw new Error(`detector snapshot alert ${a.id} holds cell ${c}; the topology has ${this.nCells} cells`);
      }
      this.alerts.push({ ...a, cells: new Set(a.cells), footprint: new Set(a.footprint), affected: new Map(a.affected.map((u) => [u.imsi, u])) });
    }
    this.resolved.clear();
    for (const r of s.resolved) this.resolved.set(r.alertId, r.users);
    this.userCode.clear();
    for (const u of s.userCodes ?? []) this.userCode.set(u.imsi, u.at * CODE_PACK + u.domain);
  }

  // ---- per-window stages -------------------------------------------------------------------------------

  private validate(w: ScoredWindow): string | null {
    const n = w.imsi?.length ?? -1;
    if (n < 0 || w.cell?.length !== n || w.regionIndex?.length !== n || w.probability?.length !== n) {
      return 'column lengths differ (imsi, cell, regionIndex, probability)';
    }
    if (!Number.isFinite(w.windowStart) || !Number.isFinite(w.windowEnd) || w.windowEnd <= w.windowStart) {
      return `bad window bounds ${w.windowStart}..${w.windowEnd}`;
    }
    if (w.windowStart <= this.lastWindowStart) {
      return `window ${w.windowStart} is not after the previous window ${this.lastWindowStart}`;
    }
    if (w.features.length !== w.featureNames.length) return 'features and featureNames differ in length';
    for (const f of w.features) if (f.length !== n) return 'a feature column has the wrong length';
    const width = w.featureNames.length + 1;
    if (w.contributions.length !== w.explainedRows.length * width) {
      return `contributions hold ${w.contributions.length} values, expected ${w.explainedRows.length} × ${width}`;
    }
    for (let j = 0; j < w.explainedRows.length; j++) {
      const r = w.explainedRows[j];
      if (r < 0 || r >= n) return `explained row ${r} out of range`;
    }
    return null;
  }

  private hourOfDay(epochMs: number): number {
    const local = epochMs + this.config.utcOffsetMinutes * 60_000;
    const day = 86_400_000;
    return Math.floor((((local % day) + day) % day) / 3_600_000) % HOURS_PER_DAY;
  }

  private aggregate(w: ScoredWindow): void {
    const n = w.imsi.length;
    if (this.rowCell.length < n) this.rowCell = new Int32Array(n);
    this.cellUsers.fill(0);
    this.cellAtRisk.fill(0);
    this.cellVip.fill(0);
    this.cellExpected.fill(0);
    const { threshold, vipMinLevel } = this.config;
    const cellIndex = this.topology.cellIndex;
    const hasVips = this.vipLevelOf.size > 0;
    let unlocated = 0;
    for (let r = 0; r < n; r++) {
      const c = cellIndex.get(w.cell[r]) ?? -1;
      this.rowCell[r] = c;
      if (c < 0) {
        unlocated++;
        continue;
      }
      let p = w.probability[r];
      if (!(p >= 0)) p = 0; // NaN scores count as not at risk rather than poisoning the sums
      this.cellUsers[c]++;
      this.cellExpected[c] += p;
      if (p >= threshold) {
        this.cellAtRisk[c]++;
        if (hasVips && (this.vipLevelOf.get(w.imsi[r]) ?? 0) >= vipMinLevel) this.cellVip[c]++;
      }
    }
    this.stats.rows += n;
    this.stats.unlocatedRows += unlocated;
  }

  /**
   * Cold start: a cell without history gets, as its prior, what the rest of the network shows this window for as
   * many users (at-risk users and expected complaints per user scored), instead of a fixed constant. Cells far
   * above the pooled rate (Poisson tail below cell.openPValue) are left out and the rate pooled again, so a fault
   * already running at start-up does not set its own baseline, while normal spread does not bias the rate down.
   * Too few users (a tiny network) keep the configured prior.
   */
  private networkRates(): void {
    // Once learnt (from cells outside incidents, like the baseline), the network's usual rate is the prior; the
    // current window's rate only on the very first window, when nothing is known.
    if (this.networkRate.windows > 0) {
      this.coldRate = { atRisk: this.networkRate.atRisk, expected: this.networkRate.expected };
      return;
    }
    this.coldRate = null;
    const { coldStartMinUsers } = this.config.baseline;
    const { openPValue } = this.config.cell;
    let rate = -1;
    let expectedRate = 0;
    for (let pass = 0; pass < 2; pass++) {
      let users = 0;
      let atRisk = 0;
      let expected = 0;
      for (let c = 0; c < this.nCells; c++) {
        const n = this.cellUsers[c];
        if (n === 0) continue;
        if (rate >= 0 && poissonUpperTail(this.cellAtRisk[c], Math.max(rate * n, this.config.baseline.minLambda)) < openPValue) continue;
        users += n;
        atRisk += this.cellAtRisk[c];
        expected += this.cellExpected[c];
      }
      if (users === 0 || users < coldStartMinUsers) return;
      rate = atRisk / users;
      expectedRate = expected / users;
    }
    this.coldRate = { atRisk: rate, expected: expectedRate };
  }

  private coldAtRisk(c: number): number | undefined {
    return this.coldRate ? this.coldRate.atRisk * this.cellUsers[c] : undefined;
  }

  private coldExpected(c: number): number | undefined {
    return this.coldRate ? this.coldRate.expected * this.cellUsers[c] : undefined;
  }

  private classifyCells(hour: number): void {
    const { cell, baseline } = this.config;
    for (let c = 0; c < this.nCells; c++) {
      const k = this.cellAtRisk[c];
      const raw = this.baseline.usersAtRisk(c, hour, this.coldAtRisk(c));
      this.cellLambdaRaw[c] = raw;
      const lambda = Math.max(raw, baseline.minLambda);
      this.cellLambda[c] = lambda;
      if (k === 0) {
        this.cellLevel[c] = LEVEL_NORMAL;
        continue;
      }
      const p = poissonUpperTail(k, lambda);
      this.cellLevel[c] = k >= cell.minUsersAtRisk && p < cell.openPValue ? LEVEL_HOT : p < cell.sustainPValue ? LEVEL_WARM : LEVEL_NORMAL;
    }
    // cell → eNB → region: a fault spread thin (a user or two per cell: a backhaul behind one eNB, DNS or HSS
    // across a region) is invisible cell by cell but not in the sum. A significant eNB or region promotes its
    // cells that are above their own baseline to hot, so they cluster into an incident like hot cells do.
    this.promoteGroups(this.cellEnbIndex, this.nEnbs, cell.minUsersAtRisk);
    this.promoteGroups(this.cellRegion, this.topology.regions.length, this.config.alert.minUsersAtRisk);
  }

  private promoteGroups(groupOf: Int32Array, nGroups: number, minUsers: number): void {
    const atRisk = new Float64Array(nGroups);
    const lambda = new Float64Array(nGroups);
    for (let c = 0; c < this.nCells; c++) {
      const g = groupOf[c];
      if (g < 0) continue;
      atRisk[g] += this.cellAtRisk[c];
      lambda[g] += this.cellLambdaRaw[c];
    }
    const { openPValue } = this.config.cell;
    const minLambda = this.config.baseline.minLambda;
    const hot = new Uint8Array(nGroups);
    let any = false;
    for (let g = 0; g < nGroups; g++) {
      if (atRisk[g] >= minUsers && poissonUpperTail(atRisk[g], Math.max(lambda[g], minLambda)) < openPValue) {
        hot[g] = 1;
        any = true;
      }
    }
    if (!any) return;
    for (let c = 0; c < this.nCells; c++) {
      const g = groupOf[c];
      if (g >= 0 && hot[g] && this.cellAtRisk[c] > 0 && this.cellAtRisk[c] > this.cellLambdaRaw[c]) this.cellLevel[c] = LEVEL_HOT;
    }
  }

  /** Summed TreeSHAP contributions per feature of the at-risk users in hot or warm cells, by cell. */
  private accumulateShap(w: ScoredWindow): Map<number, Float64Array> {
    const names = w.featureNames;
    if (this.domainMap === null || !sameNames(this.domainMap.featureNames, names)) {
      this.domainMap = mapFeatureDomains(names);
    }
    const width = names.length + 1;
    const codes = this.domainMap.codeFeatures;
    const perCell = new Map<number, Float64Array>();
    const threshold = this.config.threshold;
    for (let j = 0; j < w.explainedRows.length; j++) {
      const r = w.explainedRows[j];
      const c = this.rowCell[r];
      if (c < 0 || this.cellLevel[c] === LEVEL_NORMAL || !(w.probability[r] >= threshold)) continue;
      let sums = perCell.get(c);
      if (!sums) {
        // [TreeSHAP sum per feature][explained users][value sum per cause-code feature]
        sums = new Float64Array(width + codes.length);
        perCell.set(c, sums);
      }
      const base = j * width;
      for (let f = 0; f < names.length; f++) sums[f] += w.contributions[base + f];
      sums[names.length] += 1;
      for (let k = 0; k < codes.length; k++) {
        const v = w.features[codes[k]][r];
        if (Number.isFinite(v)) sums[width + k] += v;
      }
    }
    return perCell;
  }

  /**
   * Each at-risk user's own domain: their TreeSHAP contributions summed by domain (when explained) plus
   * causeCodeWeight × their cause codes above the network's mean — the evidence that names an alert's cause,
   * for one user. Two incidents over the same cells (a DNS fault among users a PGW fault already hit) differ
   * here even when the cells' sums do not. Counted per cell and domain.
   */
  private classifyUsers(w: ScoredWindow): void {
    const n = w.imsi.length;
    if (this.rowDomain.length < n) {
      this.rowDomain = new Int8Array(n);
      this.rowCodeDomain = new Int8Array(n);
      this.rowCodeMask = new Uint8Array(n);
      this.rowExplained = new Int32Array(n);
    }
    this.rowDomain.fill(-1, 0, n);
    this.rowCodeDomain.fill(-1, 0, n);
    this.rowCodeMask.fill(0, 0, n);
    this.cellCodeOnly.fill(0);
    this.cellRemembered.fill(0);
    this.cellRememberedPair.fill(0);
    this.cellMovingPair.fill(0);
    this.rowExplained.fill(-1, 0, n);
    this.cellDomainAtRisk.fill(0);
    for (let j = 0; j < w.explainedRows.length; j++) this.rowExplained[w.explainedRows[j]] = j;
    const map = this.domainMap!;
    const nf = w.featureNames.length;
    const width = nf + 1;
    const codes = map.codeFeatures;
    const codeMean = new Float64Array(codes.length);
    for (let k = 0; k < codes.length; k++) {
      const t = this.columnTotal(w, codes[k]);
      codeMean[k] = t.n > 0 ? t.sum / t.n : 0;
    }
    const memoryMs = this.config.alert.codeMemoryMs;
    for (const [imsi, m] of this.userCode) if (w.windowStart - Math.floor(m / CODE_PACK) > memoryMs) this.userCode.delete(imsi);
    const shap = new Float64Array(N_DOMAINS);
    const lift = new Float64Array(N_DOMAINS);
    const threshold = this.config.threshold;
    for (let r = 0; r < n; r++) {
      const c = this.rowCell[r];
      if (c < 0 || !(w.probability[r] >= threshold)) continue;
      shap.fill(0);
      lift.fill(0);
      const j = this.rowExplained[r];
      if (j >= 0) {
        const base = j * width;
        for (let f = 0; f < nf; f++) {
          const d = map.domain[f];
          const v = w.contributions[base + f];
          if (d >= 0 && v > 0) shap[d] += v;
        }
      }
      for (let k = 0; k < codes.length; k++) {
        const v = w.features[codes[k]][r];
        if (v > codeMean[k]) lift[map.domain[codes[k]]] += (v - codeMean[k]) / (Math.abs(codeMean[k]) + 1);
      }
      let code = -1;
      let mask = 0;
      for (let d = 0; d < N_DOMAINS; d++) {
        if (!(lift[d] > 0)) continue;
        mask |= 1 << d;
        if (code < 0 || lift[d] > lift[code]) code = d;
      }
      this.rowCodeMask[r] = mask;
      // The domain whose codes last moved for this user, remembered for codeMemoryMs: once a fault's codes stop,
      // its users still at risk keep pointing at it (see the cell-keeping rule in onWindow).
      let remembered = false;
      if (code >= 0) {
        if (memoryMs > 0) this.userCode.set(w.imsi[r], w.windowStart * CODE_PACK + code);
      } else if (memoryMs > 0) {
        const m = this.userCode.get(w.imsi[r]);
        if (m !== undefined) {
          code = m % CODE_PACK;
          remembered = true;
        }
      }
      const scores = combineEvidence(shap, lift, this.config.causeCodeWeight);
      let best = -1;
      for (let d = 0; d < N_DOMAINS; d++) if (scores[d] > 0 && (best < 0 || scores[d] > scores[best])) best = d;
      this.rowDomain[r] = best;
      if (best >= 0) this.cellDomainAtRisk[c * N_DOMAINS + best]++;
      this.rowCodeDomain[r] = code;
      // Remembered codes keep an incident's cells; they do not split off new alerts (that is for codes moving now).
      if (remembered) {
        this.cellRemembered[c * N_DOMAINS + code]++;
        if (best >= 0) this.cellRememberedPair[(c * N_DOMAINS + best) * N_DOMAINS + code]++;
      } else {
        // Every domain whose codes moved for the user, not only the strongest: a second fault's codes among an
        // older fault's users are what shows the second incident (see holderFor).
        for (let d = 0; d < N_DOMAINS; d++) {
          if (!((mask >> d) & 1)) continue;
          if (d !== best) this.cellCodeOnly[c * N_DOMAINS + d]++;
          if (best >= 0) this.cellMovingPair[(c * N_DOMAINS + best) * N_DOMAINS + d]++;
        }
      }
    }
  }

  /**
   * cellAlert = the oldest holding alert per cell (of those `holds`), sharedCells = every holder of cells two or
   * more alerts hold (a second incident over the same cells).
   */
  private holdCells(holds: boolean[]): void {
    this.cellAlert.fill(-1);
    this.sharedCells.clear();
    for (let slot = 0; slot < this.alerts.length; slot++) {
      if (!holds[slot]) continue;
      for (const c of this.alerts[slot].cells) this.markHeld(c, slot);
    }
  }

  private markHeld(c: number, slot: number): void {
    const first = this.cellAlert[c];
    if (first < 0) {
      this.cellAlert[c] = slot;
      return;
    }
    const list = this.sharedCells.get(c) ?? [first];
    if (!list.includes(slot)) list.push(slot);
    this.sharedCells.set(c, list);
  }

  /**
   * Which holder of a shared cell a user belongs to: the alert of the domain whose codes moved for them when that
   * signature is new to the oldest holder (a PGW fault's ESM rejects among an MME storm's lingering users) — also
   * when it is not their strongest code (`codeMask`): a user the older fault still hits whose codes of the newer
   * one now move too (VoLTE users of a failed ims PGW whose resolver then fails) is what the newer incident
   * changed, and the older alert already counted them before; else the alert of their own domain, else the oldest.
   */
  private holderFor(holders: readonly number[], domain: number, codeDomain = -1, codeMask = 0): number {
    if (codeDomain >= 0 && this.newSignature(this.alerts[holders[0]], codeDomain)) {
      for (const s of holders) if (this.alerts[s].shapDomain === codeDomain) return s;
    }
    if (codeMask !== 0) {
      const oldest = this.alerts[holders[0]];
      for (let i = holders.length - 1; i > 0; i--) {
        const d = this.alerts[holders[i]].shapDomain;
        if (d >= 0 && (codeMask >> d) & 1 && this.newSignature(oldest, d)) return holders[i];
      }
    }
    if (domain >= 0) for (const s of holders) if (this.alerts[s].shapDomain === domain) return s;
    return holders[0];
  }

  /** Whether domain d's cause codes were not moving among the alert's users when it was first attributed. */
  private newSignature(alert: ActiveAlert, d: number): boolean {
    return this.config.causeCodeWeight > 0 && alert.openCodes >= 0 && d !== alert.shapDomain && ((alert.openCodes >> d) & 1) === 0;
  }

  /** totals() where, in shared cells, only the users that belong to this alert count (by their own domain). */
  private ownTotals(alert: ActiveAlert, cells: Iterable<number>, shared: Map<number, number[]>, windowStart: number) {
    const t = this.totals(cells, windowStart);
    if (shared.size === 0) return t;
    const slot = this.alerts.indexOf(alert);
    let atRisk = t.atRisk;
    for (const c of cells) {
      const holders = shared.get(c);
      if (holders && holders.includes(slot)) atRisk += this.ownUsersIn(c, holders, slot) - this.cellAtRisk[c];
    }
    return { ...t, atRisk, pValue: poissonUpperTail(atRisk, t.lambda) };
  }

  /** At-risk users of shared cell c that belong to the holder in `slot`, by their own domain. */
  private ownUsersIn(c: number, holders: readonly number[], slot: number): number {
    let own = 0;
    let withDomain = 0;
    for (let d = 0; d < N_DOMAINS; d++) {
      const users = this.cellDomainAtRisk[c * N_DOMAINS + d];
      withDomain += users;
      if (this.holderFor(holders, d) === slot) own += users;
    }
    if (this.holderFor(holders, -1) === slot) own += this.cellAtRisk[c] - withDomain;
    return own;
  }

  /** Users at risk in cell c whose own evidence is domain d but whose remembered codes are domain m (codeMemoryMs). */
  private rememberedOf(c: number, d: number, m: number): number {
    return m < 0 ? 0 : this.cellRememberedPair[(c * N_DOMAINS + d) * N_DOMAINS + m];
  }

  /**
   * A second incident of a network/region-scoped domain inside an active alert's cells — a DNS fault among users
   * a PGW fault already hit, a PGW fault in the cells of a lingering MME-storm alert — splits off as its own
   * alert: users whose own evidence points at domain d (not the alert's), or whose codes of d moved while d was
   * not in the alert's opening signature, in the alert's regions where they are at least alert.splitShare of its
   * users at risk, together significant against those cells' baseline (alert.openPValue) and at least
   * alert.splitMinUsers. An active alert of d already reaching those cells takes them instead (one incident = one
   * alert). The cells are then shared; each user counts for the alert of their own domain. At most one split-off
   * alert per domain and alert, so the two incidents cannot flap; when the second incident reaches more of the
   * alert's regions later, the alert it split off as takes them. Codes of d count for every user they move for,
   * not only where they are the user's strongest (the newer fault's codes among the older fault's users).
   * Inside a network/region-scoped alert a local domain (radio, transport, congestion) splits off too, from a
   * group of neighbouring hot cells where its users are the majority of those at risk; users whose codes of the
   * alert's own domain move now or are remembered stay the alert's.
   */
  private splitSecondIncidents(w: ScoredWindow): void {
    const { splitShare, splitMinUsers, minUsersAtRisk, openPValue } = this.config.alert;
    if (splitShare > 1) return;
    const n = this.alerts.length;
    for (let slot = 0; slot < n; slot++) {
      const a = this.alerts[slot];
      // Only established alerts (one emitted event) with an attribution; a young alert is still forming.
      if (a.quietWindows > 0 || a.shapDomain < 0 || a.emitted.cellsKey === '') continue;
      const regionTotal = new Map<number, number>();
      const regionOf = new Map<number, Float64Array>();
      for (const c of a.cells) {
        const r = this.cellRegion[c];
        regionTotal.set(r, (regionTotal.get(r) ?? 0) + this.cellAtRisk[c]);
        let byDomain = regionOf.get(r);
        if (!byDomain) regionOf.set(r, (byDomain = new Float64Array(N_DOMAINS)));
        const holders = this.sharedCells.get(c) ?? [this.cellAlert[c]];
        for (let d = 0; d < N_DOMAINS; d++) {
          // Users of a domain another holder already stands for are that alert's, not a new incident.
          if (holders.some((s) => s >= 0 && this.alerts[s].shapDomain === d)) continue;
          byDomain[d] += this.cellDomainAtRisk[c * N_DOMAINS + d] - this.rememberedOf(c, d, a.shapDomain) + (this.newSignature(a, d) ? this.cellCodeOnly[c * N_DOMAINS + d] : 0);
        }
      }
      let best: { d: number; cells: number[]; users: number } | null = null;
      const wide = this.scope(a.shapDomain) !== 'neighbour';
      for (let d = 0; d < N_DOMAINS; d++) {
        if (d === a.shapDomain) continue;
        if (this.scope(d) === 'neighbour') {
          if (!wide || (a.splitDomains >> d) & 1) continue;
          // A local incident (a crowd, a backhaul) inside a wide alert's cells: its hot cells where most users at
          // risk are its own. Without this a lingering network alert holds them and names them after itself.
          const candidates: number[] = [];
          const own = new Map<number, number>();
          for (const c of a.cells) {
            if (this.cellLevel[c] !== LEVEL_HOT) continue;
            const holders = this.sharedCells.get(c) ?? [this.cellAlert[c]];
            if (holders.some((s) => s >= 0 && this.alerts[s].shapDomain === d)) continue;
            // Users whose codes of the alert's own domain move now (or are remembered) are its users, whatever
            // TreeSHAP says: a PGW fault's users without sessions can look like a backhaul.
            const k =
              this.cellDomainAtRisk[c * N_DOMAINS + d] -
              this.rememberedOf(c, d, a.shapDomain) -
              this.cellMovingPair[(c * N_DOMAINS + d) * N_DOMAINS + a.shapDomain];
            if (k <= 0 || 2 * k < this.cellAtRisk[c]) continue;
            candidates.push(c);
            own.set(c, k);
          }
          // Local means neighbouring cells: the largest group of them is the incident, not cells scattered
          // over the alert's regions.
          for (const cells of this.neighbourGroups(candidates)) {
            let users = 0;
            let lambda = 0;
            for (const c of cells) {
              users += own.get(c)!;
              lambda += this.cellLambdaRaw[c];
            }
            if (users < Math.max(minUsersAtRisk, splitMinUsers) || poissonUpperTail(users, Math.max(lambda, this.config.baseline.minLambda)) >= openPValue) continue;
            if (!best || users > best.users) best = { d, cells, users };
          }
          continue;
        }
        // Split off once per domain; later the same second incident spreading to more of the alert's regions
        // only joins the alert it split off as (while active), never opens another.
        if ((a.splitDomains >> d) & 1 && !this.splitPartner(a, d)) continue;
        const regions = new Set<number>();
        for (const [r, total] of regionTotal) if (total > 0 && regionOf.get(r)![d] >= splitShare * total) regions.add(r);
        if (regions.size === 0) continue;
        const cells: number[] = [];
        let users = 0;
        let lambda = 0;
        for (const c of a.cells) {
          const k = this.cellDomainAtRisk[c * N_DOMAINS + d] - this.rememberedOf(c, d, a.shapDomain) + (this.newSignature(a, d) ? this.cellCodeOnly[c * N_DOMAINS + d] : 0);
          if (k === 0 || !regions.has(this.cellRegion[c])) continue;
          const holders = this.sharedCells.get(c) ?? [this.cellAlert[c]];
          if (holders.some((s) => s >= 0 && this.alerts[s].shapDomain === d)) continue;
          cells.push(c);
          users += k;
          lambda += this.cellLambdaRaw[c];
        }
        if (users < Math.max(minUsersAtRisk, splitMinUsers) || poissonUpperTail(users, Math.max(lambda, this.config.baseline.minLambda)) >= openPValue) continue;
        if (!best || users > best.users) best = { d, cells, users };
      }
      if (!best) continue;
      const again = ((a.splitDomains >> best.d) & 1) === 1;
      a.splitDomains |= 1 << best.d;
      // One incident = one alert: an active alert of that domain reaching these cells (the same fault, opened
      // outside this alert) takes them, shared, instead of a second alert for it.
      const existing = again
        ? this.splitPartner(a, best.d)
        : this.alerts.find((x) => x !== a && x.quietWindows === 0 && x.shapDomain === best.d && best.cells.some((c) => this.reaches(x, c, best.d)));
      if (existing) {
        const slotOf = this.alerts.indexOf(existing);
        for (const c of best.cells) {
          existing.cells.add(c);
          existing.footprint.add(c);
          this.markHeld(c, slotOf);
        }
        continue;
      }
      const b = this.open(best.cells, w);
      b.shapDomain = best.d;
      // A network/region incident's split keeps its domain (re-attributed from TreeSHAP alone, a code-signature
      // split would name itself after the storm); a local one is attributed from its own users (a crowd → congestion).
      b.splitFor = this.scope(best.d) === 'neighbour' ? -1 : best.d;
      b.cause = FAULT_DOMAINS[best.d];
      this.alerts.push(b);
      for (const c of best.cells) this.markHeld(c, this.alerts.length - 1);
    }
  }

  /** Cells grouped by neighbourhood (same eNB or TAC, or within neighbourKm), transitively. */
  private neighbourGroups(cells: readonly number[]): number[][] {
    const parent = cells.map((_, i) => i);
    const find = (i: number): number => {
      while (parent[i] !== i) i = parent[i] = parent[parent[i]];
      return i;
    };
    for (let i = 0; i < cells.length; i++) {
      for (let j = i + 1; j < cells.length; j++) if (find(i) !== find(j) && this.neighbours(cells[i], cells[j])) parent[find(j)] = find(i);
    }
    const groups = new Map<number, number[]>();
    cells.forEach((c, i) => groups.set(find(i), [...(groups.get(find(i)) ?? []), c]));
    return [...groups.values()];
  }

  /** The active alert of domain d that shares cells with alert a (the second incident split off or joined earlier). */
  private splitPartner(a: ActiveAlert, d: number): ActiveAlert | undefined {
    return this.alerts.find((x) => x !== a && x.quietWindows === 0 && x.shapDomain === d && [...x.cells].some((c) => a.cells.has(c)));
  }

  /** Sum and count of a feature's finite values over every user scored this window (once per window and feature). */
  private columnTotal(w: ScoredWindow, f: number): { sum: number; n: number } {
    let total = this.columnTotals.get(f);
    if (!total) {
      total = { sum: 0, n: 0 };
      const col = w.features[f];
      for (let r = 0; r < col.length; r++) {
        const v = col[r];
        if (Number.isFinite(v)) {
          total.sum += v;
          total.n++;
        }
      }
      this.columnTotals.set(f, total);
    }
    return total;
  }

  /**
   * Domain scores of the at-risk users in some cells: TreeSHAP share per domain plus causeCodeWeight × the share
   * of the cause codes that moved (their mean against everyone else's). The same evidence that picks an alert's
   * cause decides which incident a cell belongs to, so the model leaning on generic features (a PGW fault's
   * first failed attaches look like the MME) does not put a cell in the wrong incident while its codes say PGW.
   */
  private domainEvidence(cellShap: Map<number, Float64Array>, cells: Iterable<number>): Float64Array {
    const map = this.domainMap!;
    const w = this.window!;
    const nf = map.domain.length;
    const codes = map.codeFeatures;
    const shap = new Float64Array(N_DOMAINS);
    const codeSums = new Float64Array(codes.length);
    let users = 0;
    for (const c of cells) {
      const sums = cellShap.get(c);
      if (!sums) continue;
      for (let f = 0; f < nf; f++) {
        const d = map.domain[f];
        if (d >= 0 && sums[f] > 0) shap[d] += sums[f];
      }
      users += sums[nf];
      for (let k = 0; k < codes.length; k++) codeSums[k] += sums[nf + 1 + k];
    }
    const lift = new Float64Array(N_DOMAINS);
    if (users > 0) {
      for (let k = 0; k < codes.length; k++) {
        const total = this.columnTotal(w, codes[k]);
        const inside = codeSums[k] / users;
        const outN = total.n - users;
        const outside = outN > 0 ? (total.sum - codeSums[k]) / outN : 0;
        if (inside > outside) lift[map.domain[codes[k]]] += (inside - outside) / (Math.abs(outside) + 1);
      }
    }
    return combineEvidence(shap, lift, this.config.causeCodeWeight);
  }

  private dominantDomain(cellShap: Map<number, Float64Array>, cells: Iterable<number>): number {
    const scores = this.domainEvidence(cellShap, cells);
    let best = -1;
    for (let d = 0; d < N_DOMAINS; d++) if (scores[d] > 0 && (best < 0 || scores[d] > scores[best])) best = d;
    return best;
  }

  /**
   * Whether cell c's at-risk users point clearly at a domain other than the alert's cause: its top domain is
   * another one and the alert's domain holds less than OTHER_DOMAIN_SHARE of that top score. A cell without
   * attribution (or an alert not yet attributed) is not evidence either way.
   */
  private otherDomain(cellShap: Map<number, Float64Array>, c: number, alert: ActiveAlert): boolean {
    const alertDomain = alert.shapDomain ?? -1;
    if (alertDomain < 0 || !cellShap.has(c)) return false;
    const scores = this.domainEvidence(cellShap, [c]);
    const own = scores[alertDomain];
    let top = 0;
    for (let d = 0; d < N_DOMAINS; d++) top = Math.max(top, scores[d]);
    return top > 0 && own < OTHER_DOMAIN_SHARE * top;
  }

  private scope(domain: number): DomainScope {
    if (domain < 0) return 'neighbour';
    const name = FAULT_DOMAINS[domain];
    return this.config.domainScope[name] ?? DEFAULT_DOMAIN_SCOPE[name];
  }

  /**
   * A region- or network-scoped cluster gathers hot cells from far apart, so its own tail is biased (each cell
   * was picked for being hot). Such a fault must also lift its whole scope: the region(s), or the network.
   */
  private scopeSignificant(cluster: number[], domain: number): boolean {
    const scope = this.scope(domain);
    if (scope === 'neighbour') return true;
    const regions = new Set(cluster.map((c) => this.cellRegion[c]));
    const own = new Set(cluster);
    let atRisk = 0;
    let lambda = 0;
    for (let c = 0; c < this.nCells; c++) {
      // Other incidents' cells (hot elsewhere, or in an active alert) must not lend this one their excess.
      if (!own.has(c) && (this.cellLevel[c] === LEVEL_HOT || this.cellAlert[c] >= 0)) continue;
      if (scope === 'network' || regions.has(this.cellRegion[c])) {
        atRisk += this.cellAtRisk[c];
        lambda += this.cellLambdaRaw[c];
      }
    }
    return poissonUpperTail(atRisk, Math.max(lambda, this.config.baseline.minLambda)) < this.config.alert.openPValue;
  }

  private neighbours(a: number, b: number): boolean {
    if (this.cellEnb[a] === this.cellEnb[b] || this.cellTac[a] === this.cellTac[b]) return true;
    return distanceKm(this.cellLat[a], this.cellLon[a], this.cellLat[b], this.cellLon[b]) <= this.config.neighbourKm;
  }

  /** Whether two cells can belong to one incident, given the domains their users' contributions point at. */
  private related(a: number, da: number, b: number, db: number): boolean {
    if (da >= 0 && db >= 0 && da !== db) return false;
    const scope = this.scope(da >= 0 ? da : db);
    if (scope === 'network' && da >= 0 && db >= 0) return true;
    if (scope !== 'neighbour' && this.cellRegion[a] === this.cellRegion[b] && da >= 0 && db >= 0) return true;
    return this.neighbours(a, b);
  }

  private clusterHotCells(cellShap: Map<number, Float64Array>): number[][] {
    const hot: number[] = [];
    for (let c = 0; c < this.nCells; c++) if (this.cellLevel[c] === LEVEL_HOT) hot.push(c);
    const domain = hot.map((c) => this.dominantDomain(cellShap, [c]));
    const parent = hot.map((_, i) => i);
    const find = (i: number): number => {
      while (parent[i] !== i) i = parent[i] = parent[parent[i]];
      return i;
    };
    for (let i = 0; i < hot.length; i++) {
      for (let j = i + 1; j < hot.length; j++) {
        if (find(i) !== find(j) && this.related(hot[i], domain[i], hot[j], domain[j])) parent[find(j)] = find(i);
      }
    }
    const groups = new Map<number, number[]>();
    hot.forEach((c, i) => {
      const root = find(i);
      const g = groups.get(root) ?? [];
      g.push(c);
      groups.set(root, g);
    });
    return [...groups.values()];
  }

  private touches(alert: ActiveAlert, cluster: number[], clusterDomain: number): boolean {
    const alertDomain = alert.shapDomain ?? -1;
    // One incident = one alert: a fault of another domain over the same cells (DNS during an MME storm) is a
    // second incident, not a growth of the first, even inside its footprint. A small different-looking
    // remnant (fewer at-risk users than would move the alert's attribution) is still the old incident's tail.
    if (clusterDomain >= 0 && alertDomain >= 0 && clusterDomain !== alertDomain) {
      let atRisk = 0;
      for (const c of cluster) atRisk += this.cellAtRisk[c];
      if (atRisk >= ATTRIBUTION_KEEP_SHARE * alert.attributedUsers) return false;
    }
    for (const c of cluster) if (this.reaches(alert, c, clusterDomain)) return true;
    return false;
  }

  private grow(touchedBy: Map<ActiveAlert, number[][]>, alert: ActiveAlert, cells: number[]): void {
    if (cells.length === 0) return;
    const list = touchedBy.get(alert) ?? [];
    list.push(cells);
    touchedBy.set(alert, list);
  }

  /**
   * Whether cell c (of a cluster pointing at `domain`) belongs to the alert: a cell it holds or held, a
   * neighbour of its cells, or — for region/network-scoped domains — a cell of a region it has held. The same
   * domain failing later in other regions (a PGW fault after an MME storm) is a new incident, with its own
   * cause and end, not growth of the old one.
   */
  private reaches(alert: ActiveAlert, c: number, domain: number): boolean {
    if (alert.cells.has(c) || alert.footprint.has(c)) return true;
    const alertDomain = alert.shapDomain ?? -1;
    let inRegions = false;
    for (const a of alert.footprint) {
      if (this.cellRegion[a] === this.cellRegion[c]) {
        inRegions = true;
        break;
      }
    }
    for (const a of alert.cells) if (inRegions ? this.related(c, domain, a, alertDomain) : this.neighbours(c, a)) return true;
    return false;
  }

  /**
   * A fault's first users can look like another domain (a PGW fault's first failed attaches look like the MME),
   * so a small alert opens minutes before the real incident's alert in the same area. Such a precursor is folded
   * into the incident that follows: it is young (opened at most alert.precursorWindows before the follower), small
   * (fewer users affected since it opened than alert.precursorShare of the follower's users at risk now), of a network/region-scoped domain (a weak
   * claim: a network fault seen in a handful of users; a local radio or transport alert is a specific one and
   * stays), and most of its cells lie in regions the follower holds. The follower survives and takes the
   * precursor's cells and users; the precursor resolves as merged into it.
   */
  private foldPrecursors(w: ScoredWindow): AlertEvent[] {
    const events: AlertEvent[] = [];
    const { precursorWindows, precursorShare } = this.config.alert;
    const maxGap = precursorWindows * (w.windowEnd - w.windowStart);
    for (const precursor of [...this.alerts]) {
      if (precursor.shapDomain < 0 || this.scope(precursor.shapDomain) === 'neighbour') continue;
      const follower = this.alerts.find(
        (b) =>
          b.ordinal > precursor.ordinal &&
          b.quietWindows === 0 &&
          b.openedAt - precursor.openedAt <= maxGap &&
          b.shapDomain >= 0 &&
          b.shapDomain !== precursor.shapDomain &&
          // small over its whole life (a quiet alert has no users at risk now, but may have been large)
          precursor.affected.size < precursorShare * b.usersAtRisk &&
          this.mostlyInRegionsOf(precursor.cells, b),
      );
      if (follower) events.push(...this.absorb(follower, precursor, w));
    }
    return events;
  }

  private mostlyInRegionsOf(cells: Set<number>, alert: ActiveAlert): boolean {
    const regions = new Set<number>();
    for (const c of alert.footprint) regions.add(this.cellRegion[c]);
    let inside = 0;
    for (const c of cells) if (regions.has(this.cellRegion[c])) inside++;
    return cells.size > 0 && 2 * inside >= cells.size;
  }

  private absorb(survivor: ActiveAlert, absorbed: ActiveAlert, w: ScoredWindow): AlertEvent[] {
    for (const c of absorbed.cells) survivor.cells.add(c);
    for (const c of absorbed.footprint) survivor.footprint.add(c);
    for (const [imsi, u] of absorbed.affected) {
      const mine = survivor.affected.get(imsi);
      if (!mine || mine.probability < u.probability) survivor.affected.set(imsi, mine ? { ...mine, probability: u.probability } : { ...u });
    }
    this.alerts.splice(this.alerts.indexOf(absorbed), 1);
    absorbed.updatedAt = w.windowEnd;
    const e = this.emit(absorbed, 'resolved', w.windowEnd, survivor.id);
    this.retainResolved(absorbed);
    return [e];
  }

  private totals(cells: Iterable<number>, windowStart: number) {
    const hour = this.hourOfDay(windowStart);
    let atRisk = 0;
    let expected = 0;
    let vip = 0;
    let lambda = 0;
    let baselineExpected = 0;
    for (const c of cells) {
      atRisk += this.cellAtRisk[c];
      expected += this.cellExpected[c];
      vip += this.cellVip[c];
      lambda += this.cellLambdaRaw[c];
      baselineExpected += this.baseline.expectedComplaints(c, hour, this.coldExpected(c));
    }
    // The floor applies to the sum, not per cell: many quiet cells must not add up to a high expectation.
    lambda = Math.max(lambda, this.config.baseline.minLambda);
    return { atRisk, expected, vip, lambda, baselineExpected, pValue: poissonUpperTail(atRisk, lambda) };
  }

  private open(cluster: number[], w: ScoredWindow): ActiveAlert {
    const ecis = cluster.map((c) => this.topology.cells[c].eci).sort((a, b) => a - b);
    const digest = createHash('sha256').update(`${w.windowStart}|${ecis.join(',')}`).digest('hex').slice(0, 10);
    let id = `hs-${compactTime(w.windowStart)}-${digest}`;
    // Two incidents cannot share cells in one window, so this only guards a hash collision.
    while (this.alerts.some((a) => a.id === id) || this.resolved.has(id)) id += 'x';
    const zeroScores = Object.fromEntries(FAULT_DOMAINS.map((d) => [d, 0])) as Record<FaultDomain, number>;
    return {
      id,
      ordinal: this.ordinal++,
      openedAt: w.windowEnd, // the window closes, is scored, and only then can the alert exist
      updatedAt: w.windowEnd,
      cells: new Set(cluster),
      footprint: new Set(cluster),
      quietWindows: 0,
      severity: 'blue',
      cause: 'radio',
      usersAtRisk: 0,
      expected: 0,
      vip: 0,
      baselineAtRisk: 0,
      pValue: 1,
      causeScores: zeroScores,
      attributedUsers: 0,
      shapDomain: -1,
      evidence: [],
      contributions: [],
      modelVersion: w.modelVersion,
      affected: new Map(),
      emitted: { cellsKey: '', usersAtRisk: 0, severity: 'blue', cause: 'radio' },
      splitDomains: 0,
      openCodes: -1,
      splitFor: -1,
    };
  }

  private collectAffected(w: ScoredWindow): void {
    this.alertRows = this.alerts.map(() => []);
    if (this.alerts.length === 0) return;
    const threshold = this.config.threshold;
    for (let r = 0; r < w.imsi.length; r++) {
      const c = this.rowCell[r];
      if (c < 0) continue;
      let slot = this.cellAlert[c];
      const p = w.probability[r];
      if (slot < 0 || !(p >= threshold)) continue;
      const holders = this.sharedCells.get(c);
      if (holders) {
        // A shared cell: the user belongs to the incident of their own domain.
        slot = this.holderFor(holders, this.rowDomain[r], this.rowCodeDomain[r], this.rowCodeMask[r]);
        const byCell = this.sharedAtRisk.get(this.alerts[slot]) ?? new Map<number, { atRisk: number; vip: number }>();
        this.sharedAtRisk.set(this.alerts[slot], byCell);
        const counts = byCell.get(c) ?? { atRisk: 0, vip: 0 };
        counts.atRisk++;
        if (this.vipLevelOf.size > 0 && (this.vipLevelOf.get(w.imsi[r]) ?? 0) >= this.config.vipMinLevel) counts.vip++;
        byCell.set(c, counts);
      }
      this.alertRows[slot].push(r);
      const affected = this.alerts[slot].affected;
      const imsi = w.imsi[r];
      const known = affected.get(imsi);
      if (!known) {
        affected.set(imsi, { imsi, probability: p, cell: w.cell[r], regionIndex: this.cellRegion[c], firstSeenAt: w.windowEnd });
      } else if (p > known.probability) {
        known.probability = p;
      }
    }
  }

  /** Recomputes impact, severity, cause and evidence of an active alert from this window. */
  private refresh(alert: ActiveAlert, w: ScoredWindow, cellShap: Map<number, Float64Array>): void {
    if (alert.quietWindows > 0) {
      alert.usersAtRisk = 0;
      alert.expected = 0;
      alert.vip = 0;
      return;
    }
    const t = this.heldTotals(alert, w.windowStart);
    alert.usersAtRisk = t.atRisk;
    alert.expected = t.expected;
    alert.vip = t.vip;
    alert.baselineAtRisk = t.lambda;
    alert.pValue = t.pValue;
    alert.modelVersion = w.modelVersion;
    // Severity follows customer impact; it does not drop below its peak while the incident lasts, so care
    // and ops are not told "less severe" by a window's noise.
    const sev = this.severityOf(t.atRisk, t.expected, t.vip);
    if (severityRank(sev) > severityRank(alert.severity)) alert.severity = sev;
    this.attribute(alert, w, cellShap);
  }

  /** totals() of the alert's cells with, in shared cells, the users at risk (and VIPs) assigned to it. */
  private heldTotals(alert: ActiveAlert, windowStart: number) {
    const t = this.totals(alert.cells, windowStart);
    let atRisk = t.atRisk;
    let vip = t.vip;
    for (const c of alert.cells) {
      if (!this.sharedCells.has(c)) continue;
      const own = this.sharedAtRisk.get(alert)?.get(c);
      atRisk += (own?.atRisk ?? 0) - this.cellAtRisk[c];
      vip += (own?.vip ?? 0) - this.cellVip[c];
    }
    return atRisk === t.atRisk && vip === t.vip ? t : { ...t, atRisk, vip, pValue: poissonUpperTail(atRisk, t.lambda) };
  }

  /** Users at risk in cell c that count for the alert (its own users in a shared cell). */
  private atRiskIn(alert: ActiveAlert, c: number): number {
    if (!this.sharedCells.has(c)) return this.cellAtRisk[c];
    return this.sharedAtRisk.get(alert)?.get(c)?.atRisk ?? 0;
  }

  severityOf(usersAtRisk: number, expected: number, vip: number): Severity {
    const s = this.config.severity;
    let level = 0;
    for (let i = 0; i < 3; i++) {
      if (usersAtRisk >= s.usersAtRisk[i] || expected >= s.expectedComplaints[i] || vip >= s.vipAtRisk[i]) level = i + 1;
    }
    return SEVERITIES[level];
  }

  /** Suspected cause: TreeSHAP share per domain, plus the cause codes that moved most; with the evidence. */
  private attribute(alert: ActiveAlert, w: ScoredWindow, cellShap: Map<number, Float64Array>): void {
    const map = this.domainMap!;
    const nf = w.featureNames.length;
    const sums = new Float64Array(nf);
    let explained = 0;
    if (this.sharedAtRisk.has(alert) || [...alert.cells].some((c) => this.sharedCells.has(c))) {
      // Shared cells hold two incidents' users: the alert's cause comes from its own users only.
      const width = nf + 1;
      for (const r of this.alertRows[this.alerts.indexOf(alert)] ?? []) {
        const j = this.rowExplained[r];
        if (j < 0) continue;
        for (let f = 0; f < nf; f++) sums[f] += w.contributions[j * width + f];
        explained++;
      }
    } else {
      for (const c of alert.cells) {
        const s = cellShap.get(c);
        if (!s) continue;
        for (let f = 0; f < nf; f++) sums[f] += s[f];
        explained += s[nf];
      }
    }
    // A remnant of a shrinking incident (or noise inside it) would make the cause flap: the attribution is
    // refreshed only from at least half as many explained users as the one it replaces.
    if (explained === 0 || explained < ATTRIBUTION_KEEP_SHARE * alert.attributedUsers) return;
    alert.attributedUsers = explained;
    const ranked = [...sums.keys()].filter((f) => sums[f] > 0).sort((a, b) => sums[b] - sums[a] || a - b);
    const top = ranked.slice(0, this.config.maxContributions);
    const means = this.featureMeans(w, alert, top);

    const shap = new Float64Array(N_DOMAINS);
    const lift = new Float64Array(N_DOMAINS);
    for (const f of ranked) if (map.domain[f] >= 0) shap[map.domain[f]] += sums[f];
    // Cause codes that moved: every cause-code feature, not only those the model leans on. The model may explain
    // a PGW fault's users mostly by generic failure ratios; the ESM causes in their records still say PGW.
    const codes = [...map.codeFeatures];
    const codeMeans = this.featureMeans(w, alert, codes);
    let mmeOverload = 0;
    codes.forEach((f, i) => {
      const { inside, outside } = codeMeans[i];
      if (!(inside > outside)) return;
      lift[map.domain[f]] += (inside - outside) / (Math.abs(outside) + 1);
      if (map.mmeOverload[f]) mmeOverload += (inside - outside) / (Math.abs(outside) + 1);
    });
    const shapTotal = shap.reduce((a, b) => a + b, 0);
    // What the alert's own users point at (without the crowd term): what clusters and cells are compared with.
    const evidence0 = combineEvidence(shap, lift, this.config.causeCodeWeight);
    alert.shapDomain = alert.splitFor >= 0 ? alert.splitFor : evidence0.some((x) => x > 0) ? evidence0.indexOf(Math.max(...evidence0)) : -1;
    if (alert.openCodes < 0) {
      // The signature the alert opened with: later codes of another domain are a new incident's, not its own.
      const liftSum = lift.reduce((x, y) => x + y, 0);
      alert.openCodes = 0;
      for (let d = 0; d < N_DOMAINS; d++) if (liftSum > 0 && lift[d] >= OPEN_CODE_SHARE * liftSum) alert.openCodes |= 1 << d;
    }
    const liftTotal = lift.reduce((a, b) => a + b, 0);
    const weight = this.config.causeCodeWeight;
    // A crowd is seen by the detector, not by per-user features: the alert's cells far busier than usual.
    const load = this.loadRatio(alert.cells, w.windowStart);
    const crowd = load.ratio >= this.config.congestionLoadRatio ? this.config.congestionLoadWeight : 0;
    const congestion = FAULT_DOMAINS.indexOf('congestion');
    const norm = 1 + (liftTotal > 0 ? weight : 0) + crowd;
    const scores = {} as Record<FaultDomain, number>;
    let best = -1;
    let bestScore = -1;
    FAULT_DOMAINS.forEach((d, i) => {
      const score =
        (shapTotal > 0 ? shap[i] / shapTotal : 0) + (liftTotal > 0 ? (weight * lift[i]) / liftTotal : 0) + (i === congestion ? crowd : 0);
      scores[d] = score / norm;
      if (score > bestScore) {
        bestScore = score;
        best = i;
      }
    });
    // Core and subscription faults are wide (a pool, an IMSI range); the same rejects confined to a few eNBs are
    // those eNBs' configuration (a cut-over): radio. Only the name changes — the alert still clusters as core. A
    // split-off alert is judged by the domain it split off for (a cut-over's EMM 15 users look like an HSS fault).
    const named = alert.splitFor >= 0 ? alert.splitFor : best;
    const local = shapTotal > 0 || liftTotal > 0 ? this.localSignaling(alert, named, mmeOverload) : null;
    if (local) alert.cause = 'radio';
    else if (alert.splitFor >= 0) alert.cause = FAULT_DOMAINS[alert.splitFor];
    else if (shapTotal > 0 || liftTotal > 0) alert.cause = FAULT_DOMAINS[best];
    if (local) {
      scores.radio += scores[FAULT_DOMAINS[named]];
      scores[FAULT_DOMAINS[named]] = 0;
    }
    alert.causeScores = scores;
    alert.contributions = top.map((f) => ({ feature: w.featureNames[f], contribution: sums[f] / explained }));
    const evidence: EvidenceItem[] = [];
    if (local) {
      const names = [...local.regions].map((r) => this.topology.regions[r]).join(', ');
      evidence.push({
        feature: 'signaling_reject_users_share',
        value: round3(local.insideRate),
        baseline: round3(local.outsideRate),
        detail:
          `radio: ${FAULT_DOMAINS[named]}-looking users at risk confined to ${local.enbs} neighbouring eNB(s) (TAC ${local.tacs.join('/')}): ` +
          `${local.insideUsers} of ${local.insideScored} users scored there vs ${local.outsideUsers} of ${local.outsideScored} in the rest of ${names} ` +
          `— a misconfigured eNB cluster (cut-over), not an MME pool or an HSS IMSI range`,
      });
    }
    if (crowd > 0) {
      evidence.push({
        feature: 'users_per_cell',
        value: load.users,
        baseline: round3(load.baseline),
        detail: `congestion: ${load.ratio.toFixed(1)}× the usual users in the alert's cells`,
      });
    }
    alert.evidence = evidence.concat(top.slice(0, this.config.maxEvidence - evidence.length).map((f, i) => {
      const d = map.domain[f];
      const code = map.causeCode[f] ? ', cause code' : '';
      return {
        feature: w.featureNames[f],
        value: means[i].inside,
        baseline: means[i].outside,
        detail: `${d >= 0 ? FAULT_DOMAINS[d] : 'unmapped'}${code}; mean contribution ${(sums[f] / explained).toFixed(3)} over ${explained} users`,
      };
    }));
  }

  /**
   * Whether the alert's core/subscription-looking users at risk (domain d) are a local incident: the alert holds a
   * handful of eNBs and, per user scored, such users are far more common on those eNBs than on the rest of their
   * regions. An MME storm fails the whole pool and an HSS fault an IMSI range anywhere, so on the rest of the
   * regions they are about as common; a cut-over error stays on its eNB cluster. Counts both domains: a wrong TAC
   * answers with TAU failures (core) and EMM 15 (subscription) alike. Null when not local or no evidence.
   */
  private localSignaling(alert: ActiveAlert, d: number, mmeOverload: number) {
    const cfg = this.config.locality;
    const core = FAULT_DOMAINS.indexOf('core');
    const subscription = FAULT_DOMAINS.indexOf('subscription');
    if (cfg.maxEnbs === 0 || (d !== core && d !== subscription) || alert.cells.size === 0) return null;
    if (mmeOverload > cfg.maxMmeOverloadLift) return null;
    const rejects = (c: number) => this.cellDomainAtRisk[c * N_DOMAINS + core] + this.cellDomainAtRisk[c * N_DOMAINS + subscription];
    // The incident is the neighbour group of the alert's cells holding most of these users (a network-scoped alert
    // also holds a few stray cells); several groups sharing them is how an IMSI range anywhere looks.
    let total = 0;
    let group: number[] = [];
    let groupUsers = -1;
    for (const g of this.neighbourGroups([...alert.cells])) {
      let users = 0;
      for (const c of g) users += rejects(c);
      total += users;
      if (users > groupUsers) {
        group = g;
        groupUsers = users;
      }
    }
    if (groupUsers < cfg.minGroupShare * total) return null;
    const enbs = new Set<number>();
    const regions = new Set<number>();
    const tacs = new Set<number>();
    for (const c of group) {
      enbs.add(this.cellEnbIndex[c]);
      if (this.cellRegion[c] >= 0) regions.add(this.cellRegion[c]);
      tacs.add(this.cellTac[c]);
      if (enbs.size > cfg.maxEnbs) return null;
    }
    let insideUsers = 0;
    let insideScored = 0;
    let outsideUsers = 0;
    let outsideScored = 0;
    for (let c = 0; c < this.nCells; c++) {
      if (!regions.has(this.cellRegion[c])) continue;
      const users = rejects(c);
      if (enbs.has(this.cellEnbIndex[c])) {
        insideUsers += users;
        insideScored += this.cellUsers[c];
      } else {
        outsideUsers += users;
        outsideScored += this.cellUsers[c];
      }
    }
    if (insideUsers < cfg.minUsers || outsideScored < cfg.minOutsideUsers || insideScored === 0) return null;
    // One pseudo-user on the outside: a region with none of them is "rare", not "never".
    const outsideRate = (outsideUsers + 1) / outsideScored;
    const insideRate = insideUsers / insideScored;
    if (insideRate < cfg.minShare || insideRate < cfg.minRatio * outsideRate) return null;
    if (poissonUpperTail(insideUsers, insideScored * outsideRate) >= cfg.pValue) return null;
    return {
      enbs: enbs.size,
      regions,
      tacs: [...tacs].sort((a, b) => a - b),
      insideUsers,
      insideScored,
      insideRate,
      outsideUsers,
      outsideScored,
      outsideRate: outsideUsers / outsideScored,
    };
  }

  /** Users scored in the cells now vs usually (cells without history are left out: no evidence either way). */
  private loadRatio(cells: Iterable<number>, windowStart: number): { users: number; baseline: number; ratio: number } {
    const hour = this.hourOfDay(windowStart);
    let users = 0;
    let baseline = 0;
    for (const c of cells) {
      const usual = this.baseline.usersScored(c, hour);
      if (!Number.isFinite(usual)) continue;
      users += this.cellUsers[c];
      baseline += usual;
    }
    return { users, baseline, ratio: baseline > 0 ? users / baseline : users > 0 ? Infinity : 1 };
  }

  /** Mean of each feature over the alert's at-risk users vs over every other user scored this window. */
  private featureMeans(w: ScoredWindow, alert: ActiveAlert, features: number[]): Array<{ inside: number; outside: number }> {
    const rows = this.alertRows[this.alerts.indexOf(alert)] ?? [];
    return features.map((f) => {
      const col = w.features[f];
      // Column totals once per window and feature (shared by all alerts); the inside rows are few.
      const total = this.columnTotal(w, f);
      let inSum = 0;
      let inN = 0;
      for (const r of rows) {
        const v = col[r];
        if (Number.isFinite(v)) {
          inSum += v;
          inN++;
        }
      }
      const outN = total.n - inN;
      return { inside: inN > 0 ? inSum / inN : 0, outside: outN > 0 ? (total.sum - inSum) / outN : 0 };
    });
  }

  private changedEnough(alert: ActiveAlert): boolean {
    const last = alert.emitted;
    if (last.cellsKey !== this.cellsKey(alert) || last.severity !== alert.severity || last.cause !== alert.cause) return true;
    const delta = Math.abs(alert.usersAtRisk - last.usersAtRisk);
    const { updateMinChange, updateMinUsers } = this.config.alert;
    return delta >= updateMinUsers && delta >= updateMinChange * Math.max(last.usersAtRisk, 1);
  }

  private cellsKey(alert: ActiveAlert): string {
    return [...alert.cells].sort((a, b) => a - b).join(',');
  }

  private record(alert: ActiveAlert, status: AlertRecord['status']): AlertRecord {
    const cells = [...alert.cells].sort((a, b) => a - b);
    return {
      alert_id: alert.id,
      status,
      severity: alert.severity,
      region: this.topology.regions[this.mainRegion(alert)] ?? 'unknown',
      cells: cells.map((c) => this.topology.cells[c].eci).sort((a, b) => a - b),
      opened_at: alert.openedAt,
      updated_at: alert.updatedAt,
      users_at_risk: alert.usersAtRisk,
      expected_complaints: round3(alert.expected),
      vip_at_risk: alert.vip,
      suspected_cause: alert.cause,
      evidence: alert.evidence.map((e) => ({ ...e })),
      model_version: alert.modelVersion,
      contributions: alert.contributions.map((c) => ({ ...c })),
    };
  }

  private mainRegion(alert: ActiveAlert): number {
    const atRisk = new Map<number, number>();
    // Users scored break ties between regions with no one at risk (a quiet alert).
    for (const c of alert.cells) {
      const weight = this.cellAtRisk[c] + 1e-6 * this.cellUsers[c];
      atRisk.set(this.cellRegion[c], (atRisk.get(this.cellRegion[c]) ?? 0) + weight);
    }
    let best = -1;
    let bestN = -1;
    for (const [r, n] of [...atRisk].sort((a, b) => a[0] - b[0])) {
      if (n > bestN) {
        best = r;
        bestN = n;
      }
    }
    return best;
  }

  private emit(alert: ActiveAlert, status: AlertRecord['status'], resolvedAt: number | null, mergedInto: string | null): AlertEvent {
    const record = this.record(alert, status);
    alert.emitted = { cellsKey: this.cellsKey(alert), usersAtRisk: alert.usersAtRisk, severity: alert.severity, cause: alert.cause };
    this.stats.events++;
    return {
      sequence: ++this.sequence,
      alert: record,
      regions: [...new Set([...alert.cells].map((c) => this.topology.regions[this.cellRegion[c]] ?? 'unknown'))].sort(),
      enbs: [...new Set([...alert.cells].map((c) => this.cellEnb[c]))].sort((a, b) => a - b),
      resolved_at: resolvedAt,
      merged_into: mergedInto,
      baseline_users_at_risk: round3(alert.baselineAtRisk),
      p_value: alert.pValue,
      cause_scores: { ...alert.causeScores },
      affected_users: alert.affected.size,
      region_users_at_risk: this.regionUsersAtRisk(alert),
    };
  }

  private regionUsersAtRisk(alert: ActiveAlert): Record<string, number> {
    const byRegion = new Map<string, number>();
    for (const c of alert.cells) {
      const region = this.topology.regions[this.cellRegion[c]] ?? 'unknown';
      byRegion.set(region, (byRegion.get(region) ?? 0) + (alert.quietWindows > 0 ? 0 : this.atRiskIn(alert, c)));
    }
    return Object.fromEntries([...byRegion].sort((a, b) => a[0].localeCompare(b[0])));
  }

  private retainResolved(alert: ActiveAlert): void {
    if (this.config.retainResolvedAlerts === 0) return;
    // Copies: after a merge the survivor keeps updating users it shares with the absorbed alert.
    this.resolved.set(alert.id, [...alert.affected.values()].map((u) => ({ ...u })));
    while (this.resolved.size > this.config.retainResolvedAlerts) {
      this.resolved.delete(this.resolved.keys().next().value!);
    }
  }

  private minEci(cells: number[]): number {
    let m = Infinity;
    for (const c of cells) m = Math.min(m, this.topology.cells[c].eci);
    return m;
  }
}

/** TreeSHAP share per domain plus weight × moved-cause-code share per domain (each share sums to 1 when present). */
function combineEvidence(shap: Float64Array, lift: Float64Array, weight: number): Float64Array {
  let shapTotal = 0;
  let liftTotal = 0;
  for (let d = 0; d < N_DOMAINS; d++) {
    shapTotal += shap[d];
    liftTotal += lift[d];
  }
  const out = new Float64Array(N_DOMAINS);
  for (let d = 0; d < N_DOMAINS; d++) {
    out[d] = (shapTotal > 0 ? shap[d] / shapTotal : 0) + (liftTotal > 0 ? (weight * lift[d]) / liftTotal : 0);
  }
  return out;
}

function sameNames(a: readonly string[], b: readonly string[]): boolean {
  if (a === b) return true;
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** Equirectangular distance: exact enough at the few-km scale of "neighbouring cells". */
export function distanceKm(lat1: number, lon1: number, lat2: number, lon2: number): number {
  const rad = Math.PI / 180;
  const x = (lon2 - lon1) * rad * Math.cos(((lat1 + lat2) / 2) * rad);
  const y = (lat2 - lat1) * rad;
  return 6371 * Math.sqrt(x * x + y * y);
}

function compactTime(epochMs: number): string {
  return new Date(epochMs).toISOString().slice(0, 16).replace(/[-:]/g, '');
}

function round3(x: number): number {
  return Math.round(x * 1000) / 1000;
}
