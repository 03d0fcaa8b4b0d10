// The boosting loop (LightGBM's GBDT::TrainOneIter): gradients from the current scores, one tree per class,
// shrink by the learning rate, add to the scores, evaluate validation metrics, stop early when the first
// metric stops improving. The first iteration starts from the average (boost_from_average) and folds that
// bias into its trees, as LightGBM does, so the written model needs no separate init score.
import { CATEGORICAL_MASK, DEFAULT_LEFT_MASK, type GbdtModel, type Tree } from '../tree.js';
import { featureInfo, type CategoricalBinMapper, type NumericalBinMapper } from './bin-mapper.js';
import { binData, buildLayout, type BinnedData, type FeatureLayout, type RawData } from './dataset.js';
import { evaluateMetric, higherIsBetter } from './eval.js';
import { createObjective } from './objective.js';
import { parametersBlock, resolveMetrics, type MetricName, type TrainParams } from './params.js';
import { BAGGING_RAND_BLOCK, Random, sampledFeatureCount } from './random.js';
import { missingBinOf, TreeLearner, type BinTree } from './tree-learner.js';

export interface EvalRecord {
  iteration: number;
  dataset: 'training' | 'valid';
  metric: MetricName;
  value: number;
}

export interface TrainOptions {
  valid?: RawData;
  categorical?: Set<number>;
  /** Called after every iteration with its evaluations (may be empty). */
  onIteration?: (iteration: number, evals: EvalRecord[]) => void;
}

export interface TrainResult {
  model: GbdtModel;
  /** 1-based iteration kept in the model (best by early stopping, or the last). */
  bestIteration: number;
  iterations: number;
  history: EvalRecord[];
  /** Validation metrics of the kept model (first validation set), by metric name. */
  validMetrics: Partial<Record<MetricName, number>>;
  /** Raw scores of the kept model on the validation set, class-major, if there was one. */
  validScores?: Float64Array;
  layout: FeatureLayout;
  stoppedEarly: boolean;
  /** Wall milliseconds: bin mappers + binned matrices, then the boosting loop. */
  timings: { binningMs: number; boostingMs: number };
}

const K_EPSILON = 1e-15;

export function trainGbdt(data: RawData, params: TrainParams, opts: TrainOptions = {}): TrainResult {
  const n = data.label.length;
  if (n === 0) throw new Error('no training rows');
  if (data.columns.length === 0) throw new Error('no features');
  const categorical = opts.categorical ?? new Set<number>();
  const tBin = performance.now();
  const layout = buildLayout(data, {
    maxBin: params.max_bin,
    minDataInBin: params.min_data_in_bin,
    useMissing: params.use_missing,
    zeroAsMissing: params.zero_as_missing,
    binConstructSampleCnt: params.bin_construct_sample_cnt,
    categorical,
    dataSeed: params.data_random_seed,
  });
  const train = binData(layout, data);
  const valid = opts.valid ? binData(layout, opts.valid) : null;
  const tBoost = performance.now();
  const objective = createObjective(params, data.label, data.weight);
  const K = objective.numTreePerIteration;
  const metrics = resolveMetrics(params);

  const scores = new Float64Array(n * K);
  const validScores = valid ? new Float64Array(valid.numRows * K) : null;
  const initScores = new Float64Array(K);
  if (params.boost_from_average) {
    for (let k = 0; k < K; k++) {
      initScores[k] = objective.boostFromScore(k);
      scores.fill(initScores[k], k * n, (k + 1) * n);
      if (validScores) validScores.fill(initScores[k], k * valid!.numRows, (k + 1) * valid!.numRows);
    }
  }
  const grad = new Float64Array(n * K);
  const hess = new Float64Array(n * K);
  const featureRng = new Random(params.feature_fraction_seed);
  if (params.feature_fraction < 1) {
    // LightGBM's ColSampler draws one tree's subset when the learner is set up (SetTrainingData → ResetByTree)
    // and then again before every tree: the first draw is never used for a tree.
    featureRng.sample(train.numInner, sampledFeatureCount(train.numInner, params.feature_fraction));
  }
  // LightGBM's bagging: one generator per 1024-row block, seeded bagging_seed + block.
  const baggingRngs = Array.from({ length: Math.ceil(n / BAGGING_RAND_BLOCK) }, (_, b) => new Random(params.bagging_seed + b));
  const learner = new TreeLearner(train, layout, {
    numLeaves: params.num_leaves,
    maxDepth: params.max_depth,
    featureFractionByNode: params.feature_fraction_bynode,
    lambdaL1: params.lambda_l1,
    lambdaL2: params.lambda_l2,
    minDataInLeaf: params.min_data_in_leaf,
    minSumHessianInLeaf: params.min_sum_hessian_in_leaf,
    minGainToSplit: params.min_gain_to_split,
    maxCatToOnehot: params.max_cat_to_onehot,
    maxCatThreshold: params.max_cat_threshold,
    catL2: params.cat_l2,
    catSmooth: params.cat_smooth,
    minDataPerGroup: params.min_data_per_group,
  }, featureRng);

  const useBagging = params.bagging_fraction < 1 && params.bagging_freq > 0;
  let bag: Int32Array | null = null;
  let outOfBag: Int32Array | null = null;
  const trees: Tree[] = [];
  const history: EvalRecord[] = [];
  const esMetrics = params.first_metric_only ? metrics.slice(0, 1) : metrics;
  const bestValue = esMetrics.map(() => NaN);
  const bestIter = esMetrics.map(() => 0);
  let bestIteration = 0;
  let stoppedEarly = false;
  let iter = 0;
  const gk = new Float64Array(n);
  const hk = new Float64Array(n);

  // LightGBM re-bags only while the previous bag left rows out (starting from ⌊fraction · n⌋).
  let bagCount = useBagging ? Math.floor(params.bagging_fraction * n) : n;
  for (; iter < params.num_iterations; iter++) {
    if (useBagging && bagCount < n && iter % params.bagging_freq === 0) {
      // Bernoulli bagging per row (BaggingHelper): row i is in the bag iff its block's NextFloat() < fraction.
      const inBag: number[] = [];
      const oob: number[] = [];
      for (let i = 0; i < n; i++) (baggingRngs[(i / BAGGING_RAND_BLOCK) | 0].next() < params.bagging_fraction ? inBag : oob).push(i);
      bag = Int32Array.from(inBag);
      outOfBag = Int32Array.from(oob);
      bagCount = bag.length;
    }
    objective.getGradients(scores, grad, hess);
    // LightGBM keeps gradients and hessians as float (score_t) and sums them in double histograms: rounding them
    // the same way keeps split gains and leaf values equal to LightGBM's to the last bits, so near-tied splits
    // go the same way (without it, binary_example's trees part from LightGBM's at tree 54 of 100).
    for (let i = 0; i < grad.length; i++) {
      grad[i] = Math.fround(grad[i]);
      hess[i] = Math.fround(hess[i]);
    }
    let anySplit = false;
    const iterTrees: Tree[] = [];
    for (let k = 0; k < K; k++) {
      if (params.feature_fraction < 1) {
        // ColSampler::ResetByTree: a fresh feature subset for every tree (each class's tree too).
        const F = train.numInner;
        learner.setTreeFeatures(featureRng.sample(F, sampledFeatureCount(F, params.feature_fraction)));
      }
      gk.set(grad.subarray(k * n, (k + 1) * n));
      hk.set(hess.subarray(k * n, (k + 1) * n));
      const bt = learner.train(gk, hk, bag);
      if (bt.numLeaves > 1) {
        anySplit = true;
        const lr = params.learning_rate;
        for (let l = 0; l < bt.numLeaves; l++) bt.leafValue[l] *= lr;
        for (let nd = 0; nd < bt.numLeaves - 1; nd++) bt.internalValue[nd] *= lr;
        // Scores: bagged rows through the partition, out-of-bag rows by walking the tree.
        const sk = scores.subarray(k * n, (k + 1) * n);
        for (let l = 0; l < bt.numLeaves; l++) {
          const rows = learner.leafRows(l);
          const v = bt.leafValue[l];
          for (let i = 0; i < rows.length; i++) sk[rows[i]] += v;
        }
        if (bag && outOfBag) addTreeToScores(bt, layout, train, sk, outOfBag);
        if (valid && validScores) addTreeToScores(bt, layout, valid, validScores.subarray(k * valid.numRows, (k + 1) * valid.numRows), null);
        let shrinkage = lr;
        if (iter === 0 && Math.abs(initScores[k]) > K_EPSILON) {
          for (let l = 0; l < bt.numLeaves; l++) bt.leafValue[l] += initScores[k];
          for (let nd = 0; nd < bt.numLeaves - 1; nd++) bt.internalValue[nd] += initScores[k];
          shrinkage = 1;
        }
        iterTrees.push(toModelTree(bt, layout, shrinkage));
      } else {
        // A tree without splits: on the first iteration it carries the init score (LightGBM's AsConstantTree).
        bt.leafValue[0] = iter === 0 ? initScores[k] : 0;
        iterTrees.push(toModelTree(bt, layout, 1));
      }
    }
    if (!anySplit) {
      // Nothing left to learn: keep constant trees only when they are the whole model.
      if (trees.length === 0) trees.push(...iterTrees);
      break;
    }
    trees.push(...iterTrees);

    const evals: EvalRecord[] = [];
    const it = iter + 1;
    if (params.is_training_metric && it % params.metric_freq === 0) {
      for (const m of metrics) evals.push({ iteration: it, dataset: 'training', metric: m, value: evaluateMetric(m, scores, data.label, data.weight, K, params.sigmoid) });
    }
    let stop = false;
    if (valid && validScores) {
      for (const m of metrics) {
        const value = evaluateMetric(m, validScores, valid.label, valid.weight, K, params.sigmoid);
        evals.push({ iteration: it, dataset: 'valid', metric: m, value });
        const e = esMetrics.indexOf(m);
        if (e >= 0) {
          const better = Number.isNaN(bestValue[e]) || (higherIsBetter(m) ? value > bestValue[e] : value < bestValue[e]);
          if (better) {
            bestValue[e] = value;
            bestIter[e] = it;
          } else if (params.early_stopping_round > 0 && it - bestIter[e] >= params.early_stopping_round) {
            stop = true;
            bestIteration = bestIter[e];
          }
        }
      }
    }
    history.push(...evals);
    opts.onIteration?.(it, evals);
    if (stop) {
      stoppedEarly = true;
      iter++;
      break;
    }
  }
  const iterations = Math.max(1, trees.length / K);
  if (!stoppedEarly) bestIteration = iterations;
  const kept = trees.slice(0, bestIteration * K);

  const model: GbdtModel = {
    version: 'v4',
    numClass: params.objective === 'multiclass' ? params.num_class : 1,
    numTreePerIteration: K,
    labelIndex: 0,
    maxFeatureIdx: data.columns.length - 1,
    objective: objective.modelLine,
    averageOutput: false,
    featureNames: data.featureNames.map((s) => s.replace(/\s+/g, '_')),
    featureInfos: layout.mappers.map((m) => featureInfo(m)),
    trees: kept,
    parameters: parametersBlock(params),
  };

  const timings = { binningMs: tBoost - tBin, boostingMs: performance.now() - tBoost };
  let finalValidScores: Float64Array | undefined;
  const validMetrics: Partial<Record<MetricName, number>> = {};
  if (valid && opts.valid) {
    finalValidScores = stoppedEarly ? scoreBinned(kept, layout, valid, K) : validScores!;
    for (const m of metrics) validMetrics[m] = evaluateMetric(m, finalValidScores, valid.label, valid.weight, K, params.sigmoid);
  }
  return { model, bestIteration, iterations, history, validMetrics, validScores: finalValidScores, layout, stoppedEarly, timings };
}

/** Adds a bin-space tree's leaf values to `scores` for the given rows (all rows when null). */
function addTreeToScores(bt: BinTree, layout: FeatureLayout, data: BinnedData, scores: Float64Array, rows: Int32Array | null): void {
  const cols = data.columns;
  const count = rows ? rows.length : data.numRows;
  const missingBin = new Int32Array(bt.numLeaves);
  for (let nd = 0; nd < bt.numLeaves - 1; nd++) {
    const m = layout.mappers[layout.innerToReal[bt.splitInner[nd]]]!;
    missingBin[nd] = missingBinOf(m);
  }
  const catSets = bt.catBins.map((c) => (c ? new Set(c) : null));
  for (let i = 0; i < count; i++) {
    const r = rows ? rows[i] : i;
    let nd = 0;
    while (nd >= 0) {
      const b = cols[bt.splitInner[nd]][r];
      let left: boolean;
      if (bt.isCategorical[nd]) left = catSets[nd]!.has(b);
      else if (b === missingBin[nd]) left = bt.defaultLeft[nd] === 1;
      else left = b <= bt.thresholdBin[nd];
      nd = left ? bt.leftChild[nd] : bt.rightChild[nd];
    }
    scores[r] += bt.leafValue[~nd];
  }
}

/** Raw scores of model trees over binned data; used to rescore a validation set after early stopping. */
function scoreBinned(trees: Tree[], layout: FeatureLayout, data: BinnedData, K: number): Float64Array {
  // Model trees hold real thresholds; map them back through the bin mappers by walking real-valued bounds.
  const n = data.numRows;
  const out = new Float64Array(n * K);
  const realToInner = new Map<number, number>();
  layout.innerToReal.forEach((f, j) => realToInner.set(f, j));
  trees.forEach((t, ti) => {
    const k = ti % K;
    for (let i = 0; i < n; i++) {
      let nd = 0;
      if (t.numLeaves > 1) {
        while (nd >= 0) {
          const f = t.splitFeature[nd];
          const j = realToInner.get(f)!;
          const b = data.columns[j][i];
          const m = layout.mappers[f]!;
          nd = binGoesLeft(t, nd, m, b) ? t.leftChild[nd] : t.rightChild[nd];
        }
      } else nd = ~0;
      out[k * n + i] += t.leafValue[~nd];
    }
  });
  return out;
}

function binGoesLeft(t: Tree, nd: number, m: NumericalBinMapper | CategoricalBinMapper, b: number): boolean {
  if (t.decisionType[nd] & CATEGORICAL_MASK) {
    const cat = (m as CategoricalBinMapper).binToCategory[b];
    if (cat < 0) return false;
    const ci = t.threshold[nd];
    const lo = t.catBoundaries[ci];
    const hi = t.catBoundaries[ci + 1];
    const w = cat >> 5;
    return w < hi - lo && ((t.catThreshold[lo + w] >>> (cat & 31)) & 1) === 1;
  }
  const nm = m as NumericalBinMapper;
  if (b === missingBinOf(nm)) return (t.decisionType[nd] & DEFAULT_LEFT_MASK) !== 0;
  return nm.upperBounds[b] <= t.threshold[nd];
}

/** Bin-space tree → LightGBM model tree: real thresholds, category bitsets, decision-type bits. */
export function toModelTree(bt: BinTree, layout: FeatureLayout, shrinkage: number): Tree {
  const L = bt.numLeaves;
  const nn = Math.max(0, L - 1);
  const splitFeature = new Int32Array(nn);
  const threshold = new Float64Array(nn);
  const decisionType = new Uint8Array(nn);
  const catBoundaries: number[] = [0];
  const catThreshold: number[] = [];
  let numCat = 0;
  for (let nd = 0; nd < nn; nd++) {
    const f = layout.innerToReal[bt.splitInner[nd]];
    const m = layout.mappers[f]!;
    splitFeature[nd] = f;
    let dt = 0;
    if (bt.isCategorical[nd]) {
      dt |= CATEGORICAL_MASK;
      const cats = bt.catBins[nd].map((b) => (m as CategoricalBinMapper).binToCategory[b]).filter((c) => c >= 0);
      const words = new Uint32Array((Math.max(...cats) >> 5) + 1);
      for (const c of cats) words[c >> 5] |= 1 << (c & 31);
      threshold[nd] = numCat++;
      catThreshold.push(...words);
      catBoundaries.push(catThreshold.length);
    } else {
      threshold[nd] = (m as NumericalBinMapper).upperBounds[bt.thresholdBin[nd]];
      if (bt.defaultLeft[nd]) dt |= DEFAULT_LEFT_MASK;
    }
    dt |= (bt.missingType[nd] & 3) << 2;
    decisionType[nd] = dt;
  }
  return {
    numLeaves: L,
    numCat,
    splitFeature,
    splitGain: bt.splitGain.slice(0, nn),
    threshold,
    decisionType,
    leftChild: bt.leftChild.slice(0, nn),
    rightChild: bt.rightChild.slice(0, nn),
    leafValue: bt.leafValue.slice(0, L),
    leafWeight: bt.leafWeight.slice(0, L),
    leafCount: bt.leafCount.slice(0, L),
    internalValue: bt.internalValue.slice(0, nn),
    internalWeight: bt.internalWeight.slice(0, nn),
    internalCount: bt.internalCount.slice(0, nn),
    catBoundaries: Int32Array.from(numCat > 0 ? catBoundaries : []),
    catThreshold: Uint32Array.from(catThreshold),
    isLinear: false,
    shrinkage,
  };
}
