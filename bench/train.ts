// Trainer benchmark: LightGBM's large reference problem — 1,000,000 rows × 60 features, ~1% positives,
// binary, 300 iterations, 63 leaves, learning rate 0.05 (../shared/reference/lightgbm/large/train.conf).
//
// Data: `python3 ../shared/reference/lightgbm/gen.py large DIR` (numpy; Debian's python3-numpy) writes
// DIR/train.csv and DIR/test.csv, 1M rows each: x0..x59 ~ N(0,1); score = X·w·0.6 + 0.8·sin(x0·x1)
// + 0.5·[x2 > 1] + 0.3·x3², w ~ N(0,1) masked to ~60% of features (fixed seed 12345); label ~
// Bernoulli(sigmoid(score + b)) with b set by bisection so that the positive rate is 1%. Train seed 42, test
// seed 1042. ../shared/reference/lightgbm/large/data.md5 checks the files. This script generates them into
// bench/data/large (git-ignored) when missing.
//
// Prints load time, training wall time, test AUC, and the ratios to LightGBM 4.6's figures on this machine
// (one thread: 123 s training, test AUC 0.977716 — from large/train.log and the reference README).
//
// usage: node dist/bench/train.js [--data DIR] [--iterations N]
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { auc } from '../src/model/metrics.js';
import { loadDataFile } from '../src/model/train/data-file.js';
import { trainGbdt } from '../src/model/train/gbdt.js';
import { parseConfigText, resolveParams } from '../src/model/train/params.js';
import type { GbdtModel } from '../src/model/tree.js';
import { rawScoreColumns } from '../src/model/train/raw-score.js';

const LIGHTGBM_TRAIN_SECONDS = 123;
const LIGHTGBM_TEST_AUC = 0.977716;

/** The repository root: the nearest folder above this file (or the working directory) with hotspot's package.json. */
function findRepo(): string {
  for (const start of [dirname(fileURLToPath(import.meta.url)), process.cwd()]) {
    for (let d = start; d !== dirname(d); d = dirname(d)) {
      const pkg = resolve(d, 'package.json');
      if (existsSync(pkg) && /"name":\s*"hotspot"/.test(readFileSync(pkg, 'utf8'))) return d;
    }
  }
  return process.cwd();
}
const repo = findRepo();
const reference = resolve(repo, '../shared/reference/lightgbm');

const { values } = parseArgs({ options: { data: { type: 'string' }, iterations: { type: 'string' } } });
const dataDir = resolve(values.data ?? resolve(repo, 'bench/data/large'));
if (!existsSync(resolve(dataDir, 'train.csv'))) {
  console.log(`generating ${dataDir} with ${reference}/gen.py large …`);
  execFileSync('python3', [resolve(reference, 'gen.py'), 'large', dataDir], { stdio: 'inherit' });
}

const conf = parseConfigText(readFileSync(resolve(reference, 'large/train.conf'), 'utf8'));
const overrides: Record<string, string> = values.iterations ? { num_iterations: values.iterations } : {};
const { params } = resolveParams(conf, overrides);
const fileOpts = { header: true, labelColumn: '0', weightColumn: '', ignoreColumn: '', categoricalFeature: '' };

let t0 = performance.now();
const train = loadDataFile(resolve(dataDir, 'train.csv'), fileOpts);
const test = loadDataFile(resolve(dataDir, 'test.csv'), fileOpts);
const loadSeconds = (performance.now() - t0) / 1000;
let positives = 0;
for (let i = 0; i < train.label.length; i++) positives += train.label[i];

t0 = performance.now();
const cpu0 = process.cpuUsage();
let last = t0;
const result = trainGbdt(train, params, {
  onIteration: (it) => {
    const now = performance.now();
    if (it % 50 === 0) console.log(`  iteration ${it}: ${((now - t0) / 1000).toFixed(1)} s (last ${(now - last).toFixed(0)} ms)`);
    last = now;
  },
});
const trainSeconds = (performance.now() - t0) / 1000;
const cpu = process.cpuUsage(cpu0);
const cpuSeconds = (cpu.user + cpu.system) / 1e6;

t0 = performance.now();
const model: GbdtModel = result.model;
const raw = rawScoreColumns(model, test.columns);
const predictSeconds = (performance.now() - t0) / 1000;
const testAuc = auc(raw, test.label);

console.log(`data: ${dataDir} — train ${train.label.length} rows × ${train.columns.length} features, ${positives} positives; test ${test.label.length} rows`);
console.log(`params: num_iterations=${params.num_iterations} num_leaves=${params.num_leaves} learning_rate=${params.learning_rate} (single thread)`);
console.log(`load (both CSV files): ${loadSeconds.toFixed(1)} s`);
console.log(`training: ${trainSeconds.toFixed(1)} s wall (${cpuSeconds.toFixed(1)} s CPU) for ${result.iterations} iterations — binning ${(result.timings.binningMs / 1000).toFixed(1)} s, boosting ${(result.timings.boostingMs / 1000).toFixed(1)} s (${(result.timings.boostingMs / result.iterations).toFixed(0)} ms/iteration)`);
console.log(`test AUC: ${testAuc.toFixed(6)} (scored in ${predictSeconds.toFixed(1)} s)`);
console.log(`LightGBM 4.6 (1 thread, same data): ${LIGHTGBM_TRAIN_SECONDS} s, test AUC ${LIGHTGBM_TEST_AUC}`);
console.log(`ratio: time ×${(trainSeconds / LIGHTGBM_TRAIN_SECONDS).toFixed(2)} wall, ×${(cpuSeconds / LIGHTGBM_TRAIN_SECONDS).toFixed(2)} CPU (goal ≤ 3), AUC ${(testAuc - LIGHTGBM_TEST_AUC >= 0 ? '+' : '')}${(testAuc - LIGHTGBM_TEST_AUC).toFixed(6)} (goal within ±0.005)`);
