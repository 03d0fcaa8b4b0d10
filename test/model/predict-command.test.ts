// `hotspot predict` input handling: label column choices, missing tokens, batching, bad input.
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import command, { predictFile } from '../../src/cli/commands/predict.js';
import { formatModelText } from '../../src/model/lightgbm-text.js';
import type { GbdtModel } from '../../src/model/tree.js';

const dir = mkdtempSync(join(tmpdir(), 'hotspot-predict-cmd-'));

/** f1 <= 0.5 (NaN left) → -1 else 1; identity objective so outputs read directly. */
function modelFile(): string {
  const model: GbdtModel = {
    version: 'v4', numClass: 1, numTreePerIteration: 1, labelIndex: 0, maxFeatureIdx: 1, objective: 'regression',
    averageOutput: false, featureNames: ['f0', 'f1'], featureInfos: ['none', 'none'], parameters: '',
    trees: [{
      numLeaves: 2, numCat: 0, splitFeature: Int32Array.of(1), splitGain: Float64Array.of(1), threshold: Float64Array.of(0.5),
      decisionType: Uint8Array.of(10), leftChild: Int32Array.of(-1), rightChild: Int32Array.of(-2), leafValue: Float64Array.of(-1, 1),
      leafWeight: Float64Array.of(1, 1), leafCount: Int32Array.of(1, 1), internalValue: Float64Array.of(0), internalWeight: Float64Array.of(2),
      internalCount: Int32Array.of(2), catBoundaries: Int32Array.of(0), catThreshold: new Uint32Array(0), isLinear: false, shrinkage: 1,
    }],
  };
  const path = join(dir, 'model.txt');
  writeFileSync(path, formatModelText(model));
  return path;
}

async function run(data: string, options: { header?: boolean; labelColumn?: string; batchRows?: number } = {}): Promise<string[]> {
  const dataPath = join(dir, `data-${Math.random().toString(36).slice(2)}.txt`);
  const out = `${dataPath}.out`;
  writeFileSync(dataPath, data);
  await predictFile({ model: modelFile(), data: dataPath, out, ...options });
  return readFileSync(out, 'utf8').split('\n').slice(0, -1);
}

describe('hotspot predict', () => {
  it('skips label column 0 by default, detects tabs and commas, keeps one line per row', async () => {
    expect(await run('9\t0\t0.2\n9\t0\t0.9\n')).toEqual(['-1', '1']);
    expect(await run('9,0,0.2\r\n9,0,0.9\r\n')).toEqual(['-1', '1']);
  });

  it('honours --label-column N, -1 and name:COL with --header', async () => {
    expect(await run('0,0.9,7\n', { labelColumn: '2' })).toEqual(['1']);
    expect(await run('0.9,0.2\n', { labelColumn: '-1' })).toEqual(['-1']);
    expect(await run('a,b,y\n0,0.9,7\n', { header: true, labelColumn: 'name:y' })).toEqual(['1']);
  });

  it('reads NA, nan, null and empty fields as missing (NaN goes left here)', async () => {
    expect(await run('1,0,NA\n1,0,nan\n1,0,\n1,0,null\n1,0,0.9\n')).toEqual(['-1', '-1', '-1', '-1', '1']);
  });

  it('gives the same output whatever the batch size', async () => {
    const data = Array.from({ length: 1000 }, (_, i) => `0,${i},${(i % 7) / 7}`).join('\n') + '\n';
    const small = await run(data, { batchRows: 7 });
    const large = await run(data, { batchRows: 4096 });
    expect(small.length).toBe(1000);
    expect(small).toEqual(large);
  });

  it('stops on a malformed value with its line number', async () => {
    await expect(run('0,1,2\n0,1,abc\n')).rejects.toThrow(/data line 2: 'abc' is not a number/);
  });

  it('reports usage errors and bad files as exit codes, not crashes', async () => {
    await expect(command.run(['--model', modelFile()])).rejects.toThrow(/--data is required/);
    const code = await command.run(['--model', join(dir, 'missing.txt'), '--data', join(dir, 'x'), '--out', join(dir, 'y')]);
    expect(code).toBe(1);
    const badModel = join(dir, 'bad-model.txt');
    writeFileSync(badModel, 'tree\nversion=v4\nnum_class=x\n');
    const data = join(dir, 'd.csv');
    writeFileSync(data, '0,1,2\n');
    expect(await command.run(['--model', badModel, '--data', data, '--out', join(dir, 'z')])).toBe(1);
  });
});
