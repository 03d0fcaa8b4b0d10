import { describe, expect, it } from 'vitest';
import { precisionRecallAt } from '../../src/model/metrics.js';
import { precisionRecallCurve } from '../../src/replay/pr-curve.js';
import { scores } from './fixtures.js';

/** The definition, literally: one point per distinct probability t, flagging every row with probability ≥ t. */
function bruteForce(p: ArrayLike<number>, y: ArrayLike<number>) {
  const thresholds = [...new Set(Array.from(p).filter((v) => !Number.isNaN(v)))].sort((a, b) => b - a);
  let positives = 0;
  for (let i = 0; i < y.length; i++) if (!Number.isNaN(p[i]) && y[i] > 0) positives++;
  return thresholds.map((t) => {
    let tp = 0;
    let flagged = 0;
    for (let i = 0; i < p.length; i++) {
      if (p[i] >= t) {
        flagged++;
        if (y[i] > 0) tp++;
      }
    }
    return { threshold: t, precision: tp / flagged, recall: tp / positives };
  });
}

const points = (c: ReturnType<typeof precisionRecallCurve>) =>
  Array.from(c.threshold, (t, i) => ({ threshold: t, precision: c.precision[i], recall: c.recall[i] }));

describe('precisionRecallCurve', () => {
  it.each([
    { name: 'tiny, hand-checked', p: [0.9, 0.8, 0.7, 0.6], y: [1, 0, 1, 0] },
    { name: 'ties across classes', p: [0.5, 0.5, 0.5, 0.2, 0.2, 0.9], y: [1, 0, 0, 1, 0, 0] },
    { name: 'all the same score', p: [0.3, 0.3, 0.3], y: [0, 1, 0] },
    { name: 'seeded, rounded (many ties)', ...(() => { const s = scores(3000, 5, 2); return { p: Array.from(s.probability), y: Array.from(s.label) }; })() },
  ])('equals the brute-force definition at every distinct threshold: $name', ({ p, y }) => {
    const curve = precisionRecallCurve(Float64Array.from(p), Uint8Array.from(y), { maxPoints: 100_000 });
    const expected = bruteForce(p, y);
    expect(curve.fullPoints).toBe(expected.length);
    const got = points(curve);
    expect(got).toHaveLength(expected.length);
    got.forEach((g, i) => {
      expect(g.threshold).toBe(expected[i].threshold);
      expect(g.precision).toBeCloseTo(expected[i].precision, 12);
      expect(g.recall).toBeCloseTo(expected[i].recall, 12);
    });
  });

  it('hand-checked values: 0.9 → P 1 R 0.5, 0.8 → P 0.5 R 0.5, 0.7 → P 2/3 R 1, 0.6 → P 0.5 R 1', () => {
    const c = precisionRecallCurve(Float64Array.of(0.9, 0.8, 0.7, 0.6), Uint8Array.of(1, 0, 1, 0));
    expect(Array.from(c.precision)).toEqual([1, 0.5, 2 / 3, 0.5]);
    expect(Array.from(c.recall)).toEqual([0.5, 0.5, 1, 1]);
    expect(c.positives).toBe(2);
    expect(c.samples).toBe(4);
  });

  it('thins to at most maxPoints, keeps both ends, recall monotone, every kept point exact', () => {
    const { probability, label } = scores(50_000, 9, 2);
    // Distinct scores: unrounded so there are tens of thousands of thresholds.
    for (let i = 0; i < probability.length; i++) probability[i] += i * 1e-9;
    const full = precisionRecallCurve(probability, label, { maxPoints: 1_000_000 });
    const c = precisionRecallCurve(probability, label);
    expect(full.fullPoints).toBeGreaterThan(10_000);
    expect(c.fullPoints).toBe(full.fullPoints);
    expect(c.recall.length).toBeLessThanOrEqual(500);
    expect(c.recall.length).toBeGreaterThan(100);
    expect(c.threshold[0]).toBe(full.threshold[0]);
    expect(c.threshold.at(-1)).toBe(full.threshold.at(-1));
    expect(c.recall.at(-1)).toBe(1);
    const byThreshold = new Map(points(full).map((p) => [p.threshold, p]));
    for (let i = 0; i < c.recall.length; i++) {
      if (i > 0) {
        expect(c.recall[i]).toBeGreaterThanOrEqual(c.recall[i - 1]);
        expect(c.threshold[i]).toBeLessThan(c.threshold[i - 1]);
      }
      const ref = byThreshold.get(c.threshold[i])!;
      expect(ref).toBeDefined();
      expect(c.precision[i]).toBe(ref.precision);
      expect(c.recall[i]).toBe(ref.recall);
    }
    // Evenly over recall: no gap between kept points wider than a few buckets.
    let widest = 0;
    for (let i = 1; i < c.recall.length; i++) widest = Math.max(widest, c.recall[i] - c.recall[i - 1]);
    expect(widest).toBeLessThan(0.02);
  });

  it('the operating point equals precisionRecallAt over all rows, even between kept points', () => {
    const { probability, label } = scores(20_000, 3, 2.5);
    for (const t of [0.05, 0.3, 0.5, 0.77, 0.999]) {
      const c = precisionRecallCurve(probability, label, { maxPoints: 50, operatingThreshold: t });
      const ref = precisionRecallAt(probability, label, t);
      expect(c.operating!.threshold).toBe(t);
      if (ref.predictedPositive === 0) expect(c.operating!.precision).toBeNaN();
      else expect(c.operating!.precision).toBeCloseTo(ref.precision, 12);
      expect(c.operating!.recall).toBeCloseTo(ref.recall, 12);
    }
  });

  it('an operating threshold above every score flags nothing: recall 0, precision undefined', () => {
    const c = precisionRecallCurve(Float64Array.of(0.1, 0.2), Uint8Array.of(1, 0), { operatingThreshold: 0.5 });
    expect(c.operating).toEqual({ threshold: 0.5, precision: NaN, recall: 0 });
  });

  it('counts NaN probabilities as invalid and leaves them out instead of ranking them', () => {
    const c = precisionRecallCurve(Float64Array.of(0.9, NaN, 0.4, NaN), Uint8Array.of(1, 1, 0, 0));
    expect(c.invalid).toBe(2);
    expect(c.samples).toBe(2);
    expect(c.positives).toBe(1);
    expect(Array.from(c.recall)).toEqual([1, 1]);
  });

  it('no positives: recall is undefined, the curve still has its thresholds', () => {
    const c = precisionRecallCurve(Float64Array.of(0.9, 0.4), Uint8Array.of(0, 0));
    expect(c.positives).toBe(0);
    expect(Array.from(c.precision)).toEqual([0, 0]);
    expect(c.recall.every(Number.isNaN)).toBe(true);
  });

  it('empty input gives an empty curve; bad arguments are clear errors', () => {
    expect(precisionRecallCurve(new Float64Array(0), new Uint8Array(0)).recall.length).toBe(0);
    expect(() => precisionRecallCurve(Float64Array.of(0.1), new Uint8Array(2))).toThrow(/1 probabilities but 2 labels/);
    expect(() => precisionRecallCurve(Float64Array.of(0.1), Uint8Array.of(1), { maxPoints: 1 })).toThrow(/maxPoints/);
  });
});
