// Loss functions: gradients and hessians of each row's score, the starting score (boost_from_average) and
// the model's objective line. Formulas follow LightGBM's src/objective/*.hpp.
import type { Objective, TrainParams } from './params.js';

export interface ObjectiveFunction {
  readonly name: Objective;
  /** Trees per iteration (num_class for multiclass, else 1). */
  readonly numTreePerIteration: number;
  /** LightGBM's objective line in the model file. */
  readonly modelLine: string;
  /** scores is class-major: scores[k * n + i]. Fills grad/hess the same way. */
  getGradients(scores: Float64Array, grad: Float64Array, hess: Float64Array): void;
  /** Initial raw score of class k. */
  boostFromScore(k: number): number;
}

const EPS = 1e-15;

export function createObjective(params: TrainParams, label: Float64Array, weight: Float64Array | null): ObjectiveFunction {
  switch (params.objective) {
    case 'binary':
      return new BinaryLogloss(label, weight, params.sigmoid, params.is_unbalance, params.scale_pos_weight);
    case 'multiclass':
      return new MulticlassSoftmax(label, weight, params.num_class);
    case 'regression':
      return new RegressionL2(label, weight);
  }
}

class BinaryLogloss implements ObjectiveFunction {
  readonly name = 'binary' as const;
  readonly numTreePerIteration = 1;
  readonly modelLine: string;
  private readonly isPos: Uint8Array;
  private readonly labelWeight = [1, 1];

  constructor(private readonly label: Float64Array, private readonly weight: Float64Array | null, private readonly sigmoid: number, isUnbalance: boolean, scalePosWeight: number) {
    this.modelLine = `binary sigmoid:${sigmoid}`;
    const n = label.length;
    this.isPos = new Uint8Array(n);
    let pos = 0;
    for (let i = 0; i < n; i++) {
      const y = label[i];
      if (y !== 0 && y !== 1) throw new Error(`binary objective needs labels 0 or 1; row ${i} has ${y}`);
      if (y === 1) {
        this.isPos[i] = 1;
        pos++;
      }
    }
    const neg = n - pos;
    // is_unbalance reweights the minority class up to the majority's total (LightGBM's label_weights_).
    if (isUnbalance && pos > 0 && neg > 0) {
      if (pos > neg) this.labelWeight[0] = pos / neg;
      else this.labelWeight[1] = neg / pos;
    }
    this.labelWeight[1] *= scalePosWeight;
  }

  getGradients(scores: Float64Array, grad: Float64Array, hess: Float64Array): void {
    const n = this.label.length;
    const s = this.sigmoid;
    const w = this.weight;
    const lw0 = this.labelWeight[0];
    const lw1 = this.labelWeight[1];
    const isPos = this.isPos;
    for (let i = 0; i < n; i++) {
      const pos = isPos[i];
      const y = pos ? 1 : -1;
      const response = (-y * s) / (1 + Math.exp(y * s * scores[i]));
      const abs = Math.abs(response);
      const lw = (pos ? lw1 : lw0) * (w ? w[i] : 1);
      grad[i] = response * lw;
      hess[i] = abs * (s - abs) * lw;
    }
  }

  boostFromScore(): number {
    let sumPos = 0;
    let sumW = 0;
    const w = this.weight;
    for (let i = 0; i < this.label.length; i++) {
      const wi = w ? w[i] : 1;
      sumPos += this.isPos[i] * wi;
      sumW += wi;
    }
    const p = Math.min(1 - EPS, Math.max(EPS, sumPos / sumW));
    return Math.log(p / (1 - p)) / this.sigmoid;
  }
}

class MulticlassSoftmax implements ObjectiveFunction {
  readonly name = 'multiclass' as const;
  readonly numTreePerIteration: number;
  readonly modelLine: string;
  private readonly cls: Int32Array;
  private readonly factor: number;

  constructor(label: Float64Array, private readonly weight: Float64Array | null, private readonly numClass: number) {
    this.numTreePerIteration = numClass;
    this.modelLine = `multiclass num_class:${numClass}`;
    this.factor = numClass / (numClass - 1);
    this.cls = new Int32Array(label.length);
    for (let i = 0; i < label.length; i++) {
      const y = label[i];
      if (!Number.isInteger(y) || y < 0 || y >= numClass) throw new Error(`multiclass labels must be integers in [0, ${numClass}); row ${i} has ${y}`);
      this.cls[i] = y;
    }
  }

  getGradients(scores: Float64Array, grad: Float64Array, hess: Float64Array): void {
    const n = this.cls.length;
    const K = this.numClass;
    const w = this.weight;
    const p = new Float64Array(K);
    for (let i = 0; i < n; i++) {
      let mx = -Infinity;
      for (let k = 0; k < K; k++) mx = Math.max(mx, scores[k * n + i]);
      let sum = 0;
      for (let k = 0; k < K; k++) sum += p[k] = Math.exp(scores[k * n + i] - mx);
      const wi = w ? w[i] : 1;
      for (let k = 0; k < K; k++) {
        const pk = p[k] / sum;
        grad[k * n + i] = (pk - (this.cls[i] === k ? 1 : 0)) * wi;
        hess[k * n + i] = this.factor * pk * (1 - pk) * wi;
      }
    }
  }

  boostFromScore(k: number): number {
    let sw = 0;
    let sk = 0;
    for (let i = 0; i < this.cls.length; i++) {
      const wi = this.weight ? this.weight[i] : 1;
      sw += wi;
      if (this.cls[i] === k) sk += wi;
    }
    return Math.log(Math.max(EPS, sk / sw));
  }
}

class RegressionL2 implements ObjectiveFunction {
  readonly name = 'regression' as const;
  readonly numTreePerIteration = 1;
  readonly modelLine = 'regression';

  constructor(private readonly label: Float64Array, private readonly weight: Float64Array | null) {
    for (let i = 0; i < label.length; i++) {
      if (!Number.isFinite(label[i])) throw new Error(`regression labels must be finite; row ${i} has ${label[i]}`);
    }
  }

  getGradients(scores: Float64Array, grad: Float64Array, hess: Float64Array): void {
    const n = this.label.length;
    const w = this.weight;
    for (let i = 0; i < n; i++) {
      const wi = w ? w[i] : 1;
      grad[i] = (scores[i] - this.label[i]) * wi;
      hess[i] = wi;
    }
  }

  boostFromScore(): number {
    let s = 0;
    let sw = 0;
    for (let i = 0; i < this.label.length; i++) {
      const wi = this.weight ? this.weight[i] : 1;
      s += this.label[i] * wi;
      sw += wi;
    }
    return sw > 0 ? s / sw : 0;
  }
}
