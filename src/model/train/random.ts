// A small seeded generator for bagging, feature sampling and bin-construction sampling. Training is
// reproducible for a given seed; it does not reproduce LightGBM's own random streams (nothing can, short of
// copying its generator and call order), which is why quality is compared by metric, not bit for bit.

export class Random {
  private state: number;

  constructor(seed: number) {
    // splitmix-style scramble so that nearby seeds give unrelated streams
    let s = (seed | 0) ^ 0x9e3779b9;
    s = Math.imul(s ^ (s >>> 16), 0x85ebca6b);
    s = Math.imul(s ^ (s >>> 13), 0xc2b2ae35);
    this.state = (s ^ (s >>> 16)) | 0 || 0x6d2b79f5;
  }

  /** Uniform in [0, 1): mulberry32. */
  next(): number {
    let t = (this.state = (this.state + 0x6d2b79f5) | 0);
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  /** Uniform integer in [lo, hi). */
  nextInt(lo: number, hi: number): number {
    return lo + Math.floor(this.next() * (hi - lo));
  }

  /** k distinct indices from [0, n), ascending. */
  sample(n: number, k: number): Int32Array {
    if (k >= n) {
      const all = new Int32Array(n);
      for (let i = 0; i < n; i++) all[i] = i;
      return all;
    }
    // Selection sampling (Knuth's algorithm S): one pass, already sorted.
    const out = new Int32Array(k);
    let chosen = 0;
    for (let i = 0; i < n && chosen < k; i++) {
      if ((n - i) * this.next() < k - chosen) out[chosen++] = i;
    }
    return out;
  }
}
