import { sampleRankCorrelation } from 'simple-statistics';
import { describe, expect, it } from 'vitest';
import { rankMaps, rankSimilarity, rankSimilarityTo } from '../../src/controls/similarity.ts';
import { mulberry32 } from '../support/mulberry32.ts';

// Expected values by hand: rho = Pearson r of the average ranks.
describe('rankSimilarity (Spearman, average ranks)', () => {
  it('matches 1 - 6 sum d^2 / (n (n^2 - 1)) without ties', () => {
    // ranks [1,2,3,4] vs [1,3,2,4]: sum d^2 = 2 -> 1 - 12/60 = 0.8
    expect(rankSimilarity([0.1, 0.2, 0.3, 0.4], [5, 7, 6, 8])).toBeCloseTo(0.8, 12);
    expect(rankSimilarity([1, 2, 3], [30, 20, 10])).toBeCloseTo(-1, 14);
  });

  it('gives tied values their average rank', () => {
    // ranks [1.5, 1.5, 3] vs [1, 2, 3]: cov 1.5, sums of squares 1.5 and 2 -> 1.5 / sqrt(3)
    expect(rankSimilarity([0, 0, 1], [1, 2, 3])).toBeCloseTo(1.5 / Math.sqrt(3), 12);
  });

  it('is exactly 1 for identical (and monotonically transformed) maps', () => {
    const a = Float32Array.from({ length: 784 }, (_, i) => Math.sin(i) ** 2);
    expect(rankSimilarity(a, a)).toBeCloseTo(1, 14);
    expect(rankSimilarity(a, a.map((v) => v * v))).toBeCloseTo(1, 14);
  });

  it('is undefined (null) for a constant map or a non-finite value', () => {
    expect(rankSimilarity([0, 0, 0], [1, 2, 3])).toBeNull();
    expect(rankSimilarity([1, 2, 3], [0.5, 0.5, 0.5])).toBeNull();
    expect(rankSimilarity([1, NaN, 3], [1, 2, 3])).toBeNull();
    expect(rankSimilarity([1, 2, 3], [1, Infinity, 3])).toBeNull();
  });
});

/** simple-statistics' Spearman (the implementation before the ranked one), clamped and null where undefined. */
function library(a: ArrayLike<number>, b: ArrayLike<number>): number | null {
  const finite = (x: ArrayLike<number>) => Array.from(x).every(Number.isFinite) && Array.from(x).some((v) => v !== x[0]);
  if (!finite(a) || !finite(b)) return null;
  const rho = sampleRankCorrelation(Array.from(a), Array.from(b));
  return Number.isNaN(rho) ? null : Math.min(1, Math.max(-1, rho));
}

const generator = mulberry32;

describe('rankSimilarity / rankMaps + rankSimilarityTo: simple-statistics sampleRankCorrelation to the bit', () => {
  const LEVELS = [0, -0, 0.25, 0.5, 1, -0.5, 1e-30, 3];
  /** n maps of 784 values: continuous, few-valued (many ties), mostly zero, all zero, or one non-finite. */
  function maps(seed: number, n: number): Float32Array {
    const r = generator(seed);
    const out = new Float32Array(n * 784);
    for (let m = 0; m < n; m++) {
      const kind = Math.floor(r() * 5);
      const levels = 1 + Math.floor(r() * LEVELS.length);
      for (let i = 0; i < 784; i++) {
        out[m * 784 + i] = kind === 0 ? r() : kind === 1 ? LEVELS[Math.floor(r() * levels)] : kind === 2 ? (r() < 0.9 ? 0 : r()) : kind === 3 ? 0 : r() - 0.5;
      }
      if (kind === 4 && r() < 0.5) out[m * 784 + Math.floor(r() * 784)] = [NaN, Infinity][Math.floor(r() * 2)];
    }
    return out;
  }

  it('on random float32 maps with many ties', () => {
    const n = 150;
    const before = maps(1, n);
    const ranked = rankMaps(before, n);
    for (const seed of [2, 3]) {
      const after = maps(seed, n);
      // the same map (rho 1), a monotone transform of it, and an unrelated map
      const versions = [after, before, before.map((v) => v * v * v)];
      for (const other of versions) {
        for (let i = 0; i < n; i++) {
          const a = before.subarray(i * 784, (i + 1) * 784);
          const b = other.subarray(i * 784, (i + 1) * 784);
          const want = library(a, b);
          const got = [rankSimilarity(a, b), rankSimilarityTo(ranked, i, other, i * 784)];
          for (const g of got) if (!Object.is(g, want)) expect.fail(`map ${i}: ${g} vs ${want}`);
        }
      }
    }
  });

  it('on plain number arrays (no float32 rounding) and short maps', () => {
    const r = generator(7);
    for (let t = 0; t < 300; t++) {
      const len = 2 + Math.floor(r() * 40);
      const a = Array.from({ length: len }, () => (r() < 0.5 ? Math.floor(r() * 4) : r()));
      const b = Array.from({ length: len }, () => Math.floor(r() * 3) + 1e-12 * Math.floor(r() * 2));
      expect(Object.is(rankSimilarity(a, b), library(a, b)), `${a} / ${b}`).toBe(true);
    }
  });
});
