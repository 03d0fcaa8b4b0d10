// What a run leaves in its DuckDB file, read back for tests that compare two runs (crash recovery, scale-out).
import { DuckDBInstance } from '@duckdb/node-api';

export async function query(db: string, sql: string): Promise<Record<string, unknown>[]> {
  const instance = await DuckDBInstance.create(db, { access_mode: 'READ_ONLY', autoinstall_known_extensions: 'false' });
  const conn = await instance.connect();
  try {
    return (await conn.runAndReadAll(sql)).getRowObjectsJson() as Record<string, unknown>[];
  } finally {
    conn.closeSync();
    instance.closeSync();
  }
}

/** Everything a run leaves in its database, without the run id and wall-clock columns. */
export async function runContents(db: string) {
  return {
    alertEvents: await query(db, 'SELECT sequence, alert_id, status, severity, region, cells, users_at_risk, expected_complaints, suspected_cause, event FROM alert_events ORDER BY sequence'),
    alerts: await query(db, 'SELECT alert_id, last_sequence, status, severity, users_at_risk FROM alerts ORDER BY alert_id'),
    outreach: await query(db, 'SELECT alert_id, kind, rank, tier, msisdn, user_id, probability, listed_at, send_at FROM outreach ORDER BY alert_id, kind, rank'),
    // Every scored user-window with its top reasons (a sum over them would depend on DuckDB's parallel order).
    scored: await query(db, 'SELECT window_start, window_end, user_id, cell, region, probability, at_risk, top_reasons FROM scored_windows ORDER BY window_start, user_id'),
    deadLetters: await query(db, 'SELECT source, row, reason FROM dead_letters ORDER BY source, row, reason'),
  };
}
