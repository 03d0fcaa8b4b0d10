// Detector configuration: named defaults that a (zod-validated) options object overrides.
import { z } from 'zod';
import { FAULT_DOMAINS, type FaultDomain } from './cause-domains.js';

/** Used only when the model card gives no operating threshold. */
export const DEFAULT_OPERATING_THRESHOLD = 0.5;
export const DEFAULT_BASELINE_ALPHA = 1 / 14; // ≈ two weeks of one hour-of-day slot
export const DEFAULT_PRIOR_USERS_AT_RISK = 1;
export const DEFAULT_PRIOR_EXPECTED_COMPLAINTS = 0.5;
export const DEFAULT_PRIOR_WEIGHT = 2;
/** Poisson means below this are raised to it: a cell with an empty history is not infinitely surprised. */
export const DEFAULT_MIN_LAMBDA = 0.5;
export const DEFAULT_CELL_MIN_USERS_AT_RISK = 3;
export const DEFAULT_CELL_OPEN_P_VALUE = 1e-3;
export const DEFAULT_CELL_SUSTAIN_P_VALUE = 0.05;
export const DEFAULT_ALERT_MIN_USERS_AT_RISK = 5;
export const DEFAULT_ALERT_MIN_EXPECTED_COMPLAINTS = 2;
export const DEFAULT_ALERT_OPEN_P_VALUE = 1e-4;
export const DEFAULT_EXPECTED_RATIO = 4;
export const DEFAULT_ALERT_SUSTAIN_P_VALUE = 0.01;
export const DEFAULT_RESOLVE_AFTER_WINDOWS = 3;
/** A small network-scoped alert opened at most this many windows before a larger one in its area is its precursor. */
export const DEFAULT_PRECURSOR_WINDOWS = 4;
/** ...when the users it affected are fewer than this share of the larger alert's users at risk. */
export const DEFAULT_PRECURSOR_SHARE = 0.2;
/**
 * A second incident splits off an alert where the users whose own evidence points at its (network/region-scoped)
 * domain are at least this share of a region's users at risk in the alert.
 */
export const DEFAULT_SPLIT_SHARE = 0.3;
/** As many users at risk as a yellow alert (severity.usersAtRisk[0]): smaller splits were noise on the tuning cities. */
export const DEFAULT_SPLIT_MIN_USERS = 20;
/**
 * How long a user's last moved cause code still names their incident once the codes stop (the fault ended, the user
 * is still at risk and complains later): otherwise an older alert's stale TreeSHAP (an MME storm's, against the
 * users' baselines) takes them. Two hours ≈ the complaint horizon (1 h and 3 h measured the same).
 */
export const DEFAULT_CODE_MEMORY_MS = 2 * 60 * 60_000;
/** One user: they are spread thinly (≈ 1–3 per cell on 606); 2 lost cause accuracy on 606 (bench/RESULTS.md). */
export const DEFAULT_CODE_MEMORY_MIN_USERS = 1;
/**
 * Windows learnt before any alert may open. Cells without history are judged against the network's own rate
 * (baseline.coldStart*), so the first window can already alert; it was 4 (an hour) with a fixed prior.
 */
export const DEFAULT_WARMUP_WINDOWS = 0;
/** Two hours of windows: a young cell's own mean counts for little against the network's rate until then. */
export const DEFAULT_NETWORK_PRIOR_WEIGHT = 8;
/** Cold-start prior (the network's at-risk rate per user) only when at least this many users were scored. */
export const DEFAULT_COLD_START_MIN_USERS = 200;
export const DEFAULT_NEIGHBOUR_KM = 2;
export const DEFAULT_UPDATE_MIN_CHANGE = 0.2;
export const DEFAULT_UPDATE_MIN_USERS = 3;
export const DEFAULT_CONGESTION_LOAD_RATIO = 2;
export const DEFAULT_CONGESTION_LOAD_WEIGHT = 1.5; // a crowd outweighs any one domain's TreeSHAP share
// A cut-over misconfiguration is "a cluster of eNBs" (DOMAIN.md §4: a handful, one TAC cluster); an MME pool or an
// HSS IMSI range covers whole regions, so their alerts' own cells are no evidence of locality.
export const DEFAULT_LOCAL_MAX_ENBS = 10;
export const DEFAULT_LOCAL_MIN_USERS = 10;
export const DEFAULT_LOCAL_MIN_GROUP_SHARE = 0.75;
export const DEFAULT_LOCAL_MIN_RATIO = 3;
export const DEFAULT_LOCAL_MIN_SHARE = 0.1; // a wrong TAC fails every UE's TAU there: not a few users in many
export const DEFAULT_LOCAL_P_VALUE = 1e-6;
export const DEFAULT_LOCAL_MIN_OUTSIDE_USERS = 100;
export const DEFAULT_LOCAL_MAX_MME_OVERLOAD_LIFT = 0.05; // ~5 % more EMM 22 / overload per user than elsewhere
/**
 * Moved cause codes against the TreeSHAP share (which sums to 1). 0.5 was the best of 0.25 / 0.5 / 1 / 2 on
 * unseen cities 202, 505, 606, 707 and held up on 808 (bench/RESULTS.md, Detection quality).
 */
export const DEFAULT_CAUSE_CODE_WEIGHT = 0.5;

const threeAscending = z
  .tuple([z.number().nonnegative(), z.number().nonnegative(), z.number().nonnegative()])
  .refine(([y, o, r]) => y <= o && o <= r, 'thresholds must ascend: yellow ≤ orange ≤ red');

export const DOMAIN_SCOPES = ['neighbour', 'region', 'network'] as const;
export type DomainScope = (typeof DOMAIN_SCOPES)[number];

/** Default reach per domain; `domainScope` in the config overrides single entries. */
export const DEFAULT_DOMAIN_SCOPE: Readonly<Record<FaultDomain, DomainScope>> = {
  radio: 'neighbour',
  congestion: 'neighbour',
  transport: 'neighbour',
  dns: 'network',
  pgw_apn: 'network',
  core: 'network',
  subscription: 'network',
};

export const detectorConfigSchema = z.object({
  /** The model's operating threshold: a user is at risk when probability ≥ threshold. */
  threshold: z.number().min(0).max(1).default(DEFAULT_OPERATING_THRESHOLD),
  /** Local time of the network, for the hour-of-day baseline. */
  utcOffsetMinutes: z.number().int().min(-14 * 60).max(14 * 60).default(0),
  /** vip_at_risk counts subscribers with vip_level ≥ this. */
  vipMinLevel: z.number().int().min(1).default(1),
  baseline: z
    .object({
      alpha: z.number().gt(0).max(1).default(DEFAULT_BASELINE_ALPHA),
      priorUsersAtRisk: z.number().nonnegative().default(DEFAULT_PRIOR_USERS_AT_RISK),
      priorExpectedComplaints: z.number().nonnegative().default(DEFAULT_PRIOR_EXPECTED_COMPLAINTS),
      priorWeight: z.number().gt(0).default(DEFAULT_PRIOR_WEIGHT),
      minLambda: z.number().gt(0).default(DEFAULT_MIN_LAMBDA),
      /**
       * Cells without history take the network's rate per user × their users as prior; with fewer users than
       * this in the pooled cells, the fixed priors (priorUsersAtRisk, priorExpectedComplaints) instead.
       */
      coldStartMinUsers: z.number().int().nonnegative().default(DEFAULT_COLD_START_MIN_USERS),
      /** Pseudo-observations of that network prior against a young cell's own mean (shrinkage; 0 = none). */
      networkPriorWeight: z.number().nonnegative().default(DEFAULT_NETWORK_PRIOR_WEIGHT),
    })
    .prefault({}),
  cell: z
    .object({
      /** A cell is hot (can start an alert) at ≥ this many at-risk users and a Poisson tail below openPValue. */
      minUsersAtRisk: z.number().int().min(1).default(DEFAULT_CELL_MIN_USERS_AT_RISK),
      openPValue: z.number().gt(0).max(1).default(DEFAULT_CELL_OPEN_P_VALUE),
      /** A cell stays in an alert (hysteresis) while its tail is below this, with ≥ 1 user at risk. */
      sustainPValue: z.number().gt(0).max(1).default(DEFAULT_CELL_SUSTAIN_P_VALUE),
    })
    .prefault({}),
  alert: z
    .object({
      /** Floors: an alert opens only with at least this impact... */
      minUsersAtRisk: z.number().int().min(1).default(DEFAULT_ALERT_MIN_USERS_AT_RISK),
      minExpectedComplaints: z.number().nonnegative().default(DEFAULT_ALERT_MIN_EXPECTED_COMPLAINTS),
      /**
       * ...and significance: a Poisson tail of its cells' users at risk together below openPValue, or expected
       * complaints ≥ expectedRatio × their baseline with an excess of at least minExpectedComplaints.
       */
      openPValue: z.number().gt(0).max(1).default(DEFAULT_ALERT_OPEN_P_VALUE),
      expectedRatio: z.number().gt(1).default(DEFAULT_EXPECTED_RATIO),
      /** An active alert stays active while its cells together keep a Poisson tail below this. */
      sustainPValue: z.number().gt(0).max(1).default(DEFAULT_ALERT_SUSTAIN_P_VALUE),
      /** Consecutive windows back at baseline (not sustained) before the alert resolves. */
      resolveAfterWindows: z.number().int().min(1).default(DEFAULT_RESOLVE_AFTER_WINDOWS),
      /**
       * Precursor folding: a small (users affected < precursorShare × the other's at risk) network/region-scoped alert of
       * another domain, opened at most precursorWindows before a larger alert in the same regions, joins it.
       * precursorWindows 0 turns it off.
       */
      precursorWindows: z.number().int().nonnegative().default(DEFAULT_PRECURSOR_WINDOWS),
      precursorShare: z.number().min(0).max(1).default(DEFAULT_PRECURSOR_SHARE),
      /**
       * Second incidents over the same cells: users pointing at another network/region-scoped domain, at least
       * splitShare of a region's users at risk in an alert, split off as their own alert. Above 1 turns it off.
       */
      splitShare: z.number().gt(0).default(DEFAULT_SPLIT_SHARE),
      /** ...and at least this many of them: a second incident inside another is a stronger claim than an opening. */
      splitMinUsers: z.number().int().min(1).default(DEFAULT_SPLIT_MIN_USERS),
      /** A user's last moved cause-code domain stands for this long after their codes stop moving; 0 turns it off. */
      codeMemoryMs: z.number().nonnegative().default(DEFAULT_CODE_MEMORY_MS),
      /** ...and an alert keeps (or takes back) a cell of its footprint where this many users at risk remember its codes. */
      codeMemoryMinUsers: z.number().int().min(1).default(DEFAULT_CODE_MEMORY_MIN_USERS),
      /** Emit `updated` when users at risk moved by this fraction (and at least updateMinUsers). */
      updateMinChange: z.number().nonnegative().default(DEFAULT_UPDATE_MIN_CHANGE),
      updateMinUsers: z.number().int().nonnegative().default(DEFAULT_UPDATE_MIN_USERS),
    })
    .prefault({}),
  warmupWindows: z.number().int().nonnegative().default(DEFAULT_WARMUP_WINDOWS),
  /** Cells are neighbours when on the same eNB, the same TAC, or within this distance. */
  neighbourKm: z.number().nonnegative().default(DEFAULT_NEIGHBOUR_KM),
  /** How far one incident of a domain reaches: radio faults are local, an HSS fault is network-wide. */
  domainScope: z.partialRecord(z.enum(FAULT_DOMAINS), z.enum(DOMAIN_SCOPES)).default({}),
  severity: z
    .object({
      /** [yellow, orange, red] lower bounds; the severity is the highest reached by any of the three. */
      usersAtRisk: threeAscending.default([20, 100, 500]),
      expectedComplaints: threeAscending.default([2, 10, 40]),
      vipAtRisk: threeAscending.default([1, 5, 20]),
    })
    .prefault({}),
  /** Users scored in the alert's cells ≥ this × their baseline suggests a crowd: congestion (DOMAIN.md §4: 3–10×). */
  congestionLoadRatio: z.number().gt(1).default(DEFAULT_CONGESTION_LOAD_RATIO),
  /** Added to the congestion score (the TreeSHAP share sums to 1) when the load ratio is reached. */
  congestionLoadWeight: z.number().nonnegative().default(DEFAULT_CONGESTION_LOAD_WEIGHT),
  /**
   * Locality of a core/subscription-looking incident (DOMAIN.md §4): an MME storm fails a whole pool, an HSS fault
   * an IMSI range anywhere, but a night cut-over a handful of neighbouring eNBs. An alert whose cause would be core
   * or subscription is named radio (a misconfigured eNB cluster) when it holds at most maxEnbs eNBs and the users
   * at risk with core/subscription evidence are, per user scored, ≥ minRatio × as common on those eNBs as on the
   * rest of their regions and ≥ minShare of the users there, at least minUsers of them, with a Poisson tail below
   * pValue (the rest of the regions having ≥ minOutsideUsers users scored to compare with). maxEnbs 0 turns it off.
   */
  locality: z
    .object({
      maxEnbs: z.number().int().nonnegative().default(DEFAULT_LOCAL_MAX_ENBS),
      /** The cluster must hold this share of the alert's core/subscription-looking users at risk. */
      minGroupShare: z.number().gt(0).max(1).default(DEFAULT_LOCAL_MIN_GROUP_SHARE),
      minUsers: z.number().int().min(1).default(DEFAULT_LOCAL_MIN_USERS),
      minRatio: z.number().gt(1).default(DEFAULT_LOCAL_MIN_RATIO),
      /** ...and at least this share of the users scored on those eNBs (the aftermath of a wide fault is thinner). */
      minShare: z.number().min(0).max(1).default(DEFAULT_LOCAL_MIN_SHARE),
      pValue: z.number().gt(0).max(1).default(DEFAULT_LOCAL_P_VALUE),
      minOutsideUsers: z.number().int().min(1).default(DEFAULT_LOCAL_MIN_OUTSIDE_USERS),
      /** The MME's own overload codes (EMM 22, S1AP overload) moving more than this lift keep the incident core. */
      maxMmeOverloadLift: z.number().nonnegative().default(DEFAULT_LOCAL_MAX_MME_OVERLOAD_LIFT),
    })
    .prefault({}),
  /** Weight of moved cause codes against the TreeSHAP share when choosing the suspected cause and a cell's incident. */
  causeCodeWeight: z.number().nonnegative().default(DEFAULT_CAUSE_CODE_WEIGHT),
  maxEvidence: z.number().int().min(1).default(5),
  maxContributions: z.number().int().min(1).default(20),
  /** Resolved alerts whose affected users are kept for outreach's restoration list. */
  retainResolvedAlerts: z.number().int().nonnegative().default(1000),
});

export type DetectorConfig = z.infer<typeof detectorConfigSchema>;
export type DetectorConfigInput = z.input<typeof detectorConfigSchema>;

export function parseDetectorConfig(input: unknown = {}): DetectorConfig {
  const parsed = detectorConfigSchema.safeParse(input ?? {});
  if (!parsed.success) throw new Error(`invalid hotspot detector config: ${z.prettifyError(parsed.error)}`);
  return parsed.data;
}
