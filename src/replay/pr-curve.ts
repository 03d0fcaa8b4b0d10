// Precision–recall curve of scored user-windows for the replay report. A point per distinct probability
// (threshold t: a window is flagged when probability ≥ t, as precisionRecallAt in src/model/metrics.ts), in
// descending threshold order so recall never decreases; then thinned to at most `maxPoints` for a plot.
//
// Sorting: positives and negatives are split into two Float64Arrays and each is sorted with the native numeric
// typed-array sort (no comparator, no index array), then merged from the top. That is O(n log n) in native code and
// gives exact counts at every distinct threshold.

export const DEFAULT_MAX_PR_POINTS = 500;

export interface PrCurvePoint {
  threshold: number;
  precision: number;
  recall: number;
}

export interface PrCurve {
  /** Descending thresholds; recall is non-decreasing along the arrays. */
  threshold: Float64Array;
  precision: Float64Array;
  recall: Float64Array;
  /** Distinct thresholds before thinning. */
  fullPoints: number;
  /** Rows ranked (probability not NaN). */
  samples: number;
  positives: number;
  /** Rows left out because their probability was NaN (cannot be ranked); counted, not dropped silently. */
  invalid: number;
  /** Precision and recall at the operating threshold, from all rows (not the thinned points); null if not asked. */
  operating: PrCurvePoint | null;
}

export interface PrCurveOptions {
  maxPoints?: number;
  operatingThreshold?: number;
}

export function precisionRecallCurve(probability: ArrayLike<number>, label: ArrayLike<number>, options: PrCurveOptions = {}): PrCurve {
  if (probability.length !== label.length) throw new Error(`pr curve: ${probability.length} probabilities but ${label.length} labels`);
  const maxPoints = options.maxPoints ?? DEFAULT_MAX_PR_POINTS;
  if (!Number.isInteger(maxPoints) || maxPoints < 2) throw new Error(`pr curve: maxPoints must be an integer ≥ 2, got ${maxPoints}`);
  const n = probability.length;
  let positives = 0;
  let invalid = 0;
  for (let i = 0; i < n; i++) {
    if (Number.isNaN(probability[i])) invalid++;
    else if (label[i] > 0) positives++;
  }
  const pos = new Float64Array(positives);
  const neg = new Float64Array(n - invalid - positives);
  for (let i = 0, p = 0, q = 0; i < n; i++) {
    const s = probability[i];
    if (Number.isNaN(s)) continue;
    if (label[i] > 0) pos[p++] = s;
    else neg[q++] = s;
  }
  pos.sort();
  neg.sort();

  // Walk distinct thresholds from the highest down; at most one point per distinct value.
  const cap = pos.length + neg.length;
  const thr = new Float64Array(cap);
  const prec = new Float64Array(cap);
  const rec = new Float64Array(cap);
  let i = pos.length - 1;
  let j = neg.length - 1;
  let tp = 0;
  let fp = 0;
  let m = 0;
  const t0 = options.operatingThreshold;
  let operating: PrCurvePoint | null = t0 === undefined ? null : { threshold: t0, precision: NaN, recall: positives > 0 ? 0 : NaN };
  while (i >= 0 || j >= 0) {
    const v = i < 0 ? neg[j] : j < 0 ? pos[i] : Math.max(pos[i], neg[j]);
    while (i >= 0 && pos[i] === v) {
      tp++;
      i--;
    }
    while (j >= 0 && neg[j] === v) {
      fp++;
      j--;
    }
    thr[m] = v;
    prec[m] = tp / (tp + fp);
    rec[m] = positives > 0 ? tp / positives : NaN;
    if (operating && v >= t0!) operating = { threshold: t0!, precision: prec[m], recall: rec[m] };
    m++;
  }
  const keep = thinByRecall(rec, m, maxPoints);
  return {
    threshold: pick(thr, keep),
    precision: pick(prec, keep),
    recall: pick(rec, keep),
    fullPoints: m,
    samples: cap,
    positives,
    invalid,
    operating,
  };
}

/**
 * Indices to keep: at most one point per recall bucket of width 1/(maxPoints − 1), the first of each bucket, so
 * the points cover the recall axis evenly; the first and last points are always kept (the curve's ends).
 */
function thinByRecall(rec: Float64Array, m: number, maxPoints: number): Uint32Array {
  if (m <= maxPoints) return Uint32Array.from({ length: m }, (_, k) => k);
  const keep = new Uint32Array(maxPoints);
  let k = 0;
  let lastBucket = -1;
  const buckets = maxPoints - 1;
  for (let p = 0; p < m; p++) {
    const r = rec[p];
    const bucket = Number.isNaN(r) ? lastBucket + 1 : Math.min(buckets, Math.floor(r * buckets + 1e-9));
    if (bucket > lastBucket && k < maxPoints) {
      keep[k++] = p;
      lastBucket = bucket;
    }
  }
  // The final point (all rows flagged) ends the curve: replace the last kept point if it shares its bucket.
  if (keep[k - 1] !== m - 1) {
    if (k < maxPoints) keep[k++] = m - 1;
    else keep[k - 1] = m - 1;
  }
  return keep.subarray(0, k);
}

function pick(values: Float64Array, keep: Uint32Array): Float64Array {
  const out = new Float64Array(keep.length);
  for (let k = 0; k < keep.length; k++) out[k] = values[keep[k]];
  return out;
}
