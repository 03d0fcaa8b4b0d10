// A live run from Kafka with checkpoints that survive a crash (kill -9 at any moment).
//
// Exactly-once, end to end, rests on three facts:
//   1. The store writes every row inside a transaction that commits together with a checkpoint row naming the
//      Kafka offsets (next offset per partition) whose records those rows account for, and the engine-state file
//      (features, detector, outreach) taken at that same moment. A crash rolls back everything after it.
//   2. A restart restores the engine state and re-reads every partition from the checkpoint's offsets.
//   3. Alert ids and sequence numbers are deterministic functions of the input, so the recomputed rows are the
//      same rows. (Kafka sinks downstream see re-sent events after a crash: consumers dedupe on alert_id+sequence.)
// Offsets are committed to the consumer group only after the database commit, for lag monitoring and hand-over.
import type { RecordBatch } from 'apache-arrow';
import type { DeliveredBatch, KafkaSource, PartitionOffset } from '../sources/kafka/kafka-source.js';
import { PartitionMerge } from '../sources/kafka/partition-merge.js';
import type { CheckpointRow } from '../store/store.js';
import { setTimeout as sleep } from 'node:timers/promises';
import { RunCheckpoints, type StoredRunOptions } from './checkpoint.js';

export interface CheckpointedRunOptions extends StoredRunOptions {
  /** Not started yet: created with `startOffsets` from `resumeFrom` (see `resumeOffsets`). At the idle end, open
   *  windows are closed. */
  source: KafkaSource;
  /**
   * One instance owns the whole stream: before processing, wait this long at most for the group to assign it
   * every partition (a restarted instance waits out its dead predecessor's session), so no partition's records
   * arrive late behind the others.
   */
  assignmentWaitMs?: number;
  /**
   * A closed window is checkpointed at once unless the previous checkpoint is younger than this; then at the first
   * batch after the gap. Live, windows close minutes apart and each gets its own checkpoint; catching up (after a
   * restart, or a backlog), windows close every second or faster, and a checkpoint per window cost ~10 % of the
   * engine's time. What it trades: a crash re-reads at most this much more work, and alert rows reach readers of
   * the database up to this much later (the sinks outside the database get them at once). 0 = every window.
   */
  windowCheckpointGapMs?: number;
  /** Each batch of records before the engine sees it. */
  onBatch?(batch: RecordBatch): void;
}

export interface CheckpointedRunResult {
  status: 'completed' | 'interrupted';
  checkpoints: number;
  lastCheckpoint: CheckpointRow | null;
}

const DEFAULT_CHECKPOINT_INTERVAL_MS = 30_000;
/** Like Flink's minimum pause between checkpoints; ≤ 2 s keeps catch-up's database-visible alert delay ≤ ~2 s. */
export const DEFAULT_WINDOW_CHECKPOINT_GAP_MS = 2_000;
const DEFAULT_ASSIGNMENT_WAIT_MS = 60_000;
/** How long one wait for the next batch lasts before idle time and the signal are looked at again. */
const POLL_MS = 200;

const keyOf = (topic: string, partition: number) => `${topic}\u0000${partition}`;

export async function runCheckpointed(o: CheckpointedRunOptions): Promise<CheckpointedRunResult> {
  const { engine, source, store } = o;
  const checkpoints = new RunCheckpoints(engine, store, o.runId, o.sourceLabel, o.resumeFrom);
  const offsets = new Map<string, PartitionOffset>();
  for (const p of o.resumeFrom?.offsets ?? []) offsets.set(keyOf(p.topic, p.partition), p);
  await checkpoints.begin();

  const idleLimit = o.exitWhenIdleMs ?? Infinity;
  const interval = o.checkpointIntervalMs ?? DEFAULT_CHECKPOINT_INTERVAL_MS;
  const windowGap = o.windowCheckpointGapMs ?? DEFAULT_WINDOW_CHECKPOINT_GAP_MS;
  let windowsAtCheckpoint = engine.stats.windows;
  let recordsAtCheckpoint = engine.stats.records;
  let lastCheckpointAt = Date.now();

  const checkpoint = async (): Promise<void> => {
    const row = await checkpoints.take([...offsets.values()].sort((a, b) => a.topic.localeCompare(b.topic) || a.partition - b.partition));
    await source.commit(row.offsets).catch(() => undefined); // the group's offsets are advisory; the database rules
    windowsAtCheckpoint = engine.stats.windows;
    recordsAtCheckpoint = engine.stats.records;
    lastCheckpointAt = Date.now();
    o.onCheckpoint?.(row);
  };
  let lastRecordAt = Date.now();
  let status: CheckpointedRunResult['status'] = 'interrupted';
  let assigned = false;

  const processBatch = async (d: DeliveredBatch): Promise<void> => {
    await engine.acceptDeadLetters(d.letters);
    if (d.batch.numRows > 0) {
      o.onBatch?.(d.batch);
      await engine.push(d.batch);
    }
    offsets.set(keyOf(d.topic, d.partition), { topic: d.topic, partition: d.partition, offset: d.nextOffset });
    const sinceCheckpoint = Date.now() - lastCheckpointAt;
    if ((engine.stats.windows !== windowsAtCheckpoint && sinceCheckpoint >= windowGap) || sinceCheckpoint >= interval) await checkpoint();
  };

  // Every (re)assigned partition starts where this engine's state is.
  source.useStartOffsets((topic, partition) => offsets.get(keyOf(topic, partition))?.offset);
  await source.start();
  await waitForAllPartitions(source, o.assignmentWaitMs ?? DEFAULT_ASSIGNMENT_WAIT_MS, o.signal);
  const merge = new PartitionMerge({ maxBufferedRecords: source.options.maxQueuedRecords });
  // One outstanding next() at a time: a second call would take a batch the first one's caller never sees.
  let pending: Promise<Awaited<ReturnType<KafkaSource['next']>>> | null = null;
  try {
    // Idleness is judged on the time spent waiting for Kafka, not on time spent processing: after a long window
    // close, a partition whose next batch simply has not been taken yet is not idle.
    let waitClock = 0;
    for (;;) {
      if (o.signal.aborted) break;
      pending ??= source.next();
      const waitStart = Date.now();
      const got = await within(pending, POLL_MS, o.signal);
      const now = Date.now();
      waitClock += now - waitStart;
      if (got !== TIMEOUT) {
        pending = null;
        if (got === null) break; // the source was closed
        merge.add(got, waitClock);
        for (let d = source.poll(); d !== null; d = source.poll()) merge.add(d, waitClock);
        lastRecordAt = now;
        assigned = true;
      }
      merge.setAssigned(source.assignments(), waitClock);
      for (let d = merge.next(waitClock); d !== null; d = merge.next(waitClock)) {
        await processBatch(d);
        if (o.signal.aborted) break;
      }
      if (got !== TIMEOUT) continue;
      const changed = engine.stats.records !== recordsAtCheckpoint || engine.stats.windows !== windowsAtCheckpoint;
      // Quiet input: make what has been processed durable rather than wait for the next window.
      if (changed && now - lastCheckpointAt >= Math.min(interval, 1000)) await checkpoint();
      // Joining the group takes seconds: idle time counts only once partitions are assigned.
      if (!assigned) {
        assigned = source.assignments().length > 0;
        lastRecordAt = now;
      }
      if (assigned && now - lastRecordAt >= idleLimit) {
        for (let d = merge.next(waitClock, { drain: true }); d !== null; d = merge.next(waitClock, { drain: true })) await processBatch(d);
        status = 'completed';
        break;
      }
    }
    // Idle end of input closes the open windows; an interruption leaves them for the restart to continue.
    await engine.finish({ closeOpenWindows: status === 'completed' });
    await checkpoint();
    await store.endCheckpointedWrites();
  } finally {
    await source.close();
  }
  return { status, checkpoints: checkpoints.count, lastCheckpoint: checkpoints.last };
}

async function waitForAllPartitions(source: KafkaSource, waitMs: number, signal: AbortSignal): Promise<void> {
  const deadline = Date.now() + waitMs;
  let total = 0;
  while (!signal.aborted && Date.now() < deadline) {
    total ||= await source.partitionCount().catch(() => 0);
    if (total > 0 && source.assignments().length >= total) return;
    await sleep(POLL_MS, undefined, { signal }).catch(() => undefined); // an abort ends the wait early
  }
  if (!signal.aborted) process.stderr.write(`warning: after ${waitMs / 1000} s this instance holds ${source.assignments().length} of ${total} partitions; going on\n`);
}

export const TIMEOUT = Symbol('timeout');

/** `pending` or TIMEOUT after `ms` (or at once on abort), whichever comes first; the timer never outlives it. */
export async function within<T>(pending: Promise<T>, ms: number, signal: AbortSignal): Promise<T | typeof TIMEOUT> {
  let timer: NodeJS.Timeout | undefined;
  let onAbort: (() => void) | undefined;
  const timeout = new Promise<typeof TIMEOUT>((resolve) => {
    timer = setTimeout(() => resolve(TIMEOUT), ms);
    onAbort = () => resolve(TIMEOUT);
    signal.addEventListener('abort', onAbort, { once: true });
  });
  try {
    return await Promise.race([pending, timeout]);
  } finally {
    clearTimeout(timer);
    signal.removeEventListener('abort', onAbort!);
  }
}
