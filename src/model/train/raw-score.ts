// A plain real-valued tree walk for the trainer's own checks and benchmark (raw scores of a GbdtModel over
// column-major features). Serving uses the native scorer; this stays small and obviously right instead.
import { CATEGORICAL_MASK, DEFAULT_LEFT_MASK, MISSING_NAN, MISSING_ZERO, missingType, type GbdtModel, type Tree } from '../tree.js';
import { ZERO_THRESHOLD } from './bin-mapper.js';

function leafOf(t: Tree, columns: Float64Array[], row: number): number {
  if (t.numLeaves <= 1) return 0;
  let nd = 0;
  while (nd >= 0) {
    let v = columns[t.splitFeature[nd]][row];
    const dt = t.decisionType[nd];
    let left: boolean;
    if (dt & CATEGORICAL_MASK) {
      if (Number.isNaN(v)) {
        if (missingType(dt) === MISSING_NAN) left = false;
        else v = 0;
      }
      if (Number.isNaN(v) || v < 0) left = false;
      else {
        const c = Math.trunc(v);
        const ci = t.threshold[nd];
        const lo = t.catBoundaries[ci];
        const w = c >> 5;
        left = w < t.catBoundaries[ci + 1] - lo && ((t.catThreshold[lo + w] >>> (c & 31)) & 1) === 1;
      }
    } else {
      const mt = missingType(dt);
      if (Number.isNaN(v) && mt !== MISSING_NAN) v = 0;
      if ((mt === MISSING_ZERO && Math.abs(v) <= ZERO_THRESHOLD) || (mt === MISSING_NAN && Number.isNaN(v))) {
        left = (dt & DEFAULT_LEFT_MASK) !== 0;
      } else left = v <= t.threshold[nd];
    }
    nd = left ? t.leftChild[nd] : t.rightChild[nd];
  }
  return ~nd;
}

/** Raw scores, class-major (out[k * n + i]). */
export function rawScoreColumns(model: GbdtModel, columns: Float64Array[]): Float64Array {
  const n = columns[0]?.length ?? 0;
  const K = model.numTreePerIteration;
  const out = new Float64Array(n * K);
  model.trees.forEach((t, ti) => {
    const k = ti % K;
    for (let i = 0; i < n; i++) out[k * n + i] += t.leafValue[leafOf(t, columns, i)];
  });
  return out;
}
