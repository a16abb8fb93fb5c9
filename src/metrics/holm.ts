// Holm's step-down adjustment (statsmodels multipletests(method='holm')): with the m p-values
// sorted ascending, p_(i) becomes min(1, max_{j <= i} (m - j + 1) * p_(j)). It controls the
// family-wise error rate when the report tests several claims at once, without the independence
// assumption Hochberg's step-up needs.

/** Holm-adjusted p-values, in the order of `pValues`. */
export function holm(pValues: readonly number[]): number[] {
  const m = pValues.length;
  pValues.forEach((p, i) => {
    if (!(p >= 0 && p <= 1)) throw new RangeError(`holm: p-value ${i} is ${p}, expected a number in [0, 1]`);
  });
  // Sorting indices (stable for equal p) keeps the mapping back to the caller's order.
  const order = pValues.map((_, i) => i).sort((a, b) => pValues[a] - pValues[b]);
  const adjusted = new Array<number>(m);
  let running = 0; // the step-down maximum keeps adjusted values monotone in p
  order.forEach((idx, rank) => {
    running = Math.max(running, Math.min(1, (m - rank) * pValues[idx]));
    adjusted[idx] = running;
  });
  return adjusted;
}
