// The feature engine's public face: specs, the engine, and Parquet output. See engine.ts for how windows work.
export {
  loadFeatureSpec,
  parseFeatureSpec,
  canonicalJson,
  compileSpec,
  DEFAULT_SPEC_PATH,
  BUILTIN_FEATURES,
  type FeatureSpec,
  type FeatureSpecFile,
} from './spec.js';
export {
  FeatureEngine,
  DEFAULT_ALLOWED_LATENESS_MS,
  DEFAULT_IDLE_EVICT_MS,
  type FeatureWindow,
  type FeatureEngineOptions,
  type FeatureEngineStats,
  type DeadLetterTarget,
} from './engine.js';
export { featureWindowsToTable, featureWindowsToParquet, writeFeatureWindows, FeatureParquetWriter, FEATURE_KEY_COLUMNS } from './parquet.js';
