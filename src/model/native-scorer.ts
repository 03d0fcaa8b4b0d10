// Input rule shared with LightGBM: its predictor builds a sparse row keeping only values with |v| > kZeroThreshold
// (1e-35f) or NaN, so a tiny value such as 1e-36 reads as exactly 0 in every decision and linear leaf. The scorer
// applies the same rule while staging each block (and TreeSHAP and the ONNX graph do too).
//
// Native GBDT scorer: all trees flattened into a handful of typed arrays and walked tree-major over batches of
// rows, so that one tree's nodes stay in L1 cache while a batch of rows streams past them.
//
// Decisions follow LightGBM's Tree::NumericalDecision / CategoricalDecision exactly. Numerical nodes whose missing
// type is None or NaN reduce to one of two comparisons, decided once at load time:
//   "v <= t"     NaN goes right (missing NaN + default right, or missing None with 0 > t since NaN → 0)
//   "!(v > t)"   NaN goes left  (missing NaN + default left,  or missing None with 0 <= t)
// Only zero-as-missing and categorical nodes take the slower general path.
import { CATEGORICAL_MASK, DEFAULT_LEFT_MASK, MISSING_NAN, MISSING_NONE, MISSING_ZERO, missingType, type GbdtModel } from './tree.js';
import { applyTransform, objectiveTransform, type ObjectiveTransform } from './objective.js';
import { wasmAvailable } from './wasm-assembler.js';
import { instantiateKernel, type WasmKernel } from './wasm-kernel.js';

/** LightGBM's kZeroThreshold is the float 1e-35f; as a double it is this value. */
export const ZERO_THRESHOLD = 1.0000000180025095e-35;

export const enum NodeKind {
  /** left iff v <= t (NaN right) */
  LessEqual = 0,
  /** left iff !(v > t) (NaN left) */
  LessEqualNanLeft = 1,
  /** zero-as-missing, |v| <= 1e-35 or NaN goes right */
  ZeroDefaultRight = 2,
  /** zero-as-missing, |v| <= 1e-35 or NaN goes left */
  ZeroDefaultLeft = 3,
  /** categorical bitset */
  Categorical = 4,
}

/**
 * Rows per tree-major block. A staged row is (2 × numFeatures + 1) doubles (968 bytes for 60 features), so 32 rows
 * (~31 KB) stay in L1 beside one tree's nodes; measured 32 ~10 % faster than 64, 16 no better.
 */
const BLOCK_ROWS = 32;

/** The flattened forest. Children are global node indices; a negative child is ~(global leaf index). */
export interface FlatForest {
  numFeatures: number;
  numClass: number;
  numTrees: number;
  /** Per tree: root node, or ~leaf for a single-leaf tree. */
  treeRoot: Int32Array;
  /** Per tree: which output column (class) it adds to. */
  treeClass: Int32Array;
  /** Per tree: 1 when every node is a plain comparison and the leaves are constants (fast path). */
  treeSimple: Uint8Array;
  nodeFeature: Int32Array;
  nodeThreshold: Float64Array;
  nodeKind: Uint8Array;
  /** children[2n] left, children[2n+1] right */
  children: Int32Array;
  /** Categorical nodes: start and word count of the bitset in catWords. */
  nodeCatStart: Int32Array;
  nodeCatWords: Int32Array;
  catWords: Uint32Array;
  leafValue: Float64Array;
  /**
   * Fast-path tables for simple trees (plain comparisons, finite thresholds, constant leaves): leaves are
   * absorbing nodes (both children point to themselves), so every row takes exactly `depth` branch-free steps
   * of the single form "go right iff value > threshold" (NaN goes left). A node that must send NaN right
   * ("left iff v <= t") is rewritten on the negated value: -v > prevDouble(-t) ⇔ v <= t, with its children
   * swapped, so NaN (false) lands on the original right child. Staged rows hold the values then their
   * negations (stride 2 × numFeatures). Per node 4 ints: value offset, left, right, unused.
   */
  lockstep: {
    treeRoot: Int32Array;
    treeDepth: Int32Array;
    nodes: Int32Array;
    threshold: Float64Array;
    value: Float64Array;
  };
  /** Linear leaves (global leaf index → range in linearFeature/linearCoeff), or null without linear trees. */
  linear: null | { leafConst: Float64Array; start: Int32Array; end: Int32Array; feature: Int32Array; coeff: Float64Array };
}

/** Node kind of one numerical or categorical split, from its decision_type byte and threshold. */
export function nodeKindOf(decisionType: number, threshold: number): NodeKind {
  if (decisionType & CATEGORICAL_MASK) return NodeKind.Categorical;
  const missing = missingType(decisionType);
  const defaultLeft = (decisionType & DEFAULT_LEFT_MASK) !== 0;
  if (missing === MISSING_NAN) return defaultLeft ? NodeKind.LessEqualNanLeft : NodeKind.LessEqual;
  if (missing === MISSING_ZERO) return defaultLeft ? NodeKind.ZeroDefaultLeft : NodeKind.ZeroDefaultRight;
  if (missing !== MISSING_NONE) throw new Error(`unknown missing type ${missing} in decision_type ${decisionType}`);
  return 0 <= threshold ? NodeKind.LessEqualNanLeft : NodeKind.LessEqual;
}

export function flattenForest(model: GbdtModel): FlatForest {
  const numTrees = model.trees.length;
  let totalNodes = 0;
  let totalLeaves = 0;
  let totalCatWords = 0;
  let totalLinear = 0;
  let anyLinear = false;
  for (const tree of model.trees) {
    totalNodes += tree.numLeaves - 1;
    totalLeaves += tree.numLeaves;
    totalCatWords += tree.catThreshold.length;
    if (tree.isLinear) {
      anyLinear = true;
      for (const coeff of tree.leafCoeff ?? []) totalLinear += coeff.length;
    }
  }
  const forest: FlatForest = {
    numFeatures: model.maxFeatureIdx + 1,
    numClass: model.numTreePerIteration,
    numTrees,
    treeRoot: new Int32Array(numTrees),
    treeClass: new Int32Array(numTrees),
    treeSimple: new Uint8Array(numTrees),
    nodeFeature: new Int32Array(totalNodes),
    nodeThreshold: new Float64Array(totalNodes),
    nodeKind: new Uint8Array(totalNodes),
    children: new Int32Array(2 * totalNodes),
    nodeCatStart: new Int32Array(totalNodes),
    nodeCatWords: new Int32Array(totalNodes),
    catWords: new Uint32Array(totalCatWords),
    leafValue: new Float64Array(totalLeaves),
    lockstep: { treeRoot: new Int32Array(0), treeDepth: new Int32Array(0), nodes: new Int32Array(0), threshold: new Float64Array(0), value: new Float64Array(0) },
    linear: anyLinear
      ? {
          leafConst: new Float64Array(totalLeaves),
          start: new Int32Array(totalLeaves),
          end: new Int32Array(totalLeaves),
          feature: new Int32Array(totalLinear),
          coeff: new Float64Array(totalLinear),
        }
      : null,
  };
  let nodeBase = 0;
  let leafBase = 0;
  let catBase = 0;
  let linearBase = 0;
  model.trees.forEach((tree, t) => {
    const numNodes = tree.numLeaves - 1;
    forest.treeClass[t] = t % model.numTreePerIteration;
    forest.treeRoot[t] = numNodes > 0 ? nodeBase : ~leafBase;
    let simple = tree.isLinear ? 0 : 1;
    for (let n = 0; n < numNodes; n++) {
      const g = nodeBase + n;
      const kind = nodeKindOf(tree.decisionType[n], tree.threshold[n]);
      if (kind > NodeKind.LessEqualNanLeft || !Number.isFinite(tree.threshold[n])) simple = 0;
      forest.nodeKind[g] = kind;
      forest.nodeFeature[g] = tree.splitFeature[n];
      forest.nodeThreshold[g] = tree.threshold[n];
      const l = tree.leftChild[n];
      const r = tree.rightChild[n];
      forest.children[2 * g] = l >= 0 ? nodeBase + l : ~(leafBase + ~l);
      forest.children[2 * g + 1] = r >= 0 ? nodeBase + r : ~(leafBase + ~r);
      if (kind === NodeKind.Categorical) {
        const catIdx = tree.threshold[n];
        forest.nodeCatStart[g] = catBase + tree.catBoundaries[catIdx];
        forest.nodeCatWords[g] = tree.catBoundaries[catIdx + 1] - tree.catBoundaries[catIdx];
      }
    }
    forest.treeSimple[t] = simple;
    forest.catWords.set(tree.catThreshold, catBase);
    forest.leafValue.set(tree.leafValue, leafBase);
    if (!tree.isLinear && forest.linear) {
      const lin = forest.linear;
      for (let leaf = 0; leaf < tree.numLeaves; leaf++) {
        lin.leafConst[leafBase + leaf] = tree.leafValue[leaf];
        lin.start[leafBase + leaf] = lin.end[leafBase + leaf] = linearBase;
      }
    }
    if (tree.isLinear && forest.linear) {
      const lin = forest.linear;
      for (let leaf = 0; leaf < tree.numLeaves; leaf++) {
        const g = leafBase + leaf;
        lin.leafConst[g] = tree.leafConst ? tree.leafConst[leaf] : 0;
        const feats = tree.leafFeatures?.[leaf] ?? new Int32Array(0);
        const coeff = tree.leafCoeff?.[leaf] ?? new Float64Array(0);
        lin.start[g] = linearBase;
        lin.feature.set(feats, linearBase);
        lin.coeff.set(coeff, linearBase);
        linearBase += coeff.length;
        lin.end[g] = linearBase;
      }
    }
    nodeBase += numNodes;
    leafBase += tree.numLeaves;
    catBase += tree.catThreshold.length;
  });
  forest.lockstep = buildLockstep(model, forest);
  return forest;
}

function buildLockstep(model: GbdtModel, forest: FlatForest): FlatForest['lockstep'] {
  let total = 0;
  model.trees.forEach((tree, t) => {
    if (forest.treeSimple[t]) total += 2 * tree.numLeaves - 1;
  });
  const lock = {
    treeRoot: new Int32Array(model.trees.length).fill(-1),
    treeDepth: new Int32Array(model.trees.length),
    nodes: new Int32Array(4 * total),
    threshold: new Float64Array(total),
    value: new Float64Array(total),
  };
  let base = 0;
  model.trees.forEach((tree, t) => {
    if (!forest.treeSimple[t]) return;
    const numNodes = tree.numLeaves - 1;
    // internal node n → base + n; leaf l → base + numNodes + l
    const at = (child: number) => (child >= 0 ? base + child : base + numNodes + ~child);
    for (let n = 0; n < numNodes; n++) {
      const g = base + n;
      const nanRight = nodeKindOf(tree.decisionType[n], tree.threshold[n]) === NodeKind.LessEqual;
      lock.nodes[4 * g] = nanRight ? forest.numFeatures + tree.splitFeature[n] : tree.splitFeature[n];
      lock.nodes[4 * g + 1] = at(nanRight ? tree.rightChild[n] : tree.leftChild[n]);
      lock.nodes[4 * g + 2] = at(nanRight ? tree.leftChild[n] : tree.rightChild[n]);
      lock.threshold[g] = nanRight ? prevDouble(-tree.threshold[n]) : tree.threshold[n];
    }
    for (let l = 0; l < tree.numLeaves; l++) {
      const g = base + numNodes + l;
      lock.nodes[4 * g + 1] = g;
      lock.nodes[4 * g + 2] = g;
      lock.value[g] = tree.leafValue[l];
    }
    lock.treeRoot[t] = base;
    lock.treeDepth[t] = numNodes === 0 ? 0 : depthOf(tree.leftChild, tree.rightChild);
    base += 2 * tree.numLeaves - 1;
  });
  return lock;
}

const bits = new Float64Array(1);
const bitsInt = new BigInt64Array(bits.buffer);

/** The largest double below a finite x (so that u > prevDouble(a) ⇔ u >= a). */
export function prevDouble(x: number): number {
  if (x === 0) return -Number.MIN_VALUE;
  bits[0] = x;
  bitsInt[0] += x > 0 ? -1n : 1n;
  return bits[0];
}

/** Maximum root-to-leaf edge count. */
export function depthOf(left: Int32Array, right: Int32Array): number {
  let max = 0;
  const nodes: number[] = [0];
  const depths: number[] = [0];
  while (nodes.length > 0) {
    const node = nodes.pop()!;
    const depth = depths.pop()! + 1;
    for (const child of [left[node], right[node]]) {
      if (child < 0) max = Math.max(max, depth);
      else {
        nodes.push(child);
        depths.push(depth);
      }
    }
  }
  return max;
}

/** LightGBM's decision for any node kind; `v` is the raw feature value (NaN = missing). */
export function decideLeft(forest: FlatForest, node: number, v: number): boolean {
  const kind = forest.nodeKind[node];
  const t = forest.nodeThreshold[node];
  switch (kind) {
    case NodeKind.LessEqual:
      return v <= t;
    case NodeKind.LessEqualNanLeft:
      return !(v > t);
    case NodeKind.ZeroDefaultRight:
    case NodeKind.ZeroDefaultLeft: {
      if (v !== v) v = 0; // NaN → 0 when the missing type is not NaN
      if (v >= -ZERO_THRESHOLD && v <= ZERO_THRESHOLD) return kind === NodeKind.ZeroDefaultLeft;
      return v <= t;
    }
    default: {
      // Categorical: NaN and negatives go right; otherwise truncate to int and test the bitset.
      if (v !== v) return false;
      const category = Math.trunc(v);
      if (category < 0 || category > 2147483647) return false;
      const word = category >>> 5;
      if (word >= forest.nodeCatWords[node]) return false;
      return ((forest.catWords[forest.nodeCatStart[node] + word] >>> (category & 31)) & 1) === 1;
    }
  }
}

/** Leaf (global index) reached by one row through one tree, general path. */
export function leafOf(forest: FlatForest, tree: number, rows: Float64Array, rowBase: number): number {
  let node = forest.treeRoot[tree];
  while (node >= 0) {
    const left = decideLeft(forest, node, rows[rowBase + forest.nodeFeature[node]]);
    node = forest.children[2 * node + (left ? 0 : 1)];
  }
  return ~node;
}

/** Output of a leaf for one row: the constant, or the linear model (falling back to the constant on NaN). */
export function leafOutput(forest: FlatForest, leaf: number, rows: Float64Array, rowBase: number): number {
  const lin = forest.linear;
  if (lin === null) return forest.leafValue[leaf];
  // Leaves of non-linear trees carry leafConst = leafValue and no features, so they fall through unchanged.
  let out = lin.leafConst[leaf];
  for (let i = lin.start[leaf]; i < lin.end[leaf]; i++) {
    const v = rows[rowBase + lin.feature[i]];
    if (v !== v) return forest.leafValue[leaf];
    out += lin.coeff[i] * v;
  }
  return out;
}

export interface NativeScorerOptions {
  /** 'auto' (default) uses the WebAssembly kernel when every tree is simple; 'js' forces the JavaScript kernels. */
  kernel?: 'auto' | 'js';
}

export class NativeScorer {
  readonly forest: FlatForest;
  readonly numFeatures: number;
  readonly numClass: number;
  readonly transform: ObjectiveTransform;
  private readonly numIterations: number;
  private readonly averageOutput: boolean;
  private blockBuffer: Float64Array;
  /** WebAssembly lockstep kernel, used when every tree is simple (see wasm-kernel.ts); null otherwise. */
  /** Which kernel scores plain trees: 'wasm' or 'js'. */
  get kernel(): 'wasm' | 'js' {
    return this.wasm ? 'wasm' : 'js';
  }

  /** Bytes per staged row in WebAssembly memory: values, negated values, the leaves' NaN slot. */
  private get wasmStride(): number {
    return (2 * this.numFeatures + 1) * 8;
  }

  private wasm: null | {
    kernel: WasmKernel;
    out: Float64Array;
    /** Unstaged input block (row-major rows, or column slices BLOCK_ROWS apart), staged by the kernel's `stage`. */
    raw: Float64Array;
    offsets: { nodes: number; trees: number; block: number; out: number; raw: number };
  };

  constructor(
    readonly model: GbdtModel,
    options: NativeScorerOptions = {},
  ) {
    this.forest = flattenForest(model);
    this.numFeatures = this.forest.numFeatures;
    this.numClass = model.numTreePerIteration;
    this.transform = objectiveTransform(model.objective, model.numClass);
    this.numIterations = model.trees.length / model.numTreePerIteration;
    this.averageOutput = model.averageOutput;
    this.blockBuffer = new Float64Array(BLOCK_ROWS * 2 * this.numFeatures);
    this.wasm = null;
    if (options.kernel !== 'js' && this.forest.numTrees > 0 && this.forest.treeSimple.every((v) => v === 1) && wasmAvailable()) {
      this.wasm = this.setUpWasm();
      this.blockBuffer = new Float64Array(this.wasm.kernel.memory.buffer, this.wasm.offsets.block, (BLOCK_ROWS * this.wasmStride) / 8);
    }
  }

  /** Raw scores (sum of tree outputs per class, LightGBM's PredictRaw); rows are row-major numRows × numFeatures. */
  predictRaw(rows: Float64Array, numRows: number, out?: Float64Array): Float64Array {
    const nc = this.numClass;
    const result = this.output(numRows, out);
    if (rows.length < numRows * this.numFeatures) {
      throw new RangeError(`predictRaw: ${rows.length} values cannot hold ${numRows} rows × ${this.numFeatures} features`);
    }
    result.fill(0, 0, numRows * nc);
    const nf = this.numFeatures;
    const block = this.blockBuffer;
    for (let start = 0; start < numRows; start += BLOCK_ROWS) {
      const end = Math.min(numRows, start + BLOCK_ROWS);
      const n = end - start;
      const w = this.wasm;
      if (w !== null) {
        w.raw.set(rows.subarray(start * nf, end * nf));
        w.kernel.stage(w.offsets.raw, nf * 8, 8, w.offsets.block, n, nf);
        this.scoreStaged(n, result.subarray(start * nc, end * nc));
        continue;
      }
      // Stage the block: LightGBM's input rule (|v| <= kZeroThreshold reads as 0), then each row's values and
      // their negations (see FlatForest.lockstep). The caller's rows are left as they are.
      for (let r = 0; r < n; r++) {
        const src = (start + r) * nf;
        const dst = r * 2 * nf;
        for (let f = 0; f < nf; f++) {
          let v = rows[src + f];
          if (v >= -ZERO_THRESHOLD && v <= ZERO_THRESHOLD) v = 0;
          block[dst + f] = v;
          block[dst + nf + f] = -v;
        }
      }
      this.scoreStaged(n, result.subarray(start * nc, end * nc));
    }
    return result;
  }

  /** Scores with the objective's transform (probabilities for binary/multiclass), LightGBM's Predict. */
  predict(rows: Float64Array, numRows: number, out?: Float64Array): Float64Array {
    const result = this.predictRaw(rows, numRows, out);
    this.finish(result, numRows);
    return result;
  }

  /** Columnar input (one Float64Array per feature, e.g. the feature engine's output), transformed scores. */
  scoreColumns(columns: Float64Array[], numRows: number, out?: Float64Array): Float64Array {
    if (columns.length < this.numFeatures) {
      throw new RangeError(`scoreColumns: model needs ${this.numFeatures} feature columns, got ${columns.length}`);
    }
    for (let f = 0; f < this.numFeatures; f++) {
      if (columns[f].length < numRows) throw new RangeError(`scoreColumns: column ${f} has ${columns[f].length} values, need ${numRows}`);
    }
    const nc = this.numClass;
    const nf = this.numFeatures;
    const result = this.output(numRows, out);
    result.fill(0, 0, numRows * nc);
    const block = this.blockBuffer;
    for (let start = 0; start < numRows; start += BLOCK_ROWS) {
      const end = Math.min(numRows, start + BLOCK_ROWS);
      const n = end - start;
      const w = this.wasm;
      if (w !== null) {
        for (let f = 0; f < nf; f++) w.raw.set(columns[f].subarray(start, end), f * BLOCK_ROWS);
        w.kernel.stage(w.offsets.raw, 8, BLOCK_ROWS * 8, w.offsets.block, n, nf);
        this.scoreStaged(n, result.subarray(start * nc, end * nc));
        continue;
      }
      // Transpose the block to row-major so the tree walk reads one row's features from one cache line run.
      for (let f = 0; f < nf; f++) {
        const col = columns[f];
        for (let r = 0; r < n; r++) {
          let v = col[start + r];
          if (v >= -ZERO_THRESHOLD && v <= ZERO_THRESHOLD) v = 0;
          block[r * 2 * nf + f] = v;
          block[r * 2 * nf + nf + f] = -v;
        }
      }
      this.scoreStaged(n, result.subarray(start * nc, end * nc));
    }
    this.finish(result, numRows);
    return result;
  }

  /**
   * Lays the lockstep trees out in WebAssembly memory in the kernel's packed form (wasm-kernel.ts): per tree the
   * root, then each internal node's two children as an adjacent (false, true) pair, in breadth-first order.
   */
  private setUpWasm(): NonNullable<NativeScorer['wasm']> {
    const lock = this.forest.lockstep;
    const numNodes = lock.threshold.length;
    const numTrees = this.forest.numTrees;
    const offsets = { nodes: 0, trees: 0, block: 0, out: 0, raw: 0 };
    offsets.trees = numNodes * 16;
    offsets.block = Math.ceil((offsets.trees + numTrees * 12) / 8) * 8;
    offsets.out = offsets.block + BLOCK_ROWS * this.wasmStride;
    offsets.raw = offsets.out + BLOCK_ROWS * this.numClass * 8;
    const kernel = instantiateKernel(offsets.raw + BLOCK_ROWS * this.numFeatures * 8, this.numClass, ZERO_THRESHOLD);
    const buffer = kernel.memory.buffer;
    const nodeInt = new Int32Array(buffer, offsets.nodes, numNodes * 4);
    const nodeThr = new Float64Array(buffer, offsets.nodes, numNodes * 2);
    const trees = new Int32Array(buffer, offsets.trees, numTrees * 3);
    const slotOf = new Int32Array(numNodes); // lockstep node → packed slot
    const queue = new Int32Array(numNodes);
    let next = 0;
    for (let t = 0; t < numTrees; t++) {
      const root = lock.treeRoot[t];
      slotOf[root] = next++;
      let head = 0;
      let tail = 0;
      queue[tail++] = root;
      while (head < tail) {
        const g = queue[head++];
        const f = lock.nodes[4 * g + 1];
        const tr = lock.nodes[4 * g + 2];
        const s = slotOf[g];
        if (f === g) {
          // leaf: absorbing
          nodeInt[4 * s] = 2 * this.numFeatures * 8; // the NaN slot
          nodeInt[4 * s + 1] = s * 16;
          nodeThr[2 * s + 1] = lock.value[g];
          continue;
        }
        slotOf[f] = next;
        slotOf[tr] = next + 1;
        next += 2;
        nodeInt[4 * s] = lock.nodes[4 * g] * 8; // byte offset of the value within a staged row
        nodeInt[4 * s + 1] = slotOf[f] * 16;
        nodeThr[2 * s + 1] = lock.threshold[g];
        queue[tail++] = f;
        queue[tail++] = tr;
      }
      trees[3 * t] = slotOf[root] * 16;
      trees[3 * t + 1] = lock.treeDepth[t];
      trees[3 * t + 2] = this.forest.treeClass[t];
    }
    return {
      kernel,
      out: new Float64Array(buffer, offsets.out, BLOCK_ROWS * this.numClass),
      raw: new Float64Array(buffer, offsets.raw, BLOCK_ROWS * this.numFeatures),
      offsets,
    };
  }

  /** Scores the n rows staged in blockBuffer into result (n × numClass, zeroed by the caller). */
  private scoreStaged(n: number, result: Float64Array): void {
    const w = this.wasm;
    if (w === null) {
      this.scoreBlock(this.blockBuffer, 0, n, result);
      return;
    }
    const nc = this.numClass;
    w.out.fill(0, 0, n * nc);
    const o = w.offsets;
    w.kernel.score(o.block, n, this.wasmStride, o.trees, this.forest.numTrees, o.out);
    result.set(w.out.subarray(0, n * nc));
  }

  private output(numRows: number, out?: Float64Array): Float64Array {
    const need = numRows * this.numClass;
    if (out === undefined) return new Float64Array(need);
    if (out.length < need) throw new RangeError(`output holds ${out.length} values, need ${need}`);
    return out;
  }

  private finish(result: Float64Array, numRows: number): void {
    if (this.averageOutput) {
      const n = numRows * this.numClass;
      for (let i = 0; i < n; i++) result[i] /= this.numIterations;
    }
    applyTransform(this.transform, result, numRows, this.numClass);
  }

  /**
   * One simple tree over rows [start, end) of a staged block, four rows in lockstep: a fixed number of
   * branch-free steps per row (child = nodes[q + 1 + (v > t)]) lets the CPU overlap the four dependent load
   * chains instead of mispredicting a branch at every node.
   */
  private scoreSimpleTree(t: number, rows: Float64Array, start: number, end: number, result: Float64Array): void {
    const { nodes, threshold, value, treeRoot, treeDepth } = this.forest.lockstep;
    const root = treeRoot[t];
    const depth = treeDepth[t];
    const stride = 2 * this.numFeatures;
    const nc = this.numClass;
    const cls = this.forest.treeClass[t];
    let r = start;
    for (; r + 4 <= end; r += 4) {
      const b0 = r * stride;
      const b1 = b0 + stride;
      const b2 = b1 + stride;
      const b3 = b2 + stride;
      let n0 = root;
      let n1 = root;
      let n2 = root;
      let n3 = root;
      for (let d = 0; d < depth; d++) {
        const q0 = n0 << 2;
        const q1 = n1 << 2;
        const q2 = n2 << 2;
        const q3 = n3 << 2;
        n0 = nodes[q0 + 1 + +(rows[b0 + nodes[q0]] > threshold[n0])];
        n1 = nodes[q1 + 1 + +(rows[b1 + nodes[q1]] > threshold[n1])];
        n2 = nodes[q2 + 1 + +(rows[b2 + nodes[q2]] > threshold[n2])];
        n3 = nodes[q3 + 1 + +(rows[b3 + nodes[q3]] > threshold[n3])];
      }
      result[r * nc + cls] += value[n0];
      result[(r + 1) * nc + cls] += value[n1];
      result[(r + 2) * nc + cls] += value[n2];
      result[(r + 3) * nc + cls] += value[n3];
    }
    for (; r < end; r++) {
      const b = r * stride;
      let n = root;
      for (let d = 0; d < depth; d++) {
        const q = n << 2;
        n = nodes[q + 1 + +(rows[b + nodes[q]] > threshold[n])];
      }
      result[r * nc + cls] += value[n];
    }
  }

  /** Adds every tree's output for rows [start, end) into result (row r at result[r*numClass]). */
  private scoreBlock(rows: Float64Array, start: number, end: number, result: Float64Array): void {
    const f = this.forest;
    const stride = 2 * this.numFeatures; // staged rows: values then negated values
    const nc = this.numClass;
    const { treeRoot, treeClass, treeSimple } = f;
    for (let t = 0; t < f.numTrees; t++) {
      const root = treeRoot[t];
      const cls = treeClass[t];
      if (root < 0) {
        const leaf = ~root;
        for (let r = start; r < end; r++) result[r * nc + cls] += leafOutput(f, leaf, rows, r * stride);
        continue;
      }
      if (treeSimple[t] === 1) {
        this.scoreSimpleTree(t, rows, start, end, result);
      } else {
        for (let r = start; r < end; r++) {
          const base = r * stride;
          const leaf = leafOf(f, t, rows, base);
          result[r * nc + cls] += leafOutput(f, leaf, rows, base);
        }
      }
    }
  }
}
