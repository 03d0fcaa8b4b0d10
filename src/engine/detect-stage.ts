// Stage 2 of a scale-out run (`hotspot run --stage detect`): reads the scores topic that the stage-1 instances
// publish to (src/engine/score-stage.ts), joins each window's shares from every record partition, and runs the
// detector and outreach on the whole window exactly as a single instance does, into the store and the sinks.
//
// A window is complete when every record partition has marked a window at least as late as it done, and every
// partition that published rows for it has all the chunks its marker counts. Windows are handed on in event-time
// order. Copies (a stage-1 partition re-read from an older checkpoint publishes its windows again) are dropped by
// (record partition, window, chunk); windows already handed on are dropped whole.
//
// A record partition that stage 1 reports idle (read to its end, no open window) does not hold windows back until
// it reports active or publishes again; an idle report older than a window the partition has published since is
// stale and ignored. A share that comes for a window already handed on without that partition is late: counted and
// dead-lettered, never mistaken for a copy.
//
// Checkpoints use the single-instance mechanism (engine state file + a row in the store's transaction): the
// offsets stored per scores partition are those of its earliest message still waiting in an incomplete window,
// so a restart reads those messages again and nothing waiting is lost. The detector and outreach state are in the
// state file; what is already handed on is known from its event time.
import type { Message } from 'node-rdkafka';
import type { DeadLetter } from '../sources/dead-letters.js';
import type { KafkaMessageConsumer } from '../sources/kafka/message-consumer.js';
import type { PartitionOffset } from '../sources/kafka/kafka-source.js';
import type { CheckpointRow } from '../store/store.js';
import { RunCheckpoints, type StoredRunOptions } from './checkpoint.js';
import { assembleWindow, decodeScoreChunk, isPartitionState, parseScoreHead, type PartitionShare } from './score-messages.js';

export interface DetectStageOptions extends StoredRunOptions {
  /** Not started yet. At the idle end (counted from the first message), every window still waiting is handed on. */
  consumer: KafkaMessageConsumer;
  log?(line: string): void;
}

export interface DetectStageResult {
  status: 'completed' | 'interrupted';
  checkpoints: number;
  windows: number;
  /** Windows handed on at the idle end with some partition's share missing or short. */
  incompleteWindows: number;
  duplicateMessages: number;
  /** Messages of a record partition's share that came after its window was handed on without it. */
  lateShareMessages: number;
  lastCheckpoint: CheckpointRow | null;
}

interface PendingWindow {
  windowStart: number;
  windowEnd: number;
  modelVersion: string;
  shares: Map<number, PartitionShare>;
  /** Scores-topic positions of the messages that make it up (the checkpoint must not pass them). */
  positions: Array<{ partition: number; offset: number }>;
}

const DEFAULT_CHECKPOINT_INTERVAL_MS = 30_000;
/** Handed-on windows whose contributing record partitions are remembered, to tell late shares from copies. */
const REMEMBERED_WINDOWS = 64;

export async function runDetectStage(o: DetectStageOptions): Promise<DetectStageResult> {
  const { engine, consumer, store, runId } = o;
  const topic = consumer.options.topic;
  const log = o.log ?? (() => undefined);
  const result: DetectStageResult = { status: 'interrupted', checkpoints: 0, windows: 0, incompleteWindows: 0, duplicateMessages: 0, lateShareMessages: 0, lastCheckpoint: null };
  const checkpoints = new RunCheckpoints(engine, store, runId, o.sourceLabel, o.resumeFrom);
  /** Next offset per scores partition. */
  const nextOffset = new Map<number, number>();
  for (const p of o.resumeFrom?.offsets ?? []) if (p.topic === topic) nextOffset.set(p.partition, p.offset);
  await checkpoints.begin();

  const pending = new Map<number, PendingWindow>();
  /** Per record partition: the end of the latest window it has marked done. */
  const closedThrough = new Map<number, number>();
  let recordPartitions = 0;
  const handedOnThrough = () => engine.stats.eventTime;
  /** Record partitions reported idle, and per record partition the latest window end it published. */
  const idle = new Set<number>();
  const publishedThrough = new Map<number, number>();
  /** Recently handed-on windows (by start) → the record partitions that had a share or marker in them. */
  const contributors = new Map<number, Set<number>>();

  const offsets = (): PartitionOffset[] => {
    const at = new Map(nextOffset);
    for (const w of pending.values()) for (const p of w.positions) if (p.offset < (at.get(p.partition) ?? Infinity)) at.set(p.partition, p.offset);
    return [...at].sort((a, b) => a[0] - b[0]).map(([partition, offset]) => ({ topic, partition, offset }));
  };

  const checkpoint = async (): Promise<void> => {
    const row = await checkpoints.take(offsets());
    try {
      consumer.commit(row.offsets);
    } catch {
      // the group's offsets are advisory; the database rules
    }
    o.onCheckpoint?.(row);
  };

  const letters: DeadLetter[] = [];
  const reject = (m: Message, reason: string): void => {
    letters.push({ source: `kafka:${m.topic}/${m.partition}@${m.offset}`, row: 0, reason, raw: '' });
  };

  const accept = (m: Message): void => {
    nextOffset.set(m.partition, m.offset + 1);
    const head = parseScoreHead(m.headers);
    if (typeof head === 'string') return reject(m, head);
    if (head.recordPartitions !== recordPartitions) {
      if (recordPartitions > 0) log(`warning: record topic now has ${head.recordPartitions} partitions (was ${recordPartitions})`);
      recordPartitions = Math.max(recordPartitions, head.recordPartitions);
    }
    const rp = head.recordPartition;
    if (isPartitionState(head.kind)) {
      if (head.kind === 'active') idle.delete(rp);
      else if (head.windowEnd >= (publishedThrough.get(rp) ?? 0) && !idle.has(rp)) {
        idle.add(rp);
        log(`record partition ${rp} is idle`);
      }
      return;
    }
    if (head.windowEnd > (publishedThrough.get(rp) ?? 0)) publishedThrough.set(rp, head.windowEnd);
    idle.delete(rp);
    if (head.windowEnd <= handedOnThrough()) {
      const had = contributors.get(head.windowStart);
      if (had && !had.has(rp)) {
        // Handed on while this partition was idle: its share is late (a copy would come from a contributor).
        if (head.kind !== 'end') result.lateShareMessages++;
        if (head.kind !== 'end') reject(m, `late share: window ${new Date(head.windowStart).toISOString()} of record partition ${rp} came after the window was handed on without it (the partition was idle)`);
      } else result.duplicateMessages++; // a window already handed on, published again after a stage-1 restart
      return;
    }
    let w = pending.get(head.windowStart);
    if (!w) pending.set(head.windowStart, (w = { windowStart: head.windowStart, windowEnd: head.windowEnd, modelVersion: head.modelVersion, shares: new Map(), positions: [] }));
    if (w.windowEnd !== head.windowEnd) return reject(m, `window ${head.windowStart} ends at ${head.windowEnd}, others say ${w.windowEnd}`);
    let share = w.shares.get(head.recordPartition);
    if (!share) w.shares.set(head.recordPartition, (share = { chunks: new Map(), expectedChunks: -1 }));
    if (head.kind === 'end') {
      if (share.expectedChunks < 0) share.expectedChunks = head.chunk;
      else result.duplicateMessages++; // the marker is on every scores partition
      if (head.windowEnd > (closedThrough.get(head.recordPartition) ?? -Infinity)) closedThrough.set(head.recordPartition, head.windowEnd);
    } else if (share.chunks.has(head.chunk)) {
      result.duplicateMessages++;
      return;
    } else {
      const chunk = decodeScoreChunk(head.kind, m.value);
      if (typeof chunk === 'string') return reject(m, chunk);
      share.chunks.set(head.chunk, { kind: head.kind, chunk });
    }
    w.positions.push({ partition: m.partition, offset: m.offset });
  };

  const complete = (w: PendingWindow): boolean => {
    if (recordPartitions === 0) return false;
    for (let rp = 0; rp < recordPartitions; rp++) {
      const share = w.shares.get(rp);
      if (!share && idle.has(rp)) continue;
      if ((closedThrough.get(rp) ?? handedOnThrough()) < w.windowEnd) return false;
      if (share && (share.expectedChunks < 0 || share.chunks.size < share.expectedChunks)) return false;
    }
    return true;
  };

  const explain = (probability: Float64Array, cell: Float64Array) => engine.scorer.explainedSample(probability, cell);
  const handOn = async (w: PendingWindow): Promise<void> => {
    pending.delete(w.windowStart);
    contributors.set(w.windowStart, new Set(w.shares.keys()));
    if (contributors.size > REMEMBERED_WINDOWS) contributors.delete(contributors.keys().next().value!);
    const rows = [...w.shares.values()].some((s) => [...s.chunks.values()].some((c) => c.kind === 'rows'));
    if (!rows) return; // markers only (cannot happen: a marked window has rows)
    const scored = assembleWindow(w.windowStart, w.windowEnd, w.modelVersion, [...w.shares].sort((a, b) => a[0] - b[0]).map(([, s]) => s), explain);
    await engine.pushScored(scored);
    result.windows++;
    log(`window ${new Date(w.windowStart).toISOString().slice(0, 16)}: ${scored.imsi.length} users from ${w.shares.size} record partitions`);
  };

  /** Hands on the complete windows in order; at the end (`drain`) every waiting window. */
  const handOnReady = async (drain: boolean): Promise<boolean> => {
    let any = false;
    for (;;) {
      const first = [...pending.values()].sort((a, b) => a.windowStart - b.windowStart)[0];
      if (!first) break;
      if (!complete(first)) {
        if (!drain) break;
        result.incompleteWindows++;
        process.stderr.write(`warning: window ${new Date(first.windowStart).toISOString()} handed on without every record partition's complete share\n`);
      }
      await handOn(first);
      any = true;
      if (!drain) await checkpoint();
    }
    return any;
  };

  consumer.useStartOffsets((t, partition) => (t === topic ? nextOffset.get(partition) : undefined));
  await consumer.start();
  const idleLimit = o.exitWhenIdleMs ?? Infinity;
  const interval = o.checkpointIntervalMs ?? DEFAULT_CHECKPOINT_INTERVAL_MS;
  let lastMessageAt = Number.NaN;
  let lastCheckpointAt = Date.now();
  let changed = false;
  try {
    while (!o.signal.aborted) {
      const messages = await consumer.consume(1000);
      const now = Date.now();
      if (messages.length > 0) {
        for (const m of messages) accept(m);
        lastMessageAt = now;
        changed = true;
        if (letters.length > 0) await engine.acceptDeadLetters(letters.splice(0));
        if (await handOnReady(false)) {
          lastCheckpointAt = Date.now();
          changed = false;
        }
        continue;
      }
      if (changed && now - lastCheckpointAt >= Math.min(interval, 1000)) {
        await checkpoint();
        lastCheckpointAt = now;
        changed = false;
      }
      if (now - lastMessageAt >= idleLimit) {
        await handOnReady(true);
        result.status = 'completed';
        break;
      }
    }
    await engine.finish({ closeOpenWindows: false });
    await checkpoint();
    await store.endCheckpointedWrites();
  } finally {
    await consumer.close();
  }
  return { ...result, checkpoints: checkpoints.count, lastCheckpoint: checkpoints.last };
}
