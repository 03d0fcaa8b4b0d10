// Turns staged rows into S1 batches: check → duplicate test → commit, or dead letter. Every decoder (CSV, JSON,
// foreign Arrow/Parquet columns) ends here, so counts and reasons are the same whatever the format.
import type { RecordBatch } from 'apache-arrow';
import { BuilderTarget, COL, RowStage } from '../../schema/record-validation.js';
import { DEFAULT_VENDOR_CODES, type VendorCodeMap } from '../../schema/vendor-codes.js';
import type { DeadLetterSink } from '../dead-letters.js';
import { XdrIdSet } from './xdr-id-set.js';

export const DEFAULT_BATCH_SIZE = 65_536;

/** Counters shared with ReadStats. `rows` = accepted + deadLettered + duplicates. */
export interface RowCounts {
  rows: number;
  accepted: number;
  deadLettered: number;
  duplicates: number;
}

export interface RowCollectorOptions {
  source: string;
  batchSize?: number;
  deadLetters: DeadLetterSink;
  vendorCodes?: VendorCodeMap;
  /** Duplicate detection across everything this collector sees (null: no detection). */
  xdrIds?: XdrIdSet | null;
  counts?: RowCounts;
}

export class RowCollector {
  readonly stage: RowStage;
  readonly counts: RowCounts;
  readonly ready: RecordBatch[] = [];
  private readonly source: string;
  private readonly batchSize: number;
  private readonly sink: DeadLetterSink;
  readonly xdrIds: XdrIdSet | null;
  /** Allocated on the first row of each batch (a builder of 64 Ki rows is ~10 MB; empty reads need none). */
  private target: BuilderTarget | null = null;
  private length = 0;

  constructor(opts: RowCollectorOptions) {
    this.source = opts.source;
    this.batchSize = opts.batchSize ?? DEFAULT_BATCH_SIZE;
    this.sink = opts.deadLetters;
    this.xdrIds = opts.xdrIds === undefined ? new XdrIdSet() : opts.xdrIds;
    this.stage = new RowStage(opts.vendorCodes ?? DEFAULT_VENDOR_CODES);
    this.counts = opts.counts ?? { rows: 0, accepted: 0, deadLettered: 0, duplicates: 0 };
  }

  /**
   * Checks the staged row and commits it; `raw` is only called when the row is rejected. `skipDedup` is for
   * rows whose xdr_id the caller has already registered as new.
   */
  accept(rowNumber: number, raw: () => string, skipDedup = false): void {
    this.counts.rows++;
    const stage = this.stage;
    const reason = stage.check();
    if (reason !== null) {
      this.counts.deadLettered++;
      this.sink.add({ source: this.source, row: rowNumber, reason, raw: raw() });
      return;
    }
    if (this.xdrIds && !skipDedup) {
      const x = COL.xdr_id;
      const text = stage.text[x];
      const dup =
        text !== null
          ? this.xdrIds.seenText(text)
          : this.xdrIds.seenBytes(stage.bytes[x]!, stage.byteStart[x], stage.byteEnd[x]);
      if (dup) {
        // Kept out of the batch (the first copy wins) but still traceable in the dead letters.
        this.counts.duplicates++;
        this.sink.add({
          source: this.source,
          row: rowNumber,
          reason: `duplicate xdr_id: '${stage.textOf(x)}' was already read`,
          raw: raw(),
        });
        return;
      }
    }
    this.target ??= new BuilderTarget(this.batchSize);
    stage.commit(this.target, this.length++);
    this.counts.accepted++;
    if (this.length === this.batchSize) this.flush();
  }

  /** A row rejected before staging (bad JSON, wrong field count). */
  reject(rowNumber: number, reason: string, raw: string): void {
    this.counts.rows++;
    this.counts.deadLettered++;
    this.sink.add({ source: this.source, row: rowNumber, reason, raw });
  }

  /** Moves the rows collected so far into `ready` (no-op when empty). */
  flush(): void {
    if (this.length === 0 || this.target === null) return;
    const b = this.target.builder;
    b.length = this.length;
    this.ready.push(b.finish());
    this.target = null;
    this.length = 0;
  }

  takeReady(): RecordBatch[] {
    return this.ready.splice(0, this.ready.length);
  }
}
