// Training samples from S1 records: the feature engine's user-windows (the same code that serves), labelled 1
// when the user (by MSISDN) files a complaint within the horizon after the window ends. Time-based split: the
// last share of the time range validates; training windows end an embargo before validation starts, so no
// training label looks into the validation period.
import type { FeatureWindow } from '../../features/index.js';
import type { Complaint } from '../../schema/side-files.js';

/**
 * Features that say *who or where* a user is rather than *how the network treats them*: the MME a user is
 * served by, bearer QCI mix, interface and app mix, raw volumes and record counts. In one simulated (or real)
 * network they correlate with the faulty pool or region, so a model learns them and does not transfer to
 * another network or another day's faults (measured: trained on one city they were the top SHAP features and
 * user AUC on an unseen city was 0.53). Left out of training by default; `*` ends a prefix pattern.
 */
export const IDENTITY_FEATURES: readonly string[] = [
  'min_mme_code',
  'max_mme_code',
  'cnt_qci_*',
  'cnt_if_*',
  'cnt_app_*',
  'cnt_rrc_*',
  'sum_ul_bytes',
  'sum_dl_bytes',
  'max_dl_bytes',
  'sum_packets',
  'cnt_records',
  'sum_session_duration_ms',
  'mean_session_duration_ms',
  'share_s1u',
];

/** True when `name` matches one of the patterns (exact, or a prefix ending in `*`). */
export function matchesFeaturePattern(name: string, patterns: readonly string[]): boolean {
  return patterns.some((p) => (p.endsWith('*') ? name.startsWith(p.slice(0, -1)) : name === p));
}

export interface SampleSet {
  featureNames: string[];
  columns: Float64Array[];
  label: Float64Array;
  windowEnd: Float64Array;
  /** rows whose user has no MSISDN (cannot be labelled; counted, left out) */
  unlabelled: number;
}

/** msisdn → ascending complaint times. */
export function complaintIndex(complaints: readonly Complaint[]): Map<string, Float64Array> {
  const byUser = new Map<string, number[]>();
  for (const c of complaints) {
    if (!c.msisdn || !Number.isFinite(c.time)) continue;
    let list = byUser.get(c.msisdn);
    if (!list) byUser.set(c.msisdn, (list = []));
    list.push(c.time);
  }
  const out = new Map<string, Float64Array>();
  for (const [k, v] of byUser) out.set(k, Float64Array.from(v).sort());
  return out;
}

/** True when `times` (ascending) has a value in (from, to]. */
export function hasTimeIn(times: Float64Array, from: number, to: number): boolean {
  let lo = 0;
  let hi = times.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (times[mid] <= from) lo = mid + 1;
    else hi = mid;
  }
  return lo < times.length && times[lo] <= to;
}

/** Concatenates windows into columns and labels each row. */
export function labelWindows(windows: readonly FeatureWindow[], complaints: readonly Complaint[], horizonMs: number): SampleSet {
  const names = windows[0]?.featureNames ?? [];
  let rows = 0;
  let unlabelled = 0;
  for (const w of windows) {
    if (w.featureNames.length !== names.length) throw new Error('windows of different feature specs cannot be mixed');
    for (let i = 0; i < w.msisdn.length; i++) {
      if (w.msisdn[i]) rows++;
      else unlabelled++;
    }
  }
  const index = complaintIndex(complaints);
  const columns = names.map(() => new Float64Array(rows));
  const label = new Float64Array(rows);
  const windowEnd = new Float64Array(rows);
  let o = 0;
  for (const w of windows) {
    const n = w.imsi.length;
    for (let i = 0; i < n; i++) {
      const m = w.msisdn[i];
      if (!m) continue;
      for (let f = 0; f < names.length; f++) columns[f][o] = w.columns[f][i];
      const times = index.get(m);
      label[o] = times && hasTimeIn(times, w.windowEnd, w.windowEnd + horizonMs) ? 1 : 0;
      windowEnd[o] = w.windowEnd;
      o++;
    }
  }
  return { featureNames: names.slice(), columns, label, windowEnd, unlabelled };
}

export interface TimeSplit {
  train: Int32Array;
  valid: Int32Array;
  /** validation windows end after this time */
  cut: number;
  embargoMs: number;
  trainRange: [number, number] | null;
  validRange: [number, number] | null;
}

/**
 * Splits rows by window end: the last `validFraction` of the time range validates; training rows end at least
 * `embargoMs` before the cut (default: the label horizon, capped at a tenth of the range so short data sets
 * still train).
 */
export function splitByTime(windowEnd: Float64Array, validFraction: number, embargoMs: number): TimeSplit {
  let min = Infinity;
  let max = -Infinity;
  for (let i = 0; i < windowEnd.length; i++) {
    min = Math.min(min, windowEnd[i]);
    max = Math.max(max, windowEnd[i]);
  }
  const cut = max - (max - min) * validFraction;
  const train: number[] = [];
  const valid: number[] = [];
  for (let i = 0; i < windowEnd.length; i++) {
    if (windowEnd[i] > cut) valid.push(i);
    else if (windowEnd[i] <= cut - embargoMs) train.push(i);
  }
  const range = (rows: number[]): [number, number] | null => {
    if (rows.length === 0) return null;
    let a = Infinity;
    let b = -Infinity;
    for (const r of rows) {
      a = Math.min(a, windowEnd[r]);
      b = Math.max(b, windowEnd[r]);
    }
    return [a, b];
  };
  return { train: Int32Array.from(train), valid: Int32Array.from(valid), cut, embargoMs, trainRange: range(train), validRange: range(valid) };
}

export function takeRows(columns: Float64Array[], rows: Int32Array): Float64Array[] {
  return columns.map((c) => Float64Array.from(rows, (r) => c[r]));
}
