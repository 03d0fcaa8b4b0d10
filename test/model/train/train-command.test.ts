// `hotspot train` end to end: from simulator records (through the feature engine), and from a LightGBM
// train.conf; each writes a model directory that loads back, with the card describing what was trained.
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { makeVector, Table, tableToIPC } from 'apache-arrow';
import * as parquet from 'parquet-wasm/node';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runSimulation } from '../../../src/cli/commands/simulate.js';
import command, { parseDuration } from '../../../src/cli/commands/train.js';
import { UsageError } from '../../../src/cli/command.js';
import { compileSpec, featureWindowsToTable, loadFeatureSpec, type FeatureWindow } from '../../../src/features/index.js';
import { buildTopology } from '../../../src/schema/side-files.js';
import { loadModelDir, SpecMismatchError } from '../../../src/model/model-dir.js';

const dir = mkdtempSync(join(tmpdir(), 'hotspot-train-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
import { REFERENCE_DIR as REF } from '../../support/reference.js';

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

  it('trains from a feature Parquet with a label column, and refuses one of another spec', async () => {
    const spec = await loadFeatureSpec();
    const names = compileSpec(spec).featureNames;
    // 8 windows × 300 users; the label depends on the first two features
    let s = 3;
    const r = () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 4294967296);
    const windows: FeatureWindow[] = [];
    const labels: number[] = [];
    for (let w = 0; w < 8; w++) {
      const n = 300;
      const columns = names.map(() => Float64Array.from({ length: n }, r));
      for (let i = 0; i < n; i++) labels.push(r() < 0.1 + 0.6 * columns[0][i] * columns[1][i] ? 1 : 0);
      windows.push({
        windowStart: w * 900_000, windowEnd: (w + 1) * 900_000, imsi: Float64Array.from({ length: n }, (_, i) => 460000000000000 + i),
        msisdn: Array.from({ length: n }, (_, i) => `86${i}`), cell: new Float64Array(n), regionIndex: new Int32Array(n).fill(-1), featureNames: names, columns,
      });
    }
    const table = featureWindowsToTable(windows, buildTopology([]));
    const withLabel = table.assign(new Table({ label: makeVector(Float64Array.from(labels)) }));
    const path = join(dir, 'train-set.parquet');
    writeFileSync(path, parquet.writeParquet(parquet.Table.fromIPCStream(tableToIPC(withLabel, 'stream'))));
    const out = join(dir, 'from-parquet');
    expect(await command.run(['--train-set', path, '--out', out, 'num_iterations=20', 'num_leaves=4'])).toBe(0);
    const card = (await loadModelDir(out, spec)).card;
    expect(card.data.trainRows + card.data.validRows).toBeLessThanOrEqual(2400);
    expect(card.validation.auc!).toBeGreaterThan(0.6);
    // a training set whose columns are not the spec's is refused
    const bad = join(dir, 'bad.parquet');
    const other = new Table({ window_end: makeVector(new Float64Array(3)), some_feature: makeVector(new Float64Array(3)), label: makeVector(new Float64Array(3)) });
    writeFileSync(bad, parquet.writeParquet(parquet.Table.fromIPCStream(tableToIPC(other, 'stream'))));
    expect(await command.run(['--train-set', bad, '--out', join(dir, 'bad')])).toBe(1);
  }, 120_000);

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
    // the default operating point: the lowest threshold with validation precision >= 0.5
    expect(card.thresholdRule).toEqual({ target: 'precision', value: 0.5, met: true });
    expect(card.validation.precision).toBeGreaterThanOrEqual(0.5);
    expect(card.threshold).toBeGreaterThan(0);
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
