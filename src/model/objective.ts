// Output transforms of LightGBM objectives (ObjectiveFunction::ConvertOutput), chosen from the model's
// `objective=` line. Raw scores are what the trees sum to; the transform turns them into probabilities or values.

/** Every transform LightGBM applies at prediction time. */
export type ObjectiveTransform =
  | { kind: 'identity' }
  | { kind: 'sigmoid'; sigmoid: number } // binary, and cross_entropy with sigmoid 1
  | { kind: 'softmax'; numClass: number } // multiclass
  | { kind: 'ova-sigmoid'; numClass: number; sigmoid: number } // multiclassova: one sigmoid per class
  | { kind: 'exp' } // poisson, gamma, tweedie
  | { kind: 'signed-square' } // regression objectives trained with reg_sqrt
  | { kind: 'log1p-exp' }; // cross_entropy_lambda

const IDENTITY_OBJECTIVES = new Set([
  'regression', 'regression_l1', 'huber', 'fair', 'quantile', 'mape', 'lambdarank', 'rank_xendcg', 'custom',
]);
const EXP_OBJECTIVES = new Set(['poisson', 'gamma', 'tweedie']);

/** Parses `key:value` tokens after the objective name (e.g. "sigmoid:1", "num_class:3"). */
function objectiveParams(tokens: string[]): Map<string, string> {
  const params = new Map<string, string>();
  for (const token of tokens) {
    const colon = token.indexOf(':');
    if (colon > 0) params.set(token.slice(0, colon), token.slice(colon + 1));
    else params.set(token, '');
  }
  return params;
}

function positiveNumber(params: Map<string, string>, key: string, fallback: number, objective: string): number {
  const raw = params.get(key);
  if (raw === undefined) return fallback;
  const value = Number(raw);
  if (!Number.isFinite(value) || value <= 0) throw new Error(`objective '${objective}': bad ${key} '${raw}'`);
  return value;
}

/**
 * The transform for a model's objective line; an empty objective (a model saved without one) predicts raw
 * scores, as LightGBM does when it has no objective function.
 */
export function objectiveTransform(objective: string, numClass: number): ObjectiveTransform {
  const tokens = objective.trim().split(/\s+/).filter((t) => t.length > 0);
  if (tokens.length === 0) return { kind: 'identity' };
  const name = tokens[0];
  const params = objectiveParams(tokens.slice(1));
  switch (name) {
    case 'binary':
      return { kind: 'sigmoid', sigmoid: positiveNumber(params, 'sigmoid', 1, objective) };
    case 'cross_entropy':
    case 'xentropy':
      return { kind: 'sigmoid', sigmoid: 1 };
    case 'cross_entropy_lambda':
    case 'xentlambda':
      return { kind: 'log1p-exp' };
    case 'multiclass':
    case 'softmax':
      return { kind: 'softmax', numClass: positiveNumber(params, 'num_class', numClass, objective) };
    case 'multiclassova':
    case 'multiclass_ova':
    case 'ova':
    case 'ovr':
      return {
        kind: 'ova-sigmoid',
        numClass: positiveNumber(params, 'num_class', numClass, objective),
        sigmoid: positiveNumber(params, 'sigmoid', 1, objective),
      };
  }
  if (EXP_OBJECTIVES.has(name)) return { kind: 'exp' };
  if (IDENTITY_OBJECTIVES.has(name)) return params.has('sqrt') ? { kind: 'signed-square' } : { kind: 'identity' };
  throw new Error(`unsupported objective '${objective}'`);
}

/**
 * Applies the transform in place to `numRows` consecutive groups of `numClass` raw scores, with LightGBM's
 * arithmetic (Common::Softmax subtracts the row maximum first).
 */
export function applyTransform(transform: ObjectiveTransform, scores: Float64Array, numRows: number, numClass: number): void {
  const n = numRows * numClass;
  switch (transform.kind) {
    case 'identity':
      return;
    case 'sigmoid': {
      const s = transform.sigmoid;
      for (let i = 0; i < n; i++) scores[i] = 1 / (1 + Math.exp(-s * scores[i]));
      return;
    }
    case 'ova-sigmoid': {
      const s = transform.sigmoid;
      for (let i = 0; i < n; i++) scores[i] = 1 / (1 + Math.exp(-s * scores[i]));
      return;
    }
    case 'exp':
      for (let i = 0; i < n; i++) scores[i] = Math.exp(scores[i]);
      return;
    case 'signed-square':
      for (let i = 0; i < n; i++) {
        const v = scores[i];
        scores[i] = (v > 0 ? 1 : v < 0 ? -1 : 0) * v * v;
      }
      return;
    case 'log1p-exp':
      for (let i = 0; i < n; i++) scores[i] = Math.log1p(Math.exp(scores[i]));
      return;
    case 'softmax':
      for (let r = 0; r < numRows; r++) {
        const base = r * numClass;
        let max = scores[base];
        for (let k = 1; k < numClass; k++) if (scores[base + k] > max) max = scores[base + k];
        let sum = 0;
        for (let k = 0; k < numClass; k++) {
          const e = Math.exp(scores[base + k] - max);
          scores[base + k] = e;
          sum += e;
        }
        for (let k = 0; k < numClass; k++) scores[base + k] /= sum;
      }
      return;
  }
}
