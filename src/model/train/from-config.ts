// Training from a LightGBM `train.conf`: data and valid paths relative to the config's folder, the same
// loading options for both files, and the config's own parameters (command-line key=value pairs override).
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { dataFileOptions, loadDataFile } from './data-file.js';
import { trainGbdt, type TrainOptions, type TrainResult } from './gbdt.js';
import { parseConfigText, resolveParams, type ResolvedParams } from './params.js';

export interface ConfigTrainResult extends TrainResult {
  resolved: ResolvedParams;
  trainRows: number;
  validRows: number;
  /** rows with label > 0 (the positives of a binary problem) */
  trainPositives: number;
  validPositives: number;
  /** labels of the (first) validation file */
  validLabel?: Float64Array;
}

function positives(label: Float64Array | undefined): number {
  let n = 0;
  if (label) for (let i = 0; i < label.length; i++) if (label[i] > 0) n++;
  return n;
}

export function trainFromConfig(confPath: string, overrides: Record<string, string> = {}, opts: Pick<TrainOptions, 'onIteration'> = {}): ConfigTrainResult {
  const raw = parseConfigText(readFileSync(confPath, 'utf8'));
  const resolved = resolveParams(raw, overrides);
  const p = resolved.params;
  if (!p.data) throw new Error(`${confPath}: no data= file`);
  const base = dirname(resolve(confPath));
  const fileOpts = dataFileOptions(p);
  const train = loadDataFile(resolve(base, p.data), fileOpts);
  const valid = p.valid ? loadDataFile(resolve(base, p.valid.split(',')[0]), fileOpts) : undefined;
  if (valid && valid.columns.length !== train.columns.length) {
    throw new Error(`valid data has ${valid.columns.length} features, training data ${train.columns.length}`);
  }
  const result = trainGbdt(train, p, { valid, categorical: train.categorical, onIteration: opts.onIteration });
  return { ...result, resolved, trainRows: train.label.length, validRows: valid?.label.length ?? 0, trainPositives: positives(train.label), validPositives: positives(valid?.label), validLabel: valid?.label };
}
