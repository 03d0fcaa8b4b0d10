// hotspot's trainer on LightGBM's reference problems (../shared/reference/lightgbm): the same train.conf and
// data must reach LightGBM 4.6's validation metric within 0.005 AUC or 2% of multi_logloss / l2, grow the same
// trees as LightGBM (same split features in every tree: same bins, bags, feature subsets and float gradients),
// and the model it writes must load back and score exactly as the trainer scored it.
import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { formatModelText, parseModelText } from '../../../src/model/lightgbm-text.js';
import { NativeScorer } from '../../../src/model/native-scorer.js';
import { loadDataFile, dataFileOptions } from '../../../src/model/train/data-file.js';
import { trainFromConfig } from '../../../src/model/train/from-config.js';
import { rawScoreColumns } from '../../../src/model/train/raw-score.js';

import { REFERENCE_DIR as REF } from '../../support/reference.js';
const have = existsSync(resolve(REF, 'README.md'));

/** LightGBM 4.6's validation metric at the last iteration (from each folder's train.log). */
const CASES = [
  { set: 'binary_example', metric: 'auc', lightgbm: 0.831562, tol: 0.005, relative: false },
  { set: 'categorical', metric: 'auc', lightgbm: 0.841654, tol: 0.005, relative: false },
  { set: 'missing_nan', metric: 'auc', lightgbm: 0.789343, tol: 0.005, relative: false },
  { set: 'multiclass', metric: 'multi_logloss', lightgbm: 0.483457, tol: 0.02, relative: true },
  // bagging 0.8 every iteration and feature_fraction 0.9: reproduced through LightGBM's own random streams
  { set: 'regression', metric: 'l2', lightgbm: 1.3403, tol: 0.02, relative: true },
] as const;

describe.skipIf(!have)('trainer vs LightGBM reference configs', () => {
  for (const c of CASES) {
    it(`${c.set}: ${c.metric} near LightGBM's ${c.lightgbm}, and the written model scores identically`, () => {
      const conf = resolve(REF, c.set, 'train.conf');
      const r = trainFromConfig(conf);
      const value = r.validMetrics[c.metric as keyof typeof r.validMetrics]!;
      const bound = c.relative ? c.lightgbm * c.tol : c.tol;
      if (c.metric === 'auc') expect(value).toBeGreaterThan(c.lightgbm - bound);
      else expect(value).toBeLessThan(c.lightgbm + bound);
      expect(Math.abs(value - c.lightgbm)).toBeLessThan(bound);
      // LightGBM's own trees: the same split feature at every node of every tree
      const reference = parseModelText(readFileSync(resolve(REF, c.set, 'model.txt'), 'utf8'));
      expect(r.model.trees.map((t) => Array.from(t.splitFeature).join(' '))).toEqual(reference.trees.map((t) => Array.from(t.splitFeature).join(' ')));

      // model.txt round trip: parsed back, scored on real values by the native scorer and by a plain tree walk,
      // it agrees with the trainer's own bin-space scores of the validation set.
      const parsed = parseModelText(formatModelText(r.model));
      expect(parsed.trees.length).toBe(r.model.trees.length);
      const valid = loadDataFile(resolve(REF, c.set, r.resolved.params.valid!), dataFileOptions(r.resolved.params));
      const n = valid.label.length;
      const walked = rawScoreColumns(parsed, valid.columns);
      const scorer = new NativeScorer(parsed);
      const K = parsed.numTreePerIteration;
      const rows = new Float64Array(n * valid.columns.length);
      for (let i = 0; i < n; i++) for (let f = 0; f < valid.columns.length; f++) rows[i * valid.columns.length + f] = valid.columns[f][i];
      const native = scorer.predictRaw(rows, n);
      let worstWalk = 0;
      let worstNative = 0;
      for (let i = 0; i < n; i++) {
        for (let k = 0; k < K; k++) {
          const expected = r.validScores![k * n + i];
          const scale = Math.max(1, Math.abs(expected));
          worstWalk = Math.max(worstWalk, Math.abs(walked[k * n + i] - expected) / scale);
          // the native scorer lays out classes per row
          worstNative = Math.max(worstNative, Math.abs(native[i * K + k] - expected) / scale);
        }
      }
      expect(worstWalk).toBeLessThan(1e-9);
      expect(worstNative).toBeLessThan(1e-9);
    }, 120_000);
  }

  it('refuses linear_tree, which the built-in trainer does not implement', () => {
    expect(() => trainFromConfig(resolve(REF, 'linear', 'train.conf'))).toThrow(/linear_tree/);
  });
});
