import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { holm } from '../../src/metrics/holm.ts';

// Expected values by hand, as statsmodels' multipletests(p, method='holm')[1] defines them:
// sort ascending, multiply the i-th smallest (1-based) by m - i + 1, cap at 1, then take the
// running maximum, and put the values back in the input order.
describe('Holm step-down adjustment', () => {
  it('matches hand-computed values', () => {
    // sorted 0.005, 0.01, 0.03, 0.04 (m = 4) -> x4, x3, x2, x1 = 0.02, 0.03, 0.06, 0.04
    // running max -> 0.02, 0.03, 0.06, 0.06; back in input order [0.01, 0.04, 0.03, 0.005]:
    const got = holm([0.01, 0.04, 0.03, 0.005]);
    [0.03, 0.06, 0.06, 0.02].forEach((want, i) => expect(got[i]).toBeCloseTo(want, 15));
  });

  it('caps at 1 and keeps the step-down maximum', () => {
    // sorted 0.1, 0.6, 0.7 -> 0.3, 1.2 -> 1, 0.7 -> running max 1
    expect(holm([0.6, 0.7, 0.1])).toEqual([1, 1, 0.30000000000000004]);
  });

  it('treats tied p-values alike', () => {
    // 0.02 x2 = 0.04, 0.02 x1 = 0.02 -> running max 0.04 for both
    expect(holm([0.02, 0.02])).toEqual([0.04, 0.04]);
  });

  it('leaves a single p-value and an empty list unchanged', () => {
    expect(holm([0.3])).toEqual([0.3]);
    expect(holm([])).toEqual([]);
  });

  it('is never below the raw p, never above Bonferroni, at most 1, and monotone in p', () => {
    fc.assert(
      fc.property(fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { minLength: 1, maxLength: 30 }), (ps) => {
        const adj = holm(ps);
        ps.forEach((p, i) => {
          expect(adj[i]).toBeGreaterThanOrEqual(p);
          expect(adj[i]).toBeLessThanOrEqual(Math.min(1, ps.length * p));
          ps.forEach((q, j) => p <= q && expect(adj[i]).toBeLessThanOrEqual(adj[j]));
        });
      }),
    );
  });

  it('rejects values that are not p-values', () => {
    expect(() => holm([0.1, NaN])).toThrow(/p-value 1 is NaN/);
    expect(() => holm([1.5])).toThrow(/p-value 0 is 1.5/);
  });
});
