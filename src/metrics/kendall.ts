import { normalTwoSidedPValue } from './special.ts';

// Kendall's tau-b with SciPy 1.10's kendalltau defaults (two-sided, variant 'b', method 'auto'):
// exact p (the null distribution of the number of discordant pairs) when neither series has
// ties and (n <= 33 or min(dis, tot - dis) <= 1); otherwise the normal approximation with the
// tie-corrected variance. Pairs are counted directly in O(n^2), which is instant for the 26
// levels this project correlates.

export interface KendallResult {
  tau: number;
  p: number;
  method: 'exact' | 'asymptotic';
}

/** Tie statistics of one series: pairs tied, sum t(t-1)(t-2) and sum t(t-1)(2t+5) over tie groups. */
function tieStats(values: ArrayLike<number>): { pairs: number; v0: number; v1: number } {
  const counts = new Map<number, number>();
  for (let i = 0; i < values.length; i++) counts.set(values[i], (counts.get(values[i]) ?? 0) + 1);
  let pairs = 0;
  let v0 = 0;
  let v1 = 0;
  for (const t of counts.values()) {
    if (t < 2) continue;
    pairs += (t * (t - 1)) / 2;
    v0 += t * (t - 1) * (t - 2);
    v1 += t * (t - 1) * (2 * t + 5);
  }
  return { pairs, v0, v1 };
}

export function kendallTauB(x: ArrayLike<number>, y: ArrayLike<number>): KendallResult {
  const n = x.length;
  if (y.length !== n) throw new RangeError(`kendall: x has ${n} values, y has ${y.length}`);
  if (n < 3) throw new RangeError(`kendall: needs at least 3 pairs, got ${n}`);
  let dis = 0;
  let jointTies = 0;
  for (let i = 0; i < n; i++) {
    for (let j = i + 1; j < n; j++) {
      // Signs by comparison: a product of two tiny differences could underflow to 0.
      const sx = compare(x[i], x[j]);
      const sy = compare(y[i], y[j]);
      if (sx * sy < 0) dis++;
      else if (sx === 0 && sy === 0) jointTies++;
    }
  }
  const xt = tieStats(x);
  const yt = tieStats(y);
  const tot = (n * (n - 1)) / 2;
  if (xt.pairs === tot || yt.pairs === tot) throw new RangeError('kendall: one series is constant, tau is undefined');
  // tot = con + dis + (xtie - ntie) + (ytie - ntie) + ntie
  const conMinusDis = tot - xt.pairs - yt.pairs + jointTies - 2 * dis;
  const tau = Math.min(1, Math.max(-1, conMinusDis / Math.sqrt(tot - xt.pairs) / Math.sqrt(tot - yt.pairs)));

  const noTies = xt.pairs === 0 && yt.pairs === 0;
  if (noTies && (n <= 33 || Math.min(dis, tot - dis) <= 1)) {
    return { tau, p: kendallExactPValue(n, tot - dis), method: 'exact' };
  }
  const m = n * (n - 1);
  const variance = (m * (2 * n + 5) - xt.v1 - yt.v1) / 18 + (2 * xt.pairs * yt.pairs) / m + (xt.v0 * yt.v0) / (9 * m * (n - 2));
  return { tau, p: normalTwoSidedPValue(conMinusDis / Math.sqrt(variance)), method: 'asymptotic' };
}

function compare(a: number, b: number): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * Exact two-sided p-value for c concordant pairs among n untied pairs (SciPy's
 * mstats_basic._kendall_p_exact, after Kendall's "Rank Correlation Methods"). The null
 * distribution is symmetric, so the smaller tail is counted and doubled.
 */
export function kendallExactPValue(n: number, concordant: number): number {
  const tot = (n * (n - 1)) / 2;
  if (!Number.isInteger(n) || n < 1) throw new RangeError(`kendall exact: n must be a positive integer, got ${n}`);
  if (!Number.isInteger(concordant) || concordant < 0 || concordant > tot) {
    throw new RangeError(`kendall exact: concordant pairs must be an integer in 0..${tot}, got ${concordant}`);
  }
  const c = Math.min(concordant, tot - concordant);
  let prob: number;
  if (n <= 2) prob = 1;
  else if (c === 0) prob = n < 171 ? 2 / factorial(n) : 0;
  else if (c === 1) prob = n < 172 ? 2 / factorial(n - 1) : 0;
  else if (4 * c === n * (n - 1)) prob = 1;
  else if (n < 171) {
    // counts[k] = permutations of j items with k inversions, for k <= c, built up j = 3..n:
    // counts_j = cumsum(counts_{j-1}) minus the window that falls off (k - j).
    const counts = inversionCounts(n, c, false);
    prob = (2 * sum(counts)) / factorial(n);
  } else {
    // Same recurrence divided by j at every step so the numbers stay finite.
    prob = sum(inversionCounts(n, c, true));
  }
  return Math.min(1, Math.max(0, prob));
}

function inversionCounts(n: number, c: number, scaled: boolean): Float64Array {
  let counts = new Float64Array(c + 1);
  counts[0] = 1;
  counts[1] = 1;
  for (let j = 3; j <= n; j++) {
    const next = new Float64Array(c + 1);
    let run = 0;
    for (let k = 0; k <= c; k++) {
      run += counts[k];
      next[k] = scaled ? run / j : run;
    }
    // numpy's `new[j:] -= new[:c+1-j]` reads the right side before writing (overlap is copied);
    // walking down from the top gives the same result in place.
    if (j <= c) for (let k = c; k >= j; k--) next[k] -= next[k - j];
    counts = next;
  }
  return counts;
}

function factorial(k: number): number {
  let f = 1;
  for (let i = 2; i <= k; i++) f *= i;
  return f;
}

function sum(values: Float64Array): number {
  let s = 0;
  for (const v of values) s += v;
  return s;
}
