// Deterministic randomness for the simulator. xoshiro128** over four int32 fields: fast in V8 (Math.imul,
// no BigInt, no allocation) and good enough statistically for synthetic data. Stateless hashes give
// per-(user, hour) decisions that do not depend on the order in which events were drawn.

/** splitmix32: expands a seed into well-mixed 32-bit words (used to seed xoshiro and for hashing). */
export function mix32(x: number): number {
  x = (x + 0x9e3779b9) | 0;
  x ^= x >>> 16;
  x = Math.imul(x, 0x21f0aaad);
  x ^= x >>> 15;
  x = Math.imul(x, 0x735a2d97);
  x ^= x >>> 15;
  return x >>> 0;
}

/** Hash of two integers → uint32. */
export function hash2(a: number, b: number): number {
  return mix32(mix32(a | 0) ^ (b | 0));
}

/** Hash of three integers → uniform in [0, 1). */
export function hashUnit(a: number, b: number, c: number): number {
  return mix32(hash2(a, b) ^ (c | 0)) / 4294967296;
}

/** Outputs generated per refill of an Rng's block. */
const BLOCK = 256;

export class Rng {
  private a: number;
  private b: number;
  private c: number;
  private d: number;
  /**
   * The next outputs of the generator, made a block at a time: next() stays a few bytecodes, so V8 inlines
   * it (and float(), int()) even into large callers; a call that is not inlined would box every returned
   * float in a fresh heap number. The stream is the same as drawing one value at a time.
   */
  private readonly block = new Uint32Array(BLOCK);
  private at = BLOCK;

  constructor(seed: number, stream = 0) {
    // Distinct streams of the same seed are independent (city layout, subscribers, records, complaints).
    const s = hash2(seed, stream);
    this.a = mix32(s) | 0;
    this.b = mix32(s + 1) | 0;
    this.c = mix32(s + 2) | 0;
    this.d = mix32(s + 3) | 0;
    if ((this.a | this.b | this.c | this.d) === 0) this.a = 1;
  }

  /** Next uint32. */
  next(): number {
    if (this.at === BLOCK) this.refill();
    return this.block[this.at++];
  }

  /** xoshiro128** steps for a whole block, with the state in locals. */
  private refill(): void {
    let a = this.a;
    let b = this.b;
    let c = this.c;
    let d = this.d;
    const out = this.block;
    for (let i = 0; i < BLOCK; i++) {
      out[i] = Math.imul(rotl(Math.imul(b, 5), 7), 9);
      const t = b << 9;
      c ^= a;
      d ^= b;
      b ^= c;
      a ^= d;
      c ^= t;
      d = rotl(d, 11);
    }
    this.a = a;
    this.b = b;
    this.c = c;
    this.d = d;
    this.at = 0;
  }

  /** Uniform in [0, 1). */
  float(): number {
    return this.next() / 4294967296;
  }

  /** Uniform integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.float() * n);
  }

  /** Uniform in [lo, hi). */
  range(lo: number, hi: number): number {
    return lo + (hi - lo) * this.float();
  }

  /** Standard normal (Box–Muller; one value per call keeps the state sequence simple). */
  normal(): number {
    const u = 1 - this.float();
    const v = this.float();
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
  }

  /** Log-normal with the given median and log-space sigma. */
  logNormal(median: number, sigma: number): number {
    return median * Math.exp(sigma * this.normal());
  }

  /** Exponential with the given mean. */
  exp(mean: number): number {
    return -mean * Math.log(1 - this.float());
  }

  /** Poisson count; inversion is exact and fast for the small means the simulator draws per tick. */
  poisson(mean: number): number {
    if (mean <= 0) return 0;
    if (mean > 30) return Math.max(0, Math.round(mean + Math.sqrt(mean) * this.normal()));
    return this.poissonExp(Math.exp(-mean));
  }

  /** Poisson count for a mean in (0, 30] given exp(-mean), for callers with a fixed mean (no exp per draw). */
  poissonExp(limit: number): number {
    let k = 0;
    let p = this.float();
    while (p > limit) {
      k++;
      p *= this.float();
    }
    return k;
  }

  /** Index drawn from cumulative weights (last entry = total). */
  pickCumulative(cumulative: ArrayLike<number>): number {
    const n = cumulative.length;
    const x = this.float() * cumulative[n - 1];
    let lo = 0;
    let hi = n - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (cumulative[mid] > x) hi = mid;
      else lo = mid + 1;
    }
    return lo;
  }

  /** Fisher–Yates sample of k distinct items from [0, n). */
  sample(n: number, k: number): number[] {
    const idx = Array.from({ length: n }, (_, i) => i);
    const m = Math.min(k, n);
    for (let i = 0; i < m; i++) {
      const j = i + this.int(n - i);
      const t = idx[i];
      idx[i] = idx[j];
      idx[j] = t;
    }
    return idx.slice(0, m);
  }
}

function rotl(x: number, k: number): number {
  return (x << k) | (x >>> (32 - k));
}

/** Cumulative sums of weights, for Rng.pickCumulative. */
export function cumulative(weights: readonly number[]): Float64Array {
  const out = new Float64Array(weights.length);
  let s = 0;
  for (let i = 0; i < weights.length; i++) out[i] = s += weights[i];
  return out;
}
