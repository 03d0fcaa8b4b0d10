// What the model stage hands the hotspot stage for each closed window: columnar, one row per user.
// The feature engine fills the identity columns; the scorer fills probability and contributions.

export interface ScoredWindow {
  /** Window bounds, epoch ms (event time). */
  windowStart: number;
  windowEnd: number;
  /** User key: the 15-digit IMSI as a number (exact in float64). */
  imsi: Float64Array;
  /** Last MSISDN seen per user (labels join complaints by MSISDN); only replay and outreach may read it. */
  msisdn?: string[];
  /** The user's dominant cell (ECI) in the window; NaN when unknown. */
  cell: Float64Array;
  /** Region index into Topology.regions of the dominant cell; -1 when unknown. */
  regionIndex: Int32Array;
  /** P(user complains within the horizon), from the model. */
  probability: Float64Array;
  /** Feature values used for scoring, by name (row order as above). */
  featureNames: string[];
  features: Float64Array[];
  /** Rows explained with TreeSHAP (typically the at-risk users). */
  explainedRows: Int32Array;
  /** Row-major explainedRows.length × (featureNames.length + 1); last entry of a row = expected value. */
  contributions: Float64Array;
  /** Version of the model that scored the window. */
  modelVersion: string;
}
