// `hotspot train` end to end: from simulator records (through the feature engine), and from a LightGBM
// train.conf; each writes a model directory that loads back, with the card describing what was trained.
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runSimulation } from '../../../src/cli/commands/simulate.js';
import command, { parseDuration } from '../../../src/cli/commands/train.js';
import { UsageError } from '../../../src/cli/command.js';
import { loadFeatureSpec } from '../../../src/features/index.js';
import { loadModelDir, SpecMismatchError } from '../../../src/model/model-dir.js';

const dir = mkdtempSync(join(tmpdir(), 'hotspot-train-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const REF = resolve(__dirname, '../../../../shared/reference/lightgbm');

describe('hotspot train', () => {
  it('trains on simulated records + complaints and writes a loadable model directory', async () => {
    const sim = join(dir, 'sim');
    await runSimulation({ out: sim, format: 'parquet', subscribers: 800, hours: 2, seed: 5, scenario: 'all-faults', complaintRate: 0.3 });
    const out = join(dir, 'model');
    const code = await command.run([
      '--records', join(sim, 'records.parquet'), '--complaints', join(sim, 'complaints.csv'), '--topology', join(sim, 'topology.csv'),
      '--horizon', '2h', '--target-recall', '0.5', '--out', out, 'num_iterations=40', 'num_leaves=7', 'min_data_in_leaf=20',
    ]);
    expect(code).toBe(0);
    for (const f of ['model.txt', 'model.onnx', 'card.json']) expect(existsSync(join(out, f))).toBe(true);
    const spec = await loadFeatureSpec();
    const loaded = await loadModelDir(out, spec);
    const card = loaded.card;
    expect(card.featureSpec).toEqual({ name: spec.name, version: spec.version, hash: spec.hash });
    expect(card.data.trainRows).toBeGreaterThan(0);
    expect(card.data.validRows).toBeGreaterThan(0);
    expect(card.data.trainPositives).toBeGreaterThan(0);
    // time split: validation windows all end after the training windows (plus the embargo)
    expect(card.data.validTimeRange![0]).toBeGreaterThan(card.data.trainTimeRange![1]);
    expect(card.label.horizonMs).toBe(7_200_000);
    expect(card.parameters.num_leaves).toBe(7);
    expect(card.thresholdRule.target).toBe('recall');
    if (card.validation.recall !== null && card.thresholdRule.met) expect(card.validation.recall).toBeGreaterThanOrEqual(0.5);
    expect(loaded.model.featureNames).toEqual(card.featureNames);
    // a different spec is refused
    await expect(loadModelDir(out, { ...spec, hash: 'f'.repeat(64) })).rejects.toThrow(SpecMismatchError);
  }, 300_000);

  it.skipIf(!existsSync(REF))('trains from a LightGBM train.conf with key=value overrides', async () => {
    const out = join(dir, 'cat');
    const code = await command.run(['--config', join(REF, 'categorical/train.conf'), '--out', out, 'num_iterations=8']);
    expect(code).toBe(0);
    const text = readFileSync(join(out, 'model.txt'), 'utf8');
    expect(text.match(/^Tree=/gm)).toHaveLength(8);
    expect(text).toMatch(/feature_names=cat0 cat1 cat2 cat3 num0 num1 num2 num3/);
    const card = JSON.parse(readFileSync(join(out, 'card.json'), 'utf8'));
    expect(card.validation.auc).toBeGreaterThan(0.8);
    expect(card.data.trainRows).toBe(20000);
  }, 120_000);

  it('refuses contradictory or missing inputs with usage errors', async () => {
    await expect(command.run(['--out', join(dir, 'x')])).rejects.toThrow(UsageError);
    await expect(command.run(['--records', 'r.csv', '--out', join(dir, 'x')])).rejects.toThrow(/go together/);
    await expect(command.run(['--train-set', 'a.parquet', '--target-precision', '0.5', '--target-recall', '0.5', '--out', 'x'])).rejects.toThrow(/exclude/);
    await expect(command.run(['--config', 'x.conf', 'oops'])).rejects.toThrow(UsageError);
    expect(await command.run(['--config', join(dir, 'missing.conf')])).toBe(1);
  });

  it('parses durations', () => {
    expect(parseDuration('24h')).toBe(86_400_000);
    expect(parseDuration('90m')).toBe(5_400_000);
    expect(parseDuration('1500')).toBe(1500);
    expect(() => parseDuration('soon')).toThrow(/duration/);
  });
});
