// Plays an event-time-ordered stream of record batches on an accelerated clock: a batch whose newest record is
// t ms of event time after the first is released at wall time t / speed. This turns the simulator (or a file)
// into a live source without changing the engine.
import type { RecordBatch } from 'apache-arrow';
import { setTimeout as sleep } from 'node:timers/promises';
import { int64Column } from '../schema/columns.js';

export interface PacedOptions {
  /** Event-time ms per wall-clock ms (60 = one simulated hour per minute). Infinity = as fast as possible. */
  speed: number;
  signal?: AbortSignal;
}

/** Newest start_time of a batch (batches are roughly ordered, so scan the column once). */
export function batchEventTime(batch: RecordBatch): number {
  const t = int64Column(batch, 'start_time').values;
  let max = -Infinity;
  for (let i = 0; i < t.length; i++) if (t[i] > max) max = t[i];
  return max;
}

export async function* pacedBatches(
  batches: Iterable<RecordBatch> | AsyncIterable<RecordBatch>,
  options: PacedOptions,
): AsyncGenerator<RecordBatch> {
  const { speed, signal } = options;
  const wallStart = Date.now();
  let eventStart: number | null = null;
  for await (const batch of batches) {
    if (signal?.aborted) return;
    if (Number.isFinite(speed) && batch.numRows > 0) {
      const t = batchEventTime(batch);
      eventStart ??= t;
      const due = wallStart + (t - eventStart) / speed;
      const wait = due - Date.now();
      if (wait > 0) {
        try {
          await sleep(wait, undefined, { signal });
        } catch {
          return; // aborted while waiting
        }
      }
    }
    yield batch;
    // Let signal handlers and timers run between synchronous generator steps.
    await new Promise<void>((resolve) => setImmediate(resolve));
  }
}
