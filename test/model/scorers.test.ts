// Native and ONNX scorers against LightGBM's own predictions on the reference set, plus the decision rules
// (zero-as-missing, categorical edge cases) on small hand-built trees where both scorers must agree.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseModelText } from '../../src/model/lightgbm-text.js';
import { NativeScorer } from '../../src/model/native-scorer.js';
import { exportOnnx } from '../../src/model/onnx-export.js';
import { OnnxScorer } from '../../src/model/onnx-scorer.js';
import { detectDelimiter, parseDataLine } from '../../src/model/lightgbm-data.js';
import type { GbdtModel, Tree } from '../../src/model/tree.js';
import { randomModel, randomRows } from './random-model.js';

import { HAVE_REFERENCE, REFERENCE_DIR as REFERENCE } from '../support/reference.js';

function loadRows(path: string, header: boolean, numFeatures: number): { rows: Float64Array; numRows: number } {
  const lines = readFileSync(path, 'utf8').split('\n').filter((l) => l.trim() !== '');
  if (header) lines.shift();
  const rows = new Float64Array(lines.length * numFeatures);
  const delimiter = detectDelimiter(lines[0]);
  lines.forEach((line, r) => parseDataLine(line, delimiter, 0, numFeatures, rows, r * numFeatures, r + 1));
  return { rows, numRows: lines.length };
}

function loadExpected(path: string): Float64Array {
  return Float64Array.from(readFileSync(path, 'utf8').split(/[\t\n]/).filter((s) => s !== '').map(Number));
}

function maxRelError(actual: Float64Array, expected: Float64Array): number {
  expect(actual.length).toBe(expected.length);
  let worst = 0;
  for (let i = 0; i < expected.length; i++) {
    const diff = Math.abs(actual[i] - expected[i]);
    if (diff > 1e-15) worst = Math.max(worst, diff / Math.max(Math.abs(expected[i]), 1e-300));
  }
  return worst;
}

const CASES = [
  { folder: 'binary_example', data: 'binary.test', header: false },
  { folder: 'categorical', data: 'test.csv', header: true },
  { folder: 'missing_nan', data: 'test.csv', header: true },
  { folder: 'multiclass', data: 'test.csv', header: true },
  { folder: 'regression', data: 'test.csv', header: true },
  { folder: 'linear', data: 'test.csv', header: true },
];

describe('scorers agree with LightGBM on the reference set', () => {
  if (!HAVE_REFERENCE) return void it.skip('LightGBM reference set not found beside the repository');
  for (const c of CASES) {
    const model = parseModelText(readFileSync(`${REFERENCE}/${c.folder}/model.txt`, 'utf8'));
    const { rows, numRows } = loadRows(`${REFERENCE}/${c.folder}/${c.data}`, c.header, model.maxFeatureIdx + 1);
    const prob = loadExpected(`${REFERENCE}/${c.folder}/pred_prob.txt`);
    const raw = loadExpected(`${REFERENCE}/${c.folder}/pred_raw.txt`);

    it(`${c.folder}: native row-major and columnar`, () => {
      const scorer = new NativeScorer(model);
      expect(maxRelError(scorer.predict(rows, numRows), prob)).toBeLessThan(1e-9);
      expect(maxRelError(scorer.predictRaw(rows, numRows), raw)).toBeLessThan(1e-9);
      const nf = scorer.numFeatures;
      const columns = Array.from({ length: nf }, (_, f) => Float64Array.from({ length: numRows }, (_, r) => rows[r * nf + f]));
      expect(maxRelError(scorer.scoreColumns(columns, numRows), prob)).toBeLessThan(1e-9);
    });

    if (c.folder === 'linear') {
      it('linear: ONNX export is refused with a clear error', () => {
        expect(() => exportOnnx(model)).toThrow(/linear trees/);
      });
      continue;
    }
    // Double input and double thresholds: ONNX agrees as tightly as the native scorer (only summation order and
    // ORT's own exp/softmax may differ in the last bits).
    it(`${c.folder}: onnxruntime-node on the exported model`, async () => {
      const scorer = await OnnxScorer.create(exportOnnx(model));
      try {
        expect(maxRelError(await scorer.predict(rows, numRows), prob)).toBeLessThan(1e-9);
        expect(maxRelError(await scorer.predictRaw(rows, numRows), raw)).toBeLessThan(1e-9);
      } finally {
        await scorer.release();
      }
    });
  }
});

describe('ONNX export of random trees (every decision kind, repeated features)', () => {
  it.each([
    [21, 1],
    [22, 3],
  ])('seed %i, %i classes: onnxruntime equals the native scorer on integer-valued rows', async (seed, numClass) => {
    const model = randomModel(seed, numClass);
    // Integer values (and NaN, ±0, 1e-36): ONNX membership tests cannot truncate non-integer categories.
    const rows = randomRows(seed, 500).map((v) => (Number.isNaN(v) || Math.abs(v) < 1e-30 ? v : Math.round(v)));
    const native = new NativeScorer(model);
    const onnx = await OnnxScorer.create(exportOnnx(model));
    try {
      expect(maxRelError(await onnx.predictRaw(rows, 500), native.predictRaw(rows, 500))).toBeLessThan(1e-12);
      expect(maxRelError(await onnx.predict(rows, 500), native.predict(rows, 500))).toBeLessThan(1e-12);
    } finally {
      await onnx.release();
    }
  });
});

describe('native kernels on generated plain trees', () => {
  // Numerical splits only (missing None or NaN, both default directions), so the WebAssembly kernel runs them.
  const plainModel = (seed: number, numClass: number): GbdtModel => {
    const model = randomModel(seed, numClass);
    for (const tree of model.trees) {
      tree.decisionType = tree.decisionType.map((dt) => dt & ~1 & ~4); // drop categorical and zero-as-missing
      tree.threshold = tree.threshold.map((t, n) => ((model.trees.indexOf(tree) + n) % 3 === 0 ? t : n * 0.1 - 0.7));
      tree.numCat = 0;
      tree.catBoundaries = Int32Array.of(0);
      tree.catThreshold = new Uint32Array(0);
    }
    return model;
  };

  it.each([
    [21, 1, 1000],
    [22, 3, 777],
    [23, 1, 5],
  ])('seed %i, %i classes, %i rows: WebAssembly and JavaScript kernels agree bit for bit, row-major and columnar', (seed, numClass, numRows) => {
    const model = plainModel(seed, numClass);
    const rows = randomRows(seed + 1, numRows); // NaN, 0, 1e-36 (reads as 0), both signs
    const wasm = new NativeScorer(model);
    const js = new NativeScorer(model, { kernel: 'js' });
    expect(wasm.kernel).toBe('wasm');
    const expected = js.predictRaw(rows, numRows);
    expect(wasm.predictRaw(rows, numRows)).toEqual(expected);
    const nf = wasm.numFeatures;
    const columns = Array.from({ length: nf }, (_, f) => Float64Array.from({ length: numRows }, (_, r) => rows[r * nf + f]));
    expect(wasm.scoreColumns(columns, numRows)).toEqual(js.scoreColumns(columns, numRows));
    expect(rows).toEqual(randomRows(seed + 1, numRows)); // the caller's rows are not modified
  });
});

describe('native kernels', () => {
  if (!HAVE_REFERENCE) return void it.skip('LightGBM reference set not found beside the repository');
  it('the WebAssembly and JavaScript kernels give bit-identical scores on plain trees', () => {
    const model = parseModelText(readFileSync(`${REFERENCE}/binary_example/model.txt`, 'utf8'));
    const { rows, numRows } = loadRows(`${REFERENCE}/binary_example/binary.test`, false, model.maxFeatureIdx + 1);
    for (let i = 0; i < rows.length; i += 7) rows[i] = NaN; // exercise both NaN directions
    const wasm = new NativeScorer(model);
    const js = new NativeScorer(model, { kernel: 'js' });
    expect(wasm.kernel).toBe('wasm');
    expect(js.kernel).toBe('js');
    expect(wasm.predictRaw(rows, numRows)).toEqual(js.predictRaw(rows, numRows));
    // 3 rows: the kernel's one-row tail path
    expect(wasm.predictRaw(rows, 3)).toEqual(js.predictRaw(rows, 3));
  });

  it('models with categorical or zero-as-missing splits use the general path', () => {
    const model = parseModelText(readFileSync(`${REFERENCE}/categorical/model.txt`, 'utf8'));
    expect(new NativeScorer(model).kernel).toBe('js');
  });
});

/** One-split tree over feature 0 with the given decision type and threshold; left leaf 1, right leaf 2. */
function stump(decisionType: number, threshold: number, extra: Partial<Tree> = {}): GbdtModel {
  const tree: Tree = {
    numLeaves: 2, numCat: 0, splitFeature: Int32Array.of(0), splitGain: Float64Array.of(1), threshold: Float64Array.of(threshold),
    decisionType: Uint8Array.of(decisionType), leftChild: Int32Array.of(-1), rightChild: Int32Array.of(-2),
    leafValue: Float64Array.of(1, 2), leafWeight: Float64Array.of(1, 1), leafCount: Int32Array.of(10, 10),
    internalValue: Float64Array.of(0), internalWeight: Float64Array.of(2), internalCount: Int32Array.of(20),
    catBoundaries: Int32Array.of(0), catThreshold: new Uint32Array(0), isLinear: false, shrinkage: 1, ...extra,
  };
  return {
    version: 'v4', numClass: 1, numTreePerIteration: 1, labelIndex: 0, maxFeatureIdx: 0, objective: 'regression',
    averageOutput: false, featureNames: ['f0'], featureInfos: ['none'], trees: [tree], parameters: '',
  };
}

const VALUES = [NaN, 0, -0, 1e-36, -1e-36, 1e-35, 2e-35, -2e-35, -1, -0.5, 0.5, 1, 2.7, 3, 31, 32, 33, 70, -3, 1e10];

/**
 * LightGBM's NumericalDecision, written out directly from tree.h, as the oracle; its predictor first reads
 * |v| <= 1e-35f as 0 (values that small never reach the sparse row). Checked against LightGBM 4.7 itself.
 */
function lightgbmNumerical(v: number, decisionType: number, threshold: number): number {
  if (Math.abs(v) <= 1.0000000180025095e-35) v = 0;
  const missing = (decisionType >> 2) & 3;
  if (Number.isNaN(v) && missing !== 2) v = 0;
  const isZero = v >= -1.0000000180025095e-35 && v <= 1.0000000180025095e-35;
  if ((missing === 1 && isZero) || (missing === 2 && Number.isNaN(v))) return decisionType & 2 ? 1 : 2;
  return v <= threshold ? 1 : 2;
}

describe('decision rules (native and ONNX agree with LightGBM semantics)', () => {
  const cases: [number, number][] = [];
  for (const decisionType of [0, 2, 4, 6, 8, 10]) {
    for (const threshold of [-1, -1e-35, 0, 1.0000000180025095e-35, 0.5, 2]) cases.push([decisionType, threshold]);
  }
  it.each(cases)('numerical decision_type %i threshold %d', async (decisionType, threshold) => {
    const model = stump(decisionType, threshold);
    const rows = Float64Array.from(VALUES);
    const expected = Float64Array.from(VALUES, (v) => lightgbmNumerical(v, decisionType, threshold));
    expect(new NativeScorer(model).predictRaw(rows, VALUES.length)).toEqual(expected);
    const onnx = await OnnxScorer.create(exportOnnx(model));
    expect(await onnx.predictRaw(rows, VALUES.length)).toEqual(expected);
    await onnx.release();
  });

  it('categorical: bitset membership, NaN and negatives right, values truncated', async () => {
    // categories 0, 3 and 33 go left (words: bit 0 and 3 of word 0, bit 1 of word 1)
    const model = stump(1, 0, { numCat: 1, catBoundaries: Int32Array.of(0, 2), catThreshold: Uint32Array.of(0b1001, 0b10) });
    const native = new NativeScorer(model).predictRaw(Float64Array.from(VALUES), VALUES.length);
    const byValue = new Map(VALUES.map((v, i) => [v, native[i]]));
    expect(byValue.get(NaN)).toBe(2);
    expect(byValue.get(0)).toBe(1);
    expect(byValue.get(-0.5)).toBe(1); // truncates to 0, as static_cast<int>
    expect(byValue.get(-1)).toBe(2);
    expect(byValue.get(3)).toBe(1);
    expect(byValue.get(2.7)).toBe(2);
    expect(byValue.get(33)).toBe(1);
    expect(byValue.get(32)).toBe(2);
    expect(byValue.get(70)).toBe(2); // beyond the bitset
    expect(byValue.get(1e10)).toBe(2);
    // ONNX agrees on integer categories, NaN and negatives (it cannot truncate non-integers: documented).
    const integral = Float64Array.from(VALUES.filter((v) => Number.isNaN(v) || Number.isInteger(v)));
    const onnx = await OnnxScorer.create(exportOnnx(model));
    const nativeIntegral = new NativeScorer(model).predictRaw(integral, integral.length);
    expect(await onnx.predictRaw(integral, integral.length)).toEqual(nativeIntegral);
    await onnx.release();
  });
});
