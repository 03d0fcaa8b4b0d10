import { describe, expect, it } from 'vitest';
import {
  buildCategoricalBinMapper,
  buildNumericalBinMapper,
  categoricalValueToBin,
  featureInfo,
  greedyFindBin,
  numericalValueToBin,
  ZERO_THRESHOLD,
} from '../../../src/model/train/bin-mapper.js';
import { MISSING_NAN, MISSING_NONE, MISSING_ZERO } from '../../../src/model/tree.js';

const opts = { maxBin: 255, minDataInBin: 3, useMissing: true, zeroAsMissing: false };

function lcg(seed: number): () => number {
  let s = seed >>> 0;
  return () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 4294967296);
}

describe('numerical bin mapper', () => {
  it('gives each distinct value its own bin when there are few, with midpoints as bounds', () => {
    const m = buildNumericalBinMapper(Float64Array.from([1, 1, 1, 2, 2, 2, 3, 3, 3, 5, 5, 5]), opts);
    expect(m.missingType).toBe(MISSING_NONE);
    // zero gets a bin of its own even when absent: (-inf, 1e-35], then 1 | 2 | 3 | 5
    const bins = [1, 2, 3, 5].map((v) => numericalValueToBin(m, v));
    expect(new Set(bins).size).toBe(4);
    expect(bins).toEqual([...bins].sort((a, b) => a - b));
    expect(m.upperBounds[bins[0]]).toBeGreaterThan(1);
    expect(m.upperBounds[bins[0]]).toBeLessThanOrEqual(1.5 + 1e-12);
    expect(numericalValueToBin(m, 0)).toBe(m.defaultBin);
    expect(m.upperBounds[m.numBin - 1]).toBe(Infinity);
  });

  it('keeps zero in a bin of its own between negatives and positives', () => {
    const vals = Float64Array.from({ length: 300 }, (_, i) => (i % 3 === 0 ? 0 : i % 3 === 1 ? -i : i));
    const m = buildNumericalBinMapper(vals, opts);
    const z = numericalValueToBin(m, 0);
    expect(numericalValueToBin(m, -1)).toBeLessThan(z);
    expect(numericalValueToBin(m, 1)).toBeGreaterThan(z);
    expect(numericalValueToBin(m, ZERO_THRESHOLD / 2)).toBe(z);
    expect(numericalValueToBin(m, -ZERO_THRESHOLD / 2)).toBe(z);
  });

  it('puts NaN in a last bin of its own when missing values are used, else treats NaN as zero', () => {
    const vals = Float64Array.from({ length: 100 }, (_, i) => (i % 10 === 0 ? NaN : i));
    const m = buildNumericalBinMapper(vals, opts);
    expect(m.missingType).toBe(MISSING_NAN);
    expect(numericalValueToBin(m, NaN)).toBe(m.numBin - 1);
    expect(Number.isNaN(m.upperBounds[m.numBin - 1])).toBe(true);
    const off = buildNumericalBinMapper(vals, { ...opts, useMissing: false });
    expect(off.missingType).toBe(MISSING_NONE);
    expect(numericalValueToBin(off, NaN)).toBe(numericalValueToBin(off, 0));
  });

  it('zero_as_missing marks zero as the missing value', () => {
    const vals = Float64Array.from({ length: 200 }, (_, i) => (i % 2 ? 0 : i - 100));
    const m = buildNumericalBinMapper(vals, { ...opts, zeroAsMissing: true });
    expect(m.missingType).toBe(MISSING_ZERO);
    expect(numericalValueToBin(m, NaN)).toBe(m.defaultBin);
  });

  it('respects max_bin and keeps bins roughly equally filled', () => {
    const r = lcg(1);
    const vals = Float64Array.from({ length: 20000 }, () => r() * 10 + 0.1);
    const m = buildNumericalBinMapper(vals, { ...opts, maxBin: 16 });
    expect(m.numBin).toBeLessThanOrEqual(16);
    const counts = new Array(m.numBin).fill(0);
    for (const v of vals) counts[numericalValueToBin(m, v)]++;
    const nonEmpty = counts.filter((c) => c > 0);
    // 15 data bins of ~1333 rows (the zero bin is empty)
    expect(Math.max(...nonEmpty) / Math.min(...nonEmpty)).toBeLessThan(1.3);
  });

  it('greedy binning merges values rarer than min_data_in_bin', () => {
    const values = Float64Array.from([1, 2, 3, 4, 5, 6]);
    const counts = Int32Array.from([1, 1, 1, 1, 1, 10]);
    const bounds = greedyFindBin(values, counts, 0, 6, 255, 15, 3);
    // every bin but the last holds >= 3 samples
    expect(bounds.length).toBe(2);
    expect(bounds[0]).toBeGreaterThan(3);
    expect(bounds[0]).toBeLessThan(4);
  });

  it('writes feature_infos as [min:max]', () => {
    const m = buildNumericalBinMapper(Float64Array.from([-2.5, 0, 1, 7.25]), { ...opts, minDataInBin: 1 });
    expect(featureInfo(m)).toBe('[-2.5:7.25]');
  });
});

describe('categorical bin mapper', () => {
  it('orders categories by frequency, bin 0 for NaN / negative / unseen', () => {
    const vals: number[] = [];
    for (let i = 0; i < 50; i++) vals.push(7);
    for (let i = 0; i < 30; i++) vals.push(2);
    for (let i = 0; i < 20; i++) vals.push(4);
    vals.push(NaN, -1);
    const m = buildCategoricalBinMapper(Float64Array.from(vals), opts);
    expect(Array.from(m.binToCategory)).toEqual([-1, 7, 2, 4]);
    expect(m.missingType).toBe(MISSING_NAN);
    expect(categoricalValueToBin(m, 7)).toBe(1);
    expect(categoricalValueToBin(m, 4)).toBe(3);
    expect(categoricalValueToBin(m, NaN)).toBe(0);
    expect(categoricalValueToBin(m, -3)).toBe(0);
    expect(categoricalValueToBin(m, 99)).toBe(0);
    expect(featureInfo(m)).toBe('-1:7:2:4');
  });

  it('is missing-type None when every category has a bin and nothing is missing', () => {
    const m = buildCategoricalBinMapper(Float64Array.from({ length: 90 }, (_, i) => i % 3), opts);
    expect(m.missingType).toBe(MISSING_NONE);
    expect(m.numBin).toBe(4);
  });
});
