import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { correlate, kendallTauB, pearson, spearman } from '../../src/metrics/stats.ts';
import { kendallExactPValue } from '../../src/metrics/kendall.ts';
import { correlationPValue, normalTwoSidedPValue, regularizedIncompleteBeta } from '../../src/metrics/special.ts';

// Values on a 1e-3 grid in [-1000, 1000]: data-like, and free of subnormal spreads whose
// variance underflows (those are rejected with an error, see the last test).
const value = fc.integer({ min: -1e6, max: 1e6 }).map((v) => v / 1000);
/** Paired series of length n >= 3 whose x and y are not constant. */
const series = fc
  .integer({ min: 3, max: 40 })
  .chain((n) => fc.tuple(fc.array(value, { minLength: n, maxLength: n }), fc.array(value, { minLength: n, maxLength: n })))
  .filter(([x, y]) => new Set(x).size > 1 && new Set(y).size > 1);

describe('special functions against closed forms', () => {
  it('I_x(a, b) obeys its identities', () => {
    fc.assert(
      fc.property(fc.double({ min: 0, max: 1, noNaN: true }), fc.double({ min: 0.05, max: 60, noNaN: true }), (x, a) => {
        expect(regularizedIncompleteBeta(1, 1, x)).toBeCloseTo(x, 12);
        expect(regularizedIncompleteBeta(a, 1, x)).toBeCloseTo(x ** a, 12);
        expect(regularizedIncompleteBeta(1, a, x)).toBeCloseTo(1 - (1 - x) ** a, 12);
        expect(regularizedIncompleteBeta(a, a, 0.5)).toBeCloseTo(0.5, 12);
      }),
    );
  });

  it('keeps relative precision deep in the tail', () => {
    // I_x(a, 1) = x^a exactly: 1e-3^7 = 1e-21.
    const p = regularizedIncompleteBeta(7, 1, 1e-3);
    expect(Math.abs(p - 1e-21) / 1e-21).toBeLessThan(1e-12);
  });

  it('correlation p-values match the t distribution with 1 and 2 df', () => {
    fc.assert(
      fc.property(fc.double({ min: -1, max: 1, noNaN: true }), (r) => {
        // df = 1 (Cauchy): p = 1 - (2/pi) asin|r|.  df = 2: p = 1 - |r|.
        expect(correlationPValue(r, 1)).toBeCloseTo(1 - (2 / Math.PI) * Math.asin(Math.abs(r)), 12);
        expect(correlationPValue(r, 2)).toBeCloseTo(1 - Math.abs(r), 12);
      }),
    );
  });

  it('normal two-sided p-values match textbook values', () => {
    expect(normalTwoSidedPValue(0)).toBe(1);
    expect(normalTwoSidedPValue(1.959963984540054)).toBeCloseTo(0.05, 14);
    expect(normalTwoSidedPValue(-1)).toBeCloseTo(0.31731050786291415, 14);
    expect(normalTwoSidedPValue(3)).toBeCloseTo(0.0026997960632601866, 15);
    // 2 * (1 - Phi(10)) = 1.523970604832105e-23
    expect(Math.abs(normalTwoSidedPValue(10) / 1.523970604832105e-23 - 1)).toBeLessThan(1e-10);
  });
});

describe('Kendall tau-b', () => {
  it('exact p from the Mahonian numbers (permutations of n by inversions)', () => {
    // n = 4: 0 inversions in 24 -> 2/24; 1 inversion: 2 * (1 + 3)/24 = 1/3.
    expect(kendallExactPValue(4, 6)).toBeCloseTo(1 / 12, 15);
    expect(kendallExactPValue(4, 5)).toBeCloseTo(1 / 3, 15);
    // n = 5 (1, 4, 9, 15, 20, 22, ...): 2 discordant -> 2 * 14/120; 3 -> 2 * 29/120; symmetric in c.
    expect(kendallExactPValue(5, 8)).toBeCloseTo(28 / 120, 15);
    expect(kendallExactPValue(5, 2)).toBeCloseTo(28 / 120, 15);
    expect(kendallExactPValue(5, 7)).toBeCloseTo(58 / 120, 15);
  });

  it('handles ties by hand: x = [1,2,2,3], y = [1,2,3,3]', () => {
    // con 4, dis 0, x-ties 1, y-ties 1 -> tau_b = 4 / sqrt(5 * 5) = 0.8. Asymptotic p: var =
    // (12*13 - 18 - 18)/18 + 2*1*1/12 = 41/6, z = 4/sqrt(41/6); SciPy 1.10.1 prints p = 0.12597116307723114.
    const k = kendallTauB([1, 2, 2, 3], [1, 2, 3, 3]);
    expect(k.tau).toBeCloseTo(0.8, 14);
    expect(k.method).toBe('asymptotic');
    expect(k.p).toBeCloseTo(normalTwoSidedPValue(4 / Math.sqrt(41 / 6)), 15);
    expect(k.p).toBeCloseTo(0.12597116307723114, 14);
  });

  it('orders pairs by comparison, so subnormal differences still count', () => {
    // x = y = [0, 0, 0, -tiny]: 3 concordant pairs and 3 joint ties -> tau_b = 3 / sqrt(3 * 3) = 1.
    const tiny = 5e-324;
    expect(kendallTauB([0, 0, 0, -tiny], [0, 0, 0, -tiny]).tau).toBe(1);
    expect(kendallTauB([0, 0, 0, -tiny], [0, 0, 0, tiny]).tau).toBe(-1);
  });

  it("chooses SciPy's method: exact without ties for n <= 33 or at most one (dis)concordant pair", () => {
    const n34 = Array.from({ length: 34 }, (_, i) => i);
    expect(kendallTauB(n34, n34).method).toBe('exact');
    expect(kendallTauB(n34, n34).p).toBeCloseTo(2 / n34.reduce((f, i) => f * (i + 1), 1), 50);
    const shuffled = n34.map((i) => (i * 7) % 34);
    expect(kendallTauB(n34, shuffled).method).toBe('asymptotic');
    expect(kendallTauB([1, 2, 3], [1, 3, 2]).method).toBe('exact');
  });

  it('tau is in [-1, 1], symmetric in x and y, and flips sign with -y', () => {
    fc.assert(
      fc.property(series, ([x, y]) => {
        const k = kendallTauB(x, y);
        expect(Math.abs(k.tau)).toBeLessThanOrEqual(1);
        expect(kendallTauB(y, x).tau).toBeCloseTo(k.tau, 14);
        expect(kendallTauB(x, y.map((v) => -v)).tau).toBeCloseTo(-k.tau, 14);
        expect(k.p).toBeGreaterThanOrEqual(0);
        expect(k.p).toBeLessThanOrEqual(1);
      }),
    );
  });
});

describe('Pearson and Spearman', () => {
  it('r of y = a x + b is sign(a), with p = 0', () => {
    fc.assert(
      fc.property(
        fc.uniqueArray(fc.integer({ min: -1000, max: 1000 }), { minLength: 3, maxLength: 30 }),
        fc.double({ min: 0.01, max: 100, noNaN: true }),
        fc.boolean(),
        fc.double({ min: -100, max: 100, noNaN: true }),
        (x, magnitude, negative, b) => {
          const a = negative ? -magnitude : magnitude;
          const res = pearson(x, x.map((v) => a * v + b));
          expect(res.r).toBeCloseTo(Math.sign(a), 12);
          expect(res.p).toBeLessThan(1e-6);
          expect(res.df).toBe(x.length - 2);
        },
      ),
    );
  });

  it('r is invariant under positive affine rescaling of x and y', () => {
    fc.assert(
      fc.property(series, fc.double({ min: 0.01, max: 100, noNaN: true }), fc.double({ min: -100, max: 100, noNaN: true }), ([x, y], s, t) => {
        const base = pearson(x, y);
        const scaled = pearson(x.map((v) => s * v + t), y.map((v) => v / s - t));
        expect(scaled.r).toBeCloseTo(base.r, 9);
      }),
    );
  });

  it('Spearman rho is invariant under strictly increasing transforms', () => {
    fc.assert(
      fc.property(series, ([x, y]) => {
        expect(spearman(x.map((v) => Math.atan(v / 100) * 3), y.map((v) => v * 2 + 1)).rho).toBeCloseTo(spearman(x, y).rho, 12);
      }),
    );
  });

  it('p-values lie in [0, 1]', () => {
    fc.assert(
      fc.property(series, ([x, y]) => {
        const c = correlate(x, y);
        for (const p of [c.pearson.p, c.spearman.p, c.kendall.p]) {
          expect(p).toBeGreaterThanOrEqual(0);
          expect(p).toBeLessThanOrEqual(1);
        }
        expect(c.n).toBe(x.length);
      }),
    );
  });

  it('Pearson with n = 4 has p = 1 - |r| (Student t with 2 df)', () => {
    const res = pearson([1, 2, 3, 4], [2, 1, 4, 3]);
    expect(res.r).toBeCloseTo(0.6, 14); // cov 1.0 / var 1.25 (hand)
    expect(res.p).toBeCloseTo(0.4, 14);
  });

  it('rejects bad series with a message naming the problem', () => {
    expect(() => correlate([1, 2, 3], [1, 2])).toThrow(/x has 3 values, y has 2/);
    expect(() => correlate([1, 2], [1, 2])).toThrow(/at least 3 pairs/);
    expect(() => correlate([1, 1, 1], [1, 2, 3])).toThrow(/x is constant/);
    expect(() => correlate([1, 2, 3], [1, Number.NaN, 3])).toThrow(/y\[1\] is NaN/);
    expect(() => pearson([0, 0, 5e-324], [1, 2, 3])).toThrow(/no variance in float64/);
  });
});
