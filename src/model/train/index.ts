// The built-in GBDT trainer: LightGBM's algorithm in TypeScript over typed arrays.
export { trainGbdt, type TrainOptions, type TrainResult, type EvalRecord } from './gbdt.js';
export { loadDataFile, dataFileOptions, type LoadedData } from './data-file.js';
export type { RawData } from './dataset.js';
export {
  resolveParams,
  resolveMetrics,
  parseConfigText,
  parseKeyValueArgs,
  TrainParamsSchema,
  type TrainParams,
  type MetricName,
} from './params.js';
export { evaluateMetric, sigmoidProbabilities, softmaxProbabilities } from './eval.js';
