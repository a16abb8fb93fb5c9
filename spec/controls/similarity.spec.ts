import { describe, expect, it } from 'vitest';
import { rankSimilarity } from '../../src/controls/similarity.ts';

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
