import { describe, expect, it } from 'vitest';
import { parseConfigText, parseKeyValueArgs, resolveMetrics, resolveParams } from '../../../src/model/train/params.js';
import { BAGGING_RAND_BLOCK, derivedSeeds, Random } from '../../../src/model/train/random.js';

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

describe("LightGBM's random streams", () => {
  it('derives the seeds from `seed` as LightGBM does (the values LightGBM wrote into the regression model)', () => {
    // regression/model.txt, trained with seed = 42: data_random_seed 175, bagging_seed 400, drop_seed 17869,
    // feature_fraction_seed 30056, objective_seed 16083, extra_seed 12879
    expect(derivedSeeds(42)).toEqual({ dataRandomSeed: 175, baggingSeed: 400, dropSeed: 17869, featureFractionSeed: 30056, objectiveSeed: 16083, extraSeed: 12879 });
    const p = resolveParams({ objective: 'regression', seed: '42', bagging_seed: '7' }).params;
    expect(p.bagging_seed).toBe(7); // an explicit seed wins
    expect(p.feature_fraction_seed).toBe(30056);
    expect(p.data_random_seed).toBe(175);
  });

  it("bags rows like LightGBM: per-1024-row generators seeded bagging_seed + block (bag sizes of the regression model's first trees)", () => {
    const n = 20000;
    const rngs = Array.from({ length: Math.ceil(n / BAGGING_RAND_BLOCK) }, (_, b) => new Random(400 + b));
    const sizes = [0, 1, 2].map(() => {
      let inBag = 0;
      for (let i = 0; i < n; i++) if (rngs[(i / BAGGING_RAND_BLOCK) | 0].next() < 0.8) inBag++;
      return inBag;
    });
    expect(sizes).toEqual([15910, 15913, 16046]); // internal_count of each tree's root in regression/model.txt
  });

  it('Sample(N, K) is sorted, distinct and of size K on both of its branches', () => {
    const r = new Random(3);
    for (const [n, k] of [[10, 9], [1000, 5], [200, 200], [5, 7]]) {
      const s = Array.from(r.sample(n, k));
      expect(s.length).toBe(Math.min(n, k));
      expect(new Set(s).size).toBe(s.length);
      expect(s).toEqual([...s].sort((a, b) => a - b));
      expect(s.every((i) => i >= 0 && i < n)).toBe(true);
    }
  });
});
