// A live run's checkpoint state file: the engine's state (feature windows and baselines, detector, outreach
// suppression) in one file next to the database, written atomically (temp file, fsync, rename) before the
// database transaction that names it commits. The database row holds the Kafka offsets and the file's SHA-256,
// so a restart never pairs offsets with state from another moment.
//
// Layout: magic "HSCKPT01", u32 JSON length, JSON {detector, outreach, progress}, then the feature engine's own
// binary snapshot (which carries its own magic and spec hash).
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, rmSync } from 'node:fs';
import { mkdir, open, rename, rm } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { z } from 'zod';
import type { DetectorSnapshot } from '../hotspots/detector.js';
import type { OutreachSnapshot } from '../outreach/care-list.js';
import type { PartitionOffset } from '../sources/kafka/kafka-source.js';
import type { CheckpointRow, Store } from '../store/store.js';
import type { Engine, EngineProgress, EngineState } from './engine.js';

const MAGIC = 'HSCKPT01';

const progressSchema = z.object({
  records: z.number(),
  windows: z.number(),
  userWindows: z.number(),
  atRisk: z.number(),
  alertEvents: z.number(),
  openAlerts: z.number(),
  outreachMessages: z.number(),
  deadLetters: z.number(),
  eventTime: z.number(),
});
// Detector and outreach snapshots are validated by their own restore(); here only their presence.
const headerSchema = z.object({ detector: z.record(z.string(), z.unknown()), outreach: z.record(z.string(), z.unknown()), progress: progressSchema });

/** The file as two parts — header (magic, length, JSON) and the feature snapshot — so it is written without a copy. */
export function engineStateParts(state: EngineState): [Uint8Array, Uint8Array] {
  const json = new TextEncoder().encode(JSON.stringify({ detector: state.detector, outreach: state.outreach, progress: state.progress }));
  const head = new Uint8Array(MAGIC.length + 4 + json.length);
  head.set(new TextEncoder().encode(MAGIC), 0);
  new DataView(head.buffer).setUint32(MAGIC.length, json.length, true);
  head.set(json, MAGIC.length + 4);
  return [head, state.features];
}

export function encodeEngineState(state: EngineState): Uint8Array {
  const [head, features] = engineStateParts(state);
  const out = new Uint8Array(head.length + features.length);
  out.set(head, 0);
  out.set(features, head.length);
  return out;
}

/**
 * Writes the state file durably (temp file, fsync, rename, fsync of the directory) off the main thread, and
 * returns its SHA-256. The engine waits for it before committing the checkpoint, but the Kafka client does not.
 */
export async function writeStateFile(path: string, state: EngineState): Promise<string> {
  const parts = engineStateParts(state);
  const hash = createHash('sha256');
  for (const p of parts) hash.update(p);
  await mkdir(dirname(path), { recursive: true });
  const tmp = `${path}.tmp-${process.pid}`;
  const fh = await open(tmp, 'w');
  try {
    await fh.writev(parts);
    await fh.sync();
  } finally {
    await fh.close();
  }
  await rename(tmp, path);
  const dir = await open(dirname(path), 'r');
  try {
    await dir.sync();
  } finally {
    await dir.close();
  }
  return hash.digest('hex');
}

export function decodeEngineState(bytes: Uint8Array, what = 'checkpoint state'): EngineState {
  const magic = new TextDecoder().decode(bytes.subarray(0, MAGIC.length));
  if (magic !== MAGIC) throw new Error(`${what}: not a hotspot checkpoint (magic '${magic}', expected '${MAGIC}')`);
  const len = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).getUint32(MAGIC.length, true);
  const start = MAGIC.length + 4;
  if (start + len > bytes.length) throw new Error(`${what}: truncated (header of ${len} bytes, file of ${bytes.length})`);
  const header = headerSchema.parse(JSON.parse(new TextDecoder().decode(bytes.subarray(start, start + len))));
  return {
    detector: header.detector as unknown as DetectorSnapshot,
    outreach: header.outreach as unknown as OutreachSnapshot,
    progress: header.progress as EngineProgress,
    // A copy into a fresh buffer (Buffer#slice would be a view): the feature snapshot's typed arrays are read at
    // 8-byte-aligned positions from the start of their own buffer.
    features: new Uint8Array(bytes.subarray(start + len)),
  };
}

export const sha256 = (bytes: Uint8Array): string => createHash('sha256').update(bytes).digest('hex');

/** Reads a state file and checks it is the one the checkpoint row names. */
export function readStateFile(path: string, expectedSha256: string): EngineState {
  let bytes: Uint8Array;
  try {
    bytes = readFileSync(path);
  } catch (err) {
    throw new Error(`checkpoint state ${path} cannot be read: ${(err as Error).message}`);
  }
  const actual = sha256(bytes);
  if (actual !== expectedSha256) throw new Error(`checkpoint state ${path} does not match its checkpoint (sha256 ${actual.slice(0, 12)}…, expected ${expectedSha256.slice(0, 12)}…)`);
  return decodeEngineState(bytes, path);
}

/** Directory of a database's checkpoint state files: `hotspot.duckdb` → `hotspot.duckdb.checkpoints/`. */
export const checkpointDirOf = (dbPath: string): string => `${dbPath}.checkpoints`;

/** Removes state files of `runId` other than the `keep` newest names (older checkpoints are never read again). */
export function pruneStateFiles(dir: string, runId: string, keep: readonly string[]): void {
  const keepNames = new Set(keep.map((k) => basename(k)));
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return;
  }
  for (const n of names) if (n.startsWith(`${runId}-`) && !keepNames.has(n)) rmSync(join(dir, n), { force: true });
}

/**
 * The store side of a live run's checkpoints, shared by the single-instance run and the detect stage: restore the
 * engine from the checkpoint a run continues from, and take a checkpoint — state file first, then the database row
 * naming it (with the offsets) in the same transaction as the rows written since, then drop the state file the
 * previous checkpoint needed. The callers commit the group's offsets themselves (advisory; the database rules).
 */
/** What a run that checkpoints into the store is given, whatever it reads (the single instance, the detect stage). */
export interface StoredRunOptions {
  engine: Engine;
  store: Store;
  runId: string;
  /** The run's source label; checkpoints are looked up by it. */
  sourceLabel: string;
  /** The checkpoint this run continues from (its state is restored here), or null for a new run. */
  resumeFrom: CheckpointRow | null;
  /** Stop after this long without input (each runner says what it does then); Infinity = until the signal. */
  exitWhenIdleMs?: number;
  /** Besides at every closed window, checkpoint at least this often (wall clock) while input flows. */
  checkpointIntervalMs?: number;
  signal: AbortSignal;
  onCheckpoint?(row: CheckpointRow): void;
}

export class RunCheckpoints {
  private id = 0;
  private taken = 0;
  private previous: CheckpointRow | null;
  private readonly stateDir: string;

  constructor(
    private readonly engine: Engine,
    private readonly store: Store,
    private readonly runId: string,
    private readonly sourceLabel: string,
    private readonly resumeFrom: CheckpointRow | null,
  ) {
    this.stateDir = checkpointDirOf(store.path);
    this.previous = resumeFrom;
    this.id = resumeFrom?.checkpointId ?? 0;
  }

  /** Restores the engine from the checkpoint the run continues from (if any) and opens checkpointed writes. */
  async begin(): Promise<void> {
    if (this.resumeFrom) {
      this.engine.restore(readStateFile(this.resumeFrom.stateFile, this.resumeFrom.stateSha256));
      await this.store.resumeRun(this.runId);
    }
    await this.store.beginCheckpointedWrites();
  }

  /** Checkpoints taken by this process. */
  get count(): number {
    return this.taken;
  }

  /** The newest committed checkpoint (the one resumed from until this process takes one). */
  get last(): CheckpointRow | null {
    return this.previous;
  }

  async take(offsets: PartitionOffset[]): Promise<CheckpointRow> {
    this.id++;
    const stateFile = join(this.stateDir, `${this.runId}-${String(this.id).padStart(8, '0')}.state`);
    const stateSha256 = await writeStateFile(stateFile, this.engine.snapshot());
    const row: CheckpointRow = {
      runId: this.runId,
      checkpointId: this.id,
      takenAt: Date.now(),
      eventTime: this.engine.stats.eventTime,
      source: this.sourceLabel,
      offsets,
      stateFile,
      stateSha256,
    };
    await this.store.commitCheckpoint(row);
    // The state file of the previous checkpoint stays until this one is committed: a crash in between restarts
    // from the previous one.
    if (this.taken > 0 && this.previous) await rm(this.previous.stateFile, { force: true });
    else pruneStateFiles(this.stateDir, this.runId, [stateFile]); // this process's first: also what a crash left behind
    this.previous = row;
    this.taken++;
    return row;
  }
}
