import type { SeedSummary } from '../report/types.ts';

// Number formatting for the HTML report's tables. Non-finite values print as "n/a" rather than
// "NaN" so a broken metric is visible but does not look like a number.

const NA = 'n/a';
const ok = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);

/** A fraction as a percentage, e.g. 0.98172 -> "98.17%". */
export function percent(v: number, digits = 2): string {
  return ok(v) ? `${(100 * v).toFixed(digits)}%` : NA;
}

/** Density in percent with 3 significant digits: 1 -> "100%", 0.000861 -> "0.0861%". */
export function densityPercent(v: number): string {
  return ok(v) ? `${Number((100 * v).toPrecision(3))}%` : NA;
}

export function fixed(v: number, digits: number): string {
  return ok(v) ? v.toFixed(digits) : NA;
}

/** "98.17% [97.90, 98.44]" (interval in percent) for fractions, or "0.179 [0.170, 0.188]"; the mean alone with one seed. */
export function meanInterval(m: SeedSummary, kind: 'percent' | 'fraction', digits = kind === 'percent' ? 2 : 3): string {
  const v = (x: number) => (kind === 'percent' ? (ok(x) ? (100 * x).toFixed(digits) : NA) : fixed(x, digits));
  const head = kind === 'percent' ? percent(m.mean, digits) : fixed(m.mean, digits);
  return m.lo95 === null || m.hi95 === null ? head : `${head} [${v(m.lo95)}, ${v(m.hi95)}]`;
}

/** p-values: 3 significant digits, scientific notation below 0.001. */
export function pValue(p: number): string {
  if (!ok(p)) return NA;
  return p < 1e-3 ? p.toExponential(2) : p.toPrecision(3);
}

/** Seconds as "42 s", "12.5 min" or "6.10 h". */
export function duration(s: number): string {
  if (!ok(s)) return NA;
  if (s < 120) return `${s.toFixed(0)} s`;
  if (s < 7200) return `${(s / 60).toFixed(1)} min`;
  return `${(s / 3600).toFixed(2)} h`;
}
