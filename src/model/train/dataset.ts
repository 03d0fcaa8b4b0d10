// Binned training data: every usable feature's values replaced by bin numbers, stored row-major in one
// Uint8Array (Uint16Array when some feature needs more than 256 bins). Row-major lets a histogram pass read
// a row's gradient once and touch all its features' bins in one cache line — what matters when a leaf's rows
// are a scattered subset. Features with a single bin can never split and are left out ("inner" features).
import {
  buildCategoricalBinMapper,
  buildNumericalBinMapper,
  categoricalValueToBin,
  numericalValueToBin,
  type BinMapper,
  type BinMapperOptions,
} from './bin-mapper.js';
import { Random } from './random.js';

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
  const bins: BinMatrix = layout.maxNumBin > 256 ? new Uint16Array(n * F) : new Uint8Array(n * F);
  for (let j = 0; j < F; j++) {
    const f = layout.innerToReal[j];
    const m = layout.mappers[f]!;
    const col = data.columns[f];
    if (!col) throw new Error(`data has no column for feature ${f} (${data.featureNames[f] ?? '?'})`);
    if (m.kind === 'numerical') {
      for (let i = 0; i < n; i++) bins[i * F + j] = numericalValueToBin(m, col[i]);
    } else {
      for (let i = 0; i < n; i++) bins[i * F + j] = categoricalValueToBin(m, col[i]);
    }
  }
  return { numRows: n, numInner: F, bins, label: data.label, weight: data.weight };
}
