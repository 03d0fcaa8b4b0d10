import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadModelDir, ModelCardSchema, SpecMismatchError, writeModelDir, type ModelCard } from '../../src/model/model-dir.js';
import { trainGbdt } from '../../src/model/train/gbdt.js';
import { resolveParams } from '../../src/model/train/params.js';

function smallModel() {
  let s = 11;
  const r = () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 4294967296);
  const n = 500;
  const x = [Float64Array.from({ length: n }, r), Float64Array.from({ length: n }, r)];
  const label = Float64Array.from(x[0], (v, i) => (v + 0.3 * x[1][i] > 0.6 ? 1 : 0));
  return trainGbdt({ featureNames: ['fail_rate', 'retrans_ratio'], columns: x, label, weight: null }, resolveParams({ objective: 'binary', num_iterations: '5', num_leaves: '4' }).params).model;
}

const SPEC = { name: 's1', version: '1', hash: 'a'.repeat(64) };

function card(featureNames: string[]): ModelCard {
  return {
    modelVersion: 's1-1-test',
    createdAt: new Date(0).toISOString(),
    trainer: 'test',
    featureSpec: SPEC,
    objective: 'binary sigmoid:1',
    featureNames,
    parameters: { num_leaves: 4 },
    label: { description: 'test', horizonMs: 86_400_000 },
    data: { source: 'test', trainRows: 500, trainPositives: 100, validRows: 0, validPositives: 0, trainTimeRange: null, validTimeRange: null },
    training: { iterations: 5, bestIteration: 5, stoppedEarly: false, seconds: 0.1 },
    validation: { auc: 0.9, prAuc: 0.5, logloss: 0.3, precision: 0.5, recall: 0.4 },
    threshold: 0.3,
    thresholdRule: { target: 'precision', value: 0.5, met: true },
  };
}

describe('model directory', () => {
  it('writes model.txt, model.onnx and card.json and loads them back with a working scorer', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'hotspot-model-'));
    const model = smallModel();
    await writeModelDir(dir, model, card(model.featureNames));
    expect(readFileSync(join(dir, 'model.txt'), 'utf8')).toMatch(/^tree\nversion=v4/);
    expect(readFileSync(join(dir, 'model.onnx')).length).toBeGreaterThan(100);
    const loaded = await loadModelDir(dir, SPEC);
    expect(loaded.card.threshold).toBe(0.3);
    expect(loaded.model.trees.length).toBe(5);
    const p = loaded.scorer.predict(Float64Array.from([0.9, 0.9, 0.1, 0.1]), 2);
    expect(p[0]).toBeGreaterThan(p[1]);
  });

  it('refuses a model trained on another feature spec, naming both', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'hotspot-model-'));
    const model = smallModel();
    await writeModelDir(dir, model, card(model.featureNames));
    const other = { name: 's1', version: '2', hash: 'b'.repeat(64) };
    await expect(loadModelDir(dir, other)).rejects.toThrow(SpecMismatchError);
    await expect(loadModelDir(dir, other)).rejects.toThrow(/trained with feature spec s1 1 .* spec in use is s1 2/);
  });

  it('rejects an invalid card and a card that belongs to another model', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'hotspot-model-'));
    const model = smallModel();
    await writeModelDir(dir, model, card(model.featureNames));
    const c = JSON.parse(readFileSync(join(dir, 'card.json'), 'utf8'));
    writeFileSync(join(dir, 'card.json'), JSON.stringify({ ...c, featureNames: ['other', 'names'] }));
    await expect(loadModelDir(dir)).rejects.toThrow(/do not belong together/);
    writeFileSync(join(dir, 'card.json'), JSON.stringify({ ...c, threshold: 'high' }));
    await expect(loadModelDir(dir)).rejects.toThrow(/invalid model card.*threshold/);
    expect(ModelCardSchema.safeParse(card(['a'])).success).toBe(true);
  });
});
