import { describe, expect, it } from 'vitest';
import { parseConfigText, parseKeyValueArgs, resolveMetrics, resolveParams } from '../../../src/model/train/params.js';

describe('training parameters', () => {
  it('parses LightGBM config text with comments and aliases', () => {
    const raw = parseConfigText('# a comment\ntask = train\nboosting_type = gbdt\nobjective = binary # trailing\nnum_trees = 7\nshrinkage_rate=0.3\nsub_row = 0.5\nsubsample_freq = 2\nmin_child_samples = 11\nreg_lambda = 2\n');
    const { params, unknownKeys } = resolveParams(raw);
    expect(unknownKeys).toEqual([]);
    expect(params.objective).toBe('binary');
    expect(params.num_iterations).toBe(7);
    expect(params.learning_rate).toBe(0.3);
    expect(params.bagging_fraction).toBe(0.5);
    expect(params.bagging_freq).toBe(2);
    expect(params.min_data_in_leaf).toBe(11);
    expect(params.lambda_l2).toBe(2);
  });

  it('uses LightGBM defaults', () => {
    const { params } = resolveParams({});
    expect(params).toMatchObject({ objective: 'regression', num_iterations: 100, learning_rate: 0.1, num_leaves: 31, max_bin: 255, min_data_in_leaf: 20, min_sum_hessian_in_leaf: 1e-3, boost_from_average: true });
  });

  it('later sources override earlier ones; key=value arguments parse', () => {
    const kv = parseKeyValueArgs(['num_leaves=63', 'eta=0.05']);
    const { params } = resolveParams({ num_leaves: '7', learning_rate: '0.5' }, kv);
    expect(params.num_leaves).toBe(63);
    expect(params.learning_rate).toBe(0.05);
    expect(() => parseKeyValueArgs(['oops'])).toThrow(/key=value/);
  });

  it('reports unknown keys and rejects bad values with the key named', () => {
    expect(resolveParams({ not_a_param: '1' }).unknownKeys).toEqual(['not_a_param']);
    expect(() => resolveParams({ num_leaves: 'many' })).toThrow(/num_leaves/);
    expect(() => resolveParams({ bagging_fraction: '1.5' })).toThrow(/bagging_fraction/);
    expect(() => resolveParams({ objective: 'lambdarank' })).toThrow(/not supported/);
    expect(() => resolveParams({ objective: 'multiclass' })).toThrow(/num_class/);
    expect(() => parseConfigText('no equals sign here')).toThrow(/without '='/);
  });

  it('resolves metrics and their aliases, defaulting to the objective', () => {
    expect(resolveMetrics(resolveParams({ objective: 'binary' }).params)).toEqual(['binary_logloss']);
    expect(resolveMetrics(resolveParams({ objective: 'binary', metric: 'auc, binary' }).params)).toEqual(['auc', 'binary_logloss']);
    expect(resolveMetrics(resolveParams({ metric: 'mse,mae' }).params)).toEqual(['l2', 'l1']);
    expect(() => resolveMetrics(resolveParams({ metric: 'ndcg' }).params)).toThrow(/ndcg/);
  });
});
