// Feature value → histogram bin, following LightGBM's BinMapper (src/io/bin.cpp): bins are built from a sample
// of the column's distinct values, zero always gets a bin of its own (so sparse data stays sparse and
// `zero_as_missing` can single it out), and NaN gets the last bin when missing values are used.
// Categorical features map category → bin by descending frequency with bin 0 reserved for NaN / rare / unseen.
import { MISSING_NAN, MISSING_NONE, MISSING_ZERO } from '../tree.js';

/** LightGBM's kZeroThreshold, a C float 1e-35f: |x| <= this counts as zero. */
export const ZERO_THRESHOLD = Math.fround(1e-35);

export interface BinMapperOptions {
  maxBin: number;
  minDataInBin: number;
  useMissing: boolean;
  zeroAsMissing: boolean;
}

export interface NumericalBinMapper {
  kind: 'numerical';
  numBin: number;
  missingType: number;
  /** Upper bound of each bin (value <= bound falls in it); the NaN bin, if any, has NaN. */
  upperBounds: Float64Array;
  /** The bin of value 0. */
  defaultBin: number;
  min: number;
  max: number;
}

export interface CategoricalBinMapper {
  kind: 'categorical';
  numBin: number;
  missingType: number;
  /** bin → category (bin 0 is -1: NaN, negative, rare or unseen). */
  binToCategory: Int32Array;
  categoryToBin: Map<number, number>;
  defaultBin: number;
}

export type BinMapper = NumericalBinMapper | CategoricalBinMapper;

/** The next double above x — LightGBM's GetDoubleUpperBound keeps a midpoint strictly above its left value. */
function nextUp(x: number): number {
  if (Number.isNaN(x) || x === Infinity) return x;
  if (x === 0) return Number.MIN_VALUE;
  const buf = new Float64Array([x]);
  const bits = new BigInt64Array(buf.buffer);
  bits[0] += x > 0 ? 1n : -1n;
  return buf[0];
}

/** Greedy equal-count binning of sorted distinct values (LightGBM's GreedyFindBin). */
export function greedyFindBin(values: Float64Array, counts: Int32Array, from: number, to: number, maxBin: number, totalCnt: number, minDataInBin: number): number[] {
  const n = to - from;
  const bounds: number[] = [];
  if (n <= 0) return [Infinity];
  if (n <= maxBin) {
    let cur = 0;
    for (let i = from; i < to - 1; i++) {
      cur += counts[i];
      if (cur >= minDataInBin) {
        const v = nextUp((values[i] + values[i + 1]) / 2);
        if (bounds.length === 0 || v > bounds[bounds.length - 1]) {
          bounds.push(v);
          cur = 0;
        }
      }
    }
    bounds.push(Infinity);
    return bounds;
  }
  if (minDataInBin > 0) maxBin = Math.max(1, Math.min(maxBin, Math.floor(totalCnt / minDataInBin)));
  let meanBinSize = totalCnt / maxBin;
  let restBinCnt = maxBin;
  let restSampleCnt = totalCnt;
  const isBig = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    if (counts[from + i] >= meanBinSize) {
      isBig[i] = 1;
      restBinCnt--;
      restSampleCnt -= counts[from + i];
    }
  }
  meanBinSize = restSampleCnt / restBinCnt;
  const upper: number[] = new Array(maxBin).fill(Infinity);
  const lower: number[] = new Array(maxBin).fill(Infinity);
  let binCnt = 0;
  lower[0] = values[from];
  let cur = 0;
  for (let i = 0; i < n - 1; i++) {
    if (!isBig[i]) restSampleCnt -= counts[from + i];
    cur += counts[from + i];
    if (isBig[i] || cur >= meanBinSize || (isBig[i + 1] && cur >= Math.max(1, meanBinSize * 0.5))) {
      upper[binCnt] = values[from + i];
      binCnt++;
      lower[binCnt] = values[from + i + 1];
      if (binCnt >= maxBin - 1) break;
      cur = 0;
      if (!isBig[i]) {
        restBinCnt--;
        meanBinSize = restSampleCnt / restBinCnt;
      }
    }
  }
  binCnt++;
  for (let i = 0; i < binCnt - 1; i++) {
    const v = nextUp((upper[i] + lower[i + 1]) / 2);
    if (bounds.length === 0 || v > bounds[bounds.length - 1]) bounds.push(v);
  }
  bounds.push(Infinity);
  return bounds;
}

/** Bins for negative values, one bin for zero, bins for positive values (LightGBM's FindBinWithZeroAsOneBin). */
export function findBinWithZeroAsOneBin(values: Float64Array, counts: Int32Array, maxBin: number, totalCnt: number, minDataInBin: number): number[] {
  const n = values.length;
  let leftCntData = 0;
  let cntZero = 0;
  let rightCntData = 0;
  for (let i = 0; i < n; i++) {
    if (values[i] <= -ZERO_THRESHOLD) leftCntData += counts[i];
    else if (values[i] > ZERO_THRESHOLD) rightCntData += counts[i];
    else cntZero += counts[i];
  }
  let leftCnt = n;
  for (let i = 0; i < n; i++) {
    if (values[i] > -ZERO_THRESHOLD) {
      leftCnt = i;
      break;
    }
  }
  let bounds: number[] = [];
  if (leftCnt > 0 && maxBin > 1) {
    const leftMaxBin = Math.max(1, Math.floor((leftCntData / (totalCnt - cntZero)) * (maxBin - 1)));
    bounds = greedyFindBin(values, counts, 0, leftCnt, leftMaxBin, leftCntData, minDataInBin);
    if (bounds.length > 0) bounds[bounds.length - 1] = -ZERO_THRESHOLD;
  }
  let rightStart = -1;
  for (let i = leftCnt; i < n; i++) {
    if (values[i] > ZERO_THRESHOLD) {
      rightStart = i;
      break;
    }
  }
  const rightMaxBin = maxBin - 1 - bounds.length;
  if (rightStart >= 0 && rightMaxBin > 0) {
    const right = greedyFindBin(values, counts, rightStart, n, rightMaxBin, rightCntData, minDataInBin);
    bounds.push(ZERO_THRESHOLD, ...right);
  } else {
    bounds.push(Infinity);
  }
  return bounds;
}

/** Sorted distinct values of `finite` with their counts. */
function distinctWithCounts(finite: Float64Array): { values: Float64Array; counts: Int32Array } {
  const sorted = Float64Array.from(finite).sort();
  const values: number[] = [];
  const counts: number[] = [];
  for (let i = 0; i < sorted.length; i++) {
    if (values.length > 0 && sorted[i] === values[values.length - 1]) counts[counts.length - 1]++;
    else {
      values.push(sorted[i]);
      counts.push(1);
    }
  }
  return { values: Float64Array.from(values), counts: Int32Array.from(counts) };
}

/**
 * Builds a numerical mapper from sampled values. `sample` holds the sampled column values (NaN included);
 * `totalSampleCnt` is the sample size.
 */
export function buildNumericalBinMapper(sample: Float64Array, opts: BinMapperOptions): NumericalBinMapper {
  let naCnt = 0;
  const finite: number[] = [];
  for (let i = 0; i < sample.length; i++) {
    const v = sample[i];
    if (Number.isNaN(v)) naCnt++;
    else finite.push(Math.abs(v) <= ZERO_THRESHOLD ? 0 : v);
  }
  let missingType = !opts.useMissing ? MISSING_NONE : opts.zeroAsMissing ? MISSING_ZERO : naCnt > 0 ? MISSING_NAN : MISSING_NONE;
  if (!opts.useMissing || opts.zeroAsMissing) {
    // NaN is treated as zero when it is not a missing value of its own.
    for (let i = 0; i < naCnt; i++) finite.push(0);
    naCnt = 0;
  }
  const { values, counts } = distinctWithCounts(Float64Array.from(finite));
  const total = sample.length;
  let bounds: number[];
  if (values.length === 0) {
    bounds = [Infinity];
  } else if (missingType === MISSING_NAN) {
    bounds = findBinWithZeroAsOneBin(values, counts, opts.maxBin - 1, total - naCnt, opts.minDataInBin);
    bounds.push(NaN);
  } else {
    bounds = findBinWithZeroAsOneBin(values, counts, opts.maxBin, total, opts.minDataInBin);
    if (missingType === MISSING_ZERO && bounds.length === 2) missingType = MISSING_NONE;
  }
  const mapper: NumericalBinMapper = {
    kind: 'numerical',
    numBin: bounds.length,
    missingType,
    upperBounds: Float64Array.from(bounds),
    defaultBin: 0,
    min: values.length ? values[0] : 0,
    max: values.length ? values[values.length - 1] : 0,
  };
  mapper.defaultBin = numericalValueToBin(mapper, 0);
  return mapper;
}

export function numericalValueToBin(m: NumericalBinMapper, value: number): number {
  if (Number.isNaN(value)) {
    if (m.missingType === MISSING_NAN) return m.numBin - 1;
    value = 0;
  }
  const b = m.upperBounds;
  // Binary search over the finite bins: first bin whose upper bound is >= value.
  let lo = 0;
  let hi = m.missingType === MISSING_NAN ? m.numBin - 2 : m.numBin - 1;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (value <= b[mid]) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}

/** Categories are non-negative integers; bins by descending frequency, rare tail folded into bin 0. */
export function buildCategoricalBinMapper(sample: Float64Array, opts: BinMapperOptions): CategoricalBinMapper {
  let naCnt = 0;
  const freq = new Map<number, number>();
  for (let i = 0; i < sample.length; i++) {
    const v = sample[i];
    if (Number.isNaN(v) || v < 0) {
      naCnt++;
      continue;
    }
    const c = Math.trunc(v);
    freq.set(c, (freq.get(c) ?? 0) + 1);
  }
  // Descending count; ties by category value so the mapping is deterministic.
  const cats = [...freq.entries()].sort((a, b) => b[1] - a[1] || a[0] - b[0]);
  const restCnt = sample.length - naCnt;
  const cutCnt = Math.round(restCnt * 0.99);
  const maxBin = Math.min(cats.length + (naCnt > 0 ? 1 : 0), opts.maxBin);
  const binToCategory: number[] = [-1];
  const categoryToBin = new Map<number, number>();
  let used = 0;
  let cur = 0;
  while (cur < cats.length && (used < cutCnt || binToCategory.length < maxBin)) {
    if (cats[cur][1] < opts.minDataInBin && cur > 1) break;
    categoryToBin.set(cats[cur][0], binToCategory.length);
    binToCategory.push(cats[cur][0]);
    used += cats[cur][1];
    cur++;
  }
  const missingType = cur === cats.length && naCnt === 0 ? MISSING_NONE : MISSING_NAN;
  return {
    kind: 'categorical',
    numBin: binToCategory.length,
    missingType,
    binToCategory: Int32Array.from(binToCategory),
    categoryToBin,
    defaultBin: categoryToBin.get(0) ?? 0,
  };
}

export function categoricalValueToBin(m: CategoricalBinMapper, value: number): number {
  if (Number.isNaN(value) || value < 0) return 0;
  return m.categoryToBin.get(Math.trunc(value)) ?? 0;
}

export function valueToBin(m: BinMapper, value: number): number {
  return m.kind === 'numerical' ? numericalValueToBin(m, value) : categoricalValueToBin(m, value);
}

/** The model value of a numerical threshold bin: its upper bound. */
export function binToThreshold(m: NumericalBinMapper, bin: number): number {
  return m.upperBounds[bin];
}

/** LightGBM's `feature_infos` entry. */
export function featureInfo(m: BinMapper | null): string {
  if (!m || m.numBin <= 1) return 'none';
  if (m.kind === 'numerical') return `[${fmt(m.min)}:${fmt(m.max)}]`;
  return Array.from(m.binToCategory).join(':');
}

function fmt(x: number): string {
  // LightGBM writes these with 17 significant digits; shortest round-trip text parses to the same double.
  return String(x);
}

/** A feature is worth keeping when it has more than one bin. */
export function isTrivial(m: BinMapper): boolean {
  return m.numBin <= 1;
}
