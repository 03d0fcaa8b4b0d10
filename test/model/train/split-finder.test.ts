// The histogram split search against brute force: every threshold and both missing-value directions tried
// directly on the rows, counting rows exactly.
import { describe, expect, it } from 'vitest';
import { findBestSplitForFeature, leafGain, SplitInfo, type SplitParams } from '../../../src/model/train/split-finder.js';
import { MISSING_NAN, MISSING_NONE, MISSING_ZERO } from '../../../src/model/tree.js';

function lcg(seed: number): () => number {
  let s = seed >>> 0;
  return () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 4294967296);
}

const base: SplitParams = {
  lambdaL1: 0, lambdaL2: 0, minDataInLeaf: 5, minSumHessianInLeaf: 1e-3, minGainToSplit: 0,
  maxCatToOnehot: 4, maxCatThreshold: 32, catL2: 10, catSmooth: 10, minDataPerGroup: 100,
};

interface Rows { bin: Int32Array; g: Float64Array; h: Float64Array }

function makeRows(n: number, numBin: number, seed: number): Rows {
  const r = lcg(seed);
  const bin = new Int32Array(n);
  const g = new Float64Array(n);
  const h = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    bin[i] = Math.floor(r() * numBin);
    // gradient depends on the bin so there is something to find; hessian 1 makes counts exact
    g[i] = Math.sin(bin[i] * 1.7) + (r() - 0.5);
    h[i] = 1;
  }
  return { bin, g, h };
}

function histogram(rows: Rows, numBin: number): Float64Array {
  const hist = new Float64Array(numBin * 2);
  for (let i = 0; i < rows.bin.length; i++) {
    hist[rows.bin[i] * 2] += rows.g[i];
    hist[rows.bin[i] * 2 + 1] += rows.h[i];
  }
  return hist;
}

/** Best numerical split by trying every threshold and default direction on the rows themselves. */
function bruteForceNumerical(rows: Rows, numBin: number, missingBin: number, p: SplitParams): { gain: number; goesLeft: (b: number) => boolean } {
  let G = 0;
  let H = 0;
  for (let i = 0; i < rows.bin.length; i++) {
    G += rows.g[i];
    H += rows.h[i];
  }
  const shift = leafGain(G, H, p.lambdaL1, p.lambdaL2) + p.minGainToSplit;
  let best = { gain: -Infinity, goesLeft: (_b: number) => false };
  for (let t = 0; t < numBin - 1; t++) {
    for (const defaultLeft of missingBin >= 0 ? [true, false] : [true]) {
      const left = (b: number) => (b === missingBin ? defaultLeft : b <= t);
      let lg = 0, lh = 0, lc = 0;
      for (let i = 0; i < rows.bin.length; i++) if (left(rows.bin[i])) { lg += rows.g[i]; lh += rows.h[i]; lc++; }
      const rc = rows.bin.length - lc;
      if (lc < p.minDataInLeaf || rc < p.minDataInLeaf) continue;
      const gain = leafGain(lg, lh, p.lambdaL1, p.lambdaL2) + leafGain(G - lg, H - lh, p.lambdaL1, p.lambdaL2) - shift;
      if (gain > best.gain + 1e-9) best = { gain, goesLeft: left };
    }
  }
  return best;
}

function sidesOf(info: SplitInfo, missingBin: number) {
  return (b: number) => (info.isCategorical ? info.catBins.includes(b) : b === missingBin ? info.defaultLeft : b <= info.threshold);
}

describe('numerical split finding', () => {
  const cases = [
    { name: 'no missing values', missingType: MISSING_NONE, numBin: 12, missingBin: -1, defaultBin: 0 },
    { name: 'NaN bin (last)', missingType: MISSING_NAN, numBin: 12, missingBin: 11, defaultBin: 3 },
    { name: 'zero as missing', missingType: MISSING_ZERO, numBin: 12, missingBin: 4, defaultBin: 4 },
  ];
  for (const c of cases) {
    for (const params of [base, { ...base, lambdaL2: 3, lambdaL1: 0.5, minDataInLeaf: 40 }]) {
      it(`${c.name}, l1=${params.lambdaL1} l2=${params.lambdaL2} min_data=${params.minDataInLeaf}: same gain and partition as brute force`, () => {
        for (let seed = 1; seed <= 5; seed++) {
          const rows = makeRows(600, c.numBin, seed * 31 + c.numBin);
          const hist = histogram(rows, c.numBin);
          let G = 0;
          for (let i = 0; i < rows.g.length; i++) G += rows.g[i];
          const info = new SplitInfo();
          findBestSplitForFeature(hist, 0, 0, { numBin: c.numBin, missingType: c.missingType, defaultBin: c.defaultBin, isCategorical: false }, G, rows.h.length, rows.h.length, params, info);
          const brute = bruteForceNumerical(rows, c.numBin, c.missingBin, params);
          expect(info.feature).toBe(0);
          expect(info.gain).toBeCloseTo(brute.gain, 8);
          // the chosen partition sends rows the same way as brute force's best (or an equal-gain one)
          const mine = sidesOf(info, c.missingBin);
          let lc = 0;
          for (let i = 0; i < rows.bin.length; i++) if (mine(rows.bin[i])) lc++;
          expect(info.leftCount).toBe(lc);
          expect(info.leftCount + info.rightCount).toBe(rows.bin.length);
        }
      });
    }
  }

  it('min_gain_to_split can forbid every split', () => {
    const rows = makeRows(400, 8, 9);
    const hist = histogram(rows, 8);
    let G = 0;
    for (let i = 0; i < rows.g.length; i++) G += rows.g[i];
    const brute = bruteForceNumerical(rows, 8, -1, base);
    const info = new SplitInfo();
    findBestSplitForFeature(hist, 0, 0, { numBin: 8, missingType: MISSING_NONE, defaultBin: 0, isCategorical: false }, G, 400, 400, { ...base, minGainToSplit: brute.gain + 1 }, info);
    expect(info.feature).toBe(-1);
  });

  it('leaf outputs are -G/(H+l2) of each side', () => {
    const rows = makeRows(500, 10, 3);
    const hist = histogram(rows, 10);
    let G = 0;
    for (let i = 0; i < rows.g.length; i++) G += rows.g[i];
    const info = new SplitInfo();
    findBestSplitForFeature(hist, 0, 0, { numBin: 10, missingType: MISSING_NONE, defaultBin: 0, isCategorical: false }, G, 500, 500, { ...base, lambdaL2: 2 }, info);
    expect(info.leftOutput).toBeCloseTo(-info.leftSumGradient / (info.leftSumHessian + 2), 12);
    expect(info.rightOutput).toBeCloseTo(-info.rightSumGradient / (info.rightSumHessian + 2), 12);
  });
});

describe('categorical split finding', () => {
  it('one-vs-rest for few categories equals the best single category by brute force', () => {
    const numBin = 4; // bin 0 = NaN/other, three categories
    const rows = makeRows(800, numBin, 5);
    const hist = histogram(rows, numBin);
    let G = 0;
    for (let i = 0; i < rows.g.length; i++) G += rows.g[i];
    const info = new SplitInfo();
    findBestSplitForFeature(hist, 0, 2, { numBin, missingType: MISSING_NAN, defaultBin: 1, isCategorical: true }, G, 800, 800, base, info);
    let best = -Infinity;
    let bestCat = -1;
    for (let t = 1; t < numBin; t++) {
      let lg = 0, lc = 0;
      for (let i = 0; i < 800; i++) if (rows.bin[i] === t) { lg += rows.g[i]; lc++; }
      const gain = leafGain(lg, lc, 0, 0) + leafGain(G - lg, 800 - lc, 0, 0) - leafGain(G, 800, 0, 0);
      if (gain > best) { best = gain; bestCat = t; }
    }
    expect(info.isCategorical).toBe(true);
    expect(info.catBins).toEqual([bestCat]);
    expect(info.gain).toBeCloseTo(best, 8);
  });

  it('many-vs-many picks a prefix of categories sorted by gradient ratio, never bin 0', () => {
    const numBin = 30;
    const rows = makeRows(6000, numBin, 17);
    const hist = histogram(rows, numBin);
    let G = 0;
    for (let i = 0; i < rows.g.length; i++) G += rows.g[i];
    const info = new SplitInfo();
    findBestSplitForFeature(hist, 0, 0, { numBin, missingType: MISSING_NAN, defaultBin: 1, isCategorical: true }, G, 6000, 6000, base, info);
    expect(info.isCategorical).toBe(true);
    expect(info.catBins).not.toContain(0);
    const ratio = (t: number) => hist[2 * t] / (hist[2 * t + 1] + base.catSmooth);
    const chosen = new Set(info.catBins);
    const others = Array.from({ length: numBin - 1 }, (_, i) => i + 1).filter((t) => !chosen.has(t));
    // all chosen categories lie on one side of all the others in gradient ratio
    const maxChosen = Math.max(...info.catBins.map(ratio));
    const minChosen = Math.min(...info.catBins.map(ratio));
    expect(others.every((t) => ratio(t) >= maxChosen) || others.every((t) => ratio(t) <= minChosen)).toBe(true);
    // the gain is the split's gain with cat_l2 added to l2, relative to the parent without it
    let lg = 0, lh = 0;
    for (const t of info.catBins) { lg += hist[2 * t]; lh += hist[2 * t + 1]; }
    const l2 = base.lambdaL2 + base.catL2;
    expect(info.gain).toBeCloseTo(leafGain(lg, lh, 0, l2) + leafGain(G - lg, 6000 - lh, 0, l2) - leafGain(G, 6000, 0, 0), 8);
  });
});
