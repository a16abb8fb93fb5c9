import { afterAll, describe, expect, it } from 'vitest';
import { correlate } from '../../src/metrics/stats.ts';
import { expectClose, fixturesOfKind, type Tolerance } from '../support/fixtures.ts';

// Every `stats` fixture (SciPy pearsonr / spearmanr / kendalltau with their defaults):
// coefficients within `tolerance`, p-values within `tolerance_p`.
const fixtures = fixturesOfKind('stats');

interface StatsWant {
  pearson: { r: number; p: number };
  spearman: { rho: number; p: number };
  kendall: { tau: number; p: number };
}

const worst = { coefficientAbs: 0, pRel: 0 };

function relative(got: number, want: number): number {
  return want === 0 ? Math.abs(got) : Math.abs(got - want) / Math.abs(want);
}

describe('stats fixtures (SciPy reference)', () => {
  afterAll(() => {
    console.log(`stats fixtures: largest |deviation| of r/rho/tau ${worst.coefficientAbs}, largest relative deviation of p ${worst.pRel}`);
  });
  it('has at least one fixture', () => expect(fixtures.length).toBeGreaterThan(0));
  for (const fx of fixtures) {
    it(fx.file, () => {
      const got = correlate(fx.x as number[], fx.y as number[]);
      const want = fx.want as StatsWant;
      const tolP = fx.tolerance_p as Tolerance;
      expect(got.n).toBe((fx.x as number[]).length);
      expect(got.pearson.df).toBe(got.n - 2);
      const coefficients = [got.pearson.r, got.spearman.rho, got.kendall.tau];
      const wantCoefficients = [want.pearson.r, want.spearman.rho, want.kendall.tau];
      worst.coefficientAbs = Math.max(worst.coefficientAbs, expectClose(coefficients, wantCoefficients, fx.tolerance, 'r, rho, tau'));
      const ps = [got.pearson.p, got.spearman.p, got.kendall.p];
      const wantPs = [want.pearson.p, want.spearman.p, want.kendall.p];
      expectClose(ps, wantPs, tolP, 'p (pearson, spearman, kendall)');
      for (let i = 0; i < ps.length; i++) worst.pRel = Math.max(worst.pRel, relative(ps[i], wantPs[i]));
    });
  }
});
