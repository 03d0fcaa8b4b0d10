// Reader and writer of LightGBM's text model format (gbdt_model_text.cpp SaveModelToString / LoadModelFromString,
// tree.cpp Tree::ToString / Tree(const char*)). The writer reproduces LightGBM's field order and number formatting
// ("%.17g" for thresholds, leaf values, leaf weights, linear coefficients; "%g" for gains, internal values and
// weights, shrinkage), so parse → format of a LightGBM-written model gives back the same bytes.
import { CATEGORICAL_MASK, type GbdtModel, type Tree } from './tree.js';
import { formatDouble17, formatDouble6 } from './number-format.js';

/** A malformed model file; the message names the line. */
export class ModelFormatError extends Error {
  constructor(
    readonly line: number,
    message: string,
  ) {
    super(`model text line ${line}: ${message}`);
    this.name = 'ModelFormatError';
  }
}

interface Field {
  value: string;
  line: number;
}

const NUMBER_WORDS: Record<string, number> = {
  nan: NaN, '-nan': NaN, NaN: NaN, inf: Infinity, '+inf': Infinity, '-inf': -Infinity, Infinity: Infinity, '-Infinity': -Infinity,
};

function parseNumber(token: string, line: number, key: string): number {
  const word = NUMBER_WORDS[token];
  if (word !== undefined) return word;
  // Number('') is 0 and Number('0x1') is 1: accept only decimal notation, as LightGBM's parser does.
  if (!/^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(token)) {
    throw new ModelFormatError(line, `${key}: '${token}' is not a number`);
  }
  return Number(token);
}

function splitTokens(value: string): string[] {
  return value.length === 0 ? [] : value.split(' ').filter((t) => t.length > 0);
}

function parseDoubles(field: Field, key: string, expected: number): Float64Array {
  const tokens = splitTokens(field.value);
  if (tokens.length !== expected) {
    throw new ModelFormatError(field.line, `${key} has ${tokens.length} values, expected ${expected}`);
  }
  const out = new Float64Array(expected);
  for (let i = 0; i < expected; i++) out[i] = parseNumber(tokens[i], field.line, key);
  return out;
}

function parseInts(field: Field, key: string, expected: number, min = -2147483648, max = 2147483647): number[] {
  const tokens = splitTokens(field.value);
  if (tokens.length !== expected) {
    throw new ModelFormatError(field.line, `${key} has ${tokens.length} values, expected ${expected}`);
  }
  const out = new Array<number>(expected);
  for (let i = 0; i < expected; i++) {
    const v = parseNumber(tokens[i], field.line, key);
    if (!Number.isInteger(v) || v < min || v > max) {
      throw new ModelFormatError(field.line, `${key}: '${tokens[i]}' is not an integer in [${min}, ${max}]`);
    }
    out[i] = v;
  }
  return out;
}

function parseInt1(field: Field, key: string, min: number): number {
  return parseInts(field, key, 1, min)[0];
}

/** Splits a text into lines, remembering 1-based line numbers; accepts \n and \r\n. */
function splitLines(text: string): string[] {
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const l = lines[i];
    if (l.length > 0 && l.charCodeAt(l.length - 1) === 13) lines[i] = l.slice(0, -1);
  }
  return lines;
}

function keyValue(line: string, lineNo: number): [string, string] {
  const eq = line.indexOf('=');
  if (eq <= 0) throw new ModelFormatError(lineNo, `expected key=value, got '${line.slice(0, 60)}'`);
  return [line.slice(0, eq), line.slice(eq + 1)];
}

function parseTree(fields: Map<string, Field>, treeLine: number, numFeatures: number): Tree {
  const need = (key: string): Field => {
    const f = fields.get(key);
    if (!f) throw new ModelFormatError(treeLine, `tree has no ${key} field`);
    return f;
  };
  const numLeaves = parseInt1(need('num_leaves'), 'num_leaves', 1);
  const numCat = parseInt1(need('num_cat'), 'num_cat', 0);
  const numNodes = numLeaves - 1;
  const leafValue = parseDoubles(need('leaf_value'), 'leaf_value', numLeaves);
  const shrinkageField = fields.get('shrinkage');
  const shrinkage = shrinkageField ? parseDoubles(shrinkageField, 'shrinkage', 1)[0] : 1;
  const isLinearField = fields.get('is_linear');
  const isLinear = isLinearField ? parseInt1(isLinearField, 'is_linear', 0) !== 0 : false;

  // Optional arrays default to zeros, as in LightGBM's Tree(const char*); a single-leaf tree may leave them empty.
  const optDoubles = (key: string, n: number): Float64Array => {
    const f = fields.get(key);
    if (!f) return new Float64Array(n);
    if (numLeaves === 1 && f.value.trim() === '') return new Float64Array(0);
    return parseDoubles(f, key, n);
  };
  const optInts = (key: string, n: number, min?: number, max?: number): number[] => {
    const f = fields.get(key);
    if (!f) return new Array<number>(n).fill(0);
    if (numLeaves === 1 && f.value.trim() === '') return [];
    return parseInts(f, key, n, min, max);
  };
  const reqInts = (key: string, n: number, min?: number, max?: number): number[] => {
    if (n === 0) return fields.has(key) ? optInts(key, 0) : [];
    return parseInts(need(key), key, n, min, max);
  };

  const splitFeature = reqInts('split_feature', numNodes, 0, Math.max(0, numFeatures - 1));
  const threshold = numNodes === 0 ? optDoubles('threshold', 0) : parseDoubles(need('threshold'), 'threshold', numNodes);
  const leftChild = reqInts('left_child', numNodes, -numLeaves, numNodes - 1);
  const rightChild = reqInts('right_child', numNodes, -numLeaves, numNodes - 1);
  const decisionType = optInts('decision_type', numNodes, 0, 255);
  const tree: Tree = {
    numLeaves,
    numCat,
    splitFeature: Int32Array.from(splitFeature),
    splitGain: optDoubles('split_gain', numNodes),
    threshold,
    decisionType: Uint8Array.from(decisionType),
    leftChild: Int32Array.from(leftChild),
    rightChild: Int32Array.from(rightChild),
    leafValue,
    leafWeight: optDoubles('leaf_weight', numLeaves),
    leafCount: Int32Array.from(optInts('leaf_count', numLeaves)),
    internalValue: optDoubles('internal_value', numNodes),
    internalWeight: optDoubles('internal_weight', numNodes),
    internalCount: Int32Array.from(optInts('internal_count', numNodes)),
    catBoundaries: new Int32Array([0]),
    catThreshold: new Uint32Array(0),
    isLinear,
    shrinkage,
  };
  if (numCat > 0) {
    const boundaries = parseInts(need('cat_boundaries'), 'cat_boundaries', numCat + 1, 0);
    for (let i = 1; i < boundaries.length; i++) {
      if (boundaries[i] < boundaries[i - 1]) {
        throw new ModelFormatError(need('cat_boundaries').line, 'cat_boundaries must not decrease');
      }
    }
    tree.catBoundaries = Int32Array.from(boundaries);
    tree.catThreshold = Uint32Array.from(
      parseInts(need('cat_threshold'), 'cat_threshold', boundaries[numCat], 0, 4294967295),
    );
  }
  if (isLinear) parseLinear(tree, fields, numFeatures);
  checkTree(tree, fields, treeLine);
  return tree;
}

function parseLinear(tree: Tree, fields: Map<string, Field>, numFeatures: number): void {
  const n = tree.numLeaves;
  const constField = fields.get('leaf_const');
  tree.leafConst = constField ? parseDoubles(constField, 'leaf_const', n) : new Float64Array(n);
  const numFeatField = fields.get('num_features');
  const numFeat = numFeatField ? parseInts(numFeatField, 'num_features', n, 0) : new Array<number>(n).fill(0);
  const total = numFeat.reduce((a, b) => a + b, 0);
  const featField = fields.get('leaf_features');
  const coeffField = fields.get('leaf_coeff');
  const allFeatures = featField ? parseInts(featField, 'leaf_features', total, 0, numFeatures - 1) : new Array<number>(total).fill(0);
  const allCoeff = coeffField ? parseDoubles(coeffField, 'leaf_coeff', total) : new Float64Array(total);
  tree.leafFeatures = [];
  tree.leafCoeff = [];
  let offset = 0;
  for (let leaf = 0; leaf < n; leaf++) {
    tree.leafFeatures.push(Int32Array.from(allFeatures.slice(offset, offset + numFeat[leaf])));
    tree.leafCoeff.push(allCoeff.slice(offset, offset + numFeat[leaf]));
    offset += numFeat[leaf];
  }
}

/** Structural checks a scorer relies on: every node reachable once, categorical indices in range. */
function checkTree(tree: Tree, fields: Map<string, Field>, treeLine: number): void {
  const numNodes = tree.numLeaves - 1;
  if (numNodes === 0) return;
  const line = fields.get('left_child')?.line ?? treeLine;
  const seenNode = new Uint8Array(numNodes);
  const seenLeaf = new Uint8Array(tree.numLeaves);
  seenNode[0] = 1;
  const mark = (child: number) => {
    if (child >= 0) {
      if (child === 0 || seenNode[child]) throw new ModelFormatError(line, `node ${child} has more than one parent`);
      seenNode[child] = 1;
    } else {
      if (seenLeaf[~child]) throw new ModelFormatError(line, `leaf ${~child} has more than one parent`);
      seenLeaf[~child] = 1;
    }
  };
  for (let node = 0; node < numNodes; node++) {
    mark(tree.leftChild[node]);
    mark(tree.rightChild[node]);
    if (tree.decisionType[node] & CATEGORICAL_MASK) {
      const catIdx = tree.threshold[node];
      if (!Number.isInteger(catIdx) || catIdx < 0 || catIdx >= tree.numCat) {
        throw new ModelFormatError(fields.get('threshold')?.line ?? treeLine, `categorical node ${node} has bad index ${catIdx}`);
      }
    }
  }
  if (seenNode.indexOf(0) >= 0 || seenLeaf.indexOf(0) >= 0) {
    throw new ModelFormatError(line, 'tree has unreachable nodes or leaves');
  }
}

/** Parses a LightGBM text model (as written by LightGBM ≥ 3 or by formatModelText). */
export function parseModelText(text: string): GbdtModel {
  const lines = splitLines(text);
  let i = 0;
  while (i < lines.length && lines[i].trim() === '') i++;
  if (i >= lines.length) throw new ModelFormatError(1, 'empty model file');
  if (lines[i] !== 'tree') throw new ModelFormatError(i + 1, `expected 'tree' (a GBDT model), got '${lines[i].slice(0, 60)}'`);
  i++;

  const header = new Map<string, Field>();
  const extraHeaderLines: string[] = [];
  let averageOutput = false;
  const KNOWN = new Set([
    'version', 'num_class', 'num_tree_per_iteration', 'label_index', 'max_feature_idx', 'objective',
    'feature_names', 'feature_infos', 'monotone_constraints', 'tree_sizes',
  ]);
  for (; i < lines.length && !lines[i].startsWith('Tree='); i++) {
    const line = lines[i];
    if (line === '' ) continue;
    if (line === 'average_output') {
      averageOutput = true;
      continue;
    }
    if (line === 'end of trees') break;
    const [key, value] = keyValue(line, i + 1);
    if (KNOWN.has(key)) header.set(key, { value, line: i + 1 });
    else extraHeaderLines.push(line);
  }
  const need = (key: string): Field => {
    const f = header.get(key);
    if (!f) throw new ModelFormatError(i + 1, `model header has no ${key}= line`);
    return f;
  };
  const numClass = parseInt1(need('num_class'), 'num_class', 1);
  const ntpiField = header.get('num_tree_per_iteration');
  const numTreePerIteration = ntpiField ? parseInt1(ntpiField, 'num_tree_per_iteration', 1) : numClass;
  const labelIndexField = header.get('label_index');
  const labelIndex = labelIndexField ? parseInt1(labelIndexField, 'label_index', -1) : 0;
  const maxFeatureIdx = parseInt1(need('max_feature_idx'), 'max_feature_idx', 0);
  const numFeatures = maxFeatureIdx + 1;
  const featureNamesField = header.get('feature_names');
  const featureNames = featureNamesField
    ? featureNamesField.value.split(' ')
    : Array.from({ length: numFeatures }, (_, f) => `Column_${f}`);
  if (featureNames.length !== numFeatures) {
    throw new ModelFormatError(featureNamesField!.line, `feature_names has ${featureNames.length} names, max_feature_idx says ${numFeatures}`);
  }
  const featureInfosField = header.get('feature_infos');
  const featureInfos = featureInfosField ? featureInfosField.value.split(' ') : new Array<string>(numFeatures).fill('none');
  const monotoneField = header.get('monotone_constraints');

  const trees: Tree[] = [];
  while (i < lines.length && lines[i] !== 'end of trees') {
    const line = lines[i];
    if (line === '') {
      i++;
      continue;
    }
    if (!line.startsWith('Tree=')) throw new ModelFormatError(i + 1, `expected 'Tree=N' or 'end of trees', got '${line.slice(0, 60)}'`);
    const index = Number(line.slice(5));
    if (index !== trees.length) throw new ModelFormatError(i + 1, `expected Tree=${trees.length}, got ${line}`);
    const treeLine = i + 1;
    i++;
    const fields = new Map<string, Field>();
    for (; i < lines.length && lines[i] !== ''; i++) {
      const [key, value] = keyValue(lines[i], i + 1);
      fields.set(key, { value, line: i + 1 });
    }
    trees.push(parseTree(fields, treeLine, numFeatures));
  }
  if (i >= lines.length) throw new ModelFormatError(lines.length, "model ends without 'end of trees'");
  if (trees.length % numTreePerIteration !== 0) {
    throw new ModelFormatError(i + 1, `${trees.length} trees is not a multiple of num_tree_per_iteration=${numTreePerIteration}`);
  }
  i++;

  // Tail: feature importances, the training parameters, and the Python package's pandas_categorical line.
  let featureImportances: string | undefined;
  let parameters = '';
  let pandasCategorical: string | undefined;
  while (i < lines.length) {
    const line = lines[i];
    if (line === 'feature_importances:') {
      const start = ++i;
      while (i < lines.length && lines[i] !== '' && lines[i] !== 'parameters:') i++;
      featureImportances = lines.slice(start, i).map((l) => l + '\n').join('');
    } else if (line === 'parameters:') {
      const start = ++i;
      while (i < lines.length && lines[i] !== 'end of parameters') i++;
      if (i >= lines.length) throw new ModelFormatError(start, "parameters block without 'end of parameters'");
      parameters = lines.slice(start, i).join('\n');
      i++;
    } else if (line.startsWith('pandas_categorical:')) {
      pandasCategorical = line;
      i++;
    } else {
      i++;
    }
  }

  const model: GbdtModel = {
    version: header.get('version')?.value ?? 'v4',
    numClass,
    numTreePerIteration,
    labelIndex,
    maxFeatureIdx,
    objective: header.get('objective')?.value ?? '',
    averageOutput,
    featureNames,
    featureInfos,
    trees,
    parameters,
  };
  if (featureImportances !== undefined) model.featureImportances = featureImportances;
  if (pandasCategorical !== undefined) model.pandasCategorical = pandasCategorical;
  if (monotoneField) model.monotoneConstraints = monotoneField.value.split(' ');
  if (extraHeaderLines.length > 0) model.extraHeaderLines = extraHeaderLines;
  return model;
}

function joinDoubles(values: ArrayLike<number>, format: (x: number) => string): string {
  let s = '';
  for (let i = 0; i < values.length; i++) s += (i > 0 ? ' ' : '') + format(values[i]);
  return s;
}

function joinInts(values: ArrayLike<number>): string {
  let s = '';
  for (let i = 0; i < values.length; i++) s += (i > 0 ? ' ' : '') + String(values[i]);
  return s;
}

/** One tree exactly as Tree::ToString writes it (ending with the blank line). */
export function formatTree(tree: Tree): string {
  const out: string[] = [];
  out.push(`num_leaves=${tree.numLeaves}`);
  out.push(`num_cat=${tree.numCat}`);
  out.push(`split_feature=${joinInts(tree.splitFeature)}`);
  out.push(`split_gain=${joinDoubles(tree.splitGain, formatDouble6)}`);
  out.push(`threshold=${joinDoubles(tree.threshold, formatDouble17)}`);
  out.push(`decision_type=${joinInts(tree.decisionType)}`);
  out.push(`left_child=${joinInts(tree.leftChild)}`);
  out.push(`right_child=${joinInts(tree.rightChild)}`);
  out.push(`leaf_value=${joinDoubles(tree.leafValue, formatDouble17)}`);
  out.push(`leaf_weight=${joinDoubles(tree.leafWeight, formatDouble17)}`);
  out.push(`leaf_count=${joinInts(tree.leafCount)}`);
  out.push(`internal_value=${joinDoubles(tree.internalValue, formatDouble6)}`);
  out.push(`internal_weight=${joinDoubles(tree.internalWeight, formatDouble6)}`);
  out.push(`internal_count=${joinInts(tree.internalCount)}`);
  if (tree.numCat > 0) {
    out.push(`cat_boundaries=${joinInts(tree.catBoundaries)}`);
    out.push(`cat_threshold=${joinInts(tree.catThreshold)}`);
  }
  out.push(`is_linear=${tree.isLinear ? 1 : 0}`);
  if (tree.isLinear) {
    const n = tree.numLeaves;
    const features = tree.leafFeatures ?? [];
    const coeff = tree.leafCoeff ?? [];
    out.push(`leaf_const=${joinDoubles(tree.leafConst ?? new Float64Array(n), formatDouble17)}`);
    const numFeat = Array.from({ length: n }, (_, l) => coeff[l]?.length ?? 0);
    out.push(`num_features=${joinInts(numFeat)}`);
    // LightGBM ends every leaf's list with a space, and an empty list is a lone space.
    let f = 'leaf_features=';
    let c = 'leaf_coeff=';
    for (let l = 0; l < n; l++) {
      if (numFeat[l] > 0) {
        f += joinInts(features[l]) + ' ';
        c += joinDoubles(coeff[l], formatDouble17) + ' ';
      }
      f += ' ';
      c += ' ';
    }
    out.push(f, c);
  }
  out.push(`shrinkage=${formatDouble6(tree.shrinkage)}`);
  return out.join('\n') + '\n\n';
}

/** LightGBM's default "split" importance: how many nodes split on each feature, highest first. */
function splitImportances(model: GbdtModel): string {
  const counts = new Float64Array(model.maxFeatureIdx + 1);
  for (const tree of model.trees) for (let n = 0; n < tree.numLeaves - 1; n++) counts[tree.splitFeature[n]]++;
  const pairs: [number, string][] = [];
  counts.forEach((c, f) => {
    if (c > 0) pairs.push([c, model.featureNames[f]]);
  });
  // std::stable_sort by count descending keeps feature order among ties.
  pairs.sort((a, b) => b[0] - a[0]);
  return pairs.map(([c, name]) => `${name}=${c}\n`).join('');
}

/** Writes a model the way GBDT::SaveModelToString does, so that LightGBM (and parseModelText) load it. */
export function formatModelText(model: GbdtModel): string {
  const treeStrings = model.trees.map((tree, index) => `Tree=${index}\n${formatTree(tree)}\n`);
  let s = 'tree\n';
  s += `version=${model.version}\n`;
  s += `num_class=${model.numClass}\n`;
  s += `num_tree_per_iteration=${model.numTreePerIteration}\n`;
  s += `label_index=${model.labelIndex}\n`;
  s += `max_feature_idx=${model.maxFeatureIdx}\n`;
  if (model.objective !== '') s += `objective=${model.objective}\n`;
  if (model.averageOutput) s += 'average_output\n';
  s += `feature_names=${model.featureNames.join(' ')}\n`;
  if (model.monotoneConstraints) s += `monotone_constraints=${model.monotoneConstraints.join(' ')}\n`;
  s += `feature_infos=${model.featureInfos.join(' ')}\n`;
  for (const line of model.extraHeaderLines ?? []) s += line + '\n';
  // tree_sizes lets LightGBM parse trees in parallel; the sizes are byte lengths of each "Tree=..." block.
  s += `tree_sizes=${treeStrings.map((t) => Buffer.byteLength(t, 'utf8')).join(' ')}\n`;
  s += '\n';
  s += treeStrings.join('');
  s += 'end of trees\n';
  s += '\nfeature_importances:\n';
  s += model.featureImportances ?? splitImportances(model);
  if (model.parameters !== '') s += `\nparameters:\n${model.parameters}\nend of parameters\n`;
  if (model.pandasCategorical !== undefined) s += `\n${model.pandasCategorical}\n`;
  return s;
}
