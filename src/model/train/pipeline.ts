// `hotspot train` end to end: samples (from records through the feature engine, or from a feature Parquet
// with a label column), a time split, training, the operating threshold, and the model card.
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { tableFromIPC } from 'apache-arrow';
import * as parquet from 'parquet-wasm/node';
import { compileSpec, FeatureEngine, FEATURE_KEY_COLUMNS, loadFeatureSpec, type FeatureSpec, type FeatureWindow } from '../../features/index.js';
import { readComplaints, readRecords, readTopology } from '../../sources/files/index.js';
import { DeadLetterMemory } from '../../sources/dead-letters.js';
import { auc, logloss, prAuc, precisionRecallAt, thresholdFor, type ThresholdStats } from '../metrics.js';
import type { ModelCard, SpecIdentity } from '../model-dir.js';
import { NativeScorer } from '../native-scorer.js';
import { formatModelText } from '../lightgbm-text.js';
import type { GbdtModel } from '../tree.js';
import { trainGbdt, type EvalRecord, type TrainResult } from './gbdt.js';
import { resolveParams, type TrainParams } from './params.js';
import { IDENTITY_FEATURES, labelWindows, matchesFeaturePattern, splitByTime, takeRows } from './samples.js';

/** Defaults for user-window complaint models; a config file and key=value pairs override them. */
export const HOTSPOT_DEFAULT_PARAMS: Record<string, string> = {
  objective: 'binary',
  metric: 'auc,average_precision,binary_logloss',
  num_iterations: '400',
  learning_rate: '0.05',
  num_leaves: '31',
  min_data_in_leaf: '50',
  feature_fraction: '0.8',
  bagging_fraction: '0.8',
  bagging_freq: '1',
  lambda_l2: '1',
  early_stopping_round: '40',
  first_metric_only: 'true',
  // Balanced gradients so the rare complainers shape the splits; the prior shift is undone after training
  // (see correctPrior) because the detector sums probabilities as expected complaints.
  is_unbalance: 'true',
  seed: '7',
};

export interface ThresholdTarget {
  kind: 'precision' | 'recall';
  value: number;
}

export interface TrainPipelineOptions {
  spec?: string;
  horizonMs: number;
  validFraction: number;
  /** null: the horizon, capped at a tenth of the time range */
  embargoMs: number | null;
  target: ThresholdTarget;
  /** Parameter sources, later ones win (e.g. a train.conf, then command-line key=value). */
  paramSources: Record<string, string>[];
  /** Feature name patterns left out of the model (default IDENTITY_FEATURES; [] keeps every feature). */
  dropFeatures?: readonly string[];
  log?: (line: string) => void;
}

export interface TrainedModel {
  model: GbdtModel;
  card: ModelCard;
  result: TrainResult;
}

interface Samples {
  featureNames: string[];
  columns: Float64Array[];
  label: Float64Array;
  windowEnd: Float64Array;
  source: string;
  note: string;
}

/** records + complaints + topology → labelled user-windows through the serving feature engine. */
export async function samplesFromRecords(recordsPath: string, complaintsPath: string, topologyPath: string, spec: FeatureSpec, horizonMs: number, log: (l: string) => void): Promise<Samples> {
  const topology = await readTopology(topologyPath);
  const complaints = await readComplaints(complaintsPath);
  const deadLetters = new DeadLetterMemory();
  const engine = new FeatureEngine(spec, topology, { deadLetters, source: recordsPath });
  const windows: FeatureWindow[] = [];
  for await (const batch of readRecords(recordsPath, { deadLetters, onWarning: (m) => log(m) })) windows.push(...engine.push(batch));
  windows.push(...engine.flush());
  const s = engine.stats();
  if (deadLetters.count > 0) log(`${deadLetters.count} records were rejected (${s.lateRecords} late, ${s.invalidRecords} invalid); they are not in the samples`);
  const set = labelWindows(windows, complaints, horizonMs);
  if (set.unlabelled > 0) log(`${set.unlabelled} user-windows have no MSISDN and cannot be labelled; left out`);
  return {
    featureNames: set.featureNames,
    columns: set.columns,
    label: set.label,
    windowEnd: set.windowEnd,
    source: `records ${recordsPath}, complaints ${complaintsPath}, topology ${topologyPath}`,
    note: `${s.records} records → ${windows.length} windows`,
  };
}

/** A feature Parquet (`hotspot features` output plus a label column). */
export async function samplesFromParquet(path: string, labelColumn: string, spec: FeatureSpec): Promise<Samples> {
  const bytes = new Uint8Array(await readFile(path));
  const table = tableFromIPC(parquet.readParquet(bytes).intoIPCStream());
  const names = table.schema.fields.map((f) => f.name);
  if (!names.includes(labelColumn)) throw new Error(`${path}: no '${labelColumn}' column (use --label-column)`);
  const keys = new Set<string>([...FEATURE_KEY_COLUMNS, labelColumn]);
  const featureNames = names.filter((n) => !keys.has(n));
  const expected = compileSpec(spec).featureNames;
  if (featureNames.join(',') !== expected.join(',')) {
    throw new Error(`${path}: its feature columns are not those of feature spec ${spec.name} ${spec.version} (${featureNames.length} vs ${expected.length} columns); pass the spec it was computed with (--spec)`);
  }
  const toF64 = (name: string): Float64Array => {
    const col = table.getChild(name)!;
    const out = new Float64Array(table.numRows);
    let i = 0;
    for (const v of col) out[i++] = v === null || v === undefined ? NaN : Number(v);
    return out;
  };
  const label = toF64(labelColumn);
  for (let i = 0; i < label.length; i++) {
    if (label[i] !== 0 && label[i] !== 1) throw new Error(`${path}: row ${i} has label ${label[i]}; labels must be 0 or 1`);
  }
  const windowEnd = names.includes('window_end') ? toF64('window_end') : Float64Array.from({ length: table.numRows }, (_, i) => i);
  return { featureNames, columns: featureNames.map(toF64), label, windowEnd, source: `training set ${path}`, note: `${table.numRows} rows` };
}

/**
 * Undo the constant log-odds shift that class reweighting adds (positives weighted by w ⇒ logit + ln w) by
 * adding −ln w to every leaf of the first tree, so probabilities estimate the real complaint rate again.
 */
export function correctPrior(model: GbdtModel, positiveWeight: number): void {
  if (positiveWeight === 1 || model.trees.length === 0) return;
  const shift = -Math.log(positiveWeight);
  const t = model.trees[0];
  for (let l = 0; l < t.numLeaves; l++) t.leafValue[l] += shift;
  for (let n = 0; n < t.numLeaves - 1; n++) t.internalValue[n] += shift;
}

/** The positive:negative weight ratio the objective trained with (LightGBM's label weights). */
function positiveWeightOf(p: TrainParams, label: Float64Array): number {
  if (p.objective !== 'binary') return 1;
  let pos = 0;
  for (let i = 0; i < label.length; i++) pos += label[i];
  const neg = label.length - pos;
  // is_unbalance upweights whichever class is rarer; either way the ratio is neg/pos.
  const ratio = p.is_unbalance && pos > 0 && neg > 0 ? neg / pos : 1;
  return ratio * p.scale_pos_weight;
}

function sum(a: Float64Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i];
  return s;
}

function num(x: number): number | null {
  return Number.isFinite(x) ? x : null;
}

export async function trainFromSamples(all: Samples, spec: SpecIdentity, o: TrainPipelineOptions, labelDescription: string): Promise<TrainedModel> {
  const log = o.log ?? (() => {});
  // The model sees only the features it keeps; the serving scorer maps them by name, so the spec is unchanged.
  const drop = o.dropFeatures ?? IDENTITY_FEATURES;
  const kept = all.featureNames.flatMap((name, i) => (matchesFeaturePattern(name, drop) ? [] : [i]));
  if (kept.length === 0) throw new Error('every feature is dropped: nothing to train on');
  if (kept.length < all.featureNames.length) log(`${all.featureNames.length - kept.length} identity/volume features left out of the model`);
  const samples: Samples = { ...all, featureNames: kept.map((i) => all.featureNames[i]), columns: kept.map((i) => all.columns[i]) };
  const n = samples.label.length;
  if (n === 0) throw new Error('no samples: nothing to train on');
  let min = Infinity;
  let max = -Infinity;
  for (const t of samples.windowEnd) {
    min = Math.min(min, t);
    max = Math.max(max, t);
  }
  const embargo = o.embargoMs ?? Math.min(o.horizonMs, (max - min) / 10);
  const split = splitByTime(samples.windowEnd, o.validFraction, embargo);
  const trainLabel = Float64Array.from(split.train, (r) => samples.label[r]);
  const validLabel = Float64Array.from(split.valid, (r) => samples.label[r]);
  const trainPos = sum(trainLabel);
  const validPos = sum(validLabel);
  log(`${n} samples (${samples.note}); training ${split.train.length} rows (${trainPos} positive), validation ${split.valid.length} rows (${validPos} positive), embargo ${Math.round(embargo / 60000)} min`);
  if (split.train.length === 0 || trainPos === 0) throw new Error('the training period has no positive samples: more data (hours) or a longer --horizon is needed');
  if (split.valid.length === 0) throw new Error('the validation period is empty');

  const { params, unknownKeys } = resolveParams(HOTSPOT_DEFAULT_PARAMS, ...o.paramSources);
  if (unknownKeys.length > 0) log(`ignored unknown parameters: ${unknownKeys.join(', ')}`);
  if (params.objective !== 'binary') throw new Error('complaint models are binary: objective must be binary');
  const t0 = performance.now();
  const result = trainGbdt(
    { featureNames: samples.featureNames, columns: takeRows(samples.columns, split.train), label: trainLabel, weight: null },
    params,
    {
      valid: validPos > 0 ? { featureNames: samples.featureNames, columns: takeRows(samples.columns, split.valid), label: validLabel, weight: null } : undefined,
      onIteration: (it: number, evals: EvalRecord[]) => {
        if (it % 50 === 0 && evals.length) log(`iteration ${it}: ${evals.map((e) => `${e.metric} ${e.value.toFixed(5)}`).join(', ')}`);
      },
    },
  );
  const seconds = (performance.now() - t0) / 1000;
  const model = result.model;
  correctPrior(model, positiveWeightOf(params, trainLabel));

  // Validation metrics and the threshold come from the serving scorer on the final model.
  const validColumns = takeRows(samples.columns, split.valid);
  const prob = new NativeScorer(model).scoreColumns(validColumns, split.valid.length, new Float64Array(split.valid.length));
  const target = o.target.kind === 'precision' ? { precision: o.target.value } : { recall: o.target.value };
  let op: ThresholdStats | null = validPos > 0 ? thresholdFor(prob, validLabel, target) : null;
  const met = op !== null;
  if (!op) {
    // The target cannot be met: fall back to the best F1 point and say so on the card.
    op = bestF1(prob, validLabel);
    log(`target ${o.target.kind} ${o.target.value} cannot be met on validation; using the best-F1 threshold`);
  }
  const at = precisionRecallAt(prob, validLabel, op.threshold);
  const modelText = formatModelText(model);
  const created = new Date();
  const stamp = created.toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z');
  const card: ModelCard = {
    modelVersion: `${spec.name}-${spec.version}-${stamp}-${createHash('sha256').update(modelText).digest('hex').slice(0, 8)}`,
    createdAt: created.toISOString(),
    trainer: 'hotspot gbdt (LightGBM-compatible)',
    featureSpec: { name: spec.name, version: spec.version, hash: spec.hash },
    objective: model.objective,
    featureNames: model.featureNames,
    parameters: Object.fromEntries(Object.entries(params).filter(([k, v]) => v !== undefined && !['data', 'valid', 'output_model'].includes(k))) as Record<string, string | number | boolean>,
    label: { description: labelDescription, horizonMs: o.horizonMs },
    data: {
      source: samples.source,
      trainRows: split.train.length,
      trainPositives: trainPos,
      validRows: split.valid.length,
      validPositives: validPos,
      trainTimeRange: split.trainRange,
      validTimeRange: split.validRange,
    },
    training: { iterations: result.iterations, bestIteration: result.bestIteration, stoppedEarly: result.stoppedEarly, seconds },
    validation: {
      auc: num(auc(prob, validLabel)),
      prAuc: num(prAuc(prob, validLabel)),
      logloss: num(logloss(prob, validLabel)),
      precision: num(at.precision),
      recall: num(at.recall),
    },
    threshold: op.threshold,
    thresholdRule: { target: o.target.kind, value: o.target.value, met },
  };
  return { model, card, result };
}

function bestF1(prob: Float64Array, label: Float64Array): ThresholdStats {
  let best: ThresholdStats = { threshold: 0.5, precision: NaN, recall: NaN, predictedPositive: 0, truePositive: 0, positives: 0 };
  let bestF = -1;
  for (let r = 0.05; r <= 0.951; r += 0.05) {
    const s = thresholdFor(prob, label, { recall: r });
    if (!s) continue;
    const f = (2 * s.precision * s.recall) / (s.precision + s.recall);
    if (f > bestF) {
      bestF = f;
      best = s;
    }
  }
  return best;
}

export async function loadSpec(path?: string): Promise<FeatureSpec> {
  return loadFeatureSpec(path);
}
