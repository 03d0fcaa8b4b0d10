// The alert as ops see it (DESIGN.md §7). Field names are the contract's snake_case, the same shape as the API's
// alertSchema (src/api/alert-event.ts), so an AlertRecord goes to alerts.jsonl, the store, gRPC and Kafka as is.
import type { FaultDomain } from './cause-domains.js';

export const SEVERITIES = ['blue', 'yellow', 'orange', 'red'] as const;
export type Severity = (typeof SEVERITIES)[number];
export type AlertStatus = 'open' | 'updated' | 'resolved';

export function severityRank(s: Severity): number {
  return SEVERITIES.indexOf(s);
}

export interface EvidenceItem {
  feature: string;
  /** Mean value over the alert's at-risk users this window. */
  value: number;
  /** Mean value over the other users scored in the same window (the healthy reference). */
  baseline: number;
  /** Human-readable: domain, summed TreeSHAP contribution, whether it is a cause code. */
  detail: string;
}

export interface FeatureContribution {
  feature: string;
  /** Mean TreeSHAP contribution (log-odds) over the alert's explained at-risk users. */
  contribution: number;
}

export interface AlertRecord {
  alert_id: string;
  status: AlertStatus;
  severity: Severity;
  /** Region with most of the alert's users at risk. */
  region: string;
  /** ECIs of the alert's current cells, ascending. */
  cells: number[];
  opened_at: number;
  updated_at: number;
  users_at_risk: number;
  expected_complaints: number;
  vip_at_risk: number;
  suspected_cause: FaultDomain;
  evidence: EvidenceItem[];
  model_version: string;
  contributions: FeatureContribution[];
}

/** One change of one alert. `sequence` increases by one per event, deterministically for a given input. */
export interface AlertEvent {
  sequence: number;
  alert: AlertRecord;
  /** Every region the alert's cells are in, sorted. */
  regions: string[];
  /** eNB ids of the alert's cells, ascending. */
  enbs: number[];
  /** Window end at which the alert resolved; null while active. */
  resolved_at: number | null;
  /** Set when this alert was absorbed by another alert of the same incident (its status is then resolved). */
  merged_into: string | null;
  /** Sum of users at risk the baseline predicts for these cells at this hour. */
  baseline_users_at_risk: number;
  /** Poisson tail P(X ≥ users_at_risk | baseline) of the alert's cells together. */
  p_value: number;
  /** Normalised domain scores behind suspected_cause (TreeSHAP share plus moved cause codes). */
  cause_scores: Record<FaultDomain, number>;
  /** Distinct users at risk in the alert's cells since it opened. */
  affected_users: number;
  /**
   * Users at risk now per region of the alert's cells (0 while the alert is quiet): which regions it is really
   * about, when two alerts share a region. Optional: events written before it existed lack it.
   */
  region_users_at_risk?: Record<string, number>;
}

/** A user the alert affects. `imsi` is the full key: only outreach may turn it into an MSISDN. */
export interface AffectedUser {
  imsi: number;
  /** Highest probability seen for the user during the alert. */
  probability: number;
  /** ECI of the user's dominant cell when first seen at risk. */
  cell: number;
  regionIndex: number;
  firstSeenAt: number;
}
