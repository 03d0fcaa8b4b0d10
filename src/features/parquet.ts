// Feature windows → Arrow table → Parquet, one row per user-window with named columns, so data scientists can
// train in their own tools (pandas, pyarrow, DuckDB) on exactly the values hotspot scores with.
import { createWriteStream } from 'node:fs';
import { once } from 'node:events';
import { Float64, Int64, Table, Utf8, makeVector, tableToIPC, vectorFromArray, type Vector } from 'apache-arrow';
import * as parquet from 'parquet-wasm/node';
import type { Topology } from '../schema/side-files.js';
import { ParquetStream } from '../sources/files/parquet-wasm.js';
import type { FeatureWindow } from './engine.js';

/** The fixed leading columns of a feature row; the spec's features follow. */
export const FEATURE_KEY_COLUMNS = ['window_start', 'window_end', 'imsi', 'msisdn', 'cell', 'region'] as const;

/** One Arrow table for a list of windows (all of one spec). Times are epoch ms (int64), `imsi` a 15-digit string. */
export function featureWindowsToTable(windows: readonly FeatureWindow[], topology: Topology, featureNames?: readonly string[]): Table {
  const rows = windows.reduce((n, w) => n + w.imsi.length, 0);
  const names = featureNames ?? windows[0]?.featureNames ?? [];
  const start = new BigInt64Array(rows);
  const end = new BigInt64Array(rows);
  const imsi: string[] = new Array(rows);
  const msisdn: (string | null)[] = new Array(rows);
  const cell = new Float64Array(rows);
  const region: (string | null)[] = new Array(rows);
  const features = names.map(() => new Float64Array(rows));
  let o = 0;
  for (const w of windows) {
    if (w.featureNames.length !== names.length) throw new Error('feature windows of different specs cannot share a table');
    const m = w.imsi.length;
    for (let j = 0; j < m; j++) {
      start[o + j] = BigInt(w.windowStart);
      end[o + j] = BigInt(w.windowEnd);
      imsi[o + j] = String(w.imsi[j]).padStart(15, '0');
      msisdn[o + j] = w.msisdn[j] === '' ? null : w.msisdn[j];
      cell[o + j] = w.cell[j];
      region[o + j] = w.regionIndex[j] >= 0 ? topology.regions[w.regionIndex[j]] : null;
    }
    w.columns.forEach((c, k) => features[k].set(c, o));
    o += m;
  }
  const columns: Record<string, Vector> = {
    window_start: makeVector({ type: new Int64(), data: start }),
    window_end: makeVector({ type: new Int64(), data: end }),
    imsi: vectorFromArray(imsi, new Utf8()),
    msisdn: vectorFromArray(msisdn, new Utf8()),
    // NaN (unknown cell) is kept as NaN rather than null: the column stays a plain float like the features.
    cell: makeVector({ type: new Float64(), data: cell }),
    region: vectorFromArray(region, new Utf8()),
  };
  names.forEach((n, k) => (columns[n] = makeVector({ type: new Float64(), data: features[k] })));
  return new Table(columns);
}

/** Parquet bytes of the windows (parquet-wasm's default writer properties). */
export function featureWindowsToParquet(windows: readonly FeatureWindow[], topology: Topology): Uint8Array {
  const table = featureWindowsToTable(windows, topology);
  const wasmTable = parquet.Table.fromIPCStream(tableToIPC(table, 'stream'));
  return parquet.writeParquet(wasmTable);
}

/**
 * Streams feature windows into one Parquet file as they close (a row group per window or so), so `hotspot
 * features` never holds a whole day of windows in memory.
 */
export class FeatureParquetWriter {
  private readonly stream: ParquetStream;
  rows = 0;

  constructor(
    readonly path: string,
    private readonly topology: Topology,
    private readonly featureNames: readonly string[],
  ) {
    const out = createWriteStream(path);
    const failed = once(out, 'error').then(([e]) => {
      throw e;
    });
    failed.catch(() => {}); // observed through the sink's races below
    const props = new parquet.WriterPropertiesBuilder().setCompression(parquet.Compression.SNAPPY).build();
    this.stream = new ParquetStream(props, {
      write: async (chunk) => {
        if (!out.write(chunk)) await Promise.race([once(out, 'drain'), failed]);
      },
      close: async () => {
        out.end();
        await Promise.race([once(out, 'finish'), failed]);
      },
    });
  }

  async write(window: FeatureWindow): Promise<void> {
    if (this.stream.failure) throw new Error(`cannot write ${this.path}: ${this.stream.failure.message}`);
    if (window.imsi.length === 0) return;
    await this.stream.push(featureWindowsToTable([window], this.topology, this.featureNames));
    this.rows += window.imsi.length;
  }

  async close(): Promise<number> {
    // The encoder needs one batch to know the schema: an empty file still gets its columns.
    if (this.rows === 0) await this.stream.push(featureWindowsToTable([], this.topology, this.featureNames));
    await this.stream.close();
    if (this.stream.failure) throw new Error(`cannot write ${this.path}: ${this.stream.failure.message}`);
    return this.rows;
  }
}

/** Writes a list of windows to one Parquet file; returns the number of rows. */
export async function writeFeatureWindows(path: string, windows: readonly FeatureWindow[], topology: Topology, featureNames?: readonly string[]): Promise<number> {
  const writer = new FeatureParquetWriter(path, topology, featureNames ?? windows[0]?.featureNames ?? []);
  for (const w of windows) await writer.write(w);
  return writer.close();
}
