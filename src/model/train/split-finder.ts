// Best split of one feature from its gradient/hessian histogram (LightGBM's feature_histogram.hpp):
// numerical features scan bins right-to-left (missing values go left) and, when a feature has missing
// values, left-to-right too (missing go right), keeping the direction with the larger gain; categorical
// features try one-vs-rest for few categories, else sort categories by gradient/hessian and scan prefixes
// from both ends (many-vs-many). Counts are estimated from hessians as LightGBM does, so a histogram needs
// only (gradient, hessian) per bin.
import { MISSING_NAN, MISSING_ZERO } from '../tree.js';

export interface SplitParams {
  lambdaL1: number;
  lambdaL2: number;
  minDataInLeaf: number;
  minSumHessianInLeaf: number;
  minGainToSplit: number;
  maxCatToOnehot: number;
  maxCatThreshold: number;
  catL2: number;
  catSmooth: number;
  minDataPerGroup: number;
}

/** A candidate split of a leaf; `gain` is the improvement over not splitting (minus min_gain_to_split). */
export class SplitInfo {
  /** inner feature index, -1 when there is no valid split */
  feature = -1;
  gain = -Infinity;
  /** numerical: bins <= threshold go left */
  threshold = 0;
  defaultLeft = false;
  isCategorical = false;
  /** categorical: the bins that go left */
  catBins: number[] = [];
  leftSumGradient = 0;
  leftSumHessian = 0;
  leftCount = 0;
  rightSumGradient = 0;
  rightSumHessian = 0;
  rightCount = 0;
  leftOutput = 0;
  rightOutput = 0;

  reset(): void {
    this.feature = -1;
    this.gain = -Infinity;
    this.catBins = [];
  }

  copyFrom(o: SplitInfo): void {
    Object.assign(this, o);
    this.catBins = o.catBins.slice();
  }
}

export function thresholdL1(g: number, l1: number): number {
  if (l1 <= 0) return g;
  const r = Math.abs(g) - l1;
  return r > 0 ? Math.sign(g) * r : 0;
}

export function leafOutput(g: number, h: number, l1: number, l2: number): number {
  return -thresholdL1(g, l1) / (h + l2);
}

export function leafGain(g: number, h: number, l1: number, l2: number): number {
  const t = thresholdL1(g, l1);
  return (t * t) / (h + l2);
}

export interface FeatureMeta {
  numBin: number;
  missingType: number;
  defaultBin: number;
  isCategorical: boolean;
}

/**
 * Updates `best` if feature `feature` (histogram at bin offset `off`) has a better split. `hist` holds
 * (gradient, hessian) pairs per bin. Returns nothing; `best.gain` is relative to min_gain_shift.
 */
export function findBestSplitForFeature(
  hist: Float64Array, off: number, feature: number, meta: FeatureMeta,
  sumG: number, sumH: number, numData: number, p: SplitParams, best: SplitInfo,
): void {
  if (meta.isCategorical) findCategorical(hist, off, feature, meta, sumG, sumH, numData, p, best);
  else findNumerical(hist, off, feature, meta, sumG, sumH, numData, p, best);
}

function findNumerical(
  hist: Float64Array, off: number, feature: number, meta: FeatureMeta,
  sumG: number, sumH: number, numData: number, p: SplitParams, best: SplitInfo,
): void {
  const { numBin, missingType, defaultBin } = meta;
  const l1 = p.lambdaL1;
  const l2 = p.lambdaL2;
  const minData = p.minDataInLeaf;
  const minHess = p.minSumHessianInLeaf;
  const minGainShift = leafGain(sumG, sumH, l1, l2) + p.minGainToSplit;
  const cntFactor = numData / sumH;
  const twoWay = numBin > 2 && missingType !== 0;
  const naAsMissing = twoWay && missingType === MISSING_NAN ? 1 : 0;
  const skipDefault = twoWay && missingType === MISSING_ZERO;

  let bestGain = -Infinity;
  let bestThreshold = -1;
  let bestLeftG = 0;
  let bestLeftH = 0;
  let bestLeftC = 0;
  let bestDefaultLeft = true;

  // Right to left: bins not scanned (NaN bin, or the zero bin for zero-as-missing) end up on the left.
  let rg = 0;
  let rh = 0;
  let rc = 0;
  for (let t = numBin - 1 - naAsMissing; t >= 1; t--) {
    if (skipDefault && t === defaultBin) continue;
    const g = hist[(off + t) << 1];
    const h = hist[((off + t) << 1) + 1];
    rg += g;
    rh += h;
    rc += Math.floor(h * cntFactor + 0.5);
    if (rc < minData || rh < minHess) continue;
    const lc = numData - rc;
    if (lc < minData) break;
    const lh = sumH - rh;
    if (lh < minHess) break;
    const lg = sumG - rg;
    const gain = leafGain(lg, lh, l1, l2) + leafGain(rg, rh, l1, l2);
    if (gain <= minGainShift) continue;
    if (gain > bestGain) {
      bestGain = gain;
      bestThreshold = t - 1;
      bestLeftG = lg;
      bestLeftH = lh;
      bestLeftC = lc;
      bestDefaultLeft = true;
    }
  }
  if (twoWay) {
    // Left to right: the unscanned missing bin ends up on the right.
    let lg = 0;
    let lh = 0;
    let lc = 0;
    for (let t = 0; t <= numBin - 2 - naAsMissing; t++) {
      if (skipDefault && t === defaultBin) continue;
      const g = hist[(off + t) << 1];
      const h = hist[((off + t) << 1) + 1];
      lg += g;
      lh += h;
      lc += Math.floor(h * cntFactor + 0.5);
      if (lc < minData || lh < minHess) continue;
      const rc2 = numData - lc;
      if (rc2 < minData) break;
      const rh2 = sumH - lh;
      if (rh2 < minHess) break;
      const rg2 = sumG - lg;
      const gain = leafGain(lg, lh, l1, l2) + leafGain(rg2, rh2, l1, l2);
      if (gain <= minGainShift) continue;
      if (gain > bestGain) {
        bestGain = gain;
        bestThreshold = t;
        bestLeftG = lg;
        bestLeftH = lh;
        bestLeftC = lc;
        bestDefaultLeft = false;
      }
    }
  } else if (missingType === MISSING_NAN) {
    // two bins (value, NaN): NaN is the right bin, so missing goes right
    bestDefaultLeft = false;
  }
  if (bestThreshold < 0) return;
  const gain = bestGain - minGainShift;
  if (gain > best.gain) {
    best.feature = feature;
    best.gain = gain;
    best.threshold = bestThreshold;
    best.defaultLeft = bestDefaultLeft;
    best.isCategorical = false;
    best.catBins = [];
    setSides(best, bestLeftG, bestLeftH, bestLeftC, sumG, sumH, numData, l1, l2);
  }
}

function setSides(best: SplitInfo, lg: number, lh: number, lc: number, sumG: number, sumH: number, numData: number, l1: number, l2: number): void {
  best.leftSumGradient = lg;
  best.leftSumHessian = lh;
  best.leftCount = lc;
  best.rightSumGradient = sumG - lg;
  best.rightSumHessian = sumH - lh;
  best.rightCount = numData - lc;
  best.leftOutput = leafOutput(lg, lh, l1, l2);
  best.rightOutput = leafOutput(sumG - lg, sumH - lh, l1, l2);
}

function findCategorical(
  hist: Float64Array, off: number, feature: number, meta: FeatureMeta,
  sumG: number, sumH: number, numData: number, p: SplitParams, best: SplitInfo,
): void {
  const numBin = meta.numBin;
  const l1 = p.lambdaL1;
  const minData = p.minDataInLeaf;
  const minHess = p.minSumHessianInLeaf;
  const minGainShift = leafGain(sumG, sumH, l1, p.lambdaL2) + p.minGainToSplit;
  const cntFactor = numData / sumH;
  let bestGain = -Infinity;
  let bestLeftG = 0;
  let bestLeftH = 0;
  let bestLeftC = 0;
  let bestBins: number[] = [];
  let l2 = p.lambdaL2;

  // Bin 0 holds NaN, negative, rare and unseen categories: it never goes left, matching prediction,
  // where a category outside the split's bitset goes right.
  if (numBin <= p.maxCatToOnehot) {
    for (let t = 1; t < numBin; t++) {
      const g = hist[(off + t) << 1];
      const h = hist[((off + t) << 1) + 1];
      const c = Math.floor(h * cntFactor + 0.5);
      if (c < minData || h < minHess) continue;
      const oc = numData - c;
      if (oc < minData) continue;
      const oh = sumH - h;
      if (oh < minHess) continue;
      const gain = leafGain(sumG - g, oh, l1, l2) + leafGain(g, h, l1, l2);
      if (gain <= minGainShift) continue;
      if (gain > bestGain) {
        bestGain = gain;
        bestLeftG = g;
        bestLeftH = h;
        bestLeftC = c;
        bestBins = [t];
      }
    }
  } else {
    const sorted: number[] = [];
    for (let t = 1; t < numBin; t++) {
      if (Math.floor(hist[((off + t) << 1) + 1] * cntFactor + 0.5) >= p.catSmooth) sorted.push(t);
    }
    const used = sorted.length;
    l2 += p.catL2;
    const ctr = (t: number) => hist[(off + t) << 1] / (hist[((off + t) << 1) + 1] + p.catSmooth);
    sorted.sort((a, b) => ctr(a) - ctr(b));
    const maxNumCat = Math.min(p.maxCatThreshold, (used + 1) >> 1);
    for (const dir of [1, -1]) {
      let pos = dir === 1 ? 0 : used - 1;
      let lg = 0;
      let lh = 0;
      let lc = 0;
      let cntGroup = 0;
      for (let i = 0; i < used && i < maxNumCat; i++) {
        const t = sorted[pos];
        pos += dir;
        const h = hist[((off + t) << 1) + 1];
        const c = Math.floor(h * cntFactor + 0.5);
        lg += hist[(off + t) << 1];
        lh += h;
        lc += c;
        cntGroup += c;
        if (lc < minData || lh < minHess) continue;
        const rc = numData - lc;
        if (rc < minData || rc < p.minDataPerGroup) break;
        const rh = sumH - lh;
        if (rh < minHess) break;
        if (cntGroup < p.minDataPerGroup) continue;
        cntGroup = 0;
        const gain = leafGain(lg, lh, l1, l2) + leafGain(sumG - lg, rh, l1, l2);
        if (gain <= minGainShift) continue;
        if (gain > bestGain) {
          bestGain = gain;
          bestLeftG = lg;
          bestLeftH = lh;
          bestLeftC = lc;
          bestBins = dir === 1 ? sorted.slice(0, i + 1) : sorted.slice(used - 1 - i).reverse();
        }
      }
    }
  }
  if (bestBins.length === 0) return;
  const gain = bestGain - minGainShift;
  if (gain > best.gain) {
    best.feature = feature;
    best.gain = gain;
    best.threshold = 0;
    best.defaultLeft = false;
    best.isCategorical = true;
    best.catBins = bestBins;
    setSides(best, bestLeftG, bestLeftH, bestLeftC, sumG, sumH, numData, l1, l2);
  }
}
