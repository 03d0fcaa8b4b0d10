// JSON objects / JSON Lines → S1 batches. zod checks each object's value types at this boundary; the record
// rules themselves are RowStage.check's, the same as for CSV and columnar input.
import { S1_COLUMN_INDEX } from '../../schema/record.js';
import { S1JsonRecordSchema, stageJsonRecord, zodReason } from '../../schema/record-validation.js';
import { DeadLetterMemory } from '../dead-letters.js';
import { emptyS1Batch, type DecodeOptions, type DecodeResult } from './csv-decoder.js';
import { RowCollector } from './row-collector.js';

const LF = 10;
const utf8 = new TextDecoder();

/** Stages and collects one parsed JSON value; unknown keys go to `unknown` (reported once by the caller). */
function collectJsonValue(
  collector: RowCollector,
  value: unknown,
  rowNumber: number,
  raw: () => string,
  unknown: Set<string>,
  onNewUnknown: ((name: string) => void) | undefined,
): void {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    collector.reject(rowNumber, `invalid json: expected an object, got ${Array.isArray(value) ? 'an array' : value === null ? 'null' : typeof value}`, raw());
    return;
  }
  const obj = value as Record<string, unknown>;
  for (const key in obj) {
    if (!S1_COLUMN_INDEX.has(key) && !unknown.has(key)) {
      unknown.add(key);
      onNewUnknown?.(key);
    }
  }
  const parsed = S1JsonRecordSchema.safeParse(obj);
  if (!parsed.success) {
    collector.reject(rowNumber, zodReason(parsed.error, obj), raw());
    return;
  }
  stageJsonRecord(collector.stage, obj);
  collector.accept(rowNumber, raw);
}

/** Decodes an array of JSON objects (e.g. Kafka JSON messages) into one S1 batch + dead letters. */
export function decodeJsonRecords(objects: readonly unknown[], opts: DecodeOptions = {}): DecodeResult {
  const source = opts.source ?? 'json';
  const deadLetters = opts.deadLetters ?? new DeadLetterMemory();
  const collector = new RowCollector({
    source,
    batchSize: Math.max(1, objects.length),
    deadLetters,
    vendorCodes: opts.vendorCodes,
    xdrIds: opts.xdrIds,
  });
  const unknown = new Set<string>();
  const first = opts.firstRow ?? 1;
  for (let i = 0; i < objects.length; i++) {
    const v = objects[i];
    collectJsonValue(collector, v, first + i, () => safeStringify(v), unknown, undefined);
  }
  collector.flush();
  return { batch: collector.takeReady()[0] ?? emptyS1Batch(), deadLetters, unknownColumns: [...unknown], ...collector.counts };
}

function safeStringify(v: unknown): string {
  try {
    return JSON.stringify(v, (_k, x) => (typeof x === 'bigint' ? x.toString() : x)) ?? String(v);
  } catch {
    return String(v);
  }
}

/** Incremental JSON Lines decoder with the same push contract as CsvRecordDecoder. */
export class JsonlRecordDecoder {
  private readonly collector: RowCollector;
  private readonly unknown = new Set<string>();
  private readonly onNewUnknown?: (name: string) => void;
  private line = 1;

  constructor(collector: RowCollector, onNewUnknown?: (name: string) => void) {
    this.collector = collector;
    this.onNewUnknown = onNewUnknown;
  }

  get unknownColumns(): string[] {
    return [...this.unknown];
  }

  push(buf: Uint8Array, from: number, final: boolean): number {
    const n = buf.length;
    let p = from;
    while (p < n) {
      let e = buf.indexOf(LF, p);
      if (e < 0) {
        if (!final) return p;
        e = n;
      }
      const rowLine = this.line++;
      let end = e;
      if (end > p && buf[end - 1] === 13) end--;
      const text = utf8.decode(buf.subarray(p, end));
      p = e + 1;
      if (text.trim().length === 0) continue;
      let value: unknown;
      try {
        value = JSON.parse(text);
      } catch (err) {
        this.collector.reject(rowLine, `invalid json: ${(err as Error).message}`, text);
        continue;
      }
      collectJsonValue(this.collector, value, rowLine, () => text, this.unknown, this.onNewUnknown);
    }
    return Math.min(p, n);
  }
}
