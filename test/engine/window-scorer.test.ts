// WindowScorer: a FeatureWindow (columns in the spec's order) scored with a model whose features come in another
// order must give exactly what the native scorer and TreeSHAP give on the model's own row layout.
import { describe, expect, it } from 'vitest';
import { WindowScorer } from '../../src/engine/window-scorer.js';
import type { FeatureWindow } from '../../src/features/index.js';
import { NativeScorer } from '../../src/model/native-scorer.js';
import { predictContrib } from '../../src/model/tree-shap.js';
import { NUM_FEATURES, randomModel, randomRows } from '../model/random-model.js';

function windowFor(rows: Float64Array, n: number, names: string[], order: number[], cells: number[]): FeatureWindow {
  // Window columns are the model features permuted by `order`, plus one extra column the model does not use.
  const columns = order.map((f) => Float64Array.from({ length: n }, (_, i) => rows[i * NUM_FEATURES + f]));
  columns.push(new Float64Array(n).fill(42));
  return {
    windowStart: 0,
    windowEnd: 900_000,
    imsi: Float64Array.from({ length: n }, (_, i) => 460000000000000 + i),
    msisdn: Array.from({ length: n }, (_, i) => `1380000${String(i).padStart(4, '0')}`),
    cell: Float64Array.from({ length: n }, (_, i) => cells[i % cells.length]),
    regionIndex: new Int32Array(n),
    featureNames: [...order.map((f) => names[f]), 'unused'],
    columns,
  };
}

describe('WindowScorer', () => {
  const model = randomModel(7, 1);
  const names = model.featureNames;
  const n = 400;
  const rows = randomRows(11, n);
  const order = [3, 0, 4, 1, 2];

  it('scores by feature name, not position, and explains at-risk rows exactly like TreeSHAP', () => {
    const expected = new NativeScorer(model).predict(rows, n);
    const sorted = Float64Array.from(expected).sort();
    const threshold = sorted[Math.floor(n * 0.8)];
    const scorer = new WindowScorer(model, { threshold, modelVersion: 'm1', maxExplainedPerCell: 1000, maxExplainedPerWindow: 1000 });
    const w = windowFor(rows, n, names, order, [1, 2, 3]);
    const scored = scorer.score(w);
    expect(Array.from(scored.probability)).toEqual(Array.from(expected));
    const atRisk = Array.from(expected.keys()).filter((i) => expected[i] >= threshold);
    expect(Array.from(scored.explainedRows)).toEqual(atRisk);
    const shap = predictContrib(model, rows, n, Int32Array.from(atRisk));
    expect(Array.from(scored.contributions)).toEqual(Array.from(shap));
    expect(scored.featureNames).toEqual(names);
    expect(scored.msisdn).toBe(w.msisdn);
    expect(scored.modelVersion).toBe('m1');
  });

  it('explains the most probable users of every cell within the per-cell and per-window caps', () => {
    const scorer = new WindowScorer(model, { threshold: 0, modelVersion: 'm', maxExplainedPerCell: 3, maxExplainedPerWindow: 7 });
    const w = windowFor(rows, n, names, order, [10, 20, 30, 40]);
    const scored = scorer.score(w);
    expect(scored.explainedRows.length).toBe(7);
    const perCell = new Map<number, number[]>();
    for (const r of scored.explainedRows) perCell.set(w.cell[r], [...(perCell.get(w.cell[r]) ?? []), r]);
    for (const [cell, chosen] of perCell) {
      expect(chosen.length).toBeLessThanOrEqual(3);
      // Nobody left out of that cell is more probable than the least probable chosen user.
      const minChosen = Math.min(...chosen.map((r) => scored.probability[r]));
      for (let r = 0; r < n; r++) {
        if (w.cell[r] === cell && !chosen.includes(r)) expect(scored.probability[r]).toBeLessThanOrEqual(minChosen);
      }
    }
    expect(scored.contributions.length).toBe(7 * (NUM_FEATURES + 1));
  });

  it('by default explains every at-risk user, however many share a cell', () => {
    const scorer = new WindowScorer(model, { threshold: 0, modelVersion: 'm' });
    const w = windowFor(rows, n, names, order, [10]); // all 400 users in one cell, all at risk
    const scored = scorer.score(w);
    expect(Array.from(scored.explainedRows)).toEqual(Array.from({ length: n }, (_, i) => i));
    expect(Array.from(scored.contributions)).toEqual(Array.from(predictContrib(model, rows, n)));
  });

  it('beyond the per-window cap explains the most probable users of the window', () => {
    const scorer = new WindowScorer(model, { threshold: 0, modelVersion: 'm', maxExplainedPerWindow: 50 });
    const scored = scorer.score(windowFor(rows, n, names, order, [10, 20]));
    expect(scored.explainedRows.length).toBe(50);
    const least = Math.min(...Array.from(scored.explainedRows, (r) => scored.probability[r]));
    const left = Array.from({ length: n }, (_, r) => r).filter((r) => !scored.explainedRows.includes(r));
    for (const r of left) expect(scored.probability[r]).toBeLessThanOrEqual(least);
  });

  it('refuses a window that lacks a feature the model needs', () => {
    const scorer = new WindowScorer(model, { threshold: 0.5, modelVersion: 'm' });
    const w = windowFor(rows, n, names, order, [1]);
    w.featureNames[0] = 'renamed';
    expect(() => scorer.score(w)).toThrow(/needs 1 feature\(s\) the feature spec does not produce: /);
  });
});
