// In-memory form of a LightGBM GBDT model, mirroring LightGBM's text format field by field
// (src/io/tree.cpp, src/boosting/gbdt_model_text.cpp) so that reading and writing are lossless.
// The text reader/writer, the scorers, TreeSHAP, the ONNX exporter and the trainer all share it.

/** One tree, as LightGBM stores it. Internal nodes are 0..numLeaves-2; a child < 0 is leaf ~child. */
export interface Tree {
  numLeaves: number;
  numCat: number;
  splitFeature: Int32Array; // original feature index per internal node
  splitGain: Float64Array;
  /** Numerical threshold, or for categorical nodes the index into catBoundaries. */
  threshold: Float64Array;
  /**
   * Bit 0: categorical split; bit 1: default left; bits 2-3: missing type (0 None, 1 Zero, 2 NaN).
   */
  decisionType: Uint8Array;
  leftChild: Int32Array;
  rightChild: Int32Array;
  leafValue: Float64Array;
  leafWeight: Float64Array;
  leafCount: Int32Array;
  internalValue: Float64Array;
  internalWeight: Float64Array;
  internalCount: Int32Array;
  /** Categorical bitsets: node's words are catThreshold[catBoundaries[t]..catBoundaries[t+1]). */
  catBoundaries: Int32Array;
  catThreshold: Uint32Array;
  isLinear: boolean;
  /** Linear trees only: per leaf, constant, feature indices and coefficients. */
  leafConst?: Float64Array;
  leafFeatures?: Int32Array[];
  leafCoeff?: Float64Array[];
  shrinkage: number;
}

export const CATEGORICAL_MASK = 1;
export const DEFAULT_LEFT_MASK = 2;
export const MISSING_NONE = 0;
export const MISSING_ZERO = 1;
export const MISSING_NAN = 2;

export function missingType(decisionType: number): number {
  return (decisionType >> 2) & 3;
}

/** A whole model: header fields of LightGBM's text format plus the trees. */
export interface GbdtModel {
  /** e.g. "v4" */
  version: string;
  numClass: number;
  numTreePerIteration: number;
  labelIndex: number;
  maxFeatureIdx: number;
  /** LightGBM objective line, e.g. "binary sigmoid:1", "multiclass num_class:3", "regression". */
  objective: string;
  averageOutput: boolean;
  featureNames: string[];
  /** Per feature: "[min:max]" for numerical, "a:b:c" categories for categorical, "none" if unused. */
  featureInfos: string[];
  trees: Tree[];
  /** The `parameters:` block verbatim (LightGBM keeps the training config there); may be empty. */
  parameters: string;
  /** Raw `feature_importances:` lines, if any. */
  featureImportances?: string;
  /** Raw `pandas_categorical:` line, if any. */
  pandasCategorical?: string;
  /** `monotone_constraints=` values (-1, 0, 1 per feature), when the model has the line. */
  monotoneConstraints?: string[];
  /** Header `key=value` lines hotspot does not interpret, kept in order so that writing preserves them. */
  extraHeaderLines?: string[];
}

/** How raw scores become outputs, derived from the objective line. */
export type OutputTransform =
  | { kind: 'identity' }
  | { kind: 'sigmoid'; sigmoid: number }
  | { kind: 'softmax'; numClass: number }
  | { kind: 'exp' }; // poisson, gamma, tweedie
