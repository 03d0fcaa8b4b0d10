// TreeSHAP: the fast hot/cold formulation against LightGBM's own recursion (ported), on random trees that
// repeat features along paths and use every decision kind; additivity; row selection.
import { describe, expect, it } from 'vitest';
import { predictContrib, predictContribLightgbmOrder } from '../../src/model/tree-shap.js';
import { NativeScorer } from '../../src/model/native-scorer.js';
import type { GbdtModel, Tree } from '../../src/model/tree.js';

function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = Math.imul(a ^ (a >>> 15), a | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const NUM_FEATURES = 5; // few features, so paths repeat them (the unwind/re-extend cases)
const DECISION_TYPES = [0, 2, 4, 6, 8, 10, 1, 9];

/** A random tree grown by splitting random leaves; counts are consistent (children sum to the parent). */
function randomTree(random: () => number, numLeaves: number): Tree {
  const n = numLeaves - 1;
  const tree: Tree = {
    numLeaves, numCat: 0, splitFeature: new Int32Array(n), splitGain: new Float64Array(n), threshold: new Float64Array(n),
    decisionType: new Uint8Array(n), leftChild: new Int32Array(n), rightChild: new Int32Array(n),
    leafValue: Float64Array.from({ length: numLeaves }, () => random() - 0.5), leafWeight: new Float64Array(numLeaves),
    leafCount: new Int32Array(numLeaves), internalValue: new Float64Array(n), internalWeight: new Float64Array(n),
    internalCount: new Int32Array(n), catBoundaries: Int32Array.of(0), catThreshold: new Uint32Array(0), isLinear: false, shrinkage: 1,
  };
  const cats: number[] = [];
  const leafCount = [1000];
  const parentOf = [-1];
  for (let node = 0; node < n; node++) {
    const leaf = Math.floor(random() * leafCount.length);
    const count = Math.max(2, leafCount[leaf]);
    const leftCount = 1 + Math.floor(random() * (count - 1));
    const dt = DECISION_TYPES[Math.floor(random() * DECISION_TYPES.length)];
    tree.splitFeature[node] = Math.floor(random() * NUM_FEATURES);
    tree.decisionType[node] = dt;
    if (dt & 1) {
      tree.threshold[node] = cats.length;
      cats.push(Math.floor(random() * 0xffffffff));
    } else {
      tree.threshold[node] = [0, -0.5, 0.5, 1e-35, -1][Math.floor(random() * 5)];
    }
    tree.internalCount[node] = count;
    const parent = parentOf[leaf];
    if (parent >= 0) {
      if (tree.leftChild[parent] === ~leaf) tree.leftChild[parent] = node;
      else tree.rightChild[parent] = node;
    }
    tree.leftChild[node] = ~leaf;
    tree.rightChild[node] = ~leafCount.length;
    leafCount[leaf] = leftCount;
    leafCount.push(count - leftCount);
    parentOf[leaf] = node;
    parentOf.push(node);
  }
  tree.leafCount = Int32Array.from(leafCount);
  tree.numCat = cats.length;
  tree.catBoundaries = Int32Array.from({ length: cats.length + 1 }, (_, i) => i);
  tree.catThreshold = Uint32Array.from(cats);
  return tree;
}

function randomModel(seed: number, numClass: number): GbdtModel {
  const random = rng(seed);
  const trees = Array.from({ length: 12 * numClass }, () => randomTree(random, 2 + Math.floor(random() * 20)));
  return {
    version: 'v4', numClass, numTreePerIteration: numClass, labelIndex: 0, maxFeatureIdx: NUM_FEATURES - 1,
    objective: numClass > 1 ? `multiclass num_class:${numClass}` : 'binary sigmoid:1', averageOutput: false,
    featureNames: Array.from({ length: NUM_FEATURES }, (_, f) => `f${f}`), featureInfos: new Array(NUM_FEATURES).fill('none'),
    trees, parameters: '',
  };
}

function randomRows(seed: number, numRows: number): Float64Array {
  const random = rng(seed);
  const values = [NaN, 0, 1e-36, -0.5, 0.5, 1, 2, 3, 7, 33, -1, 0.25];
  return Float64Array.from({ length: numRows * NUM_FEATURES }, () =>
    random() < 0.5 ? values[Math.floor(random() * values.length)] : (random() - 0.5) * 4,
  );
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
