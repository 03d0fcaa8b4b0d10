// LightGBM's own random generator (utils/random.h): a 32-bit linear congruential generator, x = 214013·x + 2531011,
// with its Sample(N, K). The trainer draws bagging, feature_fraction and the bin-construction sample from it with
// LightGBM's seeds and call order, so with the same seed it picks the same rows and features as LightGBM — which
// matters on small problems, where the validation metric moves a few percent between random streams.

export class Random {
  private x: number;

  constructor(seed: number) {
    this.x = seed >>> 0;
  }

  /** RandInt16: bits 16..30 of the next state, in [0, 32768). */
  nextInt16(): number {
    this.x = (Math.imul(214013, this.x) + 2531011) >>> 0;
    return (this.x >>> 16) & 0x7fff;
  }

  /** RandInt32: the low 31 bits of the next state. */
  nextInt32(): number {
    this.x = (Math.imul(214013, this.x) + 2531011) >>> 0;
    return this.x & 0x7fffffff;
  }

  /** NextFloat: float(RandInt16) / 32768 in [0, 1) (exact as a double). */
  next(): number {
    return this.nextInt16() / 32768;
  }

  /** NextShort(lo, hi): RandInt16 % (hi - lo) + lo. */
  nextShort(lo: number, hi: number): number {
    return (this.nextInt16() % (hi - lo)) + lo;
  }

  /** NextInt(lo, hi): RandInt32 % (hi - lo) + lo. */
  nextInt(lo: number, hi: number): number {
    return (this.nextInt32() % (hi - lo)) + lo;
  }

  /**
   * Sample(N, K): K distinct indices from [0, N), ascending — all of them when K >= N (where LightGBM's callers
   * skip sampling). Dense draws (K > N / log2 K) go row by row with probability (K - taken) / (N - i); sparse ones
   * draw RandInt32 % N until K distinct values are in.
   */
  sample(n: number, k: number): Int32Array {
    if (k >= n) return Int32Array.from({ length: Math.max(0, n) }, (_, i) => i);
    if (k <= 0) return new Int32Array(0);
    if (k > 1 && k > n / Math.log2(k)) {
      const out: number[] = [];
      for (let i = 0; i < n; i++) {
        const prob = (k - out.length) / (n - i);
        if (this.next() < prob) out.push(i);
      }
      return Int32Array.from(out);
    }
    const chosen = new Set<number>();
    while (chosen.size < k) chosen.add(this.nextInt32() % n);
    return Int32Array.from(chosen).sort();
  }
}

/** The seeds LightGBM derives from `seed` (Config::Set), in its order: each NextShort(0, 32767) of Random(seed). */
export function derivedSeeds(seed: number): { dataRandomSeed: number; baggingSeed: number; dropSeed: number; featureFractionSeed: number; objectiveSeed: number; extraSeed: number } {
  const r = new Random(seed);
  const next = () => r.nextShort(0, 32767);
  return { dataRandomSeed: next(), baggingSeed: next(), dropSeed: next(), featureFractionSeed: next(), objectiveSeed: next(), extraSeed: next() };
}

/** LightGBM's per-1024-row bagging generators (bagging_seed + block), which make bagging independent of threads. */
export const BAGGING_RAND_BLOCK = 1024;

/** ColSampler::GetCnt: round(total · fraction), at least min(2, total). */
export function sampledFeatureCount(total: number, fraction: number): number {
  return Math.max(Math.floor(total * fraction + 0.5), Math.min(2, total));
}
