import { sampleRankCorrelation } from 'simple-statistics';

/**
 * Spearman's rank correlation of two heatmaps (SciPy spearmanr: Pearson's r of the average ranks,
 * ties sharing the mean of their ranks), or null where it is undefined: a map that is constant
 * (no rank variance, e.g. an all-zero heatmap) or holds a non-finite value. The randomisation
 * control leaves undefined pairs out of its mean and counts them.
 */
export function rankSimilarity(a: ArrayLike<number>, b: ArrayLike<number>): number | null {
  if (a.length !== b.length) throw new RangeError(`rank similarity: maps of ${a.length} and ${b.length} values`);
  if (!usable(a) || !usable(b)) return null;
  const rho = sampleRankCorrelation(Array.from(a), Array.from(b));
  // Clamp rounding overshoot (1.0000000000000002 for identical maps) into [-1, 1].
  return Number.isNaN(rho) ? null : Math.min(1, Math.max(-1, rho));
}

/** Finite and not constant. */
function usable(x: ArrayLike<number>): boolean {
  let varies = false;
  for (let i = 0; i < x.length; i++) {
    if (!Number.isFinite(x[i])) return false;
    if (x[i] !== x[0]) varies = true;
  }
  return varies;
}
