// Poisson tail for "significantly above baseline": at-risk users of a cell in a window are a count, and a
// Poisson tail with the baseline as its mean says how surprising the count is without any distribution fitting.

const LANCZOS = [
  676.5203681218851, -1259.1392167224028, 771.3234287776531, -176.6150291621406, 12.507343278686905,
  -0.13857109526572012, 9.984369578019572e-6, 1.5056327351493116e-7,
];

/** ln Γ(x) for x > 0 (Lanczos, g = 7; ~1e-15 relative). */
export function logGamma(x: number): number {
  if (x < 0.5) return Math.log(Math.PI / Math.sin(Math.PI * x)) - logGamma(1 - x);
  x -= 1;
  let a = 0.99999999999980993;
  const t = x + 7.5;
  for (let i = 0; i < 8; i++) a += LANCZOS[i] / (x + i + 1);
  return 0.5 * Math.log(2 * Math.PI) + (x + 0.5) * Math.log(t) - t + Math.log(a);
}

/** P(X ≥ k) for X ~ Poisson(lambda). k ≤ 0 gives 1; lambda ≤ 0 gives 0 for k > 0. */
export function poissonUpperTail(k: number, lambda: number): number {
  k = Math.ceil(k);
  if (k <= 0) return 1;
  if (!(lambda > 0)) return 0;
  if (k <= lambda) {
    // The tail is large: 1 − P(X < k), summing the k lower terms upward from P(X = 0).
    let term = Math.exp(-lambda);
    let lower = term;
    for (let i = 1; i < k; i++) {
      term *= lambda / i;
      lower += term;
    }
    return Math.max(0, 1 - lower);
  }
  // The tail is small: sum P(X = i) for i ≥ k in log space first term, then ratios (terms decrease).
  let term = Math.exp(-lambda + k * Math.log(lambda) - logGamma(k + 1));
  let sum = 0;
  for (let i = k; term > sum * 1e-17 && i < k + 10_000; i++) {
    sum += term;
    term *= lambda / (i + 1);
  }
  return Math.min(1, sum);
}
