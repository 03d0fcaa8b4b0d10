// TreeSHAP: the fast hot/cold formulation against LightGBM's own recursion (ported), on random trees that
// repeat features along paths and use every decision kind; additivity; row selection.
import { describe, expect, it } from 'vitest';
import { buildShapTables, predictContrib, predictContribLightgbmOrder, predictContribRecursive } from '../../src/model/tree-shap.js';
import type { GbdtModel, Tree } from '../../src/model/tree.js';
import { NativeScorer } from '../../src/model/native-scorer.js';
import { NUM_FEATURES, randomModel, randomRows, rng } from './random-model.js';

/** Adds a tree splitting features 0..depth-1 one below the other (leaf counts halve), widening the model. */
function withCaterpillar(model: GbdtModel, depth: number): GbdtModel {
  const n = depth;
  const tree: Tree = {
    numLeaves: n + 1, numCat: 0, splitFeature: Int32Array.from({ length: n }, (_, i) => i), splitGain: new Float64Array(n),
    threshold: Float64Array.from({ length: n }, (_, i) => (i % 3) * 0.3 - 0.3), decisionType: Uint8Array.from({ length: n }, (_, i) => (i % 2 ? 8 : 2)),
    leftChild: Int32Array.from({ length: n }, (_, i) => ~i), rightChild: Int32Array.from({ length: n }, (_, i) => (i + 1 < n ? i + 1 : ~n)),
    leafValue: Float64Array.from({ length: n + 1 }, (_, i) => Math.sin(i + 1)), leafWeight: new Float64Array(n + 1),
    leafCount: Int32Array.from({ length: n + 1 }, (_, i) => (i < n ? 2 ** (n - i) : 2)), internalValue: new Float64Array(n),
    internalWeight: new Float64Array(n), internalCount: Int32Array.from({ length: n }, (_, i) => 2 ** (n - i + 1)),
    catBoundaries: Int32Array.of(0), catThreshold: new Uint32Array(0), isLinear: false, shrinkage: 1,
  };
  const numFeatures = Math.max(model.maxFeatureIdx + 1, depth);
  return {
    ...model, maxFeatureIdx: numFeatures - 1, trees: [...model.trees, tree],
    featureNames: Array.from({ length: numFeatures }, (_, f) => `f${f}`), featureInfos: new Array(numFeatures).fill('none'),
  };
}

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
    expect(closeTo(predictContribRecursive(model, rows, 300), reference, 1e-9)).toBe(0);
    // every tree of these small models is on the leaf tables
    expect(Array.from(buildShapTables(model).entryStart).every((start, t) => start >= 0 || model.trees[t].numLeaves === 1)).toBe(true);
  });

  it('a tree too deep for leaf tables (18 distinct features on one path) falls back to the recursion, same values', () => {
    const model = withCaterpillar(randomModel(5, 1), 18);
    const numFeatures = model.maxFeatureIdx + 1;
    const random = rng(6);
    const rows = Float64Array.from({ length: 100 * numFeatures }, () => (random() < 0.1 ? NaN : random() * 2 - 1));
    const tables = buildShapTables(model);
    expect(tables.entryStart[model.trees.length - 1]).toBe(-1);
    expect(tables.entryStart[0]).toBeGreaterThanOrEqual(0);
    expect(closeTo(predictContrib(model, rows, 100), predictContribLightgbmOrder(model, rows, 100), 1e-9)).toBe(0);
  });

  it.each([
    [31, 1],
    [32, 3],
  ])('seed %i, %i classes, plain splits: the WebAssembly table walk gives the JavaScript one bit for bit', (seed, numClass) => {
    const model = randomModel(seed, numClass);
    for (const tree of model.trees) {
      tree.decisionType = tree.decisionType.map((dt) => dt & ~1 & ~4); // numerical, missing None or NaN
      tree.numCat = 0;
      tree.catBoundaries = Int32Array.of(0);
      tree.catThreshold = new Uint32Array(0);
    }
    const rows = randomRows(seed + 1, 300); // NaN, 1e-36, both signs
    const js = predictContrib(model, rows, 300, undefined, { kernel: 'js' });
    expect(predictContrib(model, rows, 300)).toEqual(js);
    expect(closeTo(js, predictContribLightgbmOrder(model, rows, 300), 1e-9)).toBe(0);
    const picked = Int32Array.of(299, 0, 150);
    expect(predictContrib(model, rows, 300, picked)).toEqual(predictContrib(model, rows, 300, picked, { kernel: 'js' }));
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
