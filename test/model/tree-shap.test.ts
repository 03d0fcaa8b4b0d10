// TreeSHAP: the fast hot/cold formulation against LightGBM's own recursion (ported), on random trees that
// repeat features along paths and use every decision kind; additivity; row selection.
import { describe, expect, it } from 'vitest';
import { predictContrib, predictContribLightgbmOrder } from '../../src/model/tree-shap.js';
import { NativeScorer } from '../../src/model/native-scorer.js';
import { NUM_FEATURES, randomModel, randomRows } from './random-model.js';

function closeTo(a: Float64Array, b: Float64Array, rel: number): number {
  let bad = 0;
  for (let i = 0; i < a.length; i++) {
    const diff = Math.abs(a[i] - b[i]);
    if (diff > 1e-13 && diff > rel * Math.max(Math.abs(a[i]), Math.abs(b[i]))) bad++;
  }
  return bad;
}

describe('TreeSHAP', () => {
  it.each([
    [1, 1],
    [2, 1],
    [3, 3],
  ])('seed %i, %i classes: fast path equals LightGBM recursion', (seed, numClass) => {
    const model = randomModel(seed, numClass);
    const rows = randomRows(seed + 100, 300);
    const fast = predictContrib(model, rows, 300);
    const reference = predictContribLightgbmOrder(model, rows, 300);
    expect(fast.length).toBe(300 * numClass * (NUM_FEATURES + 1));
    expect(closeTo(fast, reference, 1e-9)).toBe(0);
  });

  it('contributions plus expected value add up to the raw score (per class)', () => {
    const model = randomModel(7, 3);
    const rows = randomRows(8, 200);
    const contrib = predictContrib(model, rows, 200);
    const raw = new NativeScorer(model).predictRaw(rows, 200);
    const width = NUM_FEATURES + 1;
    for (let r = 0; r < 200; r++) {
      for (let k = 0; k < 3; k++) {
        let sum = 0;
        for (let j = 0; j < width; j++) sum += contrib[(r * 3 + k) * width + j];
        expect(sum).toBeCloseTo(raw[r * 3 + k], 10);
      }
    }
  });

  it('explains only the selected rows', () => {
    const model = randomModel(11, 1);
    const rows = randomRows(12, 50);
    const all = predictContrib(model, rows, 50);
    const picked = predictContrib(model, rows, 50, Int32Array.of(49, 3));
    const width = NUM_FEATURES + 1;
    expect(Array.from(picked.subarray(0, width))).toEqual(Array.from(all.subarray(49 * width, 50 * width)));
    expect(Array.from(picked.subarray(width))).toEqual(Array.from(all.subarray(3 * width, 4 * width)));
    expect(() => predictContrib(model, rows, 50, Int32Array.of(50))).toThrow(/row index 50/);
  });
});
