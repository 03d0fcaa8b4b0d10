// `hotspot train`: a complaint model from records + complaints + topology (through the serving feature engine),
// from a feature Parquet with a label column, or — like LightGBM's own CLI — from a train.conf and its data files.
import { readFileSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { createHash } from 'node:crypto';
import { z } from 'zod';
import { parseFlags, UsageError, type Command } from '../command.js';
import { formatModelText } from '../../model/lightgbm-text.js';
import { writeModelDir, type ModelCard } from '../../model/model-dir.js';
import { exportOnnx } from '../../model/onnx-export.js';
import { trainFromConfig } from '../../model/train/from-config.js';
import { parseConfigText, parseKeyValueArgs, resolveParams } from '../../model/train/params.js';
import { sigmoidProbabilities } from '../../model/train/eval.js';
import { thresholdFor, type ThresholdStats } from '../../model/metrics.js';
import { loadSpec, samplesFromParquet, samplesFromRecords, trainFromSamples, type ThresholdTarget } from '../../model/train/pipeline.js';

const HELP = `usage: hotspot train --records FILE --complaints FILE --topology FILE --out DIR [options] [key=value ...]
       hotspot train --train-set FILE.parquet --out DIR [options] [key=value ...]
       hotspot train --config train.conf [--out DIR] [key=value ...]

Trains a LightGBM-compatible GBDT and writes DIR/model.txt (LightGBM text), DIR/model.onnx and DIR/card.json
(feature spec name + hash, parameters, data summary, validation AUC / PR-AUC / precision / recall, threshold).

From records: user-windows come from the feature engine (the same code that scores live); a window is labelled 1
when its user (by MSISDN) files a complaint within --horizon after the window ends. The last --valid-fraction of
the time range validates (training windows end an embargo before it, so no training label sees validation time);
the operating threshold is the lowest one that reaches --target-precision (or the highest that reaches
--target-recall) on validation.

From a train.conf: LightGBM's own keys and aliases (data, valid_data, header, label_column, categorical_feature,
weights from <data>.weight, objective, metric, num_leaves, ...); binary, multiclass and regression.

options:
  --records FILE            S1 records (CSV, JSONL, Parquet, Arrow IPC)
  --complaints FILE         complaints.csv (the labels)
  --topology FILE           topology.csv
  --train-set FILE          feature Parquet (hotspot features output) with a 0/1 label column
  --label-column NAME       label column of --train-set (default label)
  --spec FILE               feature spec (default features/s1-v1.json)
  --horizon DURATION        label horizon after the window end, e.g. 24h, 90m (default 24h)
  --valid-fraction F        share of the time range used for validation (default 0.2)
  --embargo DURATION        gap between training and validation windows (default: the horizon, at most 10% of the range)
  --target-precision P      operating point: precision to reach (default 0.5)
  --target-recall R         operating point: recall to reach instead
  --config FILE             LightGBM train.conf (parameters; with no --records/--train-set also the data)
  --out DIR                 output directory
  key=value                 any LightGBM parameter, e.g. num_leaves=63 learning_rate=0.05 is_unbalance=false

examples:
  hotspot train --records out/city/records.parquet --complaints out/city/complaints.csv --topology out/city/topology.csv --out models/mine
  hotspot train --train-set features.parquet --out models/mine num_iterations=800
  hotspot train --config ../shared/reference/lightgbm/binary_example/train.conf --out /tmp/binary`;

/** "24h", "90m", "30s", "2d", or milliseconds. */
export function parseDuration(text: string): number {
  const m = /^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h|d)?\s*$/.exec(text);
  if (!m) throw new Error(`'${text}' is not a duration (e.g. 24h, 90m)`);
  const unit = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 }[(m[2] ?? 'ms') as 'ms'];
  return Number(m[1]) * unit;
}

const OptionsSchema = z.object({
  records: z.string().optional(),
  complaints: z.string().optional(),
  topology: z.string().optional(),
  trainSet: z.string().optional(),
  labelColumn: z.string().default('label'),
  spec: z.string().optional(),
  horizon: z.string().default('24h'),
  validFraction: z.coerce.number().gt(0, '--valid-fraction must be in (0, 1)').lt(1, '--valid-fraction must be in (0, 1)').default(0.2),
  embargo: z.string().optional(),
  targetPrecision: z.coerce.number().gt(0).lte(1).optional(),
  targetRecall: z.coerce.number().gt(0).lte(1).optional(),
  config: z.string().optional(),
  out: z.string().optional(),
});

const command: Command = {
  name: 'train',
  summary: 'train a GBDT model from records + complaints, or from a training set',
  help: HELP,
  async run(argv) {
    // LightGBM-style key=value pairs are positional; parseFlags takes only --flags.
    const kvArgs = argv.filter((a) => !a.startsWith('-') && a.includes('='));
    const flagArgs = argv.filter((a) => !kvArgs.includes(a));
    const { values } = parseFlags('train', flagArgs, {
      records: { type: 'string' },
      complaints: { type: 'string' },
      topology: { type: 'string' },
      'train-set': { type: 'string' },
      'label-column': { type: 'string' },
      spec: { type: 'string' },
      horizon: { type: 'string' },
      'valid-fraction': { type: 'string' },
      embargo: { type: 'string' },
      'target-precision': { type: 'string' },
      'target-recall': { type: 'string' },
      config: { type: 'string' },
      out: { type: 'string' },
    });
    const parsed = OptionsSchema.safeParse({
      records: values.records,
      complaints: values.complaints,
      topology: values.topology,
      trainSet: values['train-set'],
      labelColumn: values['label-column'],
      spec: values.spec,
      horizon: values.horizon,
      validFraction: values['valid-fraction'],
      embargo: values.embargo,
      targetPrecision: values['target-precision'],
      targetRecall: values['target-recall'],
      config: values.config,
      out: values.out,
    });
    if (!parsed.success) throw new UsageError(`train: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
    const o = parsed.data;
    let kv: Record<string, string>;
    let horizonMs: number;
    let embargoMs: number | null;
    try {
      kv = parseKeyValueArgs(kvArgs);
      horizonMs = parseDuration(o.horizon);
      embargoMs = o.embargo !== undefined ? parseDuration(o.embargo) : null;
    } catch (err) {
      throw new UsageError(`train: ${(err as Error).message}`);
    }
    const fromRecords = o.records !== undefined || o.complaints !== undefined || o.topology !== undefined;
    if (fromRecords && (!o.records || !o.complaints || !o.topology)) throw new UsageError('train: --records, --complaints and --topology go together');
    if (fromRecords && o.trainSet) throw new UsageError('train: give --records/--complaints/--topology or --train-set, not both');
    if (!fromRecords && !o.trainSet && !o.config) throw new UsageError("train: give --records/--complaints/--topology, --train-set or --config (see 'hotspot train --help')");
    if (o.targetPrecision !== undefined && o.targetRecall !== undefined) throw new UsageError('train: --target-precision and --target-recall exclude each other');
    const log = (line: string) => console.error(`hotspot train: ${line}`);

    try {
      const target: ThresholdTarget = o.targetRecall !== undefined ? { kind: 'recall', value: o.targetRecall } : { kind: 'precision', value: o.targetPrecision ?? 0.5 };
      if (!fromRecords && !o.trainSet) return await trainConfigMode(o.config!, o.out, kv, target, log);
      if (!o.out) throw new UsageError('train: --out DIR is required');
      const confParams = o.config ? parseConfigText(readFileSync(o.config, 'utf8')) : {};
      const spec = await loadSpec(o.spec);
      const samples = fromRecords
        ? await samplesFromRecords(o.records!, o.complaints!, o.topology!, spec, horizonMs, log)
        : await samplesFromParquet(o.trainSet!, o.labelColumn, spec);
      const labelDescription = fromRecords
        ? `1 when the user (by MSISDN) files a complaint within ${o.horizon} after the window ends`
        : `column '${o.labelColumn}' of ${o.trainSet}`;
      const trained = await trainFromSamples(samples, spec, { horizonMs, validFraction: o.validFraction, embargoMs, target, paramSources: [confParams, kv], log }, labelDescription);
      await writeModelDir(o.out, trained.model, trained.card);
      const v = trained.card.validation;
      log(
        `${trained.card.training.bestIteration} trees → ${o.out} (${trained.card.modelVersion}); validation AUC ${fmt(v.auc)}, PR-AUC ${fmt(v.prAuc)}, ` +
          `threshold ${trained.card.threshold.toFixed(4)}: precision ${fmt(v.precision)}, recall ${fmt(v.recall)}`,
      );
      return 0;
    } catch (err) {
      if (err instanceof UsageError) throw err;
      console.error(`hotspot train: ${(err as Error).message}`);
      return 1;
    }
  },
};

function fmt(x: number | null): string {
  return x === null ? 'n/a' : x.toFixed(4);
}

/** LightGBM CLI style: data files named in the config. */
async function trainConfigMode(config: string, out: string | undefined, kv: Record<string, string>, target: ThresholdTarget, log: (l: string) => void): Promise<number> {
  const t0 = performance.now();
  const { params } = resolveParams(parseConfigText(readFileSync(config, 'utf8')), kv);
  const r = trainFromConfig(config, kv, {
    onIteration: (it, evals) => {
      if (evals.length && it % params.metric_freq === 0) log(`iteration ${it}: ${evals.map((e) => `${e.dataset} ${e.metric} ${e.value.toFixed(6)}`).join(', ')}`);
    },
  });
  const seconds = (performance.now() - t0) / 1000;
  const text = formatModelText(r.model);
  const modelPath = out ? join(out, 'model.txt') : resolve(dirname(config), r.resolved.params.output_model);
  await mkdir(dirname(modelPath), { recursive: true });
  if (out) {
    // A model from raw data files has no feature spec: the card names the data's columns instead.
    const names = r.model.featureNames;
    // Binary with a validation set: the operating point as for complaint models.
    let op: ThresholdStats | null = null;
    let prob: Float64Array | null = null;
    const validLabel = r.validLabel;
    if (params.objective === 'binary' && r.validScores && validLabel) {
      prob = sigmoidProbabilities(r.validScores, params.sigmoid);
      op = thresholdFor(prob, validLabel, target.kind === 'precision' ? { precision: target.value } : { recall: target.value });
    }
    const card: ModelCard = {
      modelVersion: `lightgbm-data-${createHash('sha256').update(text).digest('hex').slice(0, 8)}`,
      createdAt: new Date().toISOString(),
      trainer: 'hotspot gbdt (LightGBM-compatible)',
      featureSpec: { name: 'lightgbm-data', version: '-', hash: createHash('sha256').update(names.join('\n')).digest('hex') },
      objective: r.model.objective,
      featureNames: names,
      parameters: r.resolved.given,
      label: { description: `label column of ${r.resolved.params.data}`, horizonMs: null },
      data: { source: config, trainRows: r.trainRows, trainPositives: r.trainPositives, validRows: r.validRows, validPositives: r.validPositives, trainTimeRange: null, validTimeRange: null },
      training: { iterations: r.iterations, bestIteration: r.bestIteration, stoppedEarly: r.stoppedEarly, seconds },
      validation: {
        auc: r.validMetrics.auc ?? null,
        prAuc: r.validMetrics.average_precision ?? null,
        logloss: r.validMetrics.binary_logloss ?? null,
        precision: op ? op.precision : null,
        recall: op ? op.recall : null,
      },
      threshold: op ? op.threshold : 0.5,
      thresholdRule: { target: target.kind, value: target.value, met: op !== null },
    };
    await writeModelDir(out, r.model, card);
  } else {
    await writeFile(modelPath, text);
    await writeFile(modelPath.replace(/\.txt$/, '') + '.onnx', exportOnnx(r.model));
  }
  const metrics = Object.entries(r.validMetrics).map(([k, v]) => `${k} ${v!.toFixed(6)}`).join(', ');
  log(`${r.bestIteration} iterations in ${seconds.toFixed(1)} s → ${modelPath}${metrics ? `; validation ${metrics}` : ''}`);
  return 0;
}

export default command;
