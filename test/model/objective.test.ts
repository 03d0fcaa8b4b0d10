// Objective lines → output transforms (LightGBM's ConvertOutput per objective).
import { describe, expect, it } from 'vitest';
import { applyTransform, objectiveTransform } from '../../src/model/objective.js';

const sigmoid = (x: number, s = 1) => 1 / (1 + Math.exp(-s * x));

describe('objectiveTransform', () => {
  it.each([
    ['binary sigmoid:1', 1, [0.3], [sigmoid(0.3)]],
    ['binary sigmoid:2.5', 1, [0.3], [sigmoid(0.3, 2.5)]],
    ['cross_entropy', 1, [-1.2], [sigmoid(-1.2)]],
    ['cross_entropy_lambda', 1, [0.7], [Math.log1p(Math.exp(0.7))]],
    ['regression', 1, [-3.5], [-3.5]],
    ['regression sqrt', 1, [-3], [-9]],
    ['regression_l1', 1, [2], [2]],
    ['huber', 1, [2], [2]],
    ['quantile', 1, [2], [2]],
    ['poisson', 1, [0.5], [Math.exp(0.5)]],
    ['gamma', 1, [0.5], [Math.exp(0.5)]],
    ['tweedie', 1, [0.5], [Math.exp(0.5)]],
    ['multiclassova num_class:2 sigmoid:1', 2, [0.1, -0.4], [sigmoid(0.1), sigmoid(-0.4)]],
    ['', 1, [4], [4]],
  ])('%s', (objective, numClass, raw, expected) => {
    const scores = Float64Array.from(raw);
    applyTransform(objectiveTransform(objective, numClass), scores, 1, numClass);
    expected.forEach((e, i) => expect(scores[i]).toBeCloseTo(e, 15));
  });

  it('softmax subtracts the row maximum and sums to one per row', () => {
    const scores = Float64Array.of(1000, 1001, 999, 0, 0, 0);
    applyTransform(objectiveTransform('multiclass num_class:3', 3), scores, 2, 3);
    expect(scores[0] + scores[1] + scores[2]).toBeCloseTo(1, 15);
    expect(scores[1]).toBeCloseTo(Math.exp(1) / (1 + Math.exp(1) + Math.exp(-1)), 15);
    expect(Array.from(scores.subarray(3))).toEqual([1 / 3, 1 / 3, 1 / 3]);
  });

  it('refuses unknown objectives and bad parameters', () => {
    expect(() => objectiveTransform('lambdamart_x', 1)).toThrow(/unsupported objective/);
    expect(() => objectiveTransform('binary sigmoid:-1', 1)).toThrow(/bad sigmoid/);
  });
});
