// Export of a GBDT model to ONNX: one ai.onnx.ml TreeEnsemble node (opset 5) computing the raw scores in double
// precision, followed by standard ONNX ops for the objective's output transform.
//
// How LightGBM's semantics are kept, and where they are not (also in bench/RESULTS.md):
// - Input values with |v| <= 1e-35 are set to 0 first (Abs/LessOrEqual/Where), as LightGBM's predictor does.
// - Input, thresholds and leaf values are double (TreeEnsemble opset 5 takes double splits and leaf weights), so
//   numerical splits compare exactly as LightGBM does; no float32 rounding of thresholds.
// - Missing values: missing type NaN → nodes_missing_value_tracks_true = default_left; missing type None (NaN is
//   treated as 0) → tracks_true = (0 <= threshold).
// - Zero-as-missing nodes (|v| <= 1e-35 or NaN take the default side): encoded with one extra comparison where the
//   zero band falls on one side of the threshold anyway; otherwise the node becomes three comparisons and its two
//   subtrees are duplicated (ONNX trees cannot share subtrees).
// - Categorical splits become BRANCH_MEMBER nodes holding the categories of the bitset; NaN and negative values go
//   right as in LightGBM. Difference: LightGBM truncates a non-integer category (2.7 → 2); ONNX compares exactly,
//   so a non-integer value is "not a member" and goes right.
// - Linear trees cannot be expressed with TreeEnsemble and are refused.
// - Transforms: sigmoid (with LightGBM's sigmoid factor), softmax, per-class sigmoid, exp, signed square and
//   softplus are separate standard ops; average_output (random forest) divides by the iteration count first.
import { CATEGORICAL_MASK, DEFAULT_LEFT_MASK, type GbdtModel, type Tree } from './tree.js';
import { nodeKindOf, NodeKind, ZERO_THRESHOLD } from './native-scorer.js';
import { objectiveTransform } from './objective.js';
import { encodeModel, TensorType, type NodeSpec } from './onnx-proto.js';

const ONNX_IR_VERSION = 10;
const ONNX_OPSET = 21;
const ONNX_ML_OPSET = 5;
/** Guard against pathological zero-as-missing duplication. */
const MAX_EXPORT_NODES = 20_000_000;

const enum Mode {
  LEQ = 0,
  LT = 1,
  MEMBER = 6,
}

export const ONNX_INPUT = 'features';
export const ONNX_RAW_OUTPUT = 'raw_score';
export const ONNX_OUTPUT = 'prediction';

class EnsembleBuilder {
  readonly featureIds: number[] = [];
  readonly splits: number[] = [];
  readonly modes: number[] = [];
  readonly trueIds: number[] = [];
  readonly trueLeaf: number[] = [];
  readonly falseIds: number[] = [];
  readonly falseLeaf: number[] = [];
  readonly missingTrue: number[] = [];
  readonly membership: number[] = [];
  readonly leafTarget: number[] = [];
  readonly leafWeight: number[] = [];
  readonly roots: number[] = [];

  private addNode(feature: number, split: number, mode: Mode, missingTrue: boolean): number {
    const id = this.modes.length;
    if (id >= MAX_EXPORT_NODES) throw new Error(`ONNX export: more than ${MAX_EXPORT_NODES} nodes (zero-as-missing duplication)`);
    this.featureIds.push(feature);
    this.splits.push(split);
    this.modes.push(mode);
    this.missingTrue.push(missingTrue ? 1 : 0);
    this.trueIds.push(0);
    this.trueLeaf.push(0);
    this.falseIds.push(0);
    this.falseLeaf.push(0);
    return id;
  }

  private link(id: number, branch: 'true' | 'false', child: { id: number; leaf: boolean }): void {
    if (branch === 'true') {
      this.trueIds[id] = child.id;
      this.trueLeaf[id] = child.leaf ? 1 : 0;
    } else {
      this.falseIds[id] = child.id;
      this.falseLeaf[id] = child.leaf ? 1 : 0;
    }
  }

  addTree(tree: Tree, target: number): void {
    if (tree.numLeaves === 1) {
      // A one-leaf tree: a node whose both branches reach the same leaf (as the operator's spec suggests).
      const id = this.addNode(0, 0, Mode.LEQ, true);
      const leaf = this.leaf(tree, 0, target);
      this.link(id, 'true', leaf);
      this.link(id, 'false', leaf);
      this.roots.push(id);
      return;
    }
    const root = this.emit(tree, 0, target);
    this.roots.push(root.id);
  }

  private leaf(tree: Tree, leaf: number, target: number): { id: number; leaf: boolean } {
    const id = this.leafTarget.length;
    this.leafTarget.push(target);
    this.leafWeight.push(tree.leafValue[leaf]);
    return { id, leaf: true };
  }

  private child(tree: Tree, child: number, target: number): { id: number; leaf: boolean } {
    return child < 0 ? this.leaf(tree, ~child, target) : this.emit(tree, child, target);
  }

  private emit(tree: Tree, node: number, target: number): { id: number; leaf: boolean } {
    const feature = tree.splitFeature[node];
    const threshold = tree.threshold[node];
    const decision = tree.decisionType[node];
    const left = tree.leftChild[node];
    const right = tree.rightChild[node];
    if (decision & CATEGORICAL_MASK) {
      const catIdx = threshold;
      const categories: number[] = [];
      for (let w = tree.catBoundaries[catIdx]; w < tree.catBoundaries[catIdx + 1]; w++) {
        const word = tree.catThreshold[w];
        for (let bit = 0; bit < 32; bit++) {
          if ((word >>> bit) & 1) categories.push((w - tree.catBoundaries[catIdx]) * 32 + bit);
        }
      }
      // An empty set never matches: "v < -inf" is false for every value (and NaN).
      const id = categories.length > 0 ? this.addNode(feature, NaN, Mode.MEMBER, false) : this.addNode(feature, -Infinity, Mode.LT, false);
      if (categories.length > 0) {
        if (this.membership.length > 0) this.membership.push(NaN);
        this.membership.push(...categories);
      }
      this.link(id, 'true', this.child(tree, left, target));
      this.link(id, 'false', this.child(tree, right, target));
      return { id, leaf: false };
    }
    const kind = nodeKindOf(decision, threshold);
    if (kind === NodeKind.LessEqual || kind === NodeKind.LessEqualNanLeft) {
      const id = this.addNode(feature, threshold, Mode.LEQ, kind === NodeKind.LessEqualNanLeft);
      this.link(id, 'true', this.child(tree, left, target));
      this.link(id, 'false', this.child(tree, right, target));
      return { id, leaf: false };
    }
    // Zero as missing: [-Z, Z] and NaN take the default side.
    const defaultLeft = (decision & DEFAULT_LEFT_MASK) !== 0;
    if (defaultLeft && threshold >= ZERO_THRESHOLD) return this.simple(tree, node, target, threshold, Mode.LEQ, true);
    if (!defaultLeft && threshold < -ZERO_THRESHOLD) return this.simple(tree, node, target, threshold, Mode.LEQ, false);
    if (defaultLeft && threshold >= -ZERO_THRESHOLD) return this.simple(tree, node, target, ZERO_THRESHOLD, Mode.LEQ, true);
    if (!defaultLeft && threshold < ZERO_THRESHOLD) return this.simple(tree, node, target, -ZERO_THRESHOLD, Mode.LT, false);
    // The zero band lies strictly on the side the threshold does not send it to: three comparisons.
    const a = this.addNode(feature, -ZERO_THRESHOLD, Mode.LT, false); // v < -Z (NaN: false)
    if (defaultLeft) {
      // threshold < -Z: left iff v <= t, or v in [-Z, Z], or NaN
      const b = this.addNode(feature, threshold, Mode.LEQ, false);
      this.link(b, 'true', this.child(tree, left, target));
      this.link(b, 'false', this.child(tree, right, target));
      const c = this.addNode(feature, ZERO_THRESHOLD, Mode.LEQ, true);
      this.link(c, 'true', this.child(tree, left, target));
      this.link(c, 'false', this.child(tree, right, target));
      this.link(a, 'true', { id: b, leaf: false });
      this.link(a, 'false', { id: c, leaf: false });
    } else {
      // threshold >= Z: right iff v > t, or v in [-Z, Z], or NaN
      this.link(a, 'true', this.child(tree, left, target));
      const c = this.addNode(feature, ZERO_THRESHOLD, Mode.LEQ, true);
      this.link(c, 'true', this.child(tree, right, target));
      const d = this.addNode(feature, threshold, Mode.LEQ, false);
      this.link(d, 'true', this.child(tree, left, target));
      this.link(d, 'false', this.child(tree, right, target));
      this.link(a, 'false', { id: c, leaf: false });
      this.link(c, 'false', { id: d, leaf: false });
    }
    return { id: a, leaf: false };
  }

  private simple(tree: Tree, node: number, target: number, split: number, mode: Mode, missingTrue: boolean) {
    const id = this.addNode(tree.splitFeature[node], split, mode, missingTrue);
    this.link(id, 'true', this.child(tree, tree.leftChild[node], target));
    this.link(id, 'false', this.child(tree, tree.rightChild[node], target));
    return { id, leaf: false };
  }
}

const doubles = (values: number[]) => ({ kind: 'tensor' as const, value: { type: TensorType.DOUBLE, dims: [values.length], data: Float64Array.from(values) } });
const ints = (values: number[]) => ({ kind: 'ints' as const, value: values });

/** Serialises the model as an ONNX ModelProto: input `features` [N, F] double, outputs `raw_score` and `prediction`. */
export function exportOnnx(model: GbdtModel): Uint8Array {
  if (model.trees.some((t) => t.isLinear)) throw new Error('ONNX export: linear trees cannot be expressed with ai.onnx.ml TreeEnsemble');
  const numFeatures = model.maxFeatureIdx + 1;
  const numClass = model.numTreePerIteration;
  const transform = objectiveTransform(model.objective, model.numClass);
  const builder = new EnsembleBuilder();
  model.trees.forEach((tree, t) => builder.addTree(tree, t % numClass));

  const attributes: NonNullable<NodeSpec['attributes']> = {
    aggregate_function: { kind: 'int', value: 1 }, // SUM
    n_targets: { kind: 'int', value: numClass },
    post_transform: { kind: 'int', value: 0 }, // NONE: transforms follow as standard ops
    tree_roots: ints(builder.roots),
    nodes_featureids: ints(builder.featureIds),
    nodes_splits: doubles(builder.splits),
    nodes_modes: { kind: 'tensor', value: { type: TensorType.UINT8, dims: [builder.modes.length], data: Uint8Array.from(builder.modes) } },
    nodes_truenodeids: ints(builder.trueIds),
    nodes_trueleafs: ints(builder.trueLeaf),
    nodes_falsenodeids: ints(builder.falseIds),
    nodes_falseleafs: ints(builder.falseLeaf),
    nodes_missing_value_tracks_true: ints(builder.missingTrue),
    leaf_targetids: ints(builder.leafTarget),
    leaf_weights: doubles(builder.leafWeight),
  };
  if (builder.membership.length > 0) attributes.membership_values = doubles(builder.membership);

  const initializers: { type: TensorType; dims: number[]; data: Float64Array; name: string }[] = [];
  const scalar = (name: string, value: number) => {
    initializers.push({ type: TensorType.DOUBLE, dims: [], data: Float64Array.of(value), name });
    return name;
  };
  // LightGBM's input rule: |v| <= kZeroThreshold reads as 0 (its predictor keeps only larger values in a sparse row).
  const nodes: NodeSpec[] = [
    { opType: 'Abs', inputs: [ONNX_INPUT], outputs: ['abs_features'], name: 'abs_features' },
    { opType: 'LessOrEqual', inputs: ['abs_features', scalar('zero_threshold', ZERO_THRESHOLD)], outputs: ['is_zero'], name: 'is_zero' },
    { opType: 'Where', inputs: ['is_zero', scalar('zero', 0), ONNX_INPUT], outputs: ['clean_features'], name: 'clean_features' },
    { opType: 'TreeEnsemble', domain: 'ai.onnx.ml', inputs: ['clean_features'], outputs: [ONNX_RAW_OUTPUT], name: 'gbdt', attributes },
  ];
  let current = ONNX_RAW_OUTPUT;
  const step = (opType: string, inputs: string[], attrs?: NodeSpec['attributes']) => {
    const out = `t${nodes.length}_${opType.toLowerCase()}`;
    nodes.push({ opType, inputs, outputs: [out], name: out, attributes: attrs });
    current = out;
  };
  if (model.averageOutput) step('Div', [current, scalar('num_iterations', model.trees.length / numClass)]);
  switch (transform.kind) {
    case 'sigmoid':
    case 'ova-sigmoid':
      if (transform.sigmoid !== 1) step('Mul', [current, scalar('sigmoid', transform.sigmoid)]);
      step('Sigmoid', [current]);
      break;
    case 'softmax':
      step('Softmax', [current], { axis: { kind: 'int', value: 1 } });
      break;
    case 'exp':
      step('Exp', [current]);
      break;
    case 'signed-square': {
      const raw = current;
      step('Abs', [raw]);
      step('Mul', [current, raw]);
      break;
    }
    case 'log1p-exp':
      step('Softplus', [current]);
      break;
    case 'identity':
      break;
  }
  nodes.push({ opType: 'Identity', inputs: [current], outputs: [ONNX_OUTPUT], name: 'output' });

  return encodeModel({
    irVersion: ONNX_IR_VERSION,
    opsets: [
      { domain: '', version: ONNX_OPSET },
      { domain: 'ai.onnx.ml', version: ONNX_ML_OPSET },
    ],
    producerName: 'hotspot',
    producerVersion: '0.1.0',
    graphName: 'hotspot_gbdt',
    docString: `LightGBM-compatible GBDT: ${model.trees.length} trees, objective '${model.objective}'`,
    nodes,
    initializers,
    inputs: [{ name: ONNX_INPUT, elemType: TensorType.DOUBLE, shape: ['N', numFeatures] }],
    outputs: [
      { name: ONNX_RAW_OUTPUT, elemType: TensorType.DOUBLE, shape: ['N', numClass] },
      { name: ONNX_OUTPUT, elemType: TensorType.DOUBLE, shape: ['N', numClass] },
    ],
  });
}
