// One regression tree on gradients, grown leaf-wise as LightGBM's SerialTreeLearner does: always split the
// leaf with the largest gain, build the histogram of the smaller child from its rows and get the larger
// child's by subtracting it from the parent's, keep each leaf's rows as a contiguous run of one index array
// (partitioned in place on every split).
import { MISSING_NAN, MISSING_ZERO } from '../tree.js';
import type { BinnedData, FeatureLayout } from './dataset.js';
import { findBestSplitForFeature, SplitInfo, type FeatureMeta, type SplitParams } from './split-finder.js';
import { sampledFeatureCount, type Random } from './random.js';

export interface TreeLearnerParams extends SplitParams {
  numLeaves: number;
  maxDepth: number;
  /** per-node feature sampling fraction (feature_fraction_bynode) */
  featureFractionByNode: number;
}

/** A grown tree in bin space: thresholds are bins, categorical sets are bins. Converted to a model Tree later. */
export interface BinTree {
  numLeaves: number;
  splitInner: Int32Array;
  thresholdBin: Int32Array;
  defaultLeft: Uint8Array;
  isCategorical: Uint8Array;
  catBins: number[][];
  missingType: Uint8Array;
  splitGain: Float64Array;
  leftChild: Int32Array;
  rightChild: Int32Array;
  internalValue: Float64Array;
  internalWeight: Float64Array;
  internalCount: Int32Array;
  leafValue: Float64Array;
  leafWeight: Float64Array;
  leafCount: Int32Array;
  leafParent: Int32Array;
  leafDepth: Int32Array;
}

function newBinTree(maxLeaves: number): BinTree {
  const m = Math.max(1, maxLeaves - 1);
  return {
    numLeaves: 1,
    splitInner: new Int32Array(m),
    thresholdBin: new Int32Array(m),
    defaultLeft: new Uint8Array(m),
    isCategorical: new Uint8Array(m),
    catBins: [],
    missingType: new Uint8Array(m),
    splitGain: new Float64Array(m),
    leftChild: new Int32Array(m),
    rightChild: new Int32Array(m),
    internalValue: new Float64Array(m),
    internalWeight: new Float64Array(m),
    internalCount: new Int32Array(m),
    leafValue: new Float64Array(maxLeaves),
    leafWeight: new Float64Array(maxLeaves),
    leafCount: new Int32Array(maxLeaves),
    leafParent: new Int32Array(maxLeaves).fill(-1),
    leafDepth: new Int32Array(maxLeaves),
  };
}

export class TreeLearner {
  private readonly F: number;
  private readonly metas: FeatureMeta[];
  private readonly indices: Int32Array;
  private readonly scratch: Int32Array;
  private readonly leafBegin: Int32Array;
  private readonly leafCnt: Int32Array;
  private readonly leafSumG: Float64Array;
  private readonly leafSumH: Float64Array;
  private readonly leafHist: (Float64Array | null)[];
  private readonly histPool: Float64Array[] = [];
  private readonly best: SplitInfo[];
  private readonly binOffsets: Int32Array;
  private readonly leftMask: Uint8Array;
  /** Features this tree may use (feature_fraction), as inner indices. */
  private treeFeatures: Int32Array;

  constructor(private readonly data: BinnedData, private readonly layout: FeatureLayout, private readonly p: TreeLearnerParams, private readonly rng: Random) {
    this.F = data.numInner;
    this.metas = Array.from(layout.innerToReal, (f) => {
      const m = layout.mappers[f]!;
      return { numBin: m.numBin, missingType: m.missingType, defaultBin: m.defaultBin, isCategorical: m.kind === 'categorical' };
    });
    const n = data.numRows;
    this.indices = new Int32Array(n);
    this.scratch = new Int32Array(n);
    const L = p.numLeaves;
    this.leafBegin = new Int32Array(L);
    this.leafCnt = new Int32Array(L);
    this.leafSumG = new Float64Array(L);
    this.leafSumH = new Float64Array(L);
    this.leafHist = new Array(L).fill(null);
    this.best = Array.from({ length: L }, () => new SplitInfo());
    this.binOffsets = layout.binOffsets;
    this.leftMask = new Uint8Array(layout.maxNumBin);
    this.treeFeatures = Int32Array.from({ length: this.F }, (_, i) => i);
  }

  /** Restricts the next trees to these inner features (feature_fraction). */
  setTreeFeatures(features: Int32Array): void {
    this.treeFeatures = features;
  }

  /**
   * Grows one tree on `grad`/`hess` (length numRows) over the rows in `bag` (all rows when null).
   * Afterwards leafRows(l) lists the bagged rows that ended in leaf l.
   */
  train(grad: Float64Array, hess: Float64Array, bag: Int32Array | null): BinTree {
    const p = this.p;
    const tree = newBinTree(p.numLeaves);
    const nBag = bag ? bag.length : this.data.numRows;
    if (bag) this.indices.set(bag);
    else for (let i = 0; i < nBag; i++) this.indices[i] = i;
    this.leafBegin[0] = 0;
    this.leafCnt[0] = nBag;
    let sg = 0;
    let sh = 0;
    for (let i = 0; i < nBag; i++) {
      const r = this.indices[i];
      sg += grad[r];
      sh += hess[r];
    }
    this.leafSumG[0] = sg;
    this.leafSumH[0] = sh;
    for (let l = 0; l < p.numLeaves; l++) {
      if (this.leafHist[l]) this.histPool.push(this.leafHist[l]!);
      this.leafHist[l] = null;
      this.best[l].reset();
    }
    tree.leafCount[0] = nBag;
    tree.leafWeight[0] = sh;
    const rootHist = this.takeHist();
    this.buildHistogram(rootHist, grad, hess, 0, nBag, bag === null);
    this.leafHist[0] = rootHist;
    this.findBestSplit(0, tree);

    for (let s = 0; s < p.numLeaves - 1; s++) {
      let bestLeaf = -1;
      let bestGain = 0;
      for (let l = 0; l < tree.numLeaves; l++) {
        if (this.best[l].feature >= 0 && this.best[l].gain > bestGain) {
          bestGain = this.best[l].gain;
          bestLeaf = l;
        }
      }
      if (bestLeaf < 0) break;
      this.split(tree, bestLeaf, grad, hess);
    }
    for (let l = 0; l < tree.numLeaves; l++) {
      if (this.leafHist[l]) this.histPool.push(this.leafHist[l]!);
      this.leafHist[l] = null;
    }
    return tree;
  }

  /** Rows (indices into the data) that ended in `leaf` of the last trained tree. */
  leafRows(leaf: number): Int32Array {
    return this.indices.subarray(this.leafBegin[leaf], this.leafBegin[leaf] + this.leafCnt[leaf]);
  }

  private takeHist(): Float64Array {
    const h = this.histPool.pop();
    if (h) {
      h.fill(0);
      return h;
    }
    return new Float64Array(this.layout.totalBins * 2);
  }

  /** Sums (grad, hess) into bins for rows indices[begin, begin+count) (all rows 0..count when contiguous). */
  private buildHistogram(hist: Float64Array, grad: Float64Array, hess: Float64Array, begin: number, count: number, contiguous: boolean): void {
    const bins = this.data.bins;
    const F = this.F;
    const feats = this.treeFeatures;
    const nf = feats.length;
    const offs = this.binOffsets;
    const idx = this.indices;
    const end = begin + count;
    // Row-major: one row's bins share a cache line, consecutive updates hit different features (no
    // store-to-load chains on one bin), and four features per step keep the loads in flight.
    if (nf === F) {
      const F4 = F - (F & 3);
      for (let i = begin; i < end; i++) {
        const r = contiguous ? i : idx[i];
        const g = grad[r];
        const h = hess[r];
        const base = r * F;
        let j = 0;
        for (; j < F4; j += 4) {
          const b0 = (offs[j] + bins[base + j]) << 1;
          const b1 = (offs[j + 1] + bins[base + j + 1]) << 1;
          const b2 = (offs[j + 2] + bins[base + j + 2]) << 1;
          const b3 = (offs[j + 3] + bins[base + j + 3]) << 1;
          hist[b0] += g;
          hist[b0 + 1] += h;
          hist[b1] += g;
          hist[b1 + 1] += h;
          hist[b2] += g;
          hist[b2 + 1] += h;
          hist[b3] += g;
          hist[b3 + 1] += h;
        }
        for (; j < F; j++) {
          const b = (offs[j] + bins[base + j]) << 1;
          hist[b] += g;
          hist[b + 1] += h;
        }
      }
    } else {
      for (let i = begin; i < end; i++) {
        const r = contiguous ? i : idx[i];
        const g = grad[r];
        const h = hess[r];
        const base = r * F;
        for (let k = 0; k < nf; k++) {
          const j = feats[k];
          const b = (offs[j] + bins[base + j]) << 1;
          hist[b] += g;
          hist[b + 1] += h;
        }
      }
    }
  }

  private findBestSplit(leaf: number, tree: BinTree): void {
    const p = this.p;
    const best = this.best[leaf];
    best.reset();
    const cnt = this.leafCnt[leaf];
    const sumH = this.leafSumH[leaf];
    if (cnt < 2 * p.minDataInLeaf || sumH < 2 * p.minSumHessianInLeaf) return;
    if (p.maxDepth > 0 && tree.leafDepth[leaf] >= p.maxDepth) return;
    const hist = this.leafHist[leaf]!;
    let feats = this.treeFeatures;
    if (p.featureFractionByNode < 1 && feats.length > 1) {
      const k = sampledFeatureCount(feats.length, p.featureFractionByNode);
      const pick = this.rng.sample(feats.length, k);
      feats = Int32Array.from(pick, (i) => this.treeFeatures[i]);
    }
    const sumG = this.leafSumG[leaf];
    for (let k = 0; k < feats.length; k++) {
      const j = feats[k];
      findBestSplitForFeature(hist, this.binOffsets[j], j, this.metas[j], sumG, sumH, cnt, p, best);
    }
  }

  private split(tree: BinTree, leaf: number, grad: Float64Array, hess: Float64Array): void {
    const info = this.best[leaf];
    const newLeaf = tree.numLeaves;
    const node = newLeaf - 1;
    const parent = tree.leafParent[leaf];
    if (parent >= 0) {
      if (tree.leftChild[parent] === ~leaf) tree.leftChild[parent] = node;
      else tree.rightChild[parent] = node;
    }
    const j = info.feature;
    const meta = this.metas[j];
    tree.splitInner[node] = j;
    tree.thresholdBin[node] = info.threshold;
    tree.defaultLeft[node] = info.defaultLeft ? 1 : 0;
    tree.isCategorical[node] = info.isCategorical ? 1 : 0;
    tree.catBins[node] = info.catBins.slice();
    tree.missingType[node] = meta.missingType;
    tree.splitGain[node] = info.gain;
    tree.leftChild[node] = ~leaf;
    tree.rightChild[node] = ~newLeaf;
    tree.internalValue[node] = tree.leafValue[leaf];
    tree.internalWeight[node] = info.leftSumHessian + info.rightSumHessian;
    tree.internalCount[node] = this.leafCnt[leaf];

    // Partition the leaf's rows: left rows stay in front, right rows follow, both in original order.
    const begin = this.leafBegin[leaf];
    const cnt = this.leafCnt[leaf];
    const leftCount = this.partition(begin, cnt, j, info, meta);
    const rightCount = cnt - leftCount;
    this.leafCnt[leaf] = leftCount;
    this.leafBegin[newLeaf] = begin + leftCount;
    this.leafCnt[newLeaf] = rightCount;
    this.leafSumG[leaf] = info.leftSumGradient;
    this.leafSumH[leaf] = info.leftSumHessian;
    this.leafSumG[newLeaf] = info.rightSumGradient;
    this.leafSumH[newLeaf] = info.rightSumHessian;

    tree.leafParent[leaf] = node;
    tree.leafParent[newLeaf] = node;
    tree.leafDepth[newLeaf] = tree.leafDepth[leaf] + 1;
    tree.leafDepth[leaf] += 1;
    tree.leafValue[leaf] = info.leftOutput;
    tree.leafWeight[leaf] = info.leftSumHessian;
    tree.leafCount[leaf] = leftCount;
    tree.leafValue[newLeaf] = info.rightOutput;
    tree.leafWeight[newLeaf] = info.rightSumHessian;
    tree.leafCount[newLeaf] = rightCount;
    tree.numLeaves++;

    if (tree.numLeaves >= this.p.numLeaves) {
      // The last split: no more histograms needed.
      this.best[leaf].reset();
      this.best[newLeaf].reset();
      return;
    }
    // Histogram of the smaller child from its rows; the larger child's = parent − smaller.
    const parentHist = this.leafHist[leaf]!;
    const smallIsLeft = leftCount < rightCount;
    const small = smallIsLeft ? leaf : newLeaf;
    const large = smallIsLeft ? newLeaf : leaf;
    const smallHist = this.takeHist();
    this.buildHistogram(smallHist, grad, hess, this.leafBegin[small], this.leafCnt[small], false);
    const feats = this.treeFeatures;
    if (feats.length === this.F) {
      for (let i = 0; i < parentHist.length; i++) parentHist[i] -= smallHist[i];
    } else {
      for (let k = 0; k < feats.length; k++) {
        const f = feats[k];
        const from = this.binOffsets[f] << 1;
        const to = from + (this.metas[f].numBin << 1);
        for (let i = from; i < to; i++) parentHist[i] -= smallHist[i];
      }
    }
    this.leafHist[small] = smallHist;
    this.leafHist[large] = parentHist;
    this.findBestSplit(leaf, tree);
    this.findBestSplit(newLeaf, tree);
  }

  /** Stable in-place partition of indices[begin, begin+cnt) by the split; returns the left count. */
  private partition(begin: number, cnt: number, j: number, info: SplitInfo, meta: FeatureMeta): number {
    const col = this.data.columns[j];
    const idx = this.indices;
    const tmp = this.scratch;
    const goLeft = this.leftMask;
    // One lookup table per split: bin → goes left. It folds threshold, default direction and categories.
    goLeft.fill(0, 0, meta.numBin);
    if (info.isCategorical) {
      for (const b of info.catBins) goLeft[b] = 1;
    } else {
      for (let b = 0; b <= info.threshold; b++) goLeft[b] = 1;
      const missingBin = missingBinOf(meta);
      if (missingBin >= 0) goLeft[missingBin] = info.defaultLeft ? 1 : 0;
    }
    let nl = 0;
    let nr = 0;
    const end = begin + cnt;
    for (let i = begin; i < end; i++) {
      const r = idx[i];
      if (goLeft[col[r]]) idx[begin + nl++] = r;
      else tmp[nr++] = r;
    }
    idx.set(tmp.subarray(0, nr), begin + nl);
    return nl;
  }
}

/** The bin that follows the default direction for a numerical feature, or -1. */
export function missingBinOf(meta: { numBin: number; missingType: number; defaultBin: number; isCategorical?: boolean }): number {
  if (meta.missingType === MISSING_ZERO) return meta.defaultBin;
  if (meta.missingType === MISSING_NAN) return meta.numBin - 1;
  return -1;
}
