// Binned training data: every usable feature's values replaced by bin numbers, stored row-major in one
// Uint8Array (Uint16Array when some feature needs more than 256 bins). Row-major lets a histogram pass read
// a row's gradient once and touch all its features' bins in one cache line — what matters when a leaf's rows
// are a scattered subset. Features with a single bin can never split and are left out ("inner" features).
import {
  buildCategoricalBinMapper,
  buildNumericalBinMapper,
  categoricalValueToBin,
  type BinMapper,
  type BinMapperOptions,
} from './bin-mapper.js';
import { Random } from './random.js';
import { MISSING_NAN } from '../tree.js';

export type BinMatrix = Uint8Array | Uint16Array;

/** Raw training data: one Float64Array per feature (column-major), NaN for missing. */
export interface RawData {
  featureNames: string[];
  columns: Float64Array[];
  label: Float64Array;
  weight: Float64Array | null;
}

export interface BinnedData {
  numRows: number;
  /** Number of inner (usable) features = row stride of `bins`. */
  numInner: number;
  bins: BinMatrix;
  /** The same bins column by column (inner feature order): partitioning a leaf reads one feature. */
  columns: BinMatrix[];
  label: Float64Array;
  weight: Float64Array | null;
}

export interface FeatureLayout {
  /** All original features; mapper per original feature (null if the column could not be binned). */
  mappers: (BinMapper | null)[];
  /** inner index → original feature index */
  innerToReal: Int32Array;
  /** inner index → offset of its first bin in a flat histogram */
  binOffsets: Int32Array;
  totalBins: number;
  maxNumBin: number;
}

export interface DatasetOptions extends BinMapperOptions {
  binConstructSampleCnt: number;
  categorical: Set<number>;
  /** Seed for the bin-construction sample (LightGBM's data_random_seed). */
  dataSeed: number;
}

/** Builds bin mappers from a row sample of the training data (LightGBM's bin_construct_sample_cnt). */
export function buildLayout(data: RawData, opts: DatasetOptions): FeatureLayout {
  const n = data.label.length;
  const rows = new Random(opts.dataSeed).sample(n, Math.min(n, opts.binConstructSampleCnt));
  const mappers: (BinMapper | null)[] = [];
  const inner: number[] = [];
  const sample = new Float64Array(rows.length);
  for (let f = 0; f < data.columns.length; f++) {
    const col = data.columns[f];
    for (let i = 0; i < rows.length; i++) sample[i] = col[rows[i]];
    const m = opts.categorical.has(f) ? buildCategoricalBinMapper(sample, opts) : buildNumericalBinMapper(sample, opts);
    mappers.push(m);
    if (m.numBin > 1) inner.push(f);
  }
  const binOffsets = new Int32Array(inner.length);
  let total = 0;
  let maxNumBin = 0;
  inner.forEach((f, i) => {
    binOffsets[i] = total;
    total += mappers[f]!.numBin;
    maxNumBin = Math.max(maxNumBin, mappers[f]!.numBin);
  });
  return { mappers, innerToReal: Int32Array.from(inner), binOffsets, totalBins: total, maxNumBin };
}

/** Applies the layout's mappers to raw data (training or validation). */
export function binData(layout: FeatureLayout, data: RawData): BinnedData {
  const n = data.label.length;
  const F = layout.innerToReal.length;
  const wide = layout.maxNumBin > 256;
  const bins: BinMatrix = wide ? new Uint16Array(n * F) : new Uint8Array(n * F);
  const columns: BinMatrix[] = Array.from({ length: F }, () => (wide ? new Uint16Array(n) : new Uint8Array(n)));
  for (let j = 0; j < F; j++) {
    const f = layout.innerToReal[j];
    if (!data.columns[f]) throw new Error(`data has no column for feature ${f} (${data.featureNames[f] ?? '?'})`);
  }
  // Blocks of rows so the row-major writes of all features stay in cache.
  const BLOCK = 2048;
  for (let start = 0; start < n; start += BLOCK) {
    const end = Math.min(n, start + BLOCK);
    for (let j = 0; j < F; j++) {
      const f = layout.innerToReal[j];
      const m = layout.mappers[f]!;
      const col = data.columns[f];
      const out = columns[j];
      if (m.kind === 'numerical') {
        const ub = m.upperBounds;
        const nan = m.missingType === MISSING_NAN;
        const last = nan ? m.numBin - 2 : m.numBin - 1;
        for (let i = start; i < end; i++) {
          let v = col[i];
          let b: number;
          if (v !== v) {
            if (nan) {
              out[i] = m.numBin - 1;
              continue;
            }
            v = 0;
          }
          let lo = 0;
          let hi = last;
          while (lo < hi) {
            const mid = (lo + hi) >> 1;
            if (v <= ub[mid]) hi = mid;
            else lo = mid + 1;
          }
          b = lo;
          out[i] = b;
        }
      } else {
        for (let i = start; i < end; i++) out[i] = categoricalValueToBin(m, col[i]);
      }
      for (let i = start; i < end; i++) bins[i * F + j] = out[i];
    }
  }
  return { numRows: n, numInner: F, bins, columns, label: data.label, weight: data.weight };
}
