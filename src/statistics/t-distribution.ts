import { regularizedIncompleteBeta } from '../metrics/special.ts';

// Student's t distribution for the seed statistics (PROTOCOL.md Part 2 "Statistics for claims").
// The quantile inverts the CDF by bisection: the CDF comes from the same regularised incomplete
// beta that gives the correlation p-values (accurate to ~1e-15 in the tails), and bisection on a
// monotone function cannot diverge the way Newton's method can for df = 1 (Cauchy tails).

/** P(T <= t) for Student's t with `df` > 0 degrees of freedom. */
export function tCdf(t: number, df: number): number {
  if (!(df > 0)) throw new RangeError(`t distribution: df must be > 0, got ${df}`);
  if (t === 0) return 0.5;
  // P(|T| > |t|) = I_{df/(df+t^2)}(df/2, 1/2); y = t^2/(df+t^2) passed exactly for large |t|.
  const t2 = t * t;
  const tail = 0.5 * regularizedIncompleteBeta(df / 2, 0.5, df / (df + t2), t2 / (df + t2));
  return t > 0 ? 1 - tail : tail;
}

/** The p-quantile of Student's t with `df` degrees of freedom (scipy.stats.t.ppf), 0 < p < 1. */
export function tQuantile(p: number, df: number): number {
  if (!(p > 0 && p < 1)) throw new RangeError(`t quantile: p must lie in (0, 1), got ${p}`);
  if (!(df > 0)) throw new RangeError(`t quantile: df must be > 0, got ${df}`);
  if (p === 0.5) return 0;
  if (p < 0.5) return -tQuantile(1 - p, df);
  // Upper tail: P(T > t) = q. Bracket, then bisect to the last representable midpoint.
  const q = 1 - p;
  const upper = (t: number) => 0.5 * regularizedIncompleteBeta(df / 2, 0.5, df / (df + t * t), (t * t) / (df + t * t));
  let lo = 0;
  let hi = 1;
  while (upper(hi) > q) hi *= 2;
  for (let i = 0; i < 2000; i++) {
    const mid = (lo + hi) / 2;
    if (mid === lo || mid === hi) break;
    if (upper(mid) > q) lo = mid;
    else hi = mid;
  }
  return (lo + hi) / 2;
}

/** z(0.95) = Φ⁻¹(0.95), the large-n limit of t(0.95, df) that PROTOCOL.md's "no number of seeds" test uses. */
export const Z95 = 1.6448536269514722;
