// The engine-thread side of the Kafka decode worker (decode-worker.ts): hands it units of message values and gets
// decoded S1 batches back in the same order. Values are copied once into one buffer per unit, which is transferred
// (node-rdkafka's Buffers may sit in a shared pool and cannot be handed over themselves).
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { RecordBatch } from 'apache-arrow';
import type { DecodeReply, DecodeRequest } from './decode-worker.js';
import type { DecodedMessages } from './message-decoders.js';
import { s1BatchFromParts } from './s1-batch-transfer.js';

const WORKER_URL = new URL('./decode-worker.js', import.meta.url);

export class DecodeThread {
  private nextId = 0;
  private readonly waiting = new Map<number, (r: DecodedMessages | null) => void>();
  private failure: Error | null = null;

  private constructor(private readonly worker: Worker) {
    worker.on('message', (reply: DecodeReply) => {
      const resolve = this.waiting.get(reply.id);
      if (!resolve) return;
      this.waiting.delete(reply.id);
      if ('error' in reply) return resolve(null);
      const batches: RecordBatch[] = reply.batches.map(s1BatchFromParts);
      resolve({ batches, letters: reply.letters });
    });
    worker.on('error', (err) => this.fail(new Error(`kafka decode worker failed: ${err.message}`)));
    worker.on('exit', (code) => this.fail(new Error(`kafka decode worker exited with ${code}`)));
    // The worker must not keep a finished process alive.
    worker.unref();
  }

  /**
   * A decode thread, or null where there is no compiled worker beside this module (the sources run as TypeScript,
   * e.g. under vitest): the caller then decodes on its own thread, with the same decoders.
   */
  static open(): DecodeThread | null {
    if (!existsSync(fileURLToPath(WORKER_URL))) return null;
    return new DecodeThread(new Worker(WORKER_URL));
  }

  /**
   * Decodes one unit; resolves with null when the worker could not (it threw, or it is gone): the caller then
   * decodes the unit itself, so nothing is lost. Replies come in request order.
   */
  decode(format: DecodeRequest['format'], values: readonly (Uint8Array | null | undefined)[], source: string, csvHeader?: readonly string[]): Promise<DecodedMessages | null> {
    if (this.failure) return Promise.resolve(null);
    let total = 0;
    for (const v of values) total += v?.length ?? 0;
    const bytes = new Uint8Array(total);
    const ends = new Int32Array(values.length);
    let at = 0;
    for (let i = 0; i < values.length; i++) {
      const v = values[i];
      if (v) bytes.set(v, at);
      at += v?.length ?? 0;
      ends[i] = at;
    }
    const id = this.nextId++;
    const request: DecodeRequest = { id, format, bytes, ends, source, csvHeader };
    return new Promise((resolve) => {
      this.waiting.set(id, resolve);
      this.worker.postMessage(request, [bytes.buffer, ends.buffer]);
    });
  }

  async close(): Promise<void> {
    this.fail(null);
    await this.worker.terminate();
  }

  private fail(err: Error | null): void {
    this.failure ??= err ?? new Error('closed');
    for (const resolve of this.waiting.values()) resolve(null);
    this.waiting.clear();
  }
}
