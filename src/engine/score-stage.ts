// Stage 1 of a scale-out run (`hotspot run --stage score`): one of several instances in a consumer group over the
// record topic. Users are keyed by IMSI → partition, so a partition's users' feature state is self-contained: each
// assigned partition gets its own feature engine and every closed window of it is scored and published to the
// scores topic (src/engine/score-messages.ts) for stage 2 to join across partitions.
//
// Each partition's checkpoint is one file in a directory the instances share: its feature state and the next
// offset, written together atomically, after the window's messages are delivered. Any such file is a consistent
// restart point, whichever instance wrote it: a partition re-read from it publishes the same windows again (the
// input and the state are the same), and stage 2 keeps the first copy of each (record partition, window) chunk.
// A rebalance moves users' state through these files: on revoke an instance checkpoints the partitions it loses
// (unless a window of theirs is still in flight: then the previous checkpoint stands), on assign it restores each
// partition's state and starts reading where it left off.
//
// Idleness (as Flink's idle sources): a partition read to its end that has had no records for `partitionIdleMs`
// no longer holds the others back. If it still holds open windows, its event time moves on to the latest of this
// instance's partitions (one engine over all partitions would have closed them); once it holds none, it tells
// stage 2 so (an `idle` message, repeated while it lasts), and `active` when records come to it again. Without this
// a partition with no records, or one gone quiet, would hold back every window in stage 2.
import { closeSync, fsyncSync, mkdirSync, openSync, readFileSync, renameSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import type { TopicPartition } from 'node-rdkafka';
import { z } from 'zod';
import type { KafkaProducerSink } from '../api/kafka-sinks.js';
import { FeatureEngine, type FeatureSpec, type FeatureWindow } from '../features/index.js';
import type { GbdtModel } from '../model/tree.js';
import type { Topology } from '../schema/side-files.js';
import type { DeadLetter } from '../sources/dead-letters.js';
import { KafkaSource, type DeliveredBatch, type KafkaSourceOptions } from '../sources/kafka/kafka-source.js';
import { within, TIMEOUT } from './checkpointed-run.js';
import { encodePartitionState, encodeWindowMessages } from './score-messages.js';
import { WindowScorer } from './window-scorer.js';

export interface ScoreStageOptions {
  spec: FeatureSpec;
  topology: Topology;
  model: GbdtModel;
  threshold: number;
  modelVersion: string;
  allowedLatenessMs?: number;
  /** The record topic (one) and its consumer group. */
  kafka: KafkaSourceOptions;
  /** Started. */
  producer: KafkaProducerSink;
  scoresTopic: string;
  /** Where bad records found by the feature engine (late records) are published, as the source does; null: log only. */
  deadLetterTopic: string | null;
  /** Shared by the instances of the group (same machine or a shared volume). */
  checkpointDir: string;
  exitWhenIdleMs?: number;
  /** A partition read to its end without records for this long no longer holds windows back (default 2 s). */
  partitionIdleMs?: number;
  checkpointIntervalMs?: number;
  signal: AbortSignal;
  log?(line: string): void;
}

export interface ScoreStageResult {
  status: 'completed' | 'interrupted';
  records: number;
  windows: number;
  userWindows: number;
  messages: number;
  checkpoints: number;
  deadLetters: number;
  /** Wall clock (epoch ms) when the first and the last records were taken; NaN without records. */
  firstRecordAt: number;
  lastRecordAt: number;
  /** This process's CPU seconds (user + system) from the first record taken to the last. */
  cpuWhileRecords: number;
}

const DEFAULT_CHECKPOINT_INTERVAL_MS = 30_000;
const DEFAULT_PARTITION_IDLE_MS = 2000;
/** How often an idle partition says so again (a restarted stage 2 reads only from its checkpoint on). */
const IDLE_REPEAT_MS = 10_000;
const POLL_MS = 200;
/** librdkafka's "start of the partition" offset. */
const OFFSET_BEGINNING = -2;

interface PartitionWork {
  topic: string;
  partition: number;
  features: FeatureEngine;
  /** Next offset to read: the records before it are in `features`. */
  nextOffset: number;
  /** Records taken since the last checkpoint. */
  dirty: boolean;
  /** A closed window's messages are not yet known to be delivered: no checkpoint may cover it. */
  inFlight: boolean;
  revoked: boolean;
  lastCheckpointAt: number;
  /** Wall clock of the last records taken (or of the assignment). */
  lastRecordAt: number;
  /** End of the latest window published (0: none yet). */
  publishedThrough: number;
  /** Wall clock of the last `idle` message sent for it; NaN while it is not idle. */
  idleSentAt: number;
}

const keyOf = (topic: string, partition: number) => `${topic}\u0000${partition}`;

export async function runScoreStage(o: ScoreStageOptions): Promise<ScoreStageResult> {
  const { producer } = o;
  if (o.kafka.topics.length !== 1) throw new Error('a scoring stage reads one record topic');
  const topic = o.kafka.topics[0].topic;
  mkdirSync(o.checkpointDir, { recursive: true });
  const scorer = new WindowScorer(o.model, { threshold: o.threshold, modelVersion: o.modelVersion });
  const letters: DeadLetter[] = [];
  const featureOptions = { allowedLatenessMs: o.allowedLatenessMs, deadLetters: { add: (l: DeadLetter) => void letters.push(l) }, source: 'features' };
  const interval = o.checkpointIntervalMs ?? DEFAULT_CHECKPOINT_INTERVAL_MS;
  const log = o.log ?? (() => undefined);
  const result: ScoreStageResult = { status: 'interrupted', records: 0, windows: 0, userWindows: 0, messages: 0, checkpoints: 0, deadLetters: 0, firstRecordAt: NaN, lastRecordAt: NaN, cpuWhileRecords: 0 };
  let cpuAtFirst: NodeJS.CpuUsage | null = null;
  const work = new Map<string, PartitionWork>();
  let recordPartitions = 0;
  let scoresPartitions = 0;

  const checkpoint = (w: PartitionWork): void => {
    writePartitionCheckpoint(o.checkpointDir, w.topic, w.partition, w.nextOffset, w.features.snapshot());
    w.dirty = false;
    w.lastCheckpointAt = Date.now();
    result.checkpoints++;
    log(`checkpoint ${w.topic}/${w.partition}@${w.nextOffset}`);
  };

  const onRevoked = (partitions: TopicPartition[]): void => {
    for (const tp of partitions) {
      const w = work.get(keyOf(tp.topic, tp.partition));
      if (!w) continue;
      // Synchronous: the new owner may read the file as soon as this callback returns.
      if (w.dirty && !w.inFlight) checkpoint(w);
      w.revoked = true;
      work.delete(keyOf(tp.topic, tp.partition));
      log(`revoked ${tp.topic}/${tp.partition}`);
    }
  };
  const source = new KafkaSource(o.kafka, { rebalance: { revoked: onRevoked } });
  // Every newly assigned partition starts from its checkpoint (whoever wrote it), or from the beginning.
  source.useStartOffsets((t, partition) => {
    const saved = readPartitionCheckpoint(o.checkpointDir, t, partition);
    const features = saved ? FeatureEngine.restore(o.spec, o.topology, saved.features, featureOptions) : new FeatureEngine(o.spec, o.topology, featureOptions);
    const nextOffset = saved ? saved.nextOffset : OFFSET_BEGINNING;
    const now = Date.now();
    work.set(keyOf(t, partition), { topic: t, partition, features, nextOffset, dirty: false, inFlight: false, revoked: false, lastCheckpointAt: now, lastRecordAt: now, publishedThrough: 0, idleSentAt: NaN });
    log(`assigned ${t}/${partition}, from ${saved ? `checkpoint @${saved.nextOffset}` : 'the beginning'}`);
    return nextOffset;
  });

  const publish = async (w: PartitionWork, windows: FeatureWindow[]): Promise<void> => {
    for (const fw of windows) {
      const closedAt = performance.now();
      const scored = scorer.score(fw);
      const { chunks, marker } = encodeWindowMessages(scored, o.topology.regions, w.partition, recordPartitions);
      for (const c of chunks) await producer.send(o.scoresTopic, c.key, c.value, c.headers);
      // The marker goes to every scores partition, after the chunks: a stage 2 reading any one partition sees a
      // window's marker before the next window's.
      for (let p = 0; p < scoresPartitions; p++) await producer.send(o.scoresTopic, marker.key, null, marker.headers, p);
      result.windows++;
      if (fw.windowEnd > w.publishedThrough) w.publishedThrough = fw.windowEnd;
      result.userWindows += fw.imsi.length;
      result.messages += chunks.length + scoresPartitions;
      log(`window ${new Date(fw.windowStart).toISOString().slice(0, 16)} of ${w.topic}/${w.partition}: ${fw.imsi.length} users, ${chunks.length} chunks, scored and sent in ${(performance.now() - closedAt).toFixed(0)} ms`);
      w.features.recycle(fw);
    }
  };

  const publishDeadLetters = async (): Promise<void> => {
    if (letters.length === 0) return;
    const batch = letters.splice(0);
    result.deadLetters += batch.length;
    for (const l of batch) {
      process.stderr.write(`dead letter (${l.source}): ${l.reason}\n`);
      if (o.deadLetterTopic) await producer.send(o.deadLetterTopic, l.source, Buffer.from(l.raw, 'utf8'), [{ 'hotspot-reason': l.reason }]);
    }
  };

  /**
   * Waits until every message sent so far is on the broker. A failed delivery stops the stage rather than let a
   * checkpoint pass a window stage 2 never got: a restart publishes it again from the last checkpoint.
   */
  let failedBefore = producer.stats().failed;
  const deliver = async (): Promise<void> => {
    await producer.flush();
    const { failed, lastError } = producer.stats();
    if (failed > failedBefore) {
      failedBefore = failed;
      throw new Error(`${failed} scores message(s) were not delivered (${lastError}); partitions stay at their last checkpoint`);
    }
  };

  /** Publishes windows a partition closed, and checkpoints it once they are delivered. */
  const publishClosed = async (w: PartitionWork, windows: FeatureWindow[]): Promise<void> => {
    w.inFlight = true;
    await publish(w, windows);
    await publishDeadLetters();
    await deliver();
    w.inFlight = false;
    if (!w.revoked) {
      checkpoint(w);
      // The group's offsets are advisory (lag monitoring, pacing a feed); the checkpoint files rule.
      await source.commit([{ topic: w.topic, partition: w.partition, offset: w.nextOffset }]).catch(() => undefined);
    }
  };

  const sendPartitionState = async (w: PartitionWork, kind: 'idle' | 'active'): Promise<void> => {
    const m = encodePartitionState(kind, w.partition, recordPartitions, w.publishedThrough, o.modelVersion);
    for (let p = 0; p < scoresPartitions; p++) await producer.send(o.scoresTopic, m.key, null, m.headers, p);
    result.messages += scoresPartitions;
    log(`${kind} ${w.topic}/${w.partition}${kind === 'idle' ? `, published through ${w.publishedThrough > 0 ? new Date(w.publishedThrough).toISOString().slice(0, 16) : 'nothing yet'}` : ''}`);
  };

  /** Partitions read to their end with no records for partitionIdleMs: their open windows close at this
   *  instance's event time; those with none left say they are idle. */
  const partitionIdleMs = o.partitionIdleMs ?? DEFAULT_PARTITION_IDLE_MS;
  let idleCheckAt = 0;
  const checkIdle = async (now: number): Promise<void> => {
    if (now - idleCheckAt < Math.min(partitionIdleMs, 1000)) return;
    idleCheckAt = now;
    let eventTime = -Infinity;
    for (const w of work.values()) if (w.features.eventTime > eventTime) eventTime = w.features.eventTime;
    for (const w of [...work.values()]) {
      if (w.revoked || w.inFlight || now - w.lastRecordAt < partitionIdleMs) continue;
      if (!Number.isNaN(w.idleSentAt) && now - w.idleSentAt < IDLE_REPEAT_MS) continue;
      const { low, high } = await source.watermarkOffsets(w.topic, w.partition).catch(() => ({ low: 0, high: Infinity }));
      const readToEnd = w.nextOffset >= 0 ? w.nextOffset >= high : high <= low;
      if (!readToEnd || w.revoked) continue;
      const before = w.features.eventTime;
      const closed = w.features.advanceEventTime(eventTime);
      if (w.features.eventTime !== before) w.dirty = true; // the later watermark is state a restart must keep
      if (closed.length > 0) await publishClosed(w, closed);
      if (w.features.openWindowCount === 0 && !w.revoked) {
        await sendPartitionState(w, 'idle');
        await deliver();
        w.idleSentAt = Date.now();
      }
    }
  };

  /** Processes one delivery; windows it closes are published and delivered before the partition's checkpoint. */
  const take = async (d: DeliveredBatch): Promise<void> => {
    const w = work.get(keyOf(d.topic, d.partition));
    if (!w) return; // revoked while queued: the new owner reads it again
    result.deadLetters += d.letters.length; // already on the dead-letter topic (the source sent them)
    if (d.batch.numRows > 0) {
      w.lastRecordAt = Date.now();
      if (!Number.isNaN(w.idleSentAt)) {
        w.idleSentAt = NaN;
        await sendPartitionState(w, 'active');
      }
    }
    const windows = d.batch.numRows > 0 ? w.features.push(d.batch) : [];
    result.records += d.batch.numRows;
    if (d.batch.numRows > 0) {
      result.lastRecordAt = Date.now();
      if (Number.isNaN(result.firstRecordAt)) result.firstRecordAt = result.lastRecordAt;
      if (cpuAtFirst === null) cpuAtFirst = process.cpuUsage();
      else {
        const c = process.cpuUsage(cpuAtFirst);
        result.cpuWhileRecords = (c.user + c.system) / 1e6;
      }
    }
    w.nextOffset = d.nextOffset;
    w.dirty = true;
    if (windows.length > 0) await publishClosed(w, windows);
    else if (Date.now() - w.lastCheckpointAt >= interval) {
      await publishDeadLetters();
      await deliver();
      if (!w.revoked) checkpoint(w);
    }
  };

  await source.start();
  recordPartitions = await source.partitionCount();
  scoresPartitions = await producer.partitionCount(o.scoresTopic);
  log(`record topic ${topic}: ${recordPartitions} partitions; scores topic ${o.scoresTopic}: ${scoresPartitions} partitions`);
  const idleLimit = o.exitWhenIdleMs ?? Infinity;
  let lastRecordAt = Date.now();
  let assigned = false;
  let pending: Promise<DeliveredBatch | null> | null = null;
  try {
    for (;;) {
      if (o.signal.aborted) break;
      pending ??= source.next();
      const got = await within(pending, POLL_MS, o.signal);
      const now = Date.now();
      if (got !== TIMEOUT) {
        pending = null;
        if (got === null) break;
        await take(got);
        for (let d = source.poll(); d !== null; d = source.poll()) await take(d);
        lastRecordAt = now;
        assigned = true;
        await checkIdle(Date.now());
        continue;
      }
      // Quiet input: make what has been read durable rather than wait for the next window.
      const quiet = [...work.values()].filter((w) => w.dirty && now - w.lastCheckpointAt >= Math.min(interval, 1000));
      if (quiet.length > 0) {
        await publishDeadLetters();
        await deliver();
        for (const w of quiet) if (!w.revoked && !w.inFlight) checkpoint(w);
      }
      if (!assigned) {
        assigned = source.assignments().length > 0;
        lastRecordAt = now;
      }
      await checkIdle(now);
      if (assigned && now - lastRecordAt >= idleLimit) {
        // Idle end of input: every open window of this instance's partitions closes and is published.
        for (const w of work.values()) {
          w.inFlight = true;
          await publish(w, w.features.flush());
        }
        await publishDeadLetters();
        await deliver();
        for (const w of work.values()) {
          w.inFlight = false;
          w.dirty = true;
          checkpoint(w);
        }
        result.status = 'completed';
        break;
      }
    }
    if (result.status === 'interrupted') {
      // Ctrl-C: open windows stay open in the checkpoints for the next instance to continue.
      await publishDeadLetters();
      await deliver();
      for (const w of work.values()) if (w.dirty && !w.inFlight) checkpoint(w);
    }
    // The group's offsets are advisory (lag monitoring); the checkpoint files rule.
    await source.commit([...work.values()].filter((w) => w.nextOffset >= 0).map((w) => ({ topic: w.topic, partition: w.partition, offset: w.nextOffset }))).catch(() => undefined);
  } finally {
    await source.close();
  }
  return result;
}

// ------------------------------------------------------------------ per-partition checkpoint files
// Layout: magic "HSPART01", u32 JSON length, JSON {topic, partition, nextOffset}, then the feature engine's snapshot.

const PART_MAGIC = 'HSPART01';
const partHeaderSchema = z.object({ topic: z.string(), partition: z.number().int().nonnegative(), nextOffset: z.number().int() });

export const partitionCheckpointPath = (dir: string, topic: string, partition: number): string => join(dir, `${topic}.p${partition}.state`);

/** Durably, atomically (temp file, fsync, rename): the partition's state and offset are never seen apart. */
export function writePartitionCheckpoint(dir: string, topic: string, partition: number, nextOffset: number, features: Uint8Array): void {
  const json = new TextEncoder().encode(JSON.stringify({ topic, partition, nextOffset }));
  const head = new Uint8Array(PART_MAGIC.length + 4);
  head.set(new TextEncoder().encode(PART_MAGIC), 0);
  new DataView(head.buffer).setUint32(PART_MAGIC.length, json.length, true);
  const path = partitionCheckpointPath(dir, topic, partition);
  const tmp = `${path}.tmp-${process.pid}`;
  const fd = openSync(tmp, 'w');
  try {
    for (const part of [head, json, features]) for (let at = 0; at < part.length; ) at += writeSync(fd, part, at);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(tmp, path);
  const dirFd = openSync(dir, 'r');
  try {
    fsyncSync(dirFd);
  } finally {
    closeSync(dirFd);
  }
}

/** The partition's checkpoint, or null when it has none; a damaged file is an error (its state would be lost). */
export function readPartitionCheckpoint(dir: string, topic: string, partition: number): { nextOffset: number; features: Uint8Array } | null {
  const path = partitionCheckpointPath(dir, topic, partition);
  let bytes: Buffer;
  try {
    bytes = readFileSync(path);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw new Error(`partition checkpoint ${path} cannot be read: ${(err as Error).message}`);
  }
  const magic = bytes.subarray(0, PART_MAGIC.length).toString('latin1');
  if (magic !== PART_MAGIC) throw new Error(`${path}: not a hotspot partition checkpoint (magic '${magic}')`);
  const len = bytes.readUInt32LE(PART_MAGIC.length);
  const start = PART_MAGIC.length + 4;
  if (start + len > bytes.length) throw new Error(`${path}: truncated`);
  const head = partHeaderSchema.parse(JSON.parse(bytes.subarray(start, start + len).toString('utf8')));
  if (head.topic !== topic || head.partition !== partition) throw new Error(`${path} holds ${head.topic}/${head.partition}, not ${topic}/${partition}`);
  // A copy into a fresh buffer: the snapshot's typed arrays are read at 8-byte-aligned positions of their own buffer.
  return { nextOffset: head.nextOffset, features: new Uint8Array(bytes.subarray(start + len)) };
}
