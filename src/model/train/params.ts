// Training parameters, spelled the way LightGBM spells them: canonical keys, LightGBM's aliases, a `train.conf`
// parser (`key = value`, `#` comments) and a zod schema that turns the strings into typed, checked values.
// Keys LightGBM has but this trainer does not use (threads, I/O tuning, distributed learning) are accepted and
// ignored so a real LightGBM config runs as is; unknown keys are reported, never silently dropped.
import { z } from 'zod';
import { derivedSeeds } from './random.js';

/** alias → canonical key (LightGBM's docs/Parameters.rst). */
const ALIASES: Record<string, string> = {
  num_iteration: 'num_iterations', n_iter: 'num_iterations', num_tree: 'num_iterations', num_trees: 'num_iterations',
  num_round: 'num_iterations', num_rounds: 'num_iterations', nrounds: 'num_iterations', num_boost_round: 'num_iterations',
  n_estimators: 'num_iterations', max_iter: 'num_iterations',
  shrinkage_rate: 'learning_rate', eta: 'learning_rate',
  num_leaf: 'num_leaves', max_leaves: 'num_leaves', max_leaf: 'num_leaves', max_leaf_nodes: 'num_leaves',
  objective_type: 'objective', app: 'objective', application: 'objective', loss: 'objective',
  boosting_type: 'boosting', boost: 'boosting',
  min_data_per_leaf: 'min_data_in_leaf', min_data: 'min_data_in_leaf', min_child_samples: 'min_data_in_leaf',
  min_samples_leaf: 'min_data_in_leaf',
  min_sum_hessian_per_leaf: 'min_sum_hessian_in_leaf', min_sum_hessian: 'min_sum_hessian_in_leaf',
  min_hessian: 'min_sum_hessian_in_leaf', min_child_weight: 'min_sum_hessian_in_leaf',
  sub_row: 'bagging_fraction', subsample: 'bagging_fraction', bagging: 'bagging_fraction',
  subsample_freq: 'bagging_freq', bagging_fraction_seed: 'bagging_seed',
  sub_feature: 'feature_fraction', colsample_bytree: 'feature_fraction',
  sub_feature_bynode: 'feature_fraction_bynode', colsample_bynode: 'feature_fraction_bynode',
  early_stopping_rounds: 'early_stopping_round', early_stopping: 'early_stopping_round', n_iter_no_change: 'early_stopping_round',
  reg_alpha: 'lambda_l1', l1_regularization: 'lambda_l1',
  reg_lambda: 'lambda_l2', lambda: 'lambda_l2', l2_regularization: 'lambda_l2',
  min_split_gain: 'min_gain_to_split',
  max_bins: 'max_bin', subsample_for_bin: 'bin_construct_sample_cnt',
  unbalance: 'is_unbalance', unbalanced_sets: 'is_unbalance',
  num_classes: 'num_class',
  metrics: 'metric', metric_types: 'metric',
  random_seed: 'seed', random_state: 'seed', data_seed: 'data_random_seed',
  train: 'data', train_data: 'data', train_data_file: 'data', data_filename: 'data',
  test: 'valid', valid_data: 'valid', valid_data_file: 'valid', test_data: 'valid', test_data_file: 'valid',
  valid_filenames: 'valid',
  has_header: 'header', label: 'label_column', weight: 'weight_column',
  ignore_feature: 'ignore_column', blacklist: 'ignore_column',
  cat_feature: 'categorical_feature', categorical_column: 'categorical_feature', cat_column: 'categorical_feature',
  categorical_features: 'categorical_feature',
  model_output: 'output_model', model_out: 'output_model',
  output_freq: 'metric_freq', training_metric: 'is_training_metric', is_training_metric: 'is_training_metric',
  train_metric: 'is_training_metric',
  linear_trees: 'linear_tree',
};

/** Keys of a LightGBM config that do not change what this (single-threaded, in-memory) trainer learns. */
const IGNORED = new Set([
  'task', 'tree_learner', 'num_threads', 'nthread', 'nthreads', 'n_jobs', 'device_type', 'device', 'deterministic',
  'force_col_wise', 'force_row_wise', 'is_enable_sparse', 'enable_sparse', 'sparse', 'use_two_round_loading',
  'two_round', 'is_save_binary_file', 'save_binary', 'num_machines', 'local_listen_port', 'machine_list_file',
  'machine_list_filename', 'verbosity', 'verbose', 'histogram_pool_size', 'enable_bundle', 'max_conflict_rate',
  'is_enable_bundle', 'pre_partition', 'feature_pre_filter', 'time_out', 'gpu_platform_id', 'gpu_device_id',
  'gpu_use_dp', 'num_gpu', 'input_model', 'output_result', 'snapshot_freq', 'saved_feature_importance_type',
  'data_sample_strategy', 'precise_float_parser', 'predict_raw_score', 'predict_contrib', 'convert_model',
]);

export type Objective = 'binary' | 'multiclass' | 'regression';

const OBJECTIVE_ALIASES: Record<string, Objective> = {
  binary: 'binary',
  multiclass: 'multiclass', softmax: 'multiclass',
  regression: 'regression', regression_l2: 'regression', l2: 'regression', mean_squared_error: 'regression',
  mse: 'regression', l2_root: 'regression', root_mean_squared_error: 'regression', rmse: 'regression',
};

const METRIC_ALIASES: Record<string, string> = {
  auc: 'auc', binary_logloss: 'binary_logloss', binary: 'binary_logloss',
  average_precision: 'average_precision', binary_error: 'binary_error',
  multi_logloss: 'multi_logloss', multiclass: 'multi_logloss', softmax: 'multi_logloss', multiclassova: 'multi_logloss',
  multi_error: 'multi_error',
  l2: 'l2', mean_squared_error: 'l2', mse: 'l2', regression_l2: 'l2', regression: 'l2',
  rmse: 'rmse', l2_root: 'rmse', root_mean_squared_error: 'rmse',
  l1: 'l1', mean_absolute_error: 'l1', mae: 'l1', regression_l1: 'l1',
};
export type MetricName = 'auc' | 'binary_logloss' | 'average_precision' | 'binary_error' | 'multi_logloss'
  | 'multi_error' | 'l2' | 'rmse' | 'l1';

const bool = z.union([z.boolean(), z.string()]).transform((v, ctx) => {
  if (typeof v === 'boolean') return v;
  const s = v.trim().toLowerCase();
  if (s === 'true' || s === '1' || s === '+' || s === 'yes') return true;
  if (s === 'false' || s === '0' || s === '-' || s === 'no') return false;
  ctx.addIssue({ code: 'custom', message: `expected true/false, got '${v}'` });
  return z.NEVER;
});
const num = z.coerce.number().refine(Number.isFinite, 'expected a number');
const int = z.coerce.number().int('expected an integer');

/** The checked parameter set. Defaults are LightGBM 4.6's. */
export const TrainParamsSchema = z.object({
  objective: z.string().default('regression').transform((v, ctx) => {
    const o = OBJECTIVE_ALIASES[v.trim().toLowerCase()];
    if (!o) {
      ctx.addIssue({ code: 'custom', message: `objective '${v}' is not supported (binary, multiclass, regression)` });
      return z.NEVER;
    }
    return o;
  }),
  boosting: z.string().default('gbdt').refine((v) => v === 'gbdt' || v === 'gbrt', 'only boosting=gbdt is supported'),
  num_iterations: int.min(0).default(100),
  learning_rate: num.positive().default(0.1),
  num_leaves: int.min(2).max(131072).default(31),
  max_depth: int.default(-1),
  min_data_in_leaf: int.min(0).default(20),
  min_sum_hessian_in_leaf: num.min(0).default(1e-3),
  lambda_l1: num.min(0).default(0),
  lambda_l2: num.min(0).default(0),
  min_gain_to_split: num.min(0).default(0),
  feature_fraction: num.gt(0).max(1).default(1),
  feature_fraction_bynode: num.gt(0).max(1).default(1),
  feature_fraction_seed: int.default(2),
  bagging_fraction: num.gt(0).max(1).default(1),
  bagging_freq: int.min(0).default(0),
  bagging_seed: int.default(3),
  data_random_seed: int.default(1),
  seed: int.optional(),
  early_stopping_round: int.min(0).default(0),
  first_metric_only: bool.default(false),
  max_bin: int.min(2).max(65535).default(255),
  min_data_in_bin: int.min(1).default(3),
  bin_construct_sample_cnt: int.min(1).default(200000),
  use_missing: bool.default(true),
  zero_as_missing: bool.default(false),
  max_cat_to_onehot: int.min(1).default(4),
  max_cat_threshold: int.min(1).default(32),
  cat_l2: num.min(0).default(10),
  cat_smooth: num.min(0).default(10),
  min_data_per_group: int.min(1).default(100),
  is_unbalance: bool.default(false),
  scale_pos_weight: num.positive().default(1),
  boost_from_average: bool.default(true),
  num_class: int.min(1).default(1),
  sigmoid: num.positive().default(1),
  metric: z.string().default(''),
  metric_freq: int.min(1).default(1),
  is_training_metric: bool.default(false),
  linear_tree: bool.default(false),
  // Data-file keys (used by `hotspot train --config`).
  data: z.string().optional(),
  valid: z.string().optional(),
  header: bool.default(false),
  label_column: z.string().default(''),
  weight_column: z.string().default(''),
  ignore_column: z.string().default(''),
  categorical_feature: z.string().default(''),
  output_model: z.string().default('LightGBM_model.txt'),
});
export type TrainParams = z.output<typeof TrainParamsSchema>;

export interface ResolvedParams {
  params: TrainParams;
  /** Keys that were neither known nor in the ignore list: reported to the user. */
  unknownKeys: string[];
  /** The canonical key → value strings as given (written into the model's `parameters:` block). */
  given: Record<string, string>;
}

/** Parses `key = value` lines (LightGBM's config file syntax); `#` starts a comment. */
export function parseConfigText(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.replace(/#.*$/, '').trim();
    if (!line) continue;
    const eq = line.indexOf('=');
    if (eq < 0) throw new Error(`config line without '=': '${raw.trim()}'`);
    out[line.slice(0, eq).trim()] = line.slice(eq + 1).trim();
  }
  return out;
}

/** `key=value` command-line pairs, as LightGBM's CLI accepts them. */
export function parseKeyValueArgs(args: string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const a of args) {
    const eq = a.indexOf('=');
    if (eq <= 0) throw new Error(`expected key=value, got '${a}'`);
    out[a.slice(0, eq).trim()] = a.slice(eq + 1).trim();
  }
  return out;
}

export function canonicalKey(key: string): string {
  const k = key.trim().toLowerCase();
  return ALIASES[k] ?? k;
}

/** Maps aliases to canonical keys, validates with zod; later sources override earlier ones. */
export function resolveParams(...sources: Record<string, string | number | boolean>[]): ResolvedParams {
  const given: Record<string, string> = {};
  const unknownKeys: string[] = [];
  const known = new Set(Object.keys(TrainParamsSchema.shape));
  for (const src of sources) {
    for (const [k, v] of Object.entries(src)) {
      const key = canonicalKey(k);
      if (IGNORED.has(key)) continue;
      if (!known.has(key)) {
        if (!unknownKeys.includes(k)) unknownKeys.push(k);
        continue;
      }
      given[key] = String(v);
    }
  }
  const parsed = TrainParamsSchema.safeParse(given);
  if (!parsed.success) {
    const msg = parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ');
    throw new Error(`invalid training parameters: ${msg}`);
  }
  const params = parsed.data;
  if (params.seed !== undefined) {
    // LightGBM derives the other seeds from `seed` (Config::Set) unless they were given explicitly.
    const derived = derivedSeeds(params.seed);
    if (given.bagging_seed === undefined) params.bagging_seed = derived.baggingSeed;
    if (given.feature_fraction_seed === undefined) params.feature_fraction_seed = derived.featureFractionSeed;
    if (given.data_random_seed === undefined) params.data_random_seed = derived.dataRandomSeed;
  }
  if (params.linear_tree) throw new Error('linear_tree=true is not supported by the built-in trainer (use LightGBM)');
  if (params.objective === 'multiclass' && params.num_class < 2) throw new Error('objective=multiclass needs num_class >= 2');
  if (params.objective !== 'multiclass' && params.num_class !== 1) throw new Error(`num_class=${params.num_class} needs objective=multiclass`);
  return { params, unknownKeys, given };
}

/** The metrics to evaluate: the `metric` key, or the objective's own metric when it is empty. */
export function resolveMetrics(params: TrainParams): MetricName[] {
  const names = params.metric.split(',').map((m) => m.trim().toLowerCase()).filter((m) => m && m !== 'none' && m !== 'null');
  if (names.length === 0) {
    return [params.objective === 'binary' ? 'binary_logloss' : params.objective === 'multiclass' ? 'multi_logloss' : 'l2'];
  }
  const out: MetricName[] = [];
  for (const n of names) {
    const m = METRIC_ALIASES[n];
    if (!m) throw new Error(`metric '${n}' is not supported`);
    if (!out.includes(m as MetricName)) out.push(m as MetricName);
  }
  return out;
}

/** The `parameters:` block of a LightGBM model file: one `[key: value]` line per parameter. */
export function parametersBlock(params: TrainParams): string {
  const skip = new Set(['data', 'valid', 'output_model']);
  return Object.entries(params)
    .filter(([k, v]) => v !== undefined && !skip.has(k))
    .map(([k, v]) => `[${k}: ${typeof v === 'boolean' ? (v ? 1 : 0) : v}]`)
    .join('\n');
}
