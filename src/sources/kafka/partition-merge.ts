// Event-time alignment across Kafka partitions. Each partition is in event-time order, but a consumer that
// catches up (after a restart, a rebalance, a lagging broker) can read one partition far ahead of another, and
// the feature engine would see the slower partition's records as late. The merge releases delivered batches
// in order of their earliest record across partitions, holding a batch back while an assigned partition that
// might still deliver earlier records has nothing buffered — unless that partition has been idle for a while
// (Flink's "idleness") or the buffer is full (then lateness handling takes over, counted as always).
import type { DeliveredBatch } from './kafka-source.js';
import { int64Column } from '../../schema/columns.js';

export interface PartitionMergeOptions {
  /** A partition without a delivery for this long no longer holds the others back. */
  idleMs?: number;
  /** Above this many buffered records the earliest batch is released regardless. */
  maxBufferedRecords?: number;
}

interface PartitionQueue {
  batches: { d: DeliveredBatch; minTime: number }[];
  /** Latest event time this partition has delivered (its records before it are all here). */
  seenUpTo: number;
  lastDeliveryAt: number;
}

const keyOf = (topic: string, partition: number) => `${topic}\u0000${partition}`;

export class PartitionMerge {
  private readonly partitions = new Map<string, PartitionQueue>();
  private buffered = 0;
  private readonly idleMs: number;
  private readonly maxBuffered: number;

  constructor(options: PartitionMergeOptions = {}) {
    this.idleMs = options.idleMs ?? 2000;
    this.maxBuffered = options.maxBufferedRecords ?? 400_000;
  }

  get bufferedRecords(): number {
    return this.buffered;
  }

  add(d: DeliveredBatch, now: number): void {
    const q = this.queue(d.topic, d.partition, now);
    const { min, max } = timeRange(d);
    q.batches.push({ d, minTime: min });
    if (max > q.seenUpTo) q.seenUpTo = max;
    q.lastDeliveryAt = now;
    this.buffered += d.batch.numRows;
  }

  /** Partitions currently assigned (a revoked one stops holding the others back; its buffer is dropped). */
  setAssigned(assigned: readonly { topic: string; partition: number }[], now: number): void {
    const keep = new Set(assigned.map((a) => keyOf(a.topic, a.partition)));
    for (const [k, q] of this.partitions) {
      if (!keep.has(k)) {
        for (const b of q.batches) this.buffered -= b.d.batch.numRows;
        this.partitions.delete(k);
      }
    }
    for (const a of assigned) this.queue(a.topic, a.partition, now);
  }

  /** The next batch to process, or null when every candidate must wait for another partition. */
  next(now: number, options: { drain?: boolean } = {}): DeliveredBatch | null {
    let best: PartitionQueue | null = null;
    for (const q of this.partitions.values()) {
      if (q.batches.length > 0 && (best === null || q.batches[0].minTime < best.batches[0].minTime)) best = q;
    }
    if (best === null) return null;
    const t = best.batches[0].minTime;
    if (!options.drain && this.buffered <= this.maxBuffered) {
      for (const q of this.partitions.values()) {
        if (q === best || q.batches.length > 0 || q.seenUpTo >= t) continue;
        if (now - q.lastDeliveryAt < this.idleMs) return null; // q may still deliver records before t
      }
    }
    const { d } = best.batches.shift()!;
    this.buffered -= d.batch.numRows;
    return d;
  }

  private queue(topic: string, partition: number, now: number): PartitionQueue {
    const k = keyOf(topic, partition);
    let q = this.partitions.get(k);
    if (!q) this.partitions.set(k, (q = { batches: [], seenUpTo: -Infinity, lastDeliveryAt: now }));
    return q;
  }
}

/** Earliest and latest start_time of a delivered batch; an empty one (all dead-lettered) goes first. */
function timeRange(d: DeliveredBatch): { min: number; max: number } {
  if (d.batch.numRows === 0) return { min: -Infinity, max: -Infinity };
  const t = int64Column(d.batch, 'start_time').values;
  let min = Infinity;
  let max = -Infinity;
  for (let i = 0; i < t.length; i++) {
    const v = t[i];
    if (v < min) min = v;
    if (v > max) max = v;
  }
  return { min, max };
}
