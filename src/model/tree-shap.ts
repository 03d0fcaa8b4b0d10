// Exact TreeSHAP (Lundberg et al., Algorithm 2) as LightGBM implements it in Tree::TreeSHAP / ExtendPath /
// UnwindPath / UnwoundPathSum, with the same arithmetic order so the contributions match LightGBM's
// predict_contrib output. Node "cover" is the training row count (internal_count / leaf_count), as in LightGBM.
// The unique path lives in preallocated typed arrays (one slab per recursion level) instead of objects.
import type { GbdtModel } from './tree.js';
import { decideLeft, flattenForest, type FlatForest } from './native-scorer.js';

/** Per-model SHAP tables derived once: covers and depths in the flat forest's global numbering. */
export interface ShapForest {
  forest: FlatForest;
  /** cover of internal node g */
  nodeCount: Float64Array;
  /** cover of leaf g */
  leafCount: Float64Array;
  /** Per tree: the expected value (cover-weighted mean leaf value). */
  expectedValue: Float64Array;
  maxDepth: number;
}

const shapCache = new WeakMap<GbdtModel, ShapForest>();

export function buildShapForest(model: GbdtModel): ShapForest {
  const cached = shapCache.get(model);
  if (cached) return cached;
  const forest = flattenForest(model);
  const nodeCount = new Float64Array(forest.nodeFeature.length);
  const leafCount = new Float64Array(forest.leafValue.length);
  const expectedValue = new Float64Array(model.trees.length);
  let nodeBase = 0;
  let leafBase = 0;
  let maxDepth = 0;
  model.trees.forEach((tree, t) => {
    for (let n = 0; n < tree.numLeaves - 1; n++) nodeCount[nodeBase + n] = tree.internalCount[n];
    for (let l = 0; l < tree.numLeaves; l++) leafCount[leafBase + l] = tree.leafCount[l] ?? 0;
    if (tree.numLeaves === 1) {
      expectedValue[t] = tree.leafValue[0];
    } else {
      // Tree::ExpectedValue: sum of (leaf_count / total_count) * leaf_value, in leaf order.
      const total = tree.internalCount[0];
      let e = 0;
      for (let l = 0; l < tree.numLeaves; l++) e += (tree.leafCount[l] / total) * tree.leafValue[l];
      expectedValue[t] = e;
      maxDepth = Math.max(maxDepth, treeDepth(tree.leftChild, tree.rightChild));
    }
    nodeBase += tree.numLeaves - 1;
    leafBase += tree.numLeaves;
  });
  const shap: ShapForest = { forest, nodeCount, leafCount, expectedValue, maxDepth };
  shapCache.set(model, shap);
  return shap;
}

function treeDepth(left: Int32Array, right: Int32Array): number {
  let max = 0;
  const stackNode: number[] = [0];
  const stackDepth: number[] = [0];
  while (stackNode.length > 0) {
    const node = stackNode.pop()!;
    const depth = stackDepth.pop()!;
    for (const child of [left[node], right[node]]) {
      if (child < 0) max = Math.max(max, depth + 1);
      else {
        stackNode.push(child);
        stackDepth.push(depth + 1);
      }
    }
  }
  return max;
}

/** Working memory of one TreeSHAP run: the unique path of every recursion level, back to back. */
class PathSlab {
  readonly feature: Int32Array;
  readonly zero: Float64Array;
  readonly one: Float64Array;
  readonly weight: Float64Array;
  constructor(maxDepth: number) {
    const len = maxDepth + 2;
    const size = (len * (len + 1)) / 2 + len;
    this.feature = new Int32Array(size);
    this.zero = new Float64Array(size);
    this.one = new Float64Array(size);
    this.weight = new Float64Array(size);
  }
}

class TreeShapRun {
  constructor(
    private readonly shap: ShapForest,
    private readonly path: PathSlab,
    private rows: Float64Array,
    private rowBase: number,
    private phi: Float64Array,
    private phiBase: number,
  ) {}

  reset(rows: Float64Array, rowBase: number, phi: Float64Array, phiBase: number): void {
    this.rows = rows;
    this.rowBase = rowBase;
    this.phi = phi;
    this.phiBase = phiBase;
  }

  /** ExtendPath on the path starting at `p` with `depth` elements already. */
  private extend(p: number, depth: number, zeroFraction: number, oneFraction: number, feature: number): void {
    const { feature: feat, zero, one, weight } = this.path;
    feat[p + depth] = feature;
    zero[p + depth] = zeroFraction;
    one[p + depth] = oneFraction;
    weight[p + depth] = depth === 0 ? 1 : 0;
    for (let i = depth - 1; i >= 0; i--) {
      weight[p + i + 1] += (oneFraction * weight[p + i] * (i + 1)) / (depth + 1);
      weight[p + i] = (zeroFraction * weight[p + i] * (depth - i)) / (depth + 1);
    }
  }

  private unwind(p: number, depth: number, pathIndex: number): void {
    const { feature: feat, zero, one, weight } = this.path;
    const oneFraction = one[p + pathIndex];
    const zeroFraction = zero[p + pathIndex];
    let nextOnePortion = weight[p + depth];
    for (let i = depth - 1; i >= 0; --i) {
      if (oneFraction !== 0) {
        const tmp = weight[p + i];
        weight[p + i] = (nextOnePortion * (depth + 1)) / ((i + 1) * oneFraction);
        nextOnePortion = tmp - (weight[p + i] * zeroFraction * (depth - i)) / (depth + 1);
      } else {
        weight[p + i] = (weight[p + i] * (depth + 1)) / (zeroFraction * (depth - i));
      }
    }
    for (let i = pathIndex; i < depth; ++i) {
      feat[p + i] = feat[p + i + 1];
      zero[p + i] = zero[p + i + 1];
      one[p + i] = one[p + i + 1];
    }
  }

  private unwoundSum(p: number, depth: number, pathIndex: number): number {
    const { zero, one, weight } = this.path;
    const oneFraction = one[p + pathIndex];
    const zeroFraction = zero[p + pathIndex];
    let nextOnePortion = weight[p + depth];
    let total = 0;
    for (let i = depth - 1; i >= 0; --i) {
      if (oneFraction !== 0) {
        const tmp = (nextOnePortion * (depth + 1)) / ((i + 1) * oneFraction);
        total += tmp;
        nextOnePortion = weight[p + i] - tmp * zeroFraction * ((depth - i) / (depth + 1));
      } else {
        total += weight[p + i] / zeroFraction / ((depth - i) / (depth + 1));
      }
    }
    return total;
  }

  /** Tree::TreeSHAP. `parent` is where the parent's path starts; this level's path starts right after it. */
  recurse(node: number, depth: number, parent: number, parentZero: number, parentOne: number, parentFeature: number): void {
    const path = this.path;
    const p = parent + depth;
    if (depth > 0) {
      path.feature.copyWithin(p, parent, parent + depth);
      path.zero.copyWithin(p, parent, parent + depth);
      path.one.copyWithin(p, parent, parent + depth);
      path.weight.copyWithin(p, parent, parent + depth);
    }
    this.extend(p, depth, parentZero, parentOne, parentFeature);
    const shap = this.shap;
    const forest = shap.forest;
    if (node < 0) {
      const leafValue = forest.leafValue[~node];
      for (let i = 1; i <= depth; ++i) {
        const w = this.unwoundSum(p, depth, i);
        this.phi[this.phiBase + path.feature[p + i]] += w * (path.one[p + i] - path.zero[p + i]) * leafValue;
      }
      return;
    }
    const splitFeature = forest.nodeFeature[node];
    const left = forest.children[2 * node];
    const right = forest.children[2 * node + 1];
    const goLeft = decideLeft(forest, node, this.rows[this.rowBase + splitFeature]);
    const hot = goLeft ? left : right;
    const cold = goLeft ? right : left;
    const w = shap.nodeCount[node];
    const hotZero = (hot >= 0 ? shap.nodeCount[hot] : shap.leafCount[~hot]) / w;
    const coldZero = (cold >= 0 ? shap.nodeCount[cold] : shap.leafCount[~cold]) / w;
    let incomingZero = 1;
    let incomingOne = 1;
    let pathIndex = 0;
    for (; pathIndex <= depth; ++pathIndex) if (path.feature[p + pathIndex] === splitFeature) break;
    if (pathIndex !== depth + 1) {
      incomingZero = path.zero[p + pathIndex];
      incomingOne = path.one[p + pathIndex];
      this.unwind(p, depth, pathIndex);
      depth -= 1;
    }
    this.recurse(hot, depth + 1, p, hotZero * incomingZero, incomingOne, splitFeature);
    this.recurse(cold, depth + 1, p, coldZero * incomingZero, 0, splitFeature);
  }
}

/**
 * SHAP contributions as LightGBM's predict_contrib: for each row, per class, numFeatures values then the
 * expected value (numRows × numClass × (numFeatures+1)). `rowIndices` explains only those rows of `rows`
 * (output row i belongs to rows[rowIndices[i]]). Linear trees are not supported (neither are they by LightGBM).
 */
export function predictContrib(model: GbdtModel, rows: Float64Array, numRows: number, rowIndices?: Int32Array): Float64Array {
  if (model.trees.some((t) => t.isLinear)) throw new Error('contributions are not defined for linear trees (LightGBM refuses them too)');
  const shap = buildShapForest(model);
  const forest = shap.forest;
  const nf = forest.numFeatures;
  const nc = model.numTreePerIteration;
  const width = nf + 1;
  const count = rowIndices ? rowIndices.length : numRows;
  if (rows.length < numRows * nf) throw new RangeError(`predictContrib: ${rows.length} values cannot hold ${numRows} rows × ${nf} features`);
  const out = new Float64Array(count * nc * width);
  const slab = new PathSlab(shap.maxDepth);
  const run = new TreeShapRun(shap, slab, rows, 0, out, 0);
  for (let i = 0; i < count; i++) {
    const row = rowIndices ? rowIndices[i] : i;
    if (row < 0 || row >= numRows) throw new RangeError(`predictContrib: row index ${row} outside 0..${numRows - 1}`);
    for (let t = 0; t < forest.numTrees; t++) {
      const phiBase = (i * nc + forest.treeClass[t]) * width;
      out[phiBase + nf] += shap.expectedValue[t];
      const root = forest.treeRoot[t];
      if (root < 0) continue;
      run.reset(rows, row * nf, out, phiBase);
      run.recurse(root, 0, 0, 1, 1, -1);
    }
  }
  return out;
}
