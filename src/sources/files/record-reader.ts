// readRecords: any record file → a stream of S1 batches with bounded memory. Text formats are read by chunks
// of bytes, Parquet by row group (parquet-wasm over a file-backed Blob), Arrow IPC batch by batch.
import { open, stat, type FileHandle } from 'node:fs/promises';
import { openAsBlob } from 'node:fs';
import { RecordBatchReader, tableFromIPC, type RecordBatch } from 'apache-arrow';
import type { VendorCodeMap } from '../../schema/vendor-codes.js';
import { DeadLetterMemory, type DeadLetter, type DeadLetterSink } from '../dead-letters.js';
import { CsvRecordDecoder } from './csv-decoder.js';
import { JsonlRecordDecoder } from './json-decoder.js';
import { ColumnarNormalizer, S1SchemaError } from './normalize-batch.js';
import { RowCollector, DEFAULT_BATCH_SIZE } from './row-collector.js';
import {
  RecordFileError,
  asRecordFileError,
  firstBinaryByte,
  formatOfPath,
  sniffBinaryFormat,
  type RecordFormat,
} from './format.js';
import { parquetWasm } from './parquet-wasm.js';

export interface ReadOptions {
  format?: RecordFormat;
  /** Rows per output batch (default 65536). */
  batchSize?: number;
  deadLetters?: DeadLetterSink;
  vendorCodes?: VendorCodeMap;
  onWarning?: (msg: string) => void;
}

/**
 * rows = accepted + deadLettered + duplicates. Duplicates are also written to the dead-letter sink (reason
 * "duplicate xdr_id"), so the sink's count is deadLettered + duplicates.
 */
export interface ReadStats {
  rows: number;
  accepted: number;
  deadLettered: number;
  duplicates: number;
  unknownColumns: string[];
}

/** Without a caller's sink: count every letter but keep only the first few (memory stays bounded). */
class FirstLetters extends DeadLetterMemory {
  override add(letter: DeadLetter): void {
    super.add(letter);
    if (this.letters.length > 10) this.letters.pop();
  }
}

/** Bytes read per chunk from text files. */
const TEXT_CHUNK_BYTES = 1 << 20;
/** A single row longer than this is not a record: the file is not what its extension says. */
const MAX_ROW_BYTES = 64 << 20;

/**
 * Reads a record file as S1 batches. Rows that break the record rules go to `deadLetters` (without a sink they
 * are counted and summarised through onWarning); a file that cannot be read at all raises one RecordFileError.
 */
export function readRecords(path: string, opts: ReadOptions = {}): AsyncIterable<RecordBatch> & { stats: ReadStats } {
  const stats: ReadStats = { rows: 0, accepted: 0, deadLettered: 0, duplicates: 0, unknownColumns: [] };
  if (opts.batchSize !== undefined && !(Number.isInteger(opts.batchSize) && opts.batchSize >= 1)) {
    throw new RangeError(`readRecords: batchSize must be a positive integer, got ${opts.batchSize}`);
  }
  return {
    stats,
    [Symbol.asyncIterator]: () => readBatches(path, opts, stats)[Symbol.asyncIterator](),
  };
}

async function* readBatches(path: string, opts: ReadOptions, stats: ReadStats): AsyncGenerator<RecordBatch> {
  const ownSink = opts.deadLetters ? null : new FirstLetters();
  const deadLetters = opts.deadLetters ?? ownSink!;
  const onUnknownColumns = (names: string[]) => {
    stats.unknownColumns.push(...names);
    opts.onWarning?.(`file ${path}: ignoring unknown column${names.length > 1 ? 's' : ''} ${names.join(', ')}`);
  };
  const collector = new RowCollector({
    source: path,
    batchSize: opts.batchSize ?? DEFAULT_BATCH_SIZE,
    deadLetters,
    vendorCodes: opts.vendorCodes,
    counts: stats,
  });
  try {
    const format = opts.format ?? formatOfPath(path);
    const info = await stat(path).catch((e) => {
      throw asRecordFileError(path, e, 'cannot open');
    });
    if (info.isDirectory()) throw new RecordFileError(path, 'is a directory, not a file');
    if (format === 'csv' || format === 'jsonl') yield* readText(path, format, collector, onUnknownColumns);
    else if (format === 'parquet') yield* readParquet(path, info.size, collector, onUnknownColumns, opts.batchSize ?? DEFAULT_BATCH_SIZE);
    else yield* readArrow(path, collector, onUnknownColumns);
  } catch (e) {
    if (e instanceof S1SchemaError) throw new RecordFileError(path, e.message);
    throw asRecordFileError(path, e, `cannot read as ${opts.format ?? 'records'}`);
  } finally {
    if (ownSink && ownSink.count > 0) {
      const first = ownSink.letters[0];
      opts.onWarning?.(
        `file ${path}: ${ownSink.count} row(s) rejected and no dead-letter sink given; first: row ${first.row}: ${first.reason}`,
      );
    }
  }
}

async function* readText(
  path: string,
  format: 'csv' | 'jsonl',
  collector: RowCollector,
  onUnknownColumns: (names: string[]) => void,
): AsyncGenerator<RecordBatch> {
  let fh: FileHandle;
  try {
    fh = await open(path, 'r');
  } catch (e) {
    throw asRecordFileError(path, e, 'cannot open');
  }
  try {
    const decoder =
      format === 'csv'
        ? new CsvRecordDecoder({ source: path, collector, onUnknownColumns })
        : new JsonlRecordDecoder(collector, (name) => onUnknownColumns([name]));
    let carry: Buffer | null = null;
    let first = true;
    for (;;) {
      const chunk = Buffer.allocUnsafe(TEXT_CHUNK_BYTES);
      const { bytesRead } = await fh.read(chunk, 0, TEXT_CHUNK_BYTES, null);
      const final = bytesRead === 0;
      let buf = chunk.subarray(0, bytesRead);
      if (first) {
        first = false;
        checkTextHead(path, format, buf);
      }
      if (carry) buf = Buffer.concat([carry, buf]);
      const used = decoder.push(buf, 0, final);
      carry = used < buf.length ? Buffer.from(buf.subarray(used)) : null;
      if (carry && carry.length > MAX_ROW_BYTES) {
        throw new RecordFileError(path, `a row longer than ${MAX_ROW_BYTES >> 20} MiB: this is not a ${format.toUpperCase()} record file`);
      }
      yield* collector.takeReady();
      if (final) break;
    }
    if (decoder instanceof CsvRecordDecoder) decoder.end();
    collector.flush();
    yield* collector.takeReady();
  } finally {
    await fh.close();
  }
}

/** Rejects files that are not text at all, naming what they look like. */
function checkTextHead(path: string, format: 'csv' | 'jsonl', head: Uint8Array): void {
  const kind = format === 'csv' ? 'CSV' : 'JSON Lines';
  if (head.length === 0) {
    if (format === 'csv') throw new RecordFileError(path, 'empty file: no header row');
    return;
  }
  const other = sniffBinaryFormat(head);
  if (other) throw new RecordFileError(path, `not ${kind} text: the content is ${other}`);
  const sample = head.subarray(0, 65_536);
  const nul = sample.indexOf(0);
  if (nul >= 0) throw new RecordFileError(path, `not ${kind} text: binary data at byte ${nul}`);
  const bad = firstBinaryByte(sample);
  if (bad >= 0) {
    const hex = sample[bad].toString(16).padStart(2, '0');
    throw new RecordFileError(path, `not UTF-8 text: byte 0x${hex} at offset ${bad} (save the ${kind} file as UTF-8)`);
  }
  if (format === 'jsonl') {
    let i = 0;
    while (i < head.length && (head[i] === 32 || head[i] === 9 || head[i] === 10 || head[i] === 13 || head[i] === 0xef || head[i] === 0xbb || head[i] === 0xbf)) i++;
    if (head[i] === 91) throw new RecordFileError(path, 'a JSON array, not JSON Lines: write one JSON object per line');
    // A pretty-printed object starts with a line holding only "{".
    let j = i + 1;
    while (j < head.length && (head[j] === 32 || head[j] === 9 || head[j] === 13)) j++;
    if (head[i] === 123 && head[j] === 10) {
      throw new RecordFileError(path, 'pretty-printed JSON, not JSON Lines: write one JSON object per line');
    }
  }
}

async function* readArrow(
  path: string,
  collector: RowCollector,
  onUnknownColumns: (names: string[]) => void,
): AsyncGenerator<RecordBatch> {
  const fh = await open(path, 'r').catch((e) => {
    throw asRecordFileError(path, e, 'cannot open');
  });
  try {
    const head = Buffer.alloc(8);
    const { bytesRead } = await fh.read(head, 0, 8, 0);
    const isFile = head.subarray(0, 6).toString('latin1') === 'ARROW1';
    const isStream = bytesRead >= 4 && head.readUInt32LE(0) === 0xffffffff;
    if (!isFile && !isStream) {
      const other = bytesRead === 0 ? 'an empty file' : sniffBinaryFormat(head) ?? 'not Arrow IPC data';
      throw new RecordFileError(path, `not an Arrow IPC file or stream: the content is ${other}`);
    }
    let reader;
    try {
      reader = await RecordBatchReader.from(fh);
      await reader.open();
    } catch (e) {
      throw asRecordFileError(path, e, 'not a readable Arrow IPC file (truncated or corrupt)');
    }
    const normalizer = new ColumnarNormalizer(collector, onUnknownColumns);
    let row = 1;
    try {
      for await (const batch of reader) {
        normalizer.push(batch, row);
        row += batch.numRows;
        yield* collector.takeReady();
      }
    } catch (e) {
      if (e instanceof RecordFileError || e instanceof S1SchemaError) throw e;
      throw asRecordFileError(path, e, `Arrow IPC data is truncated or corrupt after row ${row - 1}`);
    }
    collector.flush();
    yield* collector.takeReady();
  } finally {
    await fh.close().catch(() => undefined);
  }
}

async function* readParquet(
  path: string,
  size: number,
  collector: RowCollector,
  onUnknownColumns: (names: string[]) => void,
  batchSize: number,
): AsyncGenerator<RecordBatch> {
  const fh = await open(path, 'r').catch((e) => {
    throw asRecordFileError(path, e, 'cannot open');
  });
  const head = Buffer.alloc(4);
  const tail = Buffer.alloc(4);
  try {
    await fh.read(head, 0, 4, 0);
    if (size >= 8) await fh.read(tail, 0, 4, size - 4);
  } finally {
    await fh.close();
  }
  if (head.toString('latin1') !== 'PAR1') {
    const other = size === 0 ? 'an empty file' : sniffBinaryFormat(head) ?? 'not Parquet data (no PAR1 magic)';
    throw new RecordFileError(path, `not a Parquet file: the content is ${other}`);
  }
  if (tail.toString('latin1') !== 'PAR1') {
    throw new RecordFileError(path, 'truncated Parquet file: the footer is missing (was the file cut short while copying or writing?)');
  }
  const pw = parquetWasm();
  let file;
  try {
    file = await pw.ParquetFile.fromFile(await openAsBlob(path));
  } catch (e) {
    throw asRecordFileError(path, e, 'corrupt Parquet file');
  }
  const normalizer = new ColumnarNormalizer(collector, onUnknownColumns);
  let row = 1;
  try {
    // One row group at a time keeps memory to a row group, whatever the file size.
    const groups = file.metadata().numRowGroups();
    for (let g = 0; g < groups; g++) {
      const stream = await file.stream({ rowGroups: [g], batchSize });
      for await (const wasmBatch of stream as unknown as AsyncIterable<{ intoIPCStream(): Uint8Array }>) {
        for (const batch of tableFromIPC(wasmBatch.intoIPCStream()).batches) {
          normalizer.push(batch, row);
          row += batch.numRows;
          yield* collector.takeReady();
        }
      }
    }
  } catch (e) {
    if (e instanceof RecordFileError || e instanceof S1SchemaError) throw e;
    throw asRecordFileError(path, e, `corrupt Parquet data after row ${row - 1}`);
  } finally {
    file.free();
  }
  collector.flush();
  yield* collector.takeReady();
}
