// Behaviour of the boosting loop on small synthetic problems: early stopping, class imbalance, row weights,
// tree-shape limits, bagging/feature sampling reproducibility and the model fields LightGBM's format needs.
import { describe, expect, it } from 'vitest';
import { auc } from '../../../src/model/metrics.js';
import { trainGbdt } from '../../../src/model/train/gbdt.js';
import { resolveParams } from '../../../src/model/train/params.js';
import { rawScoreColumns } from '../../../src/model/train/raw-score.js';
import type { RawData } from '../../../src/model/train/dataset.js';

function lcg(seed: number): () => number {
  let s = seed >>> 0;
  return () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 4294967296);
}
function gauss(r: () => number): number {
  return Math.sqrt(-2 * Math.log(r() + 1e-12)) * Math.cos(2 * Math.PI * r());
}

/** Binary data: logit = 2·x0 − x1 + x2·x3 + bias; x4 pure noise. */
function binaryData(n: number, seed: number, bias = 0, noiseOnly = false): RawData {
  const r = lcg(seed);
  const cols = Array.from({ length: 5 }, () => new Float64Array(n));
  const label = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    for (const c of cols) c[i] = gauss(r);
    const z = noiseOnly ? bias : 2 * cols[0][i] - cols[1][i] + cols[2][i] * cols[3][i] + bias;
    label[i] = r() < 1 / (1 + Math.exp(-z)) ? 1 : 0;
  }
  return { featureNames: ['x0', 'x1', 'x2', 'x3', 'x4'], columns: cols, label, weight: null };
}

const P = (kv: Record<string, string>) => resolveParams({ objective: 'binary', metric: 'auc', verbosity: '-1', ...kv }).params;

describe('trainGbdt', () => {
  it('learns a binary problem and writes LightGBM model fields', () => {
    const train = binaryData(3000, 1);
    const valid = binaryData(1000, 2);
    const r = trainGbdt(train, P({ num_iterations: '40', num_leaves: '15' }), { valid });
    expect(r.validMetrics.auc!).toBeGreaterThan(0.8);
    const m = r.model;
    expect(m.objective).toBe('binary sigmoid:1');
    expect(m.trees.length).toBe(40);
    expect(m.featureInfos).toHaveLength(5);
    expect(m.featureInfos[0]).toMatch(/^\[-?[\d.e-]+:[\d.e-]+\]$/);
    // the first tree carries the starting score (boost_from_average) with shrinkage 1, the rest the learning rate
    expect(m.trees[0].shrinkage).toBe(1);
    expect(m.trees[1].shrinkage).toBeCloseTo(0.1);
    const t = m.trees[3];
    // counts add up through the tree: root internal count = all rows, leaves partition them
    expect(t.internalCount[0]).toBe(3000);
    expect(t.leafCount.reduce((a, b) => a + b, 0)).toBe(3000);
    // the trainer's own validation scores equal a real-valued walk of the written trees
    const walked = rawScoreColumns(m, valid.columns);
    for (let i = 0; i < 1000; i += 37) expect(walked[i]).toBeCloseTo(r.validScores![i], 9);
  });

  it('stops early when validation stops improving and keeps the best iteration', () => {
    // training signal exists but validation labels are unrelated noise: AUC peaks early by chance
    const train = binaryData(2000, 3);
    const valid = binaryData(800, 4, 0, true);
    const r = trainGbdt(train, P({ num_iterations: '300', early_stopping_round: '10', learning_rate: '0.2' }), { valid });
    expect(r.stoppedEarly).toBe(true);
    expect(r.iterations).toBeLessThan(300);
    expect(r.model.trees.length).toBe(r.bestIteration);
    const aucs = r.history.filter((e) => e.dataset === 'valid' && e.metric === 'auc');
    const best = Math.max(...aucs.map((e) => e.value));
    expect(aucs[r.bestIteration - 1].value).toBe(best);
    // the kept model reproduces the best iteration's metric
    expect(r.validMetrics.auc).toBeCloseTo(best, 12);
    // and training ran exactly early_stopping_round iterations past it
    expect(aucs.length).toBe(r.bestIteration + 10);
  });

  it('is_unbalance and scale_pos_weight push scores of a rare class up', () => {
    const train = binaryData(4000, 5, -4); // ~3% positives
    const base = trainGbdt(train, P({ num_iterations: '30' }));
    const unbal = trainGbdt(train, P({ num_iterations: '30', is_unbalance: 'true' }));
    const spw = trainGbdt(train, P({ num_iterations: '30', scale_pos_weight: '10' }));
    const mean = (m: typeof base) => rawScoreColumns(m.model, train.columns).reduce((a, b) => a + b, 0) / 4000;
    expect(mean(unbal)).toBeGreaterThan(mean(base) + 0.5);
    expect(mean(spw)).toBeGreaterThan(mean(base) + 0.5);
    // ranking quality stays
    expect(auc(rawScoreColumns(unbal.model, train.columns), train.label)).toBeGreaterThan(0.85);
  });

  it('row weights of zero remove rows from training', () => {
    const d = binaryData(2000, 6);
    // flip the labels of the second half and give it weight 0: the model must learn the first half's rule
    const label = d.label.slice();
    const weight = new Float64Array(2000).fill(1);
    for (let i = 1000; i < 2000; i++) {
      label[i] = 1 - label[i];
      weight[i] = 0;
    }
    const r = trainGbdt({ ...d, label, weight }, P({ num_iterations: '30', min_sum_hessian_in_leaf: '0' }));
    const s = rawScoreColumns(r.model, d.columns);
    expect(auc(s.subarray(0, 1000), d.label.subarray(0, 1000))).toBeGreaterThan(0.8);
    expect(auc(s.subarray(1000), d.label.subarray(1000))).toBeGreaterThan(0.8);
  });

  it('honours num_leaves, max_depth and min_data_in_leaf', () => {
    const d = binaryData(3000, 7);
    const r = trainGbdt(d, P({ num_iterations: '5', num_leaves: '40', max_depth: '3', min_data_in_leaf: '100' }));
    for (const t of r.model.trees) {
      expect(t.numLeaves).toBeLessThanOrEqual(8);
      for (let l = 0; l < t.numLeaves; l++) expect(t.leafCount[l]).toBeGreaterThanOrEqual(90); // counts estimated from hessians
    }
    const r2 = trainGbdt(d, P({ num_iterations: '3', num_leaves: '5' }));
    for (const t of r2.model.trees) expect(t.numLeaves).toBe(5);
  });

  it('bagging and feature_fraction are reproducible for a seed and change with it', () => {
    const d = binaryData(2000, 8);
    const kv = { num_iterations: '10', bagging_fraction: '0.7', bagging_freq: '1', feature_fraction: '0.6' };
    const a = trainGbdt(d, P({ ...kv, seed: '1' }));
    const b = trainGbdt(d, P({ ...kv, seed: '1' }));
    const c = trainGbdt(d, P({ ...kv, seed: '2' }));
    expect(Array.from(a.model.trees[5].leafValue)).toEqual(Array.from(b.model.trees[5].leafValue));
    expect(Array.from(a.model.trees[5].leafValue)).not.toEqual(Array.from(c.model.trees[5].leafValue));
    // bagged trees see about 70% of the rows
    const root = a.model.trees[4].internalCount[0];
    expect(root).toBeGreaterThan(1250);
    expect(root).toBeLessThan(1550);
    // feature_fraction 0.6 of 5 features: each tree splits on at most 3 of them
    for (const t of a.model.trees) expect(new Set(t.splitFeature).size).toBeLessThanOrEqual(3);
  });

  it('multiclass: one tree per class per iteration, softmax objective line', () => {
    const r0 = lcg(9);
    const n = 1500;
    const x = [new Float64Array(n), new Float64Array(n)];
    const label = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      x[0][i] = gauss(r0);
      x[1][i] = gauss(r0);
      label[i] = x[0][i] > 0.5 ? 2 : x[1][i] > 0 ? 1 : 0;
    }
    const params = resolveParams({ objective: 'multiclass', num_class: '3', num_iterations: '10', metric: 'multi_error' }).params;
    const r = trainGbdt({ featureNames: ['a', 'b'], columns: x, label, weight: null }, params, { valid: { featureNames: ['a', 'b'], columns: x, label, weight: null } });
    expect(r.model.trees.length).toBe(30);
    expect(r.model.numClass).toBe(3);
    expect(r.model.objective).toBe('multiclass num_class:3');
    expect(r.validMetrics.multi_error!).toBeLessThan(0.05);
  });

  it('zero_as_missing and feature_fraction_bynode: the written trees score validation exactly as training did', () => {
    const d = binaryData(3000, 12);
    const v = binaryData(1000, 13);
    // a third of x0 is "missing" as zero, some NaN too: the model must route them by the learned default direction
    for (const x of [d, v]) {
      for (let i = 0; i < x.label.length; i += 3) x.columns[0][i] = 0;
      for (let i = 1; i < x.label.length; i += 17) x.columns[0][i] = NaN;
    }
    const r = trainGbdt(d, P({ num_iterations: '15', zero_as_missing: 'true', feature_fraction_bynode: '0.6' }), { valid: v });
    expect(r.model.trees.some((t) => Array.from(t.decisionType).some((dt) => ((dt >> 2) & 3) === 1))).toBe(true); // missing type Zero
    const walked = rawScoreColumns(r.model, v.columns);
    let worst = 0;
    for (let i = 0; i < 1000; i++) worst = Math.max(worst, Math.abs(walked[i] - r.validScores![i]));
    expect(worst).toBeLessThan(1e-9);
    expect(r.validMetrics.auc!).toBeGreaterThan(0.75);
  });

  it('rejects labels the objective cannot use', () => {
    const d = binaryData(100, 10);
    const bad = d.label.slice();
    bad[3] = 2;
    expect(() => trainGbdt({ ...d, label: bad }, P({}))).toThrow(/labels 0 or 1/);
  });
});
