// Exact path-dependent TreeSHAP (Lundberg et al.), as LightGBM's predict_contrib. Node "cover" is the training
// row count (internal_count / leaf_count), as in LightGBM.
//
// Two implementations:
// - predictContribLightgbmOrder: LightGBM's Tree::TreeSHAP / ExtendPath / UnwindPath / UnwoundPathSum, ported
//   with the same arithmetic order; O(leaves × depth²) divisions per tree.
// - predictContrib (used everywhere): the same values computed from the fact that LightGBM's "one fractions"
//   are always 0 or 1. For a leaf with unique path features U (|U| = d), zero fractions z_j, hot set H (features
//   on which the row follows the path) and cold set C, the Shapley sum collapses to
//     cold i: phi_i += -v · Π_C z · G(H)          hot i: phi_i += v · (1 - z_i) · Π_C z · G(H \ {i})
//   with G(A) = Σ_s s!(d-1-s)!/d! · [x^s] Π_{j∈A} (z_j + x). The polynomial is carried down the tree (one
//   multiply per node) and divided by (z_i + x) at the leaves: multiply-adds only, no divisions; and since every
//   cold feature of a leaf gets the same term, cold terms are summed per subtree and credited once. Agreement with LightGBM's files is tested to 1e-9 relative.
import type { GbdtModel } from './tree.js';
import { decideLeft, flattenForest, ZERO_THRESHOLD, type FlatForest } from './native-scorer.js';

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
    // Paths are a few elements long: a plain loop beats four copyWithin calls.
    const { feature: pf, zero: pz, one: po, weight: pw } = path;
    for (let i = 0; i < depth; i++) {
      pf[p + i] = pf[parent + i];
      pz[p + i] = pz[parent + i];
      po[p + i] = po[parent + i];
      pw[p + i] = pw[parent + i];
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
    let v = this.rows[this.rowBase + splitFeature];
    if (v >= -ZERO_THRESHOLD && v <= ZERO_THRESHOLD) v = 0; // LightGBM's sparse-row input rule
    const goLeft = decideLeft(forest, node, v);
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
 * LightGBM's own recursion (Tree::TreeSHAP), kept as the reference the fast path is checked against.
 * Same layout and arguments as predictContrib.
 */
export function predictContribLightgbmOrder(model: GbdtModel, rows: Float64Array, numRows: number, rowIndices?: Int32Array): Float64Array {
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

/** Shapley weights c[d][s] = s!(d-1-s)!/d!, row d at d*width. */
function shapleyWeights(maxD: number, width: number): Float64Array {
  const fact = new Float64Array(maxD + 2);
  fact[0] = 1;
  for (let i = 1; i < fact.length; i++) fact[i] = fact[i - 1] * i;
  const c = new Float64Array((maxD + 1) * width);
  for (let d = 1; d <= maxD; d++) for (let s = 0; s < d; s++) c[d * width + s] = (fact[s] * fact[d - 1 - s]) / fact[d];
  return c;
}

class HotColdShap {
  private readonly width: number;
  /** Polynomial Π_{j∈H}(z_j + x) per recursion level: coefficient s at level*width + s. */
  private readonly poly: Float64Array;
  private readonly weights: Float64Array;
  private readonly zOf: Float64Array;
  private readonly hotOf: Uint8Array;
  private readonly onPath: Uint8Array;
  private readonly pathFeature: Int32Array;
  rows: Float64Array = new Float64Array(0);
  rowBase = 0;
  phi: Float64Array = new Float64Array(0);
  phiBase = 0;

  constructor(private readonly shap: ShapForest) {
    const maxD = shap.maxDepth + 1;
    this.width = maxD + 2;
    this.poly = new Float64Array((maxD + 2) * this.width);
    this.weights = shapleyWeights(maxD, this.width);
    const nf = shap.forest.numFeatures;
    this.zOf = new Float64Array(nf);
    this.hotOf = new Uint8Array(nf);
    this.onPath = new Uint8Array(nf);
    this.pathFeature = new Int32Array(maxD + 1);
    this.poly[0] = 1; // the empty product at the root
  }

  /**
   * Node at `level`; d unique features on the path, h of them hot; pc = Π_C z. Returns the sum of the leaves'
   * cold terms below: every cold feature of a leaf gets the same term, so instead of adding it feature by
   * feature at each leaf, the sum is credited once to a feature where it turns cold (it stays cold below).
   */
  recurse(node: number, level: number, d: number, h: number, pc: number): number {
    const poly = this.poly;
    const W = this.width;
    const A = level * W;
    const shap = this.shap;
    const forest = shap.forest;
    if (node < 0) {
      if (d === 0) return 0;
      const v = forest.leafValue[~node];
      const c = this.weights;
      const cb = d * W;
      const phi = this.phi;
      const pb = this.phiBase;
      let coldTerm = 0;
      if (h < d) {
        let g = 0;
        for (let s = 0; s <= h; s++) g += c[cb + s] * poly[A + s];
        coldTerm = -v * pc * g;
      }
      if (h > 0) {
        for (let k = 0; k < d; k++) {
          const f = this.pathFeature[k];
          if (this.hotOf[f] === 0) continue;
          const z = this.zOf[f];
          // Divide Π(z_j + x) by (z + x) from the top and weight the quotient's coefficients on the fly.
          let b = poly[A + h];
          let g = c[cb + h - 1] * b;
          for (let s = h - 1; s >= 1; s--) {
            b = poly[A + s] - z * b;
            g += c[cb + s - 1] * b;
          }
          phi[pb + f] += v * (1 - z) * pc * g;
        }
      }
      return coldTerm;
    }
    const f = forest.nodeFeature[node];
    const left = forest.children[2 * node];
    const right = forest.children[2 * node + 1];
    let v = this.rows[this.rowBase + f];
    if (v >= -ZERO_THRESHOLD && v <= ZERO_THRESHOLD) v = 0; // LightGBM's sparse-row input rule
    const kind = forest.nodeKind[node];
    // plain comparisons inline (NodeKind.LessEqual / LessEqualNanLeft), the rest through decideLeft
    const goLeft = kind === 0 ? v <= forest.nodeThreshold[node] : kind === 1 ? !(v > forest.nodeThreshold[node]) : decideLeft(forest, node, v);
    const hot = goLeft ? left : right;
    const cold = goLeft ? right : left;
    const w = shap.nodeCount[node];
    const hotZ = (hot >= 0 ? shap.nodeCount[hot] : shap.leafCount[~hot]) / w;
    const coldZ = (cold >= 0 ? shap.nodeCount[cold] : shap.leafCount[~cold]) / w;
    const B = A + W;
    if (this.onPath[f] === 0) {
      this.onPath[f] = 1;
      this.pathFeature[d] = f;
      // hot child: H gains f with z = hotZ
      poly[B + h + 1] = poly[A + h];
      for (let s = h; s >= 1; s--) poly[B + s] = hotZ * poly[A + s] + poly[A + s - 1];
      poly[B] = hotZ * poly[A];
      this.hotOf[f] = 1;
      this.zOf[f] = hotZ;
      const hotSum = this.recurse(hot, level + 1, d + 1, h + 1, pc);
      // cold child: C gains f with z = coldZ
      for (let s = 0; s <= h; s++) poly[B + s] = poly[A + s];
      this.hotOf[f] = 0;
      this.zOf[f] = coldZ;
      const coldSum = this.recurse(cold, level + 1, d + 1, h, pc * coldZ);
      this.phi[this.phiBase + f] += coldSum;
      this.onPath[f] = 0;
      return hotSum + coldSum;
    }
    const z = this.zOf[f];
    if (this.hotOf[f] === 1) {
      // f is hot on the path: take its factor out, then put back (z·hotZ + x) for the hot child.
      const q = B; // quotient (degree h-1) goes to the next level first
      poly[q + h - 1] = poly[A + h];
      for (let s = h - 1; s >= 1; s--) poly[q + s - 1] = poly[A + s] - z * poly[q + s];
      const zh = z * hotZ;
      // multiply in place from the top: new[s] = zh·q[s] + q[s-1]
      poly[B + h] = poly[q + h - 1];
      for (let s = h - 1; s >= 1; s--) poly[B + s] = zh * poly[q + s] + poly[q + s - 1];
      poly[B] = zh * poly[q];
      this.zOf[f] = zh;
      const hotSum = this.recurse(hot, level + 1, d, h, pc);
      // cold child: f leaves H for C
      poly[B + h - 1] = poly[A + h];
      for (let s = h - 1; s >= 1; s--) poly[B + s - 1] = poly[A + s] - z * poly[B + s];
      this.hotOf[f] = 0;
      this.zOf[f] = z * coldZ;
      const coldSum = this.recurse(cold, level + 1, d, h - 1, pc * z * coldZ);
      this.phi[this.phiBase + f] += coldSum;
      this.hotOf[f] = 1;
      this.zOf[f] = z;
      return hotSum + coldSum;
    }
    // f is already cold: both children keep it cold, only its zero fraction (inside pc) shrinks.
    for (let s = 0; s <= h; s++) poly[B + s] = poly[A + s];
    this.zOf[f] = z * hotZ;
    const hotSum = this.recurse(hot, level + 1, d, h, pc * hotZ);
    for (let s = 0; s <= h; s++) poly[B + s] = poly[A + s];
    this.zOf[f] = z * coldZ;
    const coldSum = this.recurse(cold, level + 1, d, h, pc * coldZ);
    this.zOf[f] = z;
    return hotSum + coldSum;
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
  const run = new HotColdShap(shap);
  run.rows = rows;
  run.phi = out;
  for (let i = 0; i < count; i++) {
    const row = rowIndices ? rowIndices[i] : i;
    if (row < 0 || row >= numRows) throw new RangeError(`predictContrib: row index ${row} outside 0..${numRows - 1}`);
    run.rowBase = row * nf;
    for (let t = 0; t < forest.numTrees; t++) {
      const phiBase = (i * nc + forest.treeClass[t]) * width;
      out[phiBase + nf] += shap.expectedValue[t];
      const root = forest.treeRoot[t];
      if (root < 0) continue;
      run.phiBase = phiBase;
      run.recurse(root, 0, 0, 0, 1);
    }
  }
  return out;
}
