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
import { decideLeft, flattenForest, NodeKind, prevDouble, ZERO_THRESHOLD, type FlatForest } from './native-scorer.js';
import { ENTRY_BYTES, instantiateShapKernel, type ShapWasmKernel } from './shap-wasm-kernel.js';
import { wasmAvailable } from './wasm-assembler.js';

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
 * The hot/cold recursion above (HotColdShap), O(leaves × depth²) per tree and row: kept as the fallback for trees
 * too deep for the leaf tables, and as the reference the tables are checked against. Same layout and arguments
 * as predictContrib.
 */
export function predictContribRecursive(model: GbdtModel, rows: Float64Array, numRows: number, rowIndices?: Int32Array): Float64Array {
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

// ---------------------------------------------------------------------------------------------------------------
// Leaf tables (the Fast TreeSHAP v2 idea, Yang 2021). With one fractions 0 or 1, a leaf's contribution to every
// feature depends on the row only through its hot set H ⊆ U (the leaf's d unique path features on which the row
// follows the path at every node). So per leaf and per subset A ⊆ U, once per model:
//   vz(A) = v · Π_{k∉A} z_k            g(A) = Σ_s c[d][s] · [x^s] Π_{k∈A} (z_k + x)        (|A| < d)
// and per row only H is found (one pass over the tree's nodes), then
//   cold k: phi_k += -vz(H) · g(H)                 hot k: phi_k += (1 - z_k) · vz(H) · g(H \ {k})
// O(leaves × hot features) per tree instead of O(leaves × depth²). Cold terms are summed per subtree and credited
// once, at the node where the feature turns cold (as in HotColdShap). Memory is 2 × Σ_leaves 2^d doubles, so a
// tree whose tables would be too large (deep leaves) stays on the recursion. Trees of plain numerical splits walk
// the tables in WebAssembly (shap-wasm-kernel.ts, same arithmetic, bit-identical), ~2.7× the JavaScript walk.

/** Per-tree cap on Σ_leaves 2^d (table entries): 2^16 entries = 1 MB for both tables of one tree. */
const MAX_TREE_TABLE = 1 << 16;
/** Per-model cap on table entries: 2^23 entries = 128 MB for both tables; later trees use the recursion. */
const MAX_MODEL_TABLE = 1 << 23;
/** Leaves of more than this many unique path features use the recursion (2^d entries per leaf). */
const MAX_TABLE_DEPTH = 16;

/** Per-model leaf tables, built once. Trees are laid out as pre-order "entries" (internal nodes and leaves). */
export interface ShapTables {
  /** Per tree: first entry (entries of tree t are entryStart[t] .. entryStart[t+1]-1), or -1 when on the recursion. */
  entryStart: Int32Array;
  entryEnd: Int32Array;
  /** Entry's parent entry (-1 for the root). */
  entryParent: Int32Array;
  /** 1 when the entry is its parent's right child. */
  entryRight: Uint8Array;
  /** Internal entry: global node index in the flat forest; leaf entry: ~(table leaf index). */
  entryNode: Int32Array;
  /** Internal entry: the bit of its feature among the path's unique features. */
  entryBit: Int32Array;
  /** Table leaf: number of unique path features, start in leafFeature / leafOneMinusZ, start in vz / g. */
  leafD: Int32Array;
  leafFeatureStart: Int32Array;
  leafTableStart: Int32Array;
  leafFeature: Int32Array;
  leafOneMinusZ: Float64Array;
  vz: Float64Array;
  g: Float64Array;
  maxTreeEntries: number;
}

const tablesCache = new WeakMap<GbdtModel, ShapTables>();

export function buildShapTables(model: GbdtModel): ShapTables {
  const cached = tablesCache.get(model);
  if (cached) return cached;
  const shap = buildShapForest(model);
  const forest = shap.forest;
  const numTrees = forest.numTrees;
  // First pass: which trees get tables, and the sizes.
  const useTable = new Uint8Array(numTrees);
  let modelEntries = 0;
  let modelTable = 0;
  let modelLeaves = 0;
  let modelLeafFeatures = 0;
  let maxTreeEntries = 0;
  const pathFeatures: number[] = [];
  for (let t = 0; t < numTrees; t++) {
    const root = forest.treeRoot[t];
    if (root < 0) continue;
    let table = 0;
    let leaves = 0;
    let leafFeatures = 0;
    let entries = 0;
    let tooDeep = false;
    const visit = (node: number): void => {
      entries++;
      if (node < 0) {
        const d = new Set(pathFeatures).size;
        if (d > MAX_TABLE_DEPTH) tooDeep = true;
        else table += 2 ** d;
        leaves++;
        leafFeatures += d;
        return;
      }
      pathFeatures.push(forest.nodeFeature[node]);
      visit(forest.children[2 * node]);
      visit(forest.children[2 * node + 1]);
      pathFeatures.pop();
    };
    visit(root);
    if (tooDeep || table > MAX_TREE_TABLE || modelTable + table > MAX_MODEL_TABLE || !countsPositive(shap, t)) continue;
    useTable[t] = 1;
    modelTable += table;
    modelEntries += entries;
    modelLeaves += leaves;
    modelLeafFeatures += leafFeatures;
    maxTreeEntries = Math.max(maxTreeEntries, entries);
  }
  const tables: ShapTables = {
    entryStart: new Int32Array(numTrees).fill(-1),
    entryEnd: new Int32Array(numTrees).fill(-1),
    entryParent: new Int32Array(modelEntries),
    entryRight: new Uint8Array(modelEntries),
    entryNode: new Int32Array(modelEntries),
    entryBit: new Int32Array(modelEntries),
    leafD: new Int32Array(modelLeaves),
    leafFeatureStart: new Int32Array(modelLeaves),
    leafTableStart: new Int32Array(modelLeaves),
    leafFeature: new Int32Array(modelLeafFeatures),
    leafOneMinusZ: new Float64Array(modelLeafFeatures),
    vz: new Float64Array(modelTable),
    g: new Float64Array(modelTable),
    maxTreeEntries,
  };
  const weights = shapleyWeights(MAX_TABLE_DEPTH, MAX_TABLE_DEPTH + 2);
  let entry = 0;
  let leafIndex = 0;
  let featureBase = 0;
  let tableBase = 0;
  // Path state while walking: unique features in first-appearance order and their zero fractions.
  const uniq: number[] = [];
  const zOf: number[] = [];
  for (let t = 0; t < numTrees; t++) {
    if (useTable[t] === 0) continue;
    tables.entryStart[t] = entry;
    const visit = (node: number, parentEntry: number, right: number): void => {
      const e = entry++;
      tables.entryParent[e] = parentEntry;
      tables.entryRight[e] = right;
      if (node < 0) {
        const leaf = leafIndex++;
        tables.entryNode[e] = ~leaf;
        const d = uniq.length;
        tables.leafD[leaf] = d;
        tables.leafFeatureStart[leaf] = featureBase;
        tables.leafTableStart[leaf] = tableBase;
        for (let k = 0; k < d; k++) {
          tables.leafFeature[featureBase + k] = uniq[k];
          tables.leafOneMinusZ[featureBase + k] = 1 - zOf[k];
        }
        fillLeafTables(forest.leafValue[~node], zOf, weights, MAX_TABLE_DEPTH + 2, tables.vz, tables.g, tableBase);
        featureBase += d;
        tableBase += 2 ** d;
        return;
      }
      tables.entryNode[e] = node;
      const f = forest.nodeFeature[node];
      let k = uniq.indexOf(f);
      const isNew = k < 0;
      if (isNew) {
        k = uniq.length;
        uniq.push(f);
        zOf.push(1);
      }
      tables.entryBit[e] = 1 << k;
      const z = zOf[k];
      const count = shap.nodeCount[node];
      for (const [child, side] of [[forest.children[2 * node], 0], [forest.children[2 * node + 1], 1]] as const) {
        zOf[k] = (z * (child >= 0 ? shap.nodeCount[child] : shap.leafCount[~child])) / count;
        visit(child, e, side);
      }
      zOf[k] = z;
      if (isNew) {
        uniq.pop();
        zOf.pop();
      }
    };
    visit(forest.treeRoot[t], -1, 0);
    tables.entryEnd[t] = entry;
  }
  tablesCache.set(model, tables);
  return tables;
}

/** Every node and leaf cover of tree t is positive (so zero fractions are never 0). */
function countsPositive(shap: ShapForest, t: number): boolean {
  const forest = shap.forest;
  const stack = [forest.treeRoot[t]];
  while (stack.length > 0) {
    const node = stack.pop()!;
    if (node < 0) {
      if (!(shap.leafCount[~node] > 0)) return false;
      continue;
    }
    if (!(shap.nodeCount[node] > 0)) return false;
    stack.push(forest.children[2 * node], forest.children[2 * node + 1]);
  }
  return true;
}

/** vz and g of one leaf with value v and path zero fractions z (d = z.length), at `base` (2^d entries each). */
function fillLeafTables(v: number, z: number[], weights: Float64Array, weightWidth: number, vz: Float64Array, g: Float64Array, base: number): void {
  const d = z.length;
  const size = 1 << d;
  // vz(A) = v · Π_{k∉A} z_k, from the full set down: vz(A) = vz(A ∪ {k}) · z_k for the lowest k ∉ A.
  vz[base + size - 1] = v;
  for (let a = size - 2; a >= 0; a--) {
    const k = 31 - Math.clz32(~a & (a + 1)); // lowest zero bit of a
    vz[base + a] = vz[base + (a | (1 << k))] * z[k];
  }
  // Polynomials Π_{k∈A}(z_k + x) for all A, from A without its top bit; coefficient s at a·(d+1) + s.
  const poly = new Float64Array(size * (d + 1));
  poly[0] = 1;
  const c = d * weightWidth;
  for (let a = 1; a < size; a++) {
    const top = 31 - Math.clz32(a);
    const from = (a ^ (1 << top)) * (d + 1);
    const to = a * (d + 1);
    const zk = z[top];
    const deg = popcount(a);
    poly[to + deg] = poly[from + deg - 1];
    for (let s = deg - 1; s >= 1; s--) poly[to + s] = zk * poly[from + s] + poly[from + s - 1];
    poly[to] = zk * poly[from];
  }
  for (let a = 0; a < size; a++) {
    const deg = popcount(a);
    if (deg >= d) {
      g[base + a] = 0; // the full set: no feature left to be credited
      continue;
    }
    let sum = 0;
    for (let s = 0; s <= deg; s++) sum += weights[c + s] * poly[a * (d + 1) + s];
    g[base + a] = sum;
  }
}

function popcount(x: number): number {
  x -= (x >>> 1) & 0x55555555;
  x = (x & 0x33333333) + ((x >>> 2) & 0x33333333);
  return (((x + (x >>> 4)) & 0x0f0f0f0f) * 0x01010101) >>> 24;
}

/**
 * Rows explained together tree by tree, so that one tree's tables stay in cache while the rows pass (measured 128
 * ~10 % faster than 32 or 256).
 */
const SHAP_BLOCK_ROWS = 128;

/**
 * SHAP contributions as LightGBM's predict_contrib: for each row, per class, numFeatures values then the
 * expected value (numRows × numClass × (numFeatures+1)). `rowIndices` explains only those rows of `rows`
 * (output row i belongs to rows[rowIndices[i]]). Linear trees are not supported (neither are they by LightGBM).
 * Trees with leaf tables (buildShapTables) take the table path; the others the hot/cold recursion.
 */
export function predictContrib(
  model: GbdtModel,
  rows: Float64Array,
  numRows: number,
  rowIndices?: Int32Array,
  options: { kernel?: 'auto' | 'js' } = {},
): Float64Array {
  if (model.trees.some((t) => t.isLinear)) throw new Error('contributions are not defined for linear trees (LightGBM refuses them too)');
  const shap = buildShapForest(model);
  const tables = buildShapTables(model);
  const forest = shap.forest;
  const nf = forest.numFeatures;
  const nc = model.numTreePerIteration;
  const width = nf + 1;
  const count = rowIndices ? rowIndices.length : numRows;
  if (rows.length < numRows * nf) throw new RangeError(`predictContrib: ${rows.length} values cannot hold ${numRows} rows × ${nf} features`);
  for (let i = 0; i < count; i++) {
    const row = rowIndices ? rowIndices[i] : i;
    if (!(row >= 0 && row < numRows)) throw new RangeError(`predictContrib: row index ${row} outside 0..${numRows - 1}`);
  }
  const out = new Float64Array(count * nc * width);
  const run = new HotColdShap(shap);
  run.rows = rows;
  run.phi = out;
  const B = SHAP_BLOCK_ROWS;
  const wasm = options.kernel === 'js' ? null : shapWasmFor(model, shap, tables);
  const block: TableBlock = {
    values: new Float64Array(B * nf),
    phiBase: new Int32Array(B),
    cold: new Int32Array(tables.maxTreeEntries * B),
    left: new Uint8Array(tables.maxTreeEntries * B),
    sum: new Float64Array(tables.maxTreeEntries * B),
  };
  for (let start = 0; start < count; start += B) {
    const n = Math.min(count, start + B) - start;
    // Stage the block with LightGBM's sparse-row input rule (|v| <= kZeroThreshold reads as 0).
    for (let r = 0; r < n; r++) {
      const src = (rowIndices ? rowIndices[start + r] : start + r) * nf;
      for (let f = 0; f < nf; f++) {
        const v = rows[src + f];
        block.values[r * nf + f] = v >= -ZERO_THRESHOLD && v <= ZERO_THRESHOLD ? 0 : v;
      }
    }
    if (wasm) wasm.stage(block.values, n, nf, nc * width);
    for (let t = 0; t < forest.numTrees; t++) {
      const cls = forest.treeClass[t];
      for (let r = 0; r < n; r++) {
        const phiBase = ((start + r) * nc + cls) * width;
        block.phiBase[r] = phiBase;
        out[phiBase + nf] += shap.expectedValue[t];
      }
      const root = forest.treeRoot[t];
      if (root < 0) continue;
      if (wasm && wasm.eligible[t] === 1) {
        wasm.explainTree(tables, t, n, cls * width, nc * width);
        continue;
      }
      if (tables.entryStart[t] >= 0) {
        explainBlockWithTables(forest, tables, t, block, n, out);
        continue;
      }
      for (let r = 0; r < n; r++) {
        run.rowBase = (rowIndices ? rowIndices[start + r] : start + r) * nf;
        run.phiBase = block.phiBase[r];
        run.recurse(root, 0, 0, 0, 1);
      }
    }
    if (wasm) wasm.addInto(out, start * nc * width, n * nc * width);
  }
  return out;
}

/**
 * The WebAssembly table walk for one model: entry records, tables and scratch in the kernel's memory. Trees whose
 * splits are all plain numerical comparisons with finite thresholds ("eligible") run there; the rest (categorical,
 * zero-as-missing, trees without tables) stay on the JavaScript paths.
 */
class ShapWasm {
  readonly eligible: Uint8Array;
  private readonly kernel: ShapWasmKernel;
  private readonly at: { entries: number; values: number; phi: number; cold: number; left: number; sum: number; vz: number; g: number; leafFeat: number; leafOmz: number };
  private readonly values: Float64Array;
  private readonly phi: Float64Array;
  private readonly rowStride: number;

  constructor(shap: ShapForest, tables: ShapTables, eligible: Uint8Array, numClass: number) {
    const forest = shap.forest;
    const nf = forest.numFeatures;
    const B = SHAP_BLOCK_ROWS;
    this.eligible = eligible;
    this.rowStride = 2 * nf * 8;
    const numEntries = tables.entryNode.length;
    const align = (x: number) => Math.ceil(x / 8) * 8;
    const at = { entries: 0, values: 0, phi: 0, cold: 0, left: 0, sum: 0, vz: 0, g: 0, leafFeat: 0, leafOmz: 0 };
    at.values = align(numEntries * ENTRY_BYTES);
    at.phi = at.values + B * this.rowStride;
    at.cold = at.phi + B * numClass * (nf + 1) * 8;
    at.left = at.cold + tables.maxTreeEntries * B * 4;
    at.sum = align(at.left + tables.maxTreeEntries * B * 4);
    at.vz = at.sum + tables.maxTreeEntries * B * 8;
    at.g = at.vz + tables.vz.length * 8;
    at.leafOmz = at.g + tables.g.length * 8;
    at.leafFeat = at.leafOmz + tables.leafOneMinusZ.length * 8;
    this.kernel = instantiateShapKernel(at.leafFeat + tables.leafFeature.length * 4, B);
    this.at = at;
    const buffer = this.kernel.memory.buffer;
    new Float64Array(buffer, at.vz, tables.vz.length).set(tables.vz);
    new Float64Array(buffer, at.g, tables.g.length).set(tables.g);
    new Float64Array(buffer, at.leafOmz, tables.leafOneMinusZ.length).set(tables.leafOneMinusZ);
    const leafFeat = new Int32Array(buffer, at.leafFeat, tables.leafFeature.length);
    for (let i = 0; i < leafFeat.length; i++) leafFeat[i] = tables.leafFeature[i] * 8;
    const recInt = new Int32Array(buffer, at.entries, (numEntries * ENTRY_BYTES) / 4);
    const recF64 = new Float64Array(buffer, at.entries, (numEntries * ENTRY_BYTES) / 8);
    for (let t = 0; t < forest.numTrees; t++) {
      if (eligible[t] === 0) continue;
      const e0 = tables.entryStart[t];
      for (let e = e0; e < tables.entryEnd[t]; e++) {
        const q = (e * ENTRY_BYTES) / 4;
        const parent = tables.entryParent[e];
        recInt[q] = parent < 0 ? -1 : parent - e0;
        recInt[q + 1] = tables.entryRight[e];
        recInt[q + 2] = parent < 0 ? 0 : tables.entryBit[parent];
        const node = tables.entryNode[e];
        if (node < 0) {
          const leaf = ~node;
          recInt[q + 3] = 1;
          recInt[q + 4] = (1 << tables.leafD[leaf]) - 1;
          recInt[q + 5] = tables.leafTableStart[leaf];
          recInt[q + 6] = tables.leafFeatureStart[leaf];
          continue;
        }
        const f = forest.nodeFeature[node];
        const t0 = forest.nodeThreshold[node];
        recInt[q + 3] = 0;
        recInt[q + 6] = f * 8;
        if (forest.nodeKind[node] === NodeKind.LessEqualNanLeft) {
          // left iff !(v > t): (v > t) XOR 1
          recInt[q + 4] = f * 8;
          recInt[q + 5] = 1;
          recF64[(e * ENTRY_BYTES) / 8 + 4] = t0;
        } else {
          // left iff v <= t, NaN right: -v > prevDouble(-t) (false for NaN)
          recInt[q + 4] = (nf + f) * 8;
          recInt[q + 5] = 0;
          recF64[(e * ENTRY_BYTES) / 8 + 4] = prevDouble(-t0);
        }
      }
    }
    this.values = new Float64Array(buffer, at.values, B * 2 * nf);
    this.phi = new Float64Array(buffer, at.phi, B * numClass * (nf + 1));
  }

  /** Copies the staged block (values with the input rule applied) with negations; clears the contributions. */
  stage(staged: Float64Array, n: number, nf: number, rowWidth: number): void {
    const values = this.values;
    for (let r = 0; r < n; r++) {
      for (let f = 0; f < nf; f++) {
        const v = staged[r * nf + f];
        values[r * 2 * nf + f] = v;
        values[r * 2 * nf + nf + f] = -v;
      }
    }
    this.phi.fill(0, 0, n * rowWidth);
  }

  explainTree(tables: ShapTables, t: number, n: number, classOffset: number, rowWidth: number): void {
    const a = this.at;
    const e0 = tables.entryStart[t];
    this.kernel.explain(
      a.entries + e0 * ENTRY_BYTES, tables.entryEnd[t] - e0, n, a.values, this.rowStride, a.phi + classOffset * 8, rowWidth * 8,
      a.cold, a.left, a.sum, a.vz, a.g, a.leafFeat, a.leafOmz,
    );
  }

  /** Adds the block's contributions into the output (rows are contiguous there too). */
  addInto(out: Float64Array, offset: number, count: number): void {
    const phi = this.phi;
    for (let i = 0; i < count; i++) out[offset + i] += phi[i];
  }
}

const shapWasmCache = new WeakMap<GbdtModel, ShapWasm | null>();

/** The model's WebAssembly table walk, or null when no tree is eligible or WebAssembly is missing. */
function shapWasmFor(model: GbdtModel, shap: ShapForest, tables: ShapTables): ShapWasm | null {
  const cached = shapWasmCache.get(model);
  if (cached !== undefined) return cached;
  const forest = shap.forest;
  const eligible = new Uint8Array(forest.numTrees);
  let any = false;
  for (let t = 0; t < forest.numTrees; t++) {
    if (tables.entryStart[t] < 0) continue;
    let ok = true;
    for (let e = tables.entryStart[t]; e < tables.entryEnd[t] && ok; e++) {
      const node = tables.entryNode[e];
      if (node < 0) continue;
      const kind = forest.nodeKind[node];
      ok = (kind === NodeKind.LessEqual || kind === NodeKind.LessEqualNanLeft) && Number.isFinite(forest.nodeThreshold[node]);
    }
    eligible[t] = ok ? 1 : 0;
    any ||= ok;
  }
  const wasm = any && wasmAvailable() ? new ShapWasm(shap, tables, eligible, model.numTreePerIteration) : null;
  shapWasmCache.set(model, wasm);
  return wasm;
}

interface TableBlock {
  /** The block's rows, staged (row r at r × numFeatures). */
  values: Float64Array;
  /** Output offset of row r for the current tree's class. */
  phiBase: Int32Array;
  /** Per entry j and row r (at j × SHAP_BLOCK_ROWS + r): cold set, row goes left (internal), cold-term sum. */
  cold: Int32Array;
  left: Uint8Array;
  sum: Float64Array;
}

/**
 * The block's rows through one tree on the leaf tables, entry-major (each entry's fields are read once for all
 * rows): find each leaf's hot set, read its terms off the tables, then credit subtree cold sums.
 */
function explainBlockWithTables(forest: FlatForest, tables: ShapTables, t: number, block: TableBlock, n: number, phi: Float64Array): void {
  const { entryParent, entryRight, entryNode, entryBit, leafD, leafFeatureStart, leafTableStart, leafFeature, leafOneMinusZ, vz, g } = tables;
  const { values, phiBase, cold, left, sum } = block;
  const B = SHAP_BLOCK_ROWS;
  const nf = forest.numFeatures;
  const e0 = tables.entryStart[t];
  const numEntries = tables.entryEnd[t] - e0;
  // Forward (pre-order: parents first): each entry's cold set — the path features on which the row left the path.
  for (let j = 0; j < numEntries; j++) {
    const e = e0 + j;
    const jb = j * B;
    if (j === 0) {
      cold.fill(0, 0, n);
    } else {
      const pb = (entryParent[e] - e0) * B;
      const bit = entryBit[entryParent[e]];
      const right = entryRight[e];
      // the row went the other way at the parent iff left === right: (left ^ right) - 1 is then all ones
      for (let r = 0; r < n; r++) cold[jb + r] = cold[pb + r] | (bit & ((left[pb + r] ^ right) - 1));
    }
    const node = entryNode[e];
    if (node >= 0) {
      const f = forest.nodeFeature[node];
      const threshold = forest.nodeThreshold[node];
      const kind = forest.nodeKind[node];
      if (kind === 0) {
        for (let r = 0; r < n; r++) left[jb + r] = values[r * nf + f] <= threshold ? 1 : 0;
      } else if (kind === 1) {
        for (let r = 0; r < n; r++) left[jb + r] = values[r * nf + f] > threshold ? 0 : 1;
      } else {
        for (let r = 0; r < n; r++) left[jb + r] = decideLeft(forest, node, values[r * nf + f]) ? 1 : 0;
      }
      sum.fill(0, jb, jb + n);
      continue;
    }
    const leaf = ~node;
    const full = (1 << leafD[leaf]) - 1;
    const tb = leafTableStart[leaf];
    const fb = leafFeatureStart[leaf];
    for (let r = 0; r < n; r++) {
      const hot = full & ~cold[jb + r];
      const vzh = vz[tb + hot];
      sum[jb + r] = -vzh * g[tb + hot]; // every cold feature's term (credited per subtree below)
      const pr = phiBase[r];
      for (let rest = hot; rest !== 0; rest &= rest - 1) {
        const bit = rest & -rest;
        const k = 31 - Math.clz32(bit);
        phi[pr + leafFeature[fb + k]] += leafOneMinusZ[fb + k] * vzh * g[tb + (hot ^ bit)];
      }
    }
  }
  // Backward: subtree sums of cold terms; where a feature newly turned cold, the subtree's sum is its credit.
  for (let j = numEntries - 1; j > 0; j--) {
    const e = e0 + j;
    const parent = entryParent[e];
    const pb = (parent - e0) * B;
    const jb = j * B;
    const bit = entryBit[parent];
    const right = entryRight[e];
    const f = forest.nodeFeature[entryNode[parent]];
    for (let r = 0; r < n; r++) {
      const s = sum[jb + r];
      sum[pb + r] += s;
      // credited iff the row went the other way at the parent and f was not cold there already; branch-free, as
      // the condition is a coin flip per row (adding 0 · s leaves phi as it is)
      const credited = ((left[pb + r] ^ right) - 1) & ~cold[pb + r] & bit;
      phi[phiBase[r] + f] += +(credited !== 0) * s;
    }
  }
}
