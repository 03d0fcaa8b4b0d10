// Scoring benchmark: native scorer vs onnxruntime-node (one thread each) on the same rows, and TreeSHAP.
//
// Model generator (repeatable, seeded): 300 trees × 63 leaves over 60 features, binary objective. Each tree is
// grown leaf-wise like LightGBM: 4,000 synthetic training rows (features ~ N(0,1), 1% NaN) start in one leaf;
// 62 times a leaf is picked with probability proportional to its row count, split on a random feature at the
// midpoint between two neighbouring values of the rows it holds (so covers and depths are realistic), with
// missing type NaN (default left or right at random) for one split in ten and missing type None otherwise.
// Leaf values ~ N(0, 0.05); leaf and internal counts are the routed training rows (TreeSHAP needs them).
// Scoring rows are fresh draws from the same distribution.
//
// When the LightGBM Python package is installed, the real LightGBM predicts the same model and rows in the same
// run (one thread) as the reference.
//
// usage: node dist/bench/scoring.js [--rows N] [--shap-rows N] [--seed S]
import { parseArgs } from 'node:util';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { NativeScorer } from '../src/model/native-scorer.js';
import { OnnxScorer } from '../src/model/onnx-scorer.js';
import { exportOnnx } from '../src/model/onnx-export.js';
import { buildShapTables, predictContrib, predictContribRecursive } from '../src/model/tree-shap.js';
import { formatModelText, parseModelText } from '../src/model/lightgbm-text.js';
import { mulberry32 as rng } from '../test/support/mulberry32.js';
import type { GbdtModel, Tree } from '../src/model/tree.js';

const NUM_TREES = 300;
const NUM_LEAVES = 63;
const NUM_FEATURES = 60;
const TRAIN_ROWS = 4000;
const NAN_RATE = 0.01;


function gaussian(random: () => number): number {
  const u = 1 - random();
  const v = random();
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
}

export function syntheticRows(numRows: number, random: () => number): Float64Array {
  const rows = new Float64Array(numRows * NUM_FEATURES);
  for (let i = 0; i < rows.length; i++) rows[i] = random() < NAN_RATE ? NaN : gaussian(random);
  return rows;
}

function growTree(train: Float64Array, random: () => number): Tree {
  const numNodes = NUM_LEAVES - 1;
  const splitFeature = new Int32Array(numNodes);
  const threshold = new Float64Array(numNodes);
  const decisionType = new Uint8Array(numNodes);
  const leftChild = new Int32Array(numNodes);
  const rightChild = new Int32Array(numNodes);
  const internalCount = new Int32Array(numNodes);
  const leafRows: number[][] = [Array.from({ length: TRAIN_ROWS }, (_, i) => i)];
  const leafParent: number[] = [-1];
  for (let node = 0; node < numNodes; node++) {
    // pick a leaf with probability ∝ rows (only leaves with ≥ 2 rows can split)
    let total = 0;
    for (const r of leafRows) if (r.length >= 2) total += r.length;
    let pick = random() * total;
    let leaf = 0;
    for (; leaf < leafRows.length; leaf++) {
      if (leafRows[leaf].length < 2) continue;
      pick -= leafRows[leaf].length;
      if (pick <= 0) break;
    }
    leaf = Math.min(leaf, leafRows.length - 1);
    const rows = leafRows[leaf];
    const feature = Math.floor(random() * NUM_FEATURES);
    const values = rows.map((r) => train[r * NUM_FEATURES + feature]).filter((v) => !Number.isNaN(v)).sort((a, b) => a - b);
    const k = Math.max(1, Math.min(values.length - 1, Math.floor(values.length * (0.2 + 0.6 * random()))));
    const t = values.length >= 2 ? (values[k - 1] + values[k]) / 2 : 0;
    const nanType = random() < 0.1;
    const defaultLeft = random() < 0.5;
    const dt = (nanType ? 8 : 0) | (defaultLeft || !nanType ? 2 : 0);
    const goesLeft = (v: number) => (Number.isNaN(v) ? (nanType ? defaultLeft : 0 <= t) : v <= t);
    const left: number[] = [];
    const right: number[] = [];
    for (const r of rows) (goesLeft(train[r * NUM_FEATURES + feature]) ? left : right).push(r);
    splitFeature[node] = feature;
    threshold[node] = t;
    decisionType[node] = dt;
    internalCount[node] = rows.length;
    const parent = leafParent[leaf];
    if (parent >= 0) {
      if (leftChild[parent] === ~leaf) leftChild[parent] = node;
      else rightChild[parent] = node;
    }
    const newLeaf = leafRows.length;
    leftChild[node] = ~leaf;
    rightChild[node] = ~newLeaf;
    leafRows[leaf] = left;
    leafRows.push(right);
    leafParent[leaf] = node;
    leafParent.push(node);
  }
  const leafValue = Float64Array.from({ length: NUM_LEAVES }, () => 0.05 * gaussian(random));
  return {
    numLeaves: NUM_LEAVES, numCat: 0, splitFeature, splitGain: Float64Array.from({ length: numNodes }, () => 10 * random()),
    threshold, decisionType, leftChild, rightChild, leafValue,
    leafWeight: Float64Array.from(leafRows, (r) => r.length * 0.25), leafCount: Int32Array.from(leafRows, (r) => r.length),
    internalValue: new Float64Array(numNodes), internalWeight: Float64Array.from(internalCount, (c) => c * 0.25), internalCount,
    catBoundaries: Int32Array.of(0), catThreshold: new Uint32Array(0), isLinear: false, shrinkage: 0.05,
  };
}

export function syntheticModel(seed: number): GbdtModel {
  const random = rng(seed);
  const train = syntheticRows(TRAIN_ROWS, random);
  const trees = Array.from({ length: NUM_TREES }, () => growTree(train, random));
  return {
    version: 'v4', numClass: 1, numTreePerIteration: 1, labelIndex: 0, maxFeatureIdx: NUM_FEATURES - 1,
    objective: 'binary sigmoid:1', averageOutput: false,
    featureNames: Array.from({ length: NUM_FEATURES }, (_, f) => `f${f}`),
    featureInfos: Array.from({ length: NUM_FEATURES }, () => '[-5:5]'), trees, parameters: '',
  };
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

/**
 * Runs `fn` `reps` times; returns median wall ms and median CPU ms (user+system of the whole process, which
 * includes onnxruntime's worker thread). On a shared machine CPU time is the steadier measure of work done.
 */
async function measure(reps: number, fn: () => unknown): Promise<{ wall: number; cpu: number }> {
  const walls: number[] = [];
  const cpus: number[] = [];
  for (let rep = 0; rep < reps; rep++) {
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    await fn();
    walls.push(performance.now() - t0);
    const c = process.cpuUsage(c0);
    cpus.push((c.user + c.system) / 1000);
  }
  return { wall: median(walls), cpu: median(cpus) };
}

/**
 * The real LightGBM's prediction rate on the same model and rows (one thread), when its Python package is
 * installed; null otherwise. Reports wall ms and CPU ms of predict() alone, median of 3.
 */
function lightgbmReference(modelText: string, rows: Float64Array, numRows: number, numFeatures: number): { wall: number; cpu: number } | null {
  if (spawnSync('python3', ['-c', 'import lightgbm'], { stdio: 'ignore' }).status !== 0) return null;
  const dir = mkdtempSync(join(tmpdir(), 'hotspot-bench-lgb-'));
  try {
    writeFileSync(join(dir, 'model.txt'), modelText);
    writeFileSync(join(dir, 'rows.f64'), new Uint8Array(rows.buffer, rows.byteOffset, numRows * numFeatures * 8));
    const script = `
import sys, time, numpy as np, lightgbm as lgb
d, n, f = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
b = lgb.Booster(model_file=d + '/model.txt')
X = np.fromfile(d + '/rows.f64', dtype=np.float64).reshape(n, f)
b.predict(X[:1000], num_threads=1)
walls, cpus = [], []
for _ in range(3):
    w, c = time.perf_counter(), time.process_time()
    b.predict(X, num_threads=1)
    walls.append(time.perf_counter() - w); cpus.append(time.process_time() - c)
print(sorted(walls)[1] * 1000, sorted(cpus)[1] * 1000)
`;
    const run = spawnSync('python3', ['-c', script, dir, String(numRows), String(numFeatures)], { encoding: 'utf8' });
    if (run.status !== 0) return null;
    const [wall, cpu] = run.stdout.trim().split(/\s+/).map(Number);
    return { wall, cpu };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const rate = (rows: number, ms: number) => Math.round(rows / (ms / 1000)).toLocaleString('en-US');

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { rows: { type: 'string' }, 'shap-rows': { type: 'string' }, seed: { type: 'string' } } });
  const numRows = Number(values.rows ?? 100_000);
  const shapRows = Number(values['shap-rows'] ?? 2_000);
  const seed = Number(values.seed ?? 42);
  // Round-trip through the text format so the benchmark scores exactly what a model file would hold.
  const modelText = formatModelText(syntheticModel(seed));
  const model = parseModelText(modelText);
  const depths = model.trees.map((t) => maxDepth(t));
  const rows = syntheticRows(numRows, rng(seed + 1));
  console.log(`model: ${model.trees.length} trees × ${NUM_LEAVES} leaves, ${NUM_FEATURES} features, depth mean ${(depths.reduce((a, b) => a + b, 0) / depths.length).toFixed(1)} max ${Math.max(...depths)}; ${numRows} rows`);

  const native = new NativeScorer(model);
  const out = new Float64Array(numRows);
  native.predict(rows, Math.min(numRows, 10_000), out); // warm-up
  const nativeTime = await measure(5, () => native.predict(rows, numRows, out));

  const onnx = await OnnxScorer.create(exportOnnx(model), { intraOpNumThreads: 1 });
  let onnxOut = await onnx.predict(rows, Math.min(numRows, 10_000)); // warm-up
  const onnxTime = await measure(5, async () => {
    onnxOut = await onnx.predict(rows, numRows);
  });
  let maxDiff = 0;
  for (let i = 0; i < numRows; i++) maxDiff = Math.max(maxDiff, Math.abs(onnxOut[i] - out[i]));
  await onnx.release();

  const explained = Math.min(shapRows, numRows);
  const tableBuild = await measure(1, () => buildShapTables(model));
  predictContrib(model, rows, Math.min(50, numRows)); // warm-up
  let contrib: Float64Array = new Float64Array(0);
  const shapTime = await measure(3, () => {
    contrib = predictContrib(model, rows, explained);
  });
  // the same tables walked by the JavaScript kernel (trees the WebAssembly walk cannot take use it)
  predictContrib(model, rows, Math.min(50, numRows), undefined, { kernel: 'js' }); // warm-up
  const shapJsTime = await measure(3, () => predictContrib(model, rows, explained, undefined, { kernel: 'js' }));
  // the previous implementation (hot/cold recursion) on a tenth of the rows, as the same-run reference
  const recursiveRows = Math.max(1, Math.floor(explained / 10));
  predictContribRecursive(model, rows, Math.min(10, numRows)); // warm-up
  let recursive: Float64Array = new Float64Array(0);
  const recursiveTime = await measure(3, () => {
    recursive = predictContribRecursive(model, rows, recursiveRows);
  });
  let shapDiff = 0;
  for (let i = 0; i < recursive.length; i++) {
    const scale = Math.max(Math.abs(recursive[i]), Math.abs(contrib[i]), 1e-12);
    shapDiff = Math.max(shapDiff, Math.abs(recursive[i] - contrib[i]) / scale);
  }

  const lightgbm = lightgbmReference(modelText, rows, numRows, NUM_FEATURES);

  console.log(`                      rows/s (wall)   rows per CPU-second`);
  console.log(`native scorer:        ${rate(numRows, nativeTime.wall).padStart(13)}   ${rate(numRows, nativeTime.cpu).padStart(13)}   (median of 5, one thread)`);
  console.log(`onnxruntime-node:     ${rate(numRows, onnxTime.wall).padStart(13)}   ${rate(numRows, onnxTime.cpu).padStart(13)}   (median of 5, intraOpNumThreads=1)`);
  console.log(`TreeSHAP (tables):    ${rate(explained, shapTime.wall).padStart(13)}   ${rate(explained, shapTime.cpu).padStart(13)}   (${explained} rows, median of 3; tables built once in ${tableBuild.cpu.toFixed(0)} ms CPU)`);
  console.log(`TreeSHAP (tables, JS):${rate(explained, shapJsTime.wall).padStart(13)}   ${rate(explained, shapJsTime.cpu).padStart(13)}   (${explained} rows, median of 3; the JavaScript table walk)`);
  console.log(`TreeSHAP (recursion): ${rate(recursiveRows, recursiveTime.wall).padStart(13)}   ${rate(recursiveRows, recursiveTime.cpu).padStart(13)}   (${recursiveRows} rows, median of 3; the previous implementation)`);
  if (lightgbm) {
    console.log(`LightGBM (Python):    ${rate(numRows, lightgbm.wall).padStart(13)}   ${rate(numRows, lightgbm.cpu).padStart(13)}   (median of 3, num_threads=1)`);
  } else {
    console.log('LightGBM (Python):    not installed (pip install lightgbm) — no same-run reference');
  }
  console.log(`native / onnxruntime: ${(onnxTime.wall / nativeTime.wall).toFixed(2)}× wall, ${(onnxTime.cpu / nativeTime.cpu).toFixed(2)}× CPU; max |difference| ${maxDiff.toExponential(2)}`);
  console.log(`TreeSHAP tables / recursion: ${(recursiveTime.wall / recursiveRows / (shapTime.wall / explained)).toFixed(2)}× wall, ${(recursiveTime.cpu / recursiveRows / (shapTime.cpu / explained)).toFixed(2)}× CPU; max relative difference ${shapDiff.toExponential(2)}`);
  if (lightgbm) {
    console.log(`native / LightGBM:    ${(lightgbm.wall / nativeTime.wall).toFixed(2)}× wall, ${(lightgbm.cpu / nativeTime.cpu).toFixed(2)}× CPU`);
  }
}

function maxDepth(tree: Tree): number {
  const walk = (node: number, depth: number): number =>
    node < 0 ? depth : Math.max(walk(tree.leftChild[node], depth + 1), walk(tree.rightChild[node], depth + 1));
  return tree.numLeaves > 1 ? walk(0, 0) : 0;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  main().catch((err) => {
    console.error(err);
    process.exit(1);
  });
}
