import { tQuantile } from './t-distribution.ts';

// The generic per-seed summary: any metric measured once per seed (an accuracy, an IoU, a
// per-method score, a paired difference, a per-seed r) becomes {mean, sd, n, lo95, hi95}. Seeds
// are a sample of training runs, so the interval is Student t with n - 1 df over seeds.

export interface SeedSummary {
  mean: number;
  /** Sample standard deviation (n - 1 denominator); 0 for one value. */
  sd: number;
  n: number;
  /** Two-sided 95% t-interval of the mean; null for n = 1 (no spread to estimate). */
  lo95: number | null;
  hi95: number | null;
}

export function mean(xs: readonly number[]): number {
  return xs.reduce((a, b) => a + b, 0) / xs.length;
}

/** Sample standard deviation (n - 1); 0 for a single value. Two-pass, for accuracy. */
export function sampleSd(xs: readonly number[]): number {
  const n = xs.length;
  if (n < 2) return 0;
  const m = mean(xs);
  return Math.sqrt(xs.reduce((a, b) => a + (b - m) ** 2, 0) / (n - 1));
}

/** Mean, sd, n and the 95% t-interval of per-seed values. Throws on an empty or non-finite list. */
export function summarise(values: readonly number[]): SeedSummary {
  const n = values.length;
  if (n === 0) throw new RangeError('summarise: no values');
  const bad = values.findIndex((v) => !Number.isFinite(v));
  if (bad >= 0) throw new RangeError(`summarise: value ${bad} is ${values[bad]}, not finite`);
  const m = mean(values);
  const sd = sampleSd(values);
  if (n < 2) return { mean: m, sd, n, lo95: null, hi95: null };
  const half = tQuantile(0.975, n - 1) * (sd / Math.sqrt(n));
  return { mean: m, sd, n, lo95: m - half, hi95: m + half };
}

/** Successive differences x[i+1] - x[i] (e.g. Δaccuracy between adjacent pruning levels). */
export function firstDifferences(xs: readonly number[]): number[] {
  return xs.slice(1).map((v, i) => v - xs[i]);
}

/** Percentile with linear interpolation between order statistics (NumPy's default, "type 7"). */
export function percentile(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) throw new RangeError('percentile: no values');
  const h = (sorted.length - 1) * q;
  const lo = Math.floor(h);
  const hi = Math.min(lo + 1, sorted.length - 1);
  return sorted[lo] + (h - lo) * (sorted[hi] - sorted[lo]);
}
