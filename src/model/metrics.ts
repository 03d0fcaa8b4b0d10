// Model-quality metrics shared by the trainer, replay and benchmarks. All take typed arrays: `score` is a
// probability (or any score where higher means "more likely positive"), `label` is 0/1 unless stated, and an
// optional `weight` weighs rows as LightGBM's metrics do.

/** Row order by descending score (ties keep index order). Used when rows carry weights. */
function orderByScoreDesc(score: ArrayLike<number>): Uint32Array {
  const n = score.length;
  const idx = new Uint32Array(n);
  for (let i = 0; i < n; i++) idx[i] = i;
  idx.sort((a, b) => score[b] - score[a] || a - b);
  return idx;
}

/**
 * Unweighted rows as groups of equal score, highest first: calls visit(positives, negatives, score) per group.
 * Splitting by label and using the native numeric sort of two Float64Arrays is several times faster than a
 * comparator sort of row indices, which matters when a trainer evaluates AUC on a large validation set every
 * iteration.
 */
function forEachScoreGroup(score: ArrayLike<number>, label: ArrayLike<number>, visit: (pos: number, neg: number, s: number) => void): void {
  let np = 0;
  for (let i = 0; i < label.length; i++) if (label[i] > 0) np++;
  const pos = new Float64Array(np);
  const neg = new Float64Array(label.length - np);
  let a = 0;
  let b = 0;
  for (let i = 0; i < label.length; i++) {
    if (label[i] > 0) pos[a++] = score[i];
    else neg[b++] = score[i];
  }
  pos.sort();
  neg.sort();
  // NaN sorts last in a Float64Array; treat it as the lowest score so it ranks below every real score.
  let i = pos.length - 1;
  let j = neg.length - 1;
  let pNaN = 0;
  let nNaN = 0;
  while (i >= 0 && Number.isNaN(pos[i])) {
    pNaN++;
    i--;
  }
  while (j >= 0 && Number.isNaN(neg[j])) {
    nNaN++;
    j--;
  }
  while (i >= 0 || j >= 0) {
    const s = i < 0 ? neg[j] : j < 0 ? pos[i] : Math.max(pos[i], neg[j]);
    let gp = 0;
    let gn = 0;
    while (i >= 0 && pos[i] === s) {
      gp++;
      i--;
    }
    while (j >= 0 && neg[j] === s) {
      gn++;
      j--;
    }
    visit(gp, gn, s);
  }
  if (pNaN + nNaN > 0) visit(pNaN, nNaN, NaN);
}

function checkLengths(score: ArrayLike<number>, label: ArrayLike<number>, weight?: ArrayLike<number> | null): void {
  if (score.length !== label.length) throw new Error(`metric: ${score.length} scores but ${label.length} labels`);
  if (weight && weight.length !== label.length) throw new Error(`metric: ${weight.length} weights but ${label.length} labels`);
}

/** Area under the ROC curve; tied scores count half. NaN when one class is absent. */
export function auc(score: ArrayLike<number>, label: ArrayLike<number>, weight?: ArrayLike<number> | null): number {
  checkLengths(score, label, weight);
  if (!weight) {
    let tp = 0;
    let fp = 0;
    let area = 0;
    forEachScoreGroup(score, label, (gtp, gfp) => {
      area += gfp * (tp + gtp / 2);
      tp += gtp;
      fp += gfp;
    });
    return tp === 0 || fp === 0 ? NaN : area / (tp * fp);
  }
  const idx = orderByScoreDesc(score);
  let tp = 0;
  let fp = 0;
  let area = 0;
  let i = 0;
  const n = idx.length;
  while (i < n) {
    // One group of equal scores at a time: its negatives see the positives ranked above plus half its own.
    const s = score[idx[i]];
    let gtp = 0;
    let gfp = 0;
    while (i < n && score[idx[i]] === s) {
      const r = idx[i];
      const w = weight ? weight[r] : 1;
      if (label[r] > 0) gtp += w;
      else gfp += w;
      i++;
    }
    area += gfp * (tp + gtp / 2);
    tp += gtp;
    fp += gfp;
  }
  if (tp === 0 || fp === 0) return NaN;
  return area / (tp * fp);
}

/** Average precision (area under the precision–recall curve, step-wise, as scikit-learn and LightGBM). */
export function prAuc(score: ArrayLike<number>, label: ArrayLike<number>, weight?: ArrayLike<number> | null): number {
  checkLengths(score, label, weight);
  if (!weight) {
    let totalPos = 0;
    for (let i = 0; i < label.length; i++) if (label[i] > 0) totalPos++;
    if (totalPos === 0) return NaN;
    let tp = 0;
    let all = 0;
    let ap = 0;
    forEachScoreGroup(score, label, (gtp, gfp) => {
      tp += gtp;
      all += gtp + gfp;
      if (gtp > 0) ap += (gtp / totalPos) * (tp / all);
    });
    return ap;
  }
  const idx = orderByScoreDesc(score);
  let totalPos = 0;
  for (let i = 0; i < label.length; i++) if (label[i] > 0) totalPos += weight ? weight[i] : 1;
  if (totalPos === 0) return NaN;
  let tp = 0;
  let all = 0;
  let ap = 0;
  let i = 0;
  const n = idx.length;
  while (i < n) {
    const s = score[idx[i]];
    let gtp = 0;
    let gall = 0;
    while (i < n && score[idx[i]] === s) {
      const r = idx[i];
      const w = weight ? weight[r] : 1;
      if (label[r] > 0) gtp += w;
      gall += w;
      i++;
    }
    tp += gtp;
    all += gall;
    if (gtp > 0) ap += (gtp / totalPos) * (tp / all);
  }
  return ap;
}

const EPS = 1e-15;

/** Mean binary log loss of probabilities. */
export function logloss(prob: ArrayLike<number>, label: ArrayLike<number>, weight?: ArrayLike<number> | null): number {
  checkLengths(prob, label, weight);
  let s = 0;
  let sw = 0;
  for (let i = 0; i < prob.length; i++) {
    const p = Math.min(1 - EPS, Math.max(EPS, prob[i]));
    const w = weight ? weight[i] : 1;
    s -= w * (label[i] > 0 ? Math.log(p) : Math.log(1 - p));
    sw += w;
  }
  return s / sw;
}

/** Mean multiclass log loss; `prob` is class-major (prob[k * n + i]), label holds class indices. */
export function multiLogloss(prob: ArrayLike<number>, label: ArrayLike<number>, numClass: number, weight?: ArrayLike<number> | null): number {
  const n = label.length;
  if (prob.length !== n * numClass) throw new Error(`multiLogloss: ${prob.length} probabilities for ${n} rows × ${numClass} classes`);
  let s = 0;
  let sw = 0;
  for (let i = 0; i < n; i++) {
    const p = Math.max(EPS, prob[label[i] * n + i]);
    const w = weight ? weight[i] : 1;
    s -= w * Math.log(p);
    sw += w;
  }
  return s / sw;
}

/** Share of rows whose most probable class is not the label (class-major probabilities). */
export function multiError(prob: ArrayLike<number>, label: ArrayLike<number>, numClass: number, weight?: ArrayLike<number> | null): number {
  const n = label.length;
  let wrong = 0;
  let sw = 0;
  for (let i = 0; i < n; i++) {
    const y = label[i];
    const py = prob[y * n + i];
    // LightGBM counts an error when any other class scores at least as high as the true one.
    let err = false;
    for (let k = 0; k < numClass; k++) if (k !== y && prob[k * n + i] >= py) err = true;
    const w = weight ? weight[i] : 1;
    if (err) wrong += w;
    sw += w;
  }
  return wrong / sw;
}

/** Mean squared error. */
export function l2(pred: ArrayLike<number>, label: ArrayLike<number>, weight?: ArrayLike<number> | null): number {
  checkLengths(pred, label, weight);
  let s = 0;
  let sw = 0;
  for (let i = 0; i < pred.length; i++) {
    const w = weight ? weight[i] : 1;
    const d = pred[i] - label[i];
    s += w * d * d;
    sw += w;
  }
  return s / sw;
}

/** Mean absolute error. */
export function l1(pred: ArrayLike<number>, label: ArrayLike<number>, weight?: ArrayLike<number> | null): number {
  checkLengths(pred, label, weight);
  let s = 0;
  let sw = 0;
  for (let i = 0; i < pred.length; i++) {
    const w = weight ? weight[i] : 1;
    s += w * Math.abs(pred[i] - label[i]);
    sw += w;
  }
  return s / sw;
}

export interface ThresholdStats {
  threshold: number;
  precision: number;
  recall: number;
  /** rows with score >= threshold */
  predictedPositive: number;
  truePositive: number;
  positives: number;
}

/** Precision and recall when rows with score >= threshold are flagged. Precision is NaN when nothing is flagged. */
export function precisionRecallAt(score: ArrayLike<number>, label: ArrayLike<number>, threshold: number): ThresholdStats {
  checkLengths(score, label);
  let pp = 0;
  let tp = 0;
  let pos = 0;
  for (let i = 0; i < score.length; i++) {
    const y = label[i] > 0;
    if (y) pos++;
    if (score[i] >= threshold) {
      pp++;
      if (y) tp++;
    }
  }
  return { threshold, precision: pp > 0 ? tp / pp : NaN, recall: pos > 0 ? tp / pos : NaN, predictedPositive: pp, truePositive: tp, positives: pos };
}

/**
 * The operating threshold for a target: `precision` picks the lowest threshold whose precision is still at
 * least the target (the most recall for that precision); `recall` picks the highest threshold that reaches
 * the target recall (the most precision for that recall). Returns null when the target cannot be met.
 */
export function thresholdFor(score: ArrayLike<number>, label: ArrayLike<number>, target: { precision: number } | { recall: number }): ThresholdStats | null {
  checkLengths(score, label);
  let pos = 0;
  for (let i = 0; i < label.length; i++) if (label[i] > 0) pos++;
  if (pos === 0) return null;
  let tp = 0;
  let pp = 0;
  let best: ThresholdStats | null = null;
  let done = false;
  forEachScoreGroup(score, label, (gtp, gfp, s) => {
    if (done || Number.isNaN(s)) return;
    tp += gtp;
    pp += gtp + gfp;
    const stats: ThresholdStats = { threshold: s, precision: tp / pp, recall: tp / pos, predictedPositive: pp, truePositive: tp, positives: pos };
    if ('precision' in target) {
      if (stats.precision >= target.precision) best = stats;
    } else if (stats.recall >= target.recall) {
      best = stats;
      done = true;
    }
  });
  return best;
}
