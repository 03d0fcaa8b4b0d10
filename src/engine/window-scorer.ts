// Turns a closed FeatureWindow into a ScoredWindow: probabilities for every user, TreeSHAP contributions for the
// users at risk. The same code scores training validation, replay and live windows, so there is no skew.
import type { FeatureWindow } from '../features/index.js';
import type { ScoredWindow } from '../hotspots/scored-window.js';
import { NativeScorer } from '../model/native-scorer.js';
import { predictContrib } from '../model/tree-shap.js';
import type { GbdtModel } from '../model/tree.js';

/**
 * TreeSHAP is the costly part of scoring. On its leaf tables (src/model/tree-shap.ts) a 300-tree, 63-leaf model
 * explains ~2,000 rows per CPU-second, so a window explains every at-risk user: no per-cell sample by default. The
 * per-window cap only bounds the latency of a pathological window (3,000 users ≈ 1.5 s of CPU; beyond it the most
 * probable users of the window are explained). A per-cell cap can still be set.
 */
export const DEFAULT_MAX_EXPLAINED_PER_WINDOW = 3_000;
export const DEFAULT_MAX_EXPLAINED_PER_CELL = Number.POSITIVE_INFINITY;

export interface WindowScorerOptions {
  /** The model's operating threshold: users at or above it are "at risk" and get explained. */
  threshold: number;
  modelVersion: string;
  maxExplainedPerWindow?: number;
  maxExplainedPerCell?: number;
}

export class WindowScorer {
  private readonly scorer: NativeScorer;
  private readonly modelFeatures: string[];
  private columnOfModelFeature: Int32Array | null = null;
  private windowFeatureNames: string[] | null = null;
  private readonly maxExplained: number;
  private readonly maxPerCell: number;

  constructor(
    private readonly model: GbdtModel,
    private readonly options: WindowScorerOptions,
  ) {
    if (model.numClass !== 1) throw new Error(`the hotspot engine needs a binary model; this one has ${model.numClass} classes`);
    this.scorer = new NativeScorer(model);
    this.modelFeatures = model.featureNames;
    this.maxExplained = options.maxExplainedPerWindow ?? DEFAULT_MAX_EXPLAINED_PER_WINDOW;
    this.maxPerCell = options.maxExplainedPerCell ?? DEFAULT_MAX_EXPLAINED_PER_CELL;
  }

  get threshold(): number {
    return this.options.threshold;
  }

  score(w: FeatureWindow): ScoredWindow {
    const columnOf = this.resolveColumns(w.featureNames);
    const n = w.imsi.length;
    const nf = this.modelFeatures.length;
    const modelColumns = new Array<Float64Array>(nf);
    for (let f = 0; f < nf; f++) modelColumns[f] = w.columns[columnOf[f]];
    const probability = this.scorer.scoreColumns(modelColumns, n, new Float64Array(n));

    const explainedRows = this.explainedSample(probability, w.cell);
    const k = explainedRows.length;
    // TreeSHAP reads row-major rows: gather only the explained users.
    const rows = new Float64Array(k * nf);
    for (let j = 0; j < k; j++) {
      const r = explainedRows[j];
      const base = j * nf;
      for (let f = 0; f < nf; f++) rows[base + f] = modelColumns[f][r];
    }
    const contributions = k > 0 ? predictContrib(this.model, rows, k) : new Float64Array(0);

    return {
      windowStart: w.windowStart,
      windowEnd: w.windowEnd,
      imsi: w.imsi,
      msisdn: w.msisdn,
      cell: w.cell,
      regionIndex: w.regionIndex,
      probability,
      featureNames: this.modelFeatures,
      features: modelColumns,
      explainedRows,
      contributions,
      modelVersion: this.options.modelVersion,
    };
  }

  /** At-risk rows to explain: per cell the most probable first, within both caps; ascending row order. */
  explainedSample(probability: Float64Array, cell: Float64Array): Int32Array {
    const t = this.options.threshold;
    const atRisk: number[] = [];
    for (let i = 0; i < probability.length; i++) if (probability[i] >= t) atRisk.push(i);
    if (atRisk.length <= this.maxPerCell && atRisk.length <= this.maxExplained) return Int32Array.from(atRisk);
    atRisk.sort((a, b) => probability[b] - probability[a] || a - b);
    const perCell = new Map<number, number>();
    const chosen: number[] = [];
    for (const r of atRisk) {
      const c = cell[r];
      const k = perCell.get(c) ?? 0;
      if (k >= this.maxPerCell) continue;
      perCell.set(c, k + 1);
      chosen.push(r);
      if (chosen.length >= this.maxExplained) break;
    }
    return Int32Array.from(chosen).sort();
  }

  /** Maps model features to window columns by name, once per feature list; refuses a model the spec cannot feed. */
  private resolveColumns(names: string[]): Int32Array {
    if (this.columnOfModelFeature && this.windowFeatureNames === names) return this.columnOfModelFeature;
    const position = new Map(names.map((name, i) => [name, i]));
    const missing: string[] = [];
    const columnOf = new Int32Array(this.modelFeatures.length);
    this.modelFeatures.forEach((name, f) => {
      const i = position.get(name);
      if (i === undefined) missing.push(name);
      else columnOf[f] = i;
    });
    if (missing.length > 0) {
      throw new Error(
        `the model needs ${missing.length} feature(s) the feature spec does not produce: ${missing.slice(0, 5).join(', ')}${missing.length > 5 ? ', …' : ''}`,
      );
    }
    this.columnOfModelFeature = columnOf;
    this.windowFeatureNames = names;
    return columnOf;
  }
}
