// Feature windows → Arrow table → Parquet, one row per user-window with named columns, so data scientists can
// train in their own tools (pandas, pyarrow, DuckDB) on exactly the values hotspot scores with.
import { writeFile } from 'node:fs/promises';
import { Float64, Int64, Table, Utf8, makeVector, tableToIPC, vectorFromArray, type Vector } from 'apache-arrow';
import * as parquet from 'parquet-wasm/node';
import type { Topology } from '../schema/side-files.js';
import type { FeatureWindow } from './engine.js';

/** The fixed leading columns of a feature row; the spec's features follow. */
export const FEATURE_KEY_COLUMNS = ['window_start', 'window_end', 'imsi', 'msisdn', 'cell', 'region'] as const;

/** One Arrow table for a list of windows (all of one spec). Times are epoch ms (int64), `imsi` a 15-digit string. */
export function featureWindowsToTable(windows: readonly FeatureWindow[], topology: Topology): Table {
  const rows = windows.reduce((n, w) => n + w.imsi.length, 0);
  const names = windows[0]?.featureNames ?? [];
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

/** Parquet bytes (zstd... snappy by default in parquet-wasm) of the windows. */
export function featureWindowsToParquet(windows: readonly FeatureWindow[], topology: Topology): Uint8Array {
  const table = featureWindowsToTable(windows, topology);
  const wasmTable = parquet.Table.fromIPCStream(tableToIPC(table, 'stream'));
  return parquet.writeParquet(wasmTable);
}

export async function writeFeatureWindows(path: string, windows: readonly FeatureWindow[], topology: Topology): Promise<number> {
  const bytes = featureWindowsToParquet(windows, topology);
  await writeFile(path, bytes);
  return windows.reduce((n, w) => n + w.imsi.length, 0);
}
