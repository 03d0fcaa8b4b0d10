// The hotspot database: one DuckDB file holding runs, scored user-windows, alerts and their history, outreach,
// dead letters, complaints and metrics. Bulk data goes through DuckDB's appender with whole data chunks filled
// from typed arrays (DESIGN.md §9: the fast path); never row-by-row INSERTs. Low-volume tables (alert events,
// outreach, dead letters) use the same appender, a row at a time. Everything appended is flushed by `flush()`
// and `close()`; `closeOnSignals` makes Ctrl-C flush before the process exits.
//
//   const store = await Store.open('hotspot.duckdb');
//   const runId = await store.beginRun({ source: 'sim', modelVersion: 'm1' });
//   store.writeScoredWindow(window, { regions: topology.regions, threshold });
//   store.writeAlertEvents(events);  store.writeOutreach(messages);  store.writeDeadLetters(letters);
//   await store.close();             // flushes appenders, updates the alerts table, marks the run completed
import {
  BIGINT,
  BOOLEAN,
  DOUBLE,
  DuckDBAppender,
  DuckDBConnection,
  DuckDBDataChunk,
  DuckDBInstance,
  DuckDBTimestampValue,
  ENUM,
  TIMESTAMP,
  VARCHAR,
  type DuckDBType,
  type DuckDBValue,
  type DuckDBVector,
} from '@duckdb/node-api';
import type { AlertEvent } from '../hotspots/alert.js';
import type { ScoredWindow } from '../hotspots/scored-window.js';
import { createMasker, maskKeyFromEnv, type Masker } from '../outreach/masking.js';
import type { DeadLetter } from '../sources/dead-letters.js';
import type { OutreachMessage } from '../outreach/outreach-message.js';
import type { Complaint } from '../schema/side-files.js';
import { ALERT_STATE_COLUMNS, SCHEMA_SQL, STORE_SCHEMA_VERSION, type TableName } from './schema.js';

/** DuckDB's vector size: the most rows one data chunk holds. */
export const CHUNK_ROWS = 2048;
/** Top reasons kept per explained user in scored_windows. */
export const DEFAULT_TOP_REASONS = 3;

export interface StoreOptions {
  /** Key of the masking HMAC; defaults to HOTSPOT_MASK_KEY or the development key. */
  maskKey?: string;
}

export interface RunInfo {
  /** Defaults to `run-<started_at as yyyymmddThhmmssZ>`. */
  runId?: string;
  source: string;
  modelVersion: string;
  config?: unknown;
  /** epoch ms; defaults to now (bookkeeping only: nothing derived from it feeds alert ids). */
  startedAt?: number;
}

export interface ScoredWindowContext {
  /** Topology.regions: the names behind ScoredWindow.regionIndex. */
  regions: readonly string[];
  /** The model's operating threshold: at_risk = probability ≥ threshold. */
  threshold: number;
  topReasons?: number;
  /**
   * Store only users at or above the threshold. Every string column costs a native call per row in the
   * appender (about 50–200k rows/s with all users on a busy 2-core machine); live runs on an accelerated
   * clock may prefer the at-risk users only. Default false: every scored user.
   */
  onlyAtRisk?: boolean;
}

export type RunStatus = 'completed' | 'interrupted' | 'failed';

/** One committed checkpoint of a live run (see `commitCheckpoint`). */
export interface CheckpointRow {
  runId: string;
  checkpointId: number;
  takenAt: number;
  /** End of the newest closed window, epoch ms. */
  eventTime: number;
  source: string;
  /** Next offset to read per partition: where a restart resumes. */
  offsets: { topic: string; partition: number; offset: number }[];
  stateFile: string;
  stateSha256: string;
}

/**
 * Chunk column types for scored_windows. run_id and region go in as ENUMs although the table holds VARCHAR:
 * an ENUM vector is filled in JS and copied in one call, where a VARCHAR vector costs a native call per row;
 * the appender casts ENUM → VARCHAR in DuckDB.
 */
function scoredTypes(runId: string, regions: readonly string[]): DuckDBType[] {
  return [ENUM([runId]), TIMESTAMP, TIMESTAMP, VARCHAR, BIGINT, ENUM(regions), DOUBLE, BOOLEAN, VARCHAR];
}

/** One care-list line in OUTREACH_COLUMNS order (the store's outreach table after run_id, and the export). */
export function appendOutreachMessage(a: DuckDBAppender, m: OutreachMessage): void {
  a.appendVarchar(m.alertId);
  a.appendVarchar(m.kind);
  a.appendInteger(m.rank);
  a.appendVarchar(m.tier);
  a.appendVarchar(m.msisdn);
  a.appendVarchar(m.userId);
  a.appendInteger(m.vipLevel);
  a.appendDouble(m.probability);
  a.appendVarchar(m.region);
  a.appendVarchar(m.severity);
  a.appendTimestamp(timestampOf(m.listedAt));
  a.appendTimestamp(timestampOf(m.sendAt));
}

export function timestampOf(epochMs: number): DuckDBTimestampValue {
  return new DuckDBTimestampValue(BigInt(Math.round(epochMs)) * 1000n);
}

export class Store {
  private runId: string | null = null;
  private readonly appenders = new Map<TableName, DuckDBAppender>();
  private flushedSequence = 0;
  private scoredTypesCache: { runId: string; regions: readonly string[]; types: DuckDBType[] } | null = null;
  private closed = false;
  private closing: Promise<void> | null = null;
  /** True in a checkpointed run: rows become durable only with the next checkpoint. */
  private inTransaction = false;
  readonly counts = { scoredRows: 0, alertEvents: 0, outreach: 0, deadLetters: 0, complaints: 0 };

  private constructor(
    private readonly instance: DuckDBInstance,
    private readonly connection: DuckDBConnection,
    readonly path: string,
    readonly mask: Masker,
  ) {}

  static async open(path: string, options: StoreOptions = {}): Promise<Store> {
    // No network at run time: extensions are never fetched or auto-loaded.
    const instance = await DuckDBInstance.create(path, {
      autoinstall_known_extensions: 'false',
      autoload_known_extensions: 'false',
    });
    const connection = await instance.connect();
    await connection.run('SET autoinstall_known_extensions=false; SET autoload_known_extensions=false;');
    await connection.run(SCHEMA_SQL);
    await connection.run(`INSERT OR REPLACE INTO store_meta VALUES ('schema_version', '${STORE_SCHEMA_VERSION}')`);
    return new Store(instance, connection, path, createMasker(options.maskKey ?? maskKeyFromEnv()));
  }

  get currentRunId(): string {
    if (this.runId === null) throw new Error('no run: call beginRun() first');
    return this.runId;
  }

  async beginRun(info: RunInfo): Promise<string> {
    this.assertOpen();
    const startedAt = info.startedAt ?? Date.now();
    const runId = info.runId ?? `run-${new Date(startedAt).toISOString().replace(/[-:]|\.\d+/g, '')}`;
    await this.connection.run(
      'INSERT OR REPLACE INTO runs VALUES ($1, $2, NULL, $3, $4, $5, $6)',
      [runId, timestampOf(startedAt), 'running', info.source, info.modelVersion, JSON.stringify(info.config ?? {})],
    );
    this.runId = runId;
    // A rerun under the same id replaces that run's alerts (their ids are deterministic, so they would collide).
    for (const table of ['scored_windows', 'alert_events', 'alerts', 'outreach', 'dead_letters', 'complaints', 'metrics']) {
      await this.connection.run(`DELETE FROM ${table} WHERE run_id = $1`, [runId]);
    }
    this.flushedSequence = 0;
    return runId;
  }

  /** Appends one scored window: one row per user, in data chunks of 2048 filled straight from the columns. */
  async writeScoredWindow(w: ScoredWindow, ctx: ScoredWindowContext): Promise<number> {
    const appender = await this.appender('scored_windows');
    const runId = this.currentRunId;
    const reasons = topReasons(w, ctx.topReasons ?? DEFAULT_TOP_REASONS);
    const { regions, threshold } = ctx;
    // Row selection: all rows, or the at-risk ones (an index list, so the fills stay simple loops).
    let selected: Int32Array | null = null;
    if (ctx.onlyAtRisk) {
      const picked: number[] = [];
      for (let r = 0; r < w.probability.length; r++) if (w.probability[r] >= threshold) picked.push(r);
      selected = Int32Array.from(picked);
    }
    const rowOf = selected ? (i: number) => selected[i] : (i: number) => i;
    const n = selected ? selected.length : w.imsi.length;
    const start = timestampOf(w.windowStart);
    const end = timestampOf(w.windowEnd);
    for (let from = 0; from < n; from += CHUNK_ROWS) {
      const rows = Math.min(CHUNK_ROWS, n - from);
      const chunk = DuckDBDataChunk.create(this.scoredTypesFor(runId, regions), rows);
      fill(chunk, 0, rows, () => runId);
      fill(chunk, 1, rows, () => start);
      fill(chunk, 2, rows, () => end);
      fill(chunk, 3, rows, (i) => this.mask(w.imsi[rowOf(from + i)]));
      fill(chunk, 4, rows, (i) => {
        const eci = w.cell[rowOf(from + i)];
        return Number.isFinite(eci) ? BigInt(eci) : null;
      });
      fill(chunk, 5, rows, (i) => regions[w.regionIndex[rowOf(from + i)]] ?? null);
      fill(chunk, 6, rows, (i) => w.probability[rowOf(from + i)]);
      fill(chunk, 7, rows, (i) => w.probability[rowOf(from + i)] >= threshold);
      fill(chunk, 8, rows, (i) => reasons.get(rowOf(from + i)) ?? null);
      appender.appendDataChunk(chunk);
    }
    this.counts.scoredRows += n;
    return n;
  }

  async writeAlertEvents(events: readonly AlertEvent[]): Promise<void> {
    if (events.length === 0) return;
    const a = await this.appender('alert_events');
    const runId = this.currentRunId;
    for (const e of events) {
      const r = e.alert;
      a.appendVarchar(runId);
      a.appendBigInt(BigInt(e.sequence));
      a.appendVarchar(r.alert_id);
      a.appendVarchar(r.status);
      a.appendVarchar(r.severity);
      a.appendVarchar(r.region);
      a.appendVarchar(JSON.stringify(e.regions));
      a.appendVarchar(JSON.stringify(r.cells));
      a.appendTimestamp(timestampOf(r.opened_at));
      a.appendTimestamp(timestampOf(r.updated_at));
      if (e.resolved_at === null) a.appendNull();
      else a.appendTimestamp(timestampOf(e.resolved_at));
      a.appendInteger(r.users_at_risk);
      a.appendDouble(r.expected_complaints);
      a.appendInteger(r.vip_at_risk);
      a.appendVarchar(r.suspected_cause);
      a.appendVarchar(JSON.stringify(r.evidence));
      a.appendVarchar(r.model_version);
      if (e.merged_into === null) a.appendNull();
      else a.appendVarchar(e.merged_into);
      a.appendVarchar(JSON.stringify(e));
      a.endRow();
    }
    this.counts.alertEvents += events.length;
  }

  async writeOutreach(messages: readonly OutreachMessage[]): Promise<void> {
    if (messages.length === 0) return;
    const a = await this.appender('outreach');
    const runId = this.currentRunId;
    for (const m of messages) {
      a.appendVarchar(runId);
      appendOutreachMessage(a, m);
      a.endRow();
    }
    this.counts.outreach += messages.length;
  }

  /** Rows the sources or the feature engine rejected, with where they came from and why; `at` is event time. */
  async writeDeadLetters(letters: readonly DeadLetter[], at: number): Promise<void> {
    if (letters.length === 0) return;
    const a = await this.appender('dead_letters');
    const runId = this.currentRunId;
    for (const d of letters) {
      a.appendVarchar(runId);
      a.appendTimestamp(timestampOf(at));
      a.appendVarchar(d.source);
      a.appendBigInt(BigInt(d.row));
      a.appendVarchar(d.reason);
      a.appendVarchar(d.raw);
      a.endRow();
    }
    this.counts.deadLetters += letters.length;
  }

  /** Complaints of a replay (the truth its metrics are computed against); the MSISDN is masked. */
  async writeComplaints(complaints: readonly Complaint[]): Promise<void> {
    if (complaints.length === 0) return;
    const a = await this.appender('complaints');
    const runId = this.currentRunId;
    for (const c of complaints) {
      a.appendVarchar(runId);
      a.appendVarchar(c.complaintId);
      a.appendTimestamp(timestampOf(c.time));
      a.appendVarchar(this.mask(c.msisdn));
      a.appendVarchar(c.category);
      if (c.region === undefined) a.appendNull();
      else a.appendVarchar(c.region);
      a.endRow();
    }
    this.counts.complaints += complaints.length;
  }

  async writeMetrics(metrics: Readonly<Record<string, number>>): Promise<void> {
    const a = await this.appender('metrics');
    const runId = this.currentRunId;
    for (const [name, value] of Object.entries(metrics)) {
      a.appendVarchar(runId);
      a.appendVarchar(name);
      if (Number.isFinite(value)) a.appendDouble(value);
      else a.appendNull();
      a.endRow();
    }
  }

  /**
   * Continues a run after a restart (a live run resuming from its checkpoint): nothing is deleted, since the
   * database holds exactly what the checkpoint covered — later rows died with the transaction they were in.
   */
  async resumeRun(runId: string): Promise<void> {
    this.assertOpen();
    await this.connection.run("UPDATE runs SET status = 'running', ended_at = NULL WHERE run_id = $1", [runId]);
    this.runId = runId;
    const max = await this.connection.runAndReadAll('SELECT coalesce(max(sequence), 0) AS s FROM alert_events WHERE run_id = $1', [runId]);
    this.flushedSequence = Number(max.getRowObjectsJS()[0].s);
  }

  /**
   * From here on every row is written inside one transaction that `commitCheckpoint` commits together with the
   * checkpoint row (and then opens the next). A crash loses exactly the rows after the last checkpoint, which
   * the restarted run recomputes from the checkpoint's offsets: nothing lost, nothing doubled.
   */
  async beginCheckpointedWrites(): Promise<void> {
    this.assertOpen();
    if (this.inTransaction) return;
    this.closeAppenders();
    await this.connection.run('BEGIN TRANSACTION');
    this.inTransaction = true;
  }

  async commitCheckpoint(row: CheckpointRow): Promise<void> {
    this.assertOpen();
    await this.flush();
    this.closeAppenders();
    await this.connection.run('INSERT INTO checkpoints VALUES ($1, $2, $3, $4, $5, $6, $7, $8)', [
      row.runId,
      BigInt(row.checkpointId),
      timestampOf(row.takenAt),
      timestampOf(row.eventTime),
      row.source,
      JSON.stringify(row.offsets),
      row.stateFile,
      row.stateSha256,
    ]);
    if (this.inTransaction) {
      await this.connection.run('COMMIT');
      await this.connection.run('BEGIN TRANSACTION');
    }
  }

  /** Leaves checkpointed mode after the final checkpoint: later rows (the run's metrics) commit as they are written. */
  async endCheckpointedWrites(): Promise<void> {
    if (!this.inTransaction) return;
    this.closeAppenders();
    this.inTransaction = false;
    await this.connection.run('COMMIT');
  }

  /** The newest checkpoint of the newest unfinished run of `source` (status other than completed), if any. */
  async latestCheckpoint(source: string): Promise<CheckpointRow | null> {
    this.assertOpen();
    const r = await this.connection.runAndReadAll(
      `SELECT c.run_id, c.checkpoint_id, epoch_ms(c.taken_at) AS taken_at, epoch_ms(c.event_time) AS event_time, c.source,
              c.offsets, c.state_file, c.state_sha256
       FROM checkpoints c JOIN runs r USING (run_id)
       WHERE c.source = $1 AND r.status <> 'completed'
       ORDER BY r.started_at DESC, c.checkpoint_id DESC LIMIT 1`,
      [source],
    );
    const rows = r.getRowObjectsJS();
    if (rows.length === 0) return null;
    const x = rows[0];
    return {
      runId: String(x.run_id),
      checkpointId: Number(x.checkpoint_id),
      takenAt: Number(x.taken_at),
      eventTime: Number(x.event_time),
      source: String(x.source),
      offsets: JSON.parse(String(x.offsets)) as CheckpointRow['offsets'],
      stateFile: String(x.state_file),
      stateSha256: String(x.state_sha256),
    };
  }

  /** Makes everything appended so far durable and brings `alerts` (latest state per alert) up to date. */
  async flush(): Promise<void> {
    this.assertOpen();
    for (const a of this.appenders.values()) a.flushSync();
    if (this.runId === null) return;
    const cols = ALERT_STATE_COLUMNS.join(', ');
    // Set-based upsert of the newest event per alert since the last flush: no per-alert statements.
    await this.connection.run(
      `INSERT OR REPLACE INTO alerts (run_id, alert_id, last_sequence, ${cols})
       SELECT run_id, alert_id, sequence, ${cols} FROM alert_events
       WHERE run_id = $1 AND sequence > $2
       QUALIFY row_number() OVER (PARTITION BY alert_id ORDER BY sequence DESC) = 1`,
      [this.runId, BigInt(this.flushedSequence)],
    );
    const max = await this.connection.runAndReadAll('SELECT coalesce(max(sequence), 0) AS s FROM alert_events WHERE run_id = $1', [this.runId]);
    this.flushedSequence = Number(max.getRowObjectsJS()[0].s);
  }

  /**
   * Flushes, marks the run ended, and closes the file. Safe to call more than once (e.g. from a signal handler).
   * In a checkpointed run only what the last checkpoint committed stays: rows after it are rolled back, because
   * a restart recomputes them from the checkpoint's offsets (take a final checkpoint before closing).
   */
  close(status: RunStatus = 'completed'): Promise<void> {
    if (this.closing) return this.closing;
    this.closing = (async () => {
      try {
        if (this.inTransaction) {
          this.closeAppenders();
          this.inTransaction = false;
          await this.connection.run('ROLLBACK');
        } else {
          await this.flush();
          this.closeAppenders();
        }
        if (this.runId !== null) {
          await this.connection.run('UPDATE runs SET ended_at = $1, status = $2 WHERE run_id = $3', [timestampOf(Date.now()), status, this.runId]);
        }
        await this.connection.run('CHECKPOINT');
      } finally {
        this.closed = true;
        this.connection.closeSync();
        this.instance.closeSync();
      }
    })();
    return this.closing;
  }

  /** A run's alert events in sequence order, as the engine emitted them (a resumed run's history, `serve`). */
  async alertEvents(runId: string): Promise<AlertEvent[]> {
    const rows = await this.query('SELECT event FROM alert_events WHERE run_id = $1 ORDER BY sequence', [runId]);
    return rows.map((r) => JSON.parse(String(r.event)) as AlertEvent);
  }

  /** Query helper (tests, reports): flushes first so appended rows are visible; rows as JSON-safe objects. */
  async query(sql: string, values?: DuckDBValue[]): Promise<Record<string, unknown>[]> {
    await this.flush();
    const reader = await this.connection.runAndReadAll(sql, values);
    return reader.getRowObjectsJson() as Record<string, unknown>[];
  }

  private scoredTypesFor(runId: string, regions: readonly string[]): DuckDBType[] {
    const cached = this.scoredTypesCache;
    if (cached && cached.runId === runId && (cached.regions === regions || sameStrings(cached.regions, regions))) return cached.types;
    const distinct = [...new Set(regions)];
    const types = scoredTypes(runId, distinct.length > 0 ? distinct : [""]); // an ENUM needs a member
    this.scoredTypesCache = { runId, regions, types };
    return types;
  }

  private async appender(table: TableName): Promise<DuckDBAppender> {
    this.assertOpen();
    let a = this.appenders.get(table);
    if (!a) {
      a = await this.connection.createAppender(table);
      this.appenders.set(table, a);
    }
    return a;
  }

  /** Appenders are closed around transaction boundaries so none straddles two transactions. */
  private closeAppenders(): void {
    for (const a of this.appenders.values()) a.closeSync();
    this.appenders.clear();
  }

  private assertOpen(): void {
    if (this.closed || this.closing) throw new Error(`store ${this.path} is closed`);
  }
}

/**
 * On SIGINT/SIGTERM: close the store (flushing everything, run status `interrupted`), then call `then`
 * (default: exit 130). Returns a function that removes the handlers.
 */
export function closeOnSignals(store: Store, then: (signal: NodeJS.Signals) => void = () => process.exit(130)): () => void {
  const handler = (signal: NodeJS.Signals) => {
    store.close('interrupted').then(
      () => then(signal),
      (err: unknown) => {
        process.stderr.write(`hotspot: closing the store failed: ${String(err)}\n`);
        then(signal);
      },
    );
  };
  const onInt = () => handler('SIGINT');
  const onTerm = () => handler('SIGTERM');
  process.once('SIGINT', onInt);
  process.once('SIGTERM', onTerm);
  return () => {
    process.off('SIGINT', onInt);
    process.off('SIGTERM', onTerm);
  };
}

function sameStrings(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

function fill(chunk: DuckDBDataChunk, column: number, rows: number, value: (i: number) => DuckDBValue): void {
  const vector = chunk.getColumnVector(column) as DuckDBVector<DuckDBValue>;
  for (let i = 0; i < rows; i++) vector.setItem(i, value(i));
  vector.flush();
}

/** Row → 'feature:+0.421;feature:+0.130' for explained rows: the top positive contributions. */
export function topReasons(w: ScoredWindow, k: number): Map<number, string> {
  const out = new Map<number, string>();
  const nf = w.featureNames.length;
  const width = nf + 1;
  const best = new Int32Array(k);
  for (let j = 0; j < w.explainedRows.length; j++) {
    const base = j * width;
    let have = 0;
    for (let f = 0; f < nf; f++) {
      const v = w.contributions[base + f];
      if (!(v > 0)) continue;
      // insertion into a k-long sorted list: k is 3, so this beats sorting nf values
      let pos = have < k ? have++ : k;
      while (pos > 0 && w.contributions[base + best[pos - 1]] < v) {
        if (pos < k) best[pos] = best[pos - 1];
        pos--;
      }
      if (pos < k) best[pos] = f;
    }
    if (have === 0) continue;
    const parts: string[] = [];
    for (let i = 0; i < have; i++) parts.push(`${w.featureNames[best[i]]}:+${w.contributions[base + best[i]].toFixed(3)}`);
    out.set(w.explainedRows[j], parts.join(';'));
  }
  return out;
}
