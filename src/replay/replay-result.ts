// What one replay of one model produced: the input of metrics.json, alerts.jsonl and the HTML report.
import type { AlertEvent } from '../hotspots/alert.js';
import type { HotspotMetrics, UserLevelMetrics } from '../hotspots/evaluation.js';
import type { Complaint } from '../schema/side-files.js';

export interface ReplayRun {
  /** Model directory name, e.g. "default". */
  modelName: string;
  modelVersion: string;
  user: UserLevelMetrics;
  hotspots: HotspotMetrics;
  /** Every scored user-window: P(complaint within the horizon) and the label (1 = complained). */
  probability: Float64Array;
  label: Uint8Array;
  events: AlertEvent[];
}

export interface ReplayReportInput {
  title: string;
  /** Replay time range, epoch ms. */
  startAt: number;
  endAt: number;
  /** Topology.regions. */
  regions: readonly string[];
  complaints: readonly Complaint[];
  /** One run, or two for a side-by-side model comparison. */
  runs: ReplayRun[];
}
