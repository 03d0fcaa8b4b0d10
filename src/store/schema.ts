// The DuckDB tables of a hotspot database. Identifiers are masked everywhere except outreach.msisdn (care needs it).
// Times are TIMESTAMP (UTC). JSON-shaped fields are VARCHAR holding JSON, so no extension has to be loaded.

export const STORE_SCHEMA_VERSION = 1;

export const TABLES = ['runs', 'scored_windows', 'alert_events', 'alerts', 'outreach', 'dead_letters', 'complaints', 'metrics', 'checkpoints'] as const;
export type TableName = (typeof TABLES)[number];

export const SCHEMA_SQL = `
CREATE TABLE IF NOT EXISTS store_meta (key VARCHAR PRIMARY KEY, value VARCHAR);
CREATE TABLE IF NOT EXISTS runs (
  run_id VARCHAR PRIMARY KEY,
  started_at TIMESTAMP,
  ended_at TIMESTAMP,
  status VARCHAR,            -- running | completed | interrupted | failed
  source VARCHAR,
  model_version VARCHAR,
  config VARCHAR             -- JSON
);
CREATE TABLE IF NOT EXISTS scored_windows (
  run_id VARCHAR,
  window_start TIMESTAMP,
  window_end TIMESTAMP,
  user_id VARCHAR,           -- masked IMSI
  cell BIGINT,               -- ECI of the dominant cell; NULL when unknown
  region VARCHAR,
  probability DOUBLE,
  at_risk BOOLEAN,
  top_reasons VARCHAR        -- 'feature:+contribution;...' for explained users, else NULL
  -- the model version is the run's (runs.model_version): one string less per row on the hot path
);
CREATE TABLE IF NOT EXISTS alert_events (
  run_id VARCHAR,
  sequence BIGINT,
  alert_id VARCHAR,
  status VARCHAR,
  severity VARCHAR,
  region VARCHAR,
  regions VARCHAR,           -- JSON array
  cells VARCHAR,             -- JSON array of ECIs
  opened_at TIMESTAMP,
  updated_at TIMESTAMP,
  resolved_at TIMESTAMP,
  users_at_risk INTEGER,
  expected_complaints DOUBLE,
  vip_at_risk INTEGER,
  suspected_cause VARCHAR,
  evidence VARCHAR,          -- JSON array
  model_version VARCHAR,
  merged_into VARCHAR,
  event VARCHAR              -- the whole event as JSON (masked: it holds no user identifiers)
);
CREATE TABLE IF NOT EXISTS alerts (
  run_id VARCHAR,
  alert_id VARCHAR,
  last_sequence BIGINT,
  status VARCHAR,
  severity VARCHAR,
  region VARCHAR,
  regions VARCHAR,
  cells VARCHAR,
  opened_at TIMESTAMP,
  updated_at TIMESTAMP,
  resolved_at TIMESTAMP,
  users_at_risk INTEGER,
  expected_complaints DOUBLE,
  vip_at_risk INTEGER,
  suspected_cause VARCHAR,
  evidence VARCHAR,
  model_version VARCHAR,
  merged_into VARCHAR,
  PRIMARY KEY (run_id, alert_id)
);
CREATE TABLE IF NOT EXISTS outreach (
  run_id VARCHAR,
  alert_id VARCHAR,
  kind VARCHAR,
  rank INTEGER,
  tier VARCHAR,
  msisdn VARCHAR,            -- the one place an MSISDN is stored
  user_id VARCHAR,
  vip_level INTEGER,
  probability DOUBLE,
  region VARCHAR,
  severity VARCHAR,
  listed_at TIMESTAMP,
  send_at TIMESTAMP
);
CREATE TABLE IF NOT EXISTS dead_letters (
  run_id VARCHAR,
  failed_at TIMESTAMP,       -- event time of the run when the letter was stored
  source VARCHAR,            -- file path, topic/partition, or stage ('features')
  row BIGINT,                -- line number in text files, 1-based row index otherwise
  reason VARCHAR,
  payload VARCHAR
);
CREATE TABLE IF NOT EXISTS complaints (
  run_id VARCHAR,
  complaint_id VARCHAR,
  time TIMESTAMP,
  user_id VARCHAR,           -- masked MSISDN
  category VARCHAR,
  region VARCHAR
);
CREATE TABLE IF NOT EXISTS metrics (
  run_id VARCHAR,
  name VARCHAR,
  value DOUBLE
);
-- A live run's checkpoints: committed in the same transaction as every row written since the previous one, so
-- after a crash the database holds exactly the effects of the records before the checkpoint's offsets.
CREATE TABLE IF NOT EXISTS checkpoints (
  run_id VARCHAR,
  checkpoint_id BIGINT,
  taken_at TIMESTAMP,        -- wall clock
  event_time TIMESTAMP,      -- end of the newest closed window
  source VARCHAR,            -- e.g. kafka://BROKERS/TOPIC?group=ID (the run's source label)
  offsets VARCHAR,           -- JSON [{topic, partition, offset}]: next offset to read per partition
  state_file VARCHAR,        -- engine state (features, detector, outreach) next to the database
  state_sha256 VARCHAR,
  PRIMARY KEY (run_id, checkpoint_id)
);
`;

/** Columns of alert_events copied into alerts (latest state per alert). */
export const ALERT_STATE_COLUMNS = [
  'status',
  'severity',
  'region',
  'regions',
  'cells',
  'opened_at',
  'updated_at',
  'resolved_at',
  'users_at_risk',
  'expected_complaints',
  'vip_at_risk',
  'suspected_cause',
  'evidence',
  'model_version',
  'merged_into',
] as const;
