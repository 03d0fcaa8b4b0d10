// Random LightGBM-shaped models for tests: few features (so paths repeat them), every decision kind
// (missing None/Zero/NaN, default left/right, categorical bitsets) and consistent node counts.
import type { GbdtModel, Tree } from '../../src/model/tree.js';
import { mulberry32 as rng } from '../support/mulberry32.js';

export { mulberry32 as rng } from '../support/mulberry32.js';

export const NUM_FEATURES = 5; // few features, so paths repeat them (the unwind/re-extend cases)
const DECISION_TYPES = [0, 2, 4, 6, 8, 10, 1, 9];

/** A random tree grown by splitting random leaves; counts are consistent (children sum to the parent). */
export function randomTree(random: () => number, numLeaves: number): Tree {
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

export function randomModel(seed: number, numClass: number): GbdtModel {
  const random = rng(seed);
  const trees = Array.from({ length: 12 * numClass }, () => randomTree(random, 2 + Math.floor(random() * 20)));
  return {
    version: 'v4', numClass, numTreePerIteration: numClass, labelIndex: 0, maxFeatureIdx: NUM_FEATURES - 1,
    objective: numClass > 1 ? `multiclass num_class:${numClass}` : 'binary sigmoid:1', averageOutput: false,
    featureNames: Array.from({ length: NUM_FEATURES }, (_, f) => `f${f}`), featureInfos: new Array(NUM_FEATURES).fill('none'),
    trees, parameters: '',
  };
}

export function randomRows(seed: number, numRows: number): Float64Array {
  const random = rng(seed);
  const values = [NaN, 0, 1e-36, -0.5, 0.5, 1, 2, 3, 7, 33, -1, 0.25];
  return Float64Array.from({ length: numRows * NUM_FEATURES }, () =>
    random() < 0.5 ? values[Math.floor(random() * values.length)] : (random() - 0.5) * 4,
  );
}

