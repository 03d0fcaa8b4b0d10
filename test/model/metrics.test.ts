import { describe, expect, it } from 'vitest';
import { auc, l2, logloss, multiLogloss, prAuc, precisionRecallAt, thresholdFor } from '../../src/model/metrics.js';

function lcg(seed: number): () => number {
  let s = seed >>> 0;
  return () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 4294967296);
}

/** AUC as the share of (positive, negative) pairs ranked right, ties half. */
function pairAuc(score: number[], label: number[], w?: number[]): number {
  let num = 0;
  let den = 0;
  for (let i = 0; i < score.length; i++) {
    if (!label[i]) continue;
    for (let j = 0; j < score.length; j++) {
      if (label[j]) continue;
      const ww = (w?.[i] ?? 1) * (w?.[j] ?? 1);
      den += ww;
      num += ww * (score[i] > score[j] ? 1 : score[i] === score[j] ? 0.5 : 0);
    }
  }
  return num / den;
}

describe('metrics', () => {
  it('auc equals the pairwise definition, with ties and weights', () => {
    const r = lcg(3);
    for (let t = 0; t < 5; t++) {
      const n = 200;
      const score = Array.from({ length: n }, () => Math.round(r() * 20) / 20); // many ties
      const label = score.map((s) => (r() < s ? 1 : 0));
      const w = score.map(() => 0.5 + r());
      expect(auc(score, label)).toBeCloseTo(pairAuc(score, label), 12);
      expect(auc(score, label, w)).toBeCloseTo(pairAuc(score, label, w), 12);
    }
    expect(Number.isNaN(auc([0.1, 0.2], [1, 1]))).toBe(true);
  });

  it('the unweighted fast path agrees with the weighted path at unit weights', () => {
    const r = lcg(8);
    const n = 3000;
    const score = Float64Array.from({ length: n }, () => Math.round(r() * 50) / 50);
    const label = Float64Array.from(score, (s) => (r() < s * 0.3 ? 1 : 0));
    const ones = new Float64Array(n).fill(1);
    expect(auc(score, label)).toBeCloseTo(auc(score, label, ones), 12);
    expect(prAuc(score, label)).toBeCloseTo(prAuc(score, label, ones), 12);
  });

  it('average precision on a worked example', () => {
    // ranking: + - + -  → precision at each positive: 1/1, 2/3 → AP = (1 + 2/3) / 2
    expect(prAuc([0.9, 0.8, 0.7, 0.6], [1, 0, 1, 0])).toBeCloseTo((1 + 2 / 3) / 2, 12);
    expect(prAuc([0.9, 0.8], [1, 1])).toBe(1);
  });

  it('logloss, multiLogloss and l2', () => {
    expect(logloss([0.8, 0.3], [1, 0])).toBeCloseTo(-(Math.log(0.8) + Math.log(0.7)) / 2, 12);
    // class-major: 2 rows, 2 classes
    expect(multiLogloss([0.9, 0.2, 0.1, 0.8], [0, 1], 2)).toBeCloseTo(-(Math.log(0.9) + Math.log(0.8)) / 2, 12);
    expect(l2([1, 2, 3], [1, 1, 1])).toBeCloseTo(5 / 3, 12);
  });

  it('precision and recall at a threshold', () => {
    const s = precisionRecallAt([0.9, 0.8, 0.4, 0.2], [1, 0, 1, 0], 0.5);
    expect(s).toMatchObject({ precision: 0.5, recall: 0.5, predictedPositive: 2, truePositive: 1, positives: 2 });
    expect(Number.isNaN(precisionRecallAt([0.1], [1], 0.5).precision)).toBe(true);
  });

  it('threshold for a target precision takes the most recall that keeps it; for recall the most precision', () => {
    const score = [0.95, 0.9, 0.8, 0.7, 0.6, 0.5, 0.4, 0.3];
    const label = [1, 1, 0, 1, 0, 1, 0, 0];
    // precision by cut: 1, 1, .67, .75, .6, .67, .57, .5
    const p = thresholdFor(score, label, { precision: 0.7 })!;
    expect(p.threshold).toBe(0.7);
    expect(p.recall).toBe(0.75);
    const r = thresholdFor(score, label, { recall: 1 })!;
    expect(r.threshold).toBe(0.5);
    expect(r.precision).toBeCloseTo(4 / 6, 12);
    expect(thresholdFor(score, label, { precision: 1.01 })).toBeNull();
  });
});
