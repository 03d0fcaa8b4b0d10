// Public face of the DuckDB store: Store.open(path) → beginRun → write* → close (or closeOnSignals).
export { Store, closeOnSignals, timestampOf, topReasons, type RunInfo, type RunStatus, type ScoredWindowContext, type StoreOptions } from './store.js';
export { SCHEMA_SQL, STORE_SCHEMA_VERSION, TABLES, type TableName } from './schema.js';
