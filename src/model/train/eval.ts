// Evaluates LightGBM-named metrics on raw scores (class-major for multiclass), converting scores to
// probabilities the way the objective's output transform does.
import { auc, l1, l2, logloss, multiError, multiLogloss, prAuc } from '../metrics.js';
import type { MetricName } from './params.js';

export function higherIsBetter(m: MetricName): boolean {
  return m === 'auc' || m === 'average_precision';
}

export function sigmoidProbabilities(raw: Float64Array, sigmoid: number): Float64Array {
  const p = new Float64Array(raw.length);
  for (let i = 0; i < raw.length; i++) p[i] = 1 / (1 + Math.exp(-sigmoid * raw[i]));
  return p;
}

export function softmaxProbabilities(raw: Float64Array, numClass: number): Float64Array {
  const n = raw.length / numClass;
  const p = new Float64Array(raw.length);
  for (let i = 0; i < n; i++) {
    let mx = -Infinity;
    for (let k = 0; k < numClass; k++) mx = Math.max(mx, raw[k * n + i]);
    let s = 0;
    for (let k = 0; k < numClass; k++) s += p[k * n + i] = Math.exp(raw[k * n + i] - mx);
    for (let k = 0; k < numClass; k++) p[k * n + i] /= s;
  }
  return p;
}

export function evaluateMetric(m: MetricName, raw: Float64Array, label: Float64Array, weight: Float64Array | null, numClass: number, sigmoid: number): number {
  switch (m) {
    case 'auc':
      return auc(raw, label, weight);
    case 'average_precision':
      return prAuc(raw, label, weight);
    case 'binary_logloss':
      return logloss(sigmoidProbabilities(raw, sigmoid), label, weight);
    case 'binary_error': {
      let wrong = 0;
      let sw = 0;
      for (let i = 0; i < raw.length; i++) {
        const w = weight ? weight[i] : 1;
        if ((raw[i] > 0 ? 1 : 0) !== (label[i] > 0 ? 1 : 0)) wrong += w;
        sw += w;
      }
      return wrong / sw;
    }
    case 'multi_logloss':
      return multiLogloss(softmaxProbabilities(raw, numClass), label, numClass, weight);
    case 'multi_error':
      return multiError(softmaxProbabilities(raw, numClass), label, numClass, weight);
    case 'l2':
      return l2(raw, label, weight);
    case 'rmse':
      return Math.sqrt(l2(raw, label, weight));
    case 'l1':
      return l1(raw, label, weight);
  }
}
