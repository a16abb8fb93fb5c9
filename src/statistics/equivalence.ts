import { mean, sampleSd } from './summary.ts';
import { tQuantile, Z95 } from './t-distribution.ts';

// Verdict rules of PROTOCOL.md Part 2 "Statistics for claims", as pure functions of numbers.
// All tests are at α = 0.05, so every rule reads a two-sided 90% interval: its ends are the two
// one-sided 95% bounds (TOST uses both, a one-sided claim one of them).

export type StatVerdict = 'reproduced' | 'not reproduced' | 'inconclusive';

export interface EquivalenceResult {
  /** our mean − thesis value */
  d: number;
  sd: number;
  /** sd·sqrt(1/n + 1/thesisSeeds): our mean's and the thesis's mean's sampling error together. */
  se: number;
  df: number;
  /** I90 = d ± t(0.95, df)·se; null for n = 1. */
  lo90: number | null;
  hi90: number | null;
  verdict: StatVerdict;
  /** Why the verdict is what it is, with the numbers. */
  rule: string;
  /** When inconclusive: seeds that would let I90 fit inside (−δ, δ) if d and sd stayed; null when no number would (or n = 1). */
  seedsNeeded: number | null;
}

/** TOST decision on an interval of d: inside (−δ, δ) → reproduced, entirely outside [−δ, δ] → not reproduced. */
export function tostVerdict(lo: number, hi: number, delta: number): StatVerdict {
  if (lo > -delta && hi < delta) return 'reproduced';
  if (lo > delta || hi < -delta) return 'not reproduced';
  return 'inconclusive';
}

/**
 * Equivalence of our per-seed values with the thesis's mean of `thesisSeeds` seeds (PROTOCOL.md:
 * SE = s·sqrt(1/n + 1/3), df = n − 1, I90 = d ± t(0.95, df)·SE).
 */
export function equivalenceTest(values: readonly number[], thesis: number, delta: number, thesisSeeds = 3): EquivalenceResult {
  const n = values.length;
  if (n === 0) throw new RangeError('equivalence test: no values');
  const d = mean(values) - thesis;
  const sd = sampleSd(values);
  const df = n - 1;
  if (n < 2) {
    return { d, sd, se: Number.NaN, df, lo90: null, hi90: null, verdict: 'inconclusive', seedsNeeded: null, rule: 'one seed: no seed spread to estimate, so no interval (PROTOCOL.md: n = 1 is inconclusive); at least 2 seeds are needed' };
  }
  const se = sd * Math.sqrt(1 / n + 1 / thesisSeeds);
  const half = tQuantile(0.95, df) * se;
  const lo90 = d - half;
  const hi90 = d + half;
  const verdict = tostVerdict(lo90, hi90, delta);
  const i90 = `I90 [${fmt(lo90)}, ${fmt(hi90)}]`;
  if (verdict === 'reproduced') return { d, sd, se, df, lo90, hi90, verdict, seedsNeeded: null, rule: `TOST: ${i90} lies inside (−${fmt(delta)}, ${fmt(delta)})` };
  if (verdict === 'not reproduced') return { d, sd, se, df, lo90, hi90, verdict, seedsNeeded: null, rule: `mirror test: ${i90} lies entirely outside [−${fmt(delta)}, ${fmt(delta)}]` };
  const needed = seedsNeeded(d, sd, delta, n, thesisSeeds);
  const floor = `z(0.95)·s·sqrt(1/${thesisSeeds}) = ${fmt(Z95 * sd * Math.sqrt(1 / thesisSeeds))} ≥ δ − |d| = ${fmt(delta - Math.abs(d))}`;
  const why = needed !== null
    ? `${needed} seeds would fit I90 inside ±${fmt(delta)} if d and s stayed as they are`
    : Math.abs(d) >= delta
      ? `no number of seeds would fit I90 inside ±${fmt(delta)}: |d| ≥ δ already (${floor})`
      : `no number of seeds would decide it: ${floor}, the thesis's own ${thesisSeeds}-seed mean is too noisy for the tolerance`;
  return { d, sd, se, df, lo90, hi90, verdict, seedsNeeded: needed, rule: `inconclusive: ${i90} straddles ±${fmt(delta)}; ${why}` };
}

/**
 * The smallest n' > n with t(0.95, n'−1)·s·sqrt(1/n' + 1/k) < δ − |d| (k thesis seeds), or null
 * when none exists: the half-width falls towards z(0.95)·s·sqrt(1/k), never below it.
 */
export function seedsNeeded(d: number, sd: number, delta: number, n: number, thesisSeeds = 3): number | null {
  const room = delta - Math.abs(d);
  if (!(room > Z95 * sd * Math.sqrt(1 / thesisSeeds))) return null;
  const fits = (m: number) => tQuantile(0.95, m - 1) * sd * Math.sqrt(1 / m + 1 / thesisSeeds) < room;
  // The half-width decreases in m: double to a fitting m, then bisect for the smallest.
  let lo = Math.max(n, 1);
  let hi = Math.max(2, 2 * lo);
  while (!fits(hi)) {
    lo = hi;
    hi *= 2;
    if (hi > 1e9) return null;
  }
  while (hi - lo > 1) {
    const mid = Math.floor((lo + hi) / 2);
    if (fits(mid)) hi = mid;
    else lo = mid;
  }
  return hi;
}

/**
 * A one-sided claim "value ≥ m" (`atLeast`) or "value < m" (`below`) on an interval [lo, hi]
 * whose ends are one-sided 95% bounds: reproduced when the bound on the claim's side clears m,
 * not reproduced when the other bound already fails it, else inconclusive.
 */
export function oneSidedVerdict(lo: number, hi: number, m: number, side: 'atLeast' | 'below'): StatVerdict {
  if (side === 'atLeast') {
    if (lo >= m) return 'reproduced';
    if (hi < m) return 'not reproduced';
    return 'inconclusive';
  }
  if (hi < m) return 'reproduced';
  if (lo >= m) return 'not reproduced';
  return 'inconclusive';
}

/** One-sided 95% bounds of the mean of per-seed values: mean ∓ t(0.95, n−1)·sd/√n (null for n = 1). */
export function meanBounds95(values: readonly number[]): { mean: number; sd: number; df: number; lo: number | null; hi: number | null } {
  const n = values.length;
  const m = mean(values);
  const sd = sampleSd(values);
  if (n < 2) return { mean: m, sd, df: n - 1, lo: null, hi: null };
  const half = tQuantile(0.95, n - 1) * (sd / Math.sqrt(n));
  return { mean: m, sd, df: n - 1, lo: m - half, hi: m + half };
}

function fmt(v: number): string {
  return Math.abs(v) >= 1e-3 || v === 0 ? v.toFixed(4) : v.toExponential(2);
}
