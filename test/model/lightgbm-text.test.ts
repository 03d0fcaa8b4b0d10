import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { formatModelText, ModelFormatError, parseModelText } from '../../src/model/lightgbm-text.js';
import { formatG } from '../../src/model/number-format.js';

import { HAVE_REFERENCE, REFERENCE_DIR as REFERENCE } from '../support/reference.js';
const FOLDERS = ['binary_example', 'categorical', 'missing_nan', 'multiclass', 'regression', 'linear'];

function firstDifference(a: string, b: string): string {
  const la = a.split('\n');
  const lb = b.split('\n');
  for (let i = 0; i < Math.max(la.length, lb.length); i++) {
    if (la[i] !== lb[i]) return `line ${i + 1}: ${JSON.stringify(la[i]?.slice(0, 160))} vs ${JSON.stringify(lb[i]?.slice(0, 160))}`;
  }
  return 'none';
}

describe('formatG (C %g)', () => {
  it.each([
    [0, 17, '0'],
    [0.1, 17, '0.10000000000000001'],
    [1e-35, 17, '1e-35'],
    [2 ** -53, 17, '1.1102230246251565e-16'],
    [12345.25, 6, '12345.2'],
    [12345.75, 6, '12345.8'],
    [-4.06018e-5, 6, '-4.06018e-05'],
    [2256.46, 6, '2256.46'],
    [123456789, 6, '1.23457e+08'],
    [100000, 6, '100000'],
    [1000000, 6, '1e+06'],
    [0.0001, 6, '0.0001'],
    [1, 6, '1'],
    [-0.25900137625443637, 17, '-0.25900137625443637'],
    [14.467775089211612, 17, '14.467775089211612'],
  ])('formats %d with precision %d as %s', (x, p, expected) => {
    expect(formatG(x, p)).toBe(expected);
  });
});

describe('LightGBM text model round trip', () => {
  if (!HAVE_REFERENCE) return void it.skip('LightGBM reference set not found beside the repository');
  it.each(FOLDERS)('%s: parse → format reproduces model.txt byte for byte', (folder) => {
    const text = readFileSync(`${REFERENCE}/${folder}/model.txt`, 'utf8');
    const model = parseModelText(text);
    const written = formatModelText(model);
    expect(firstDifference(text, written)).toBe('none');
    expect(written).toBe(text);
    expect(parseModelText(written)).toEqual(model);
  });

  it('reads header fields and trees', () => {
    const model = parseModelText(readFileSync(`${REFERENCE}/multiclass/model.txt`, 'utf8'));
    expect(model.numClass).toBe(3);
    expect(model.numTreePerIteration).toBe(3);
    expect(model.objective).toBe('multiclass num_class:3');
    expect(model.trees.length % 3).toBe(0);
    expect(model.featureNames.length).toBe(model.maxFeatureIdx + 1);
  });

  it('reads categorical bitsets and linear leaves', () => {
    const cat = parseModelText(readFileSync(`${REFERENCE}/categorical/model.txt`, 'utf8'));
    expect(cat.trees[0].numCat).toBe(16);
    expect(cat.trees[0].catBoundaries.length).toBe(17);
    expect(cat.trees[0].catThreshold.length).toBe(cat.trees[0].catBoundaries[16]);
    const linear = parseModelText(readFileSync(`${REFERENCE}/linear/model.txt`, 'utf8'));
    expect(linear.trees[1].isLinear).toBe(true);
    expect(linear.trees[1].leafFeatures![0]).toEqual(new Int32Array([0, 3]));
    expect(linear.trees[1].leafCoeff![0].length).toBe(2);
  });
});

describe('malformed models', () => {
  if (!HAVE_REFERENCE) return void it.skip('LightGBM reference set not found beside the repository');
  const good = readFileSync(`${REFERENCE}/missing_nan/model.txt`, 'utf8');
  const lines = good.split('\n');
  const lineOf = (prefix: string) => lines.findIndex((l) => l.startsWith(prefix));

  function corrupt(prefix: string, replacement: string): string {
    const copy = [...lines];
    copy[lineOf(prefix)] = replacement;
    return copy.join('\n');
  }

  it('names the line of a bad number', () => {
    const bad = corrupt('threshold=', 'threshold=1 2 abc');
    expect(() => parseModelText(bad)).toThrow(ModelFormatError);
    expect(() => parseModelText(bad)).toThrow(`line ${lineOf('threshold=') + 1}`);
  });

  it('rejects a wrong value count', () => {
    const bad = corrupt('leaf_value=', 'leaf_value=0.1 0.2');
    expect(() => parseModelText(bad)).toThrow(/leaf_value has 2 values, expected/);
  });

  it('rejects a split feature beyond max_feature_idx', () => {
    const original = lines[lineOf('split_feature=')];
    const bad = corrupt('split_feature=', original.replace('split_feature=', 'split_feature=99 ').replace(/ \d+$/, ''));
    expect(() => parseModelText(bad)).toThrow(/split_feature/);
  });

  it('rejects a child pointing twice to the same leaf', () => {
    const original = lines[lineOf('right_child=')].split('=')[1].split(' ');
    original[0] = lines[lineOf('left_child=')].split('=')[1].split(' ')[0];
    const bad = corrupt('right_child=', `right_child=${original.join(' ')}`);
    expect(() => parseModelText(bad)).toThrow(/more than one parent|unreachable/);
  });

  it('rejects a truncated file and other formats', () => {
    expect(() => parseModelText(good.slice(0, good.indexOf('end of trees')))).toThrow(/end of trees/);
    expect(() => parseModelText('')).toThrow(/empty/);
    expect(() => parseModelText('{"json": true}')).toThrow(/line 1/);
  });
});
