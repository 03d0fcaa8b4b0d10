// Cross-check against the real LightGBM (Python package), when it is installed (`pip install lightgbm`): it must
// load models hotspot writes, write them back identically, and predict the same raw scores, probabilities and
// contributions as hotspot on rows full of edge values (NaN, 0, 1e-36, negatives, non-integer categories).
// Skipped, with the reason printed, on machines without it.
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { formatModelText } from '../../src/model/lightgbm-text.js';
import { NativeScorer } from '../../src/model/native-scorer.js';
import { predictContrib } from '../../src/model/tree-shap.js';
import { randomModel, randomRows } from './random-model.js';

const hasLightgbm = spawnSync('python3', ['-c', 'import lightgbm, numpy'], { stdio: 'ignore' }).status === 0;
if (!hasLightgbm) console.warn('lightgbm-python.test: python3 lightgbm not installed, cross-check skipped');

const SCRIPT = `
import sys, json, numpy as np, lightgbm as lgb
d = sys.argv[1]
b = lgb.Booster(model_file=d + '/model.txt')
X = np.loadtxt(d + '/data.tsv', delimiter='\\t', ndmin=2)
np.savetxt(d + '/raw.tsv', np.asarray(b.predict(X, raw_score=True)).reshape(X.shape[0], -1), delimiter='\\t', fmt='%.17g')
np.savetxt(d + '/prob.tsv', np.asarray(b.predict(X)).reshape(X.shape[0], -1), delimiter='\\t', fmt='%.17g')
np.savetxt(d + '/contrib.tsv', np.asarray(b.predict(X, pred_contrib=True)).reshape(X.shape[0], -1), delimiter='\\t', fmt='%.17g')
b.save_model(d + '/saved.txt')
`;

function readMatrix(path: string): Float64Array {
  return Float64Array.from(readFileSync(path, 'utf8').split(/[\t\n]/).filter((s) => s !== '').map(Number));
}

function worstMismatch(ours: Float64Array, theirs: Float64Array): number {
  expect(ours.length).toBe(theirs.length);
  let bad = 0;
  for (let i = 0; i < ours.length; i++) {
    const diff = Math.abs(ours[i] - theirs[i]);
    if (diff > 1e-12 && diff > 1e-9 * Math.max(Math.abs(ours[i]), Math.abs(theirs[i]))) bad++;
  }
  return bad;
}

describe.skipIf(!hasLightgbm)('real LightGBM agrees with hotspot', () => {
  it.each([
    [1, 1, 'binary sigmoid:1', false],
    [2, 1, 'binary sigmoid:0.7', true],
    [3, 3, 'multiclass num_class:3', false],
    [4, 3, 'multiclassova num_class:3 sigmoid:1', true],
    [5, 1, 'poisson', false],
    [6, 1, 'regression sqrt', true],
    [7, 1, 'cross_entropy_lambda', false],
  ])('random model seed %i (%i classes, %s, average_output %s)', (seed, numClass, objective, averageOutput) => {
    const dir = mkdtempSync(join(tmpdir(), 'hotspot-lgb-'));
    const model = { ...randomModel(seed, numClass), objective, averageOutput };
    const numRows = 400;
    const rows = randomRows(seed + 100, numRows);
    const nf = model.maxFeatureIdx + 1;
    const text = formatModelText(model);
    writeFileSync(join(dir, 'model.txt'), text);
    let data = '';
    for (let r = 0; r < numRows; r++) data += Array.from(rows.subarray(r * nf, (r + 1) * nf), (v) => (Number.isNaN(v) ? 'nan' : String(v))).join('\t') + '\n';
    writeFileSync(join(dir, 'data.tsv'), data);
    execFileSync('python3', ['-c', SCRIPT, dir], { stdio: ['ignore', 'ignore', 'pipe'] });

    const scorer = new NativeScorer(model);
    expect(worstMismatch(scorer.predictRaw(rows, numRows), readMatrix(join(dir, 'raw.tsv')))).toBe(0);
    expect(worstMismatch(scorer.predict(rows, numRows), readMatrix(join(dir, 'prob.tsv')))).toBe(0);
    expect(worstMismatch(predictContrib(model, rows, numRows), readMatrix(join(dir, 'contrib.tsv')))).toBe(0);
    // LightGBM writes the trees back exactly as hotspot wrote them.
    const upToEnd = (s: string) => s.slice(0, s.indexOf('end of trees'));
    expect(upToEnd(readFileSync(join(dir, 'saved.txt'), 'utf8'))).toBe(upToEnd(text));
  });
});
