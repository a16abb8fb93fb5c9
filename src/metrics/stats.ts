import { sampleCorrelation, sampleRankCorrelation } from 'simple-statistics';
import type { Correlation } from '../results/types.ts';
import { kendallTauB } from './kendall.ts';
import { correlationPValue } from './special.ts';

// The aggregation's correlation tests (PROTOCOL.md "Aggregation") with SciPy 1.10's defaults:
// pearsonr, spearmanr and kendalltau, all two-sided. r and rho come from simple-statistics
// (two-pass covariance over standard deviations, average ranks for ties), which agrees with
// SciPy to ~1e-15; the p-values from special.ts.

export interface PearsonResult {
  r: number;
  /** Two-sided p from Student's t with df = n - 2. */
  p: number;
  df: number;
}

export interface SpearmanResult {
  rho: number;
  p: number;
}

function checkSeries(x: ArrayLike<number>, y: ArrayLike<number>, what: string): number[][] {
  if (x.length !== y.length) throw new RangeError(`${what}: x has ${x.length} values, y has ${y.length}`);
  if (x.length < 3) throw new RangeError(`${what}: needs at least 3 pairs (df = n - 2 > 0), got ${x.length}`);
  const xs = Array.from(x);
  const ys = Array.from(y);
  const bad = xs.findIndex((v) => !Number.isFinite(v));
  if (bad >= 0) throw new RangeError(`${what}: x[${bad}] is ${xs[bad]}, every value must be finite`);
  const badY = ys.findIndex((v) => !Number.isFinite(v));
  if (badY >= 0) throw new RangeError(`${what}: y[${badY}] is ${ys[badY]}, every value must be finite`);
  if (xs.every((v) => v === xs[0])) throw new RangeError(`${what}: x is constant, the correlation is undefined`);
  if (ys.every((v) => v === ys[0])) throw new RangeError(`${what}: y is constant, the correlation is undefined`);
  return [xs, ys];
}

/** Clamps rounding overshoot (e.g. 1.0000000000000002 for an exact line) into [-1, 1]. */
function clampUnit(r: number): number {
  return Math.min(1, Math.max(-1, r));
}

/** r from simple-statistics; NaN means a variance underflowed (e.g. subnormal-only spread). */
function correlationOf(xs: number[], ys: number[], what: string, f: (a: number[], b: number[]) => number): number {
  const r = f(xs, ys);
  if (Number.isNaN(r)) throw new RangeError(`${what}: the correlation is undefined (a series has no variance in float64)`);
  return clampUnit(r);
}

export function pearson(x: ArrayLike<number>, y: ArrayLike<number>): PearsonResult {
  const [xs, ys] = checkSeries(x, y, 'pearson');
  const r = correlationOf(xs, ys, 'pearson', sampleCorrelation);
  const df = xs.length - 2;
  return { r, p: correlationPValue(r, df), df };
}

/** Spearman's rho: Pearson's r of the average ranks; p as SciPy's spearmanr (Student t, n-2 df). */
export function spearman(x: ArrayLike<number>, y: ArrayLike<number>): SpearmanResult {
  const [xs, ys] = checkSeries(x, y, 'spearman');
  const rho = correlationOf(xs, ys, 'spearman', sampleRankCorrelation);
  return { rho, p: correlationPValue(rho, xs.length - 2) };
}

/** All three tests of x against y (the report's `correlation`). */
export function correlate(x: ArrayLike<number>, y: ArrayLike<number>): Correlation {
  const [xs, ys] = checkSeries(x, y, 'correlation');
  return { pearson: pearson(xs, ys), spearman: spearman(xs, ys), kendall: kendallTauB(xs, ys), n: xs.length };
}

export { kendallTauB } from './kendall.ts';
