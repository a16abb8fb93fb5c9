// Special functions for the correlation tests' p-values, in float64. The p-values can be as
// small as 1e-21 and must match SciPy to a relative 1e-6, so the tails are computed directly
// (never as 1 - something) with Numerical Recipes' continued fractions (modified Lentz).

const EPS = 1e-15;
const TINY = 1e-300;
const MAX_ITERATIONS = 100_000;

// Lanczos approximation, g = 7, 9 terms (relative error ~1e-15 for x > 0).
const LANCZOS_G = 7;
const LANCZOS = [
  0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313, -176.61502916214059,
  12.507343278686905, -0.13857109526572012, 9.9843695780195716e-6, 1.5056327351493116e-7,
];

/** ln Gamma(x) for x > 0. */
export function logGamma(x: number): number {
  if (!(x > 0)) throw new RangeError(`logGamma: x must be > 0, got ${x}`);
  if (x < 0.5) return Math.log(Math.PI / Math.sin(Math.PI * x)) - logGamma(1 - x);
  const z = x - 1;
  let sum = LANCZOS[0];
  for (let i = 1; i < LANCZOS.length; i++) sum += LANCZOS[i] / (z + i);
  const t = z + LANCZOS_G + 0.5;
  return 0.5 * Math.log(2 * Math.PI) + (z + 0.5) * Math.log(t) - t + Math.log(sum);
}

/** Continued fraction of the incomplete beta function (NR betacf), modified Lentz. */
function betaContinuedFraction(a: number, b: number, x: number): number {
  const qab = a + b;
  const qap = a + 1;
  const qam = a - 1;
  let c = 1;
  let d = 1 - (qab * x) / qap;
  if (Math.abs(d) < TINY) d = TINY;
  d = 1 / d;
  let h = d;
  for (let m = 1; m <= MAX_ITERATIONS; m++) {
    const m2 = 2 * m;
    let aa = (m * (b - m) * x) / ((qam + m2) * (a + m2));
    d = 1 + aa * d;
    if (Math.abs(d) < TINY) d = TINY;
    c = 1 + aa / c;
    if (Math.abs(c) < TINY) c = TINY;
    d = 1 / d;
    h *= d * c;
    aa = (-(a + m) * (qab + m) * x) / ((a + m2) * (qap + m2));
    d = 1 + aa * d;
    if (Math.abs(d) < TINY) d = TINY;
    c = 1 + aa / c;
    if (Math.abs(c) < TINY) c = TINY;
    d = 1 / d;
    const step = d * c;
    h *= step;
    if (Math.abs(step - 1) < EPS) return h;
  }
  throw new Error(`incomplete beta: continued fraction did not converge (a=${a}, b=${b}, x=${x})`);
}

/**
 * The regularised incomplete beta function I_x(a, b) (NR betai). `y` is 1 - x; pass it when it
 * is known more accurately than 1 - x (e.g. r^2 for x = 1 - r^2).
 */
export function regularizedIncompleteBeta(a: number, b: number, x: number, y = 1 - x): number {
  if (!(a > 0) || !(b > 0)) throw new RangeError(`incomplete beta: a and b must be > 0, got a=${a}, b=${b}`);
  if (!(x >= 0 && x <= 1) || !(y >= 0 && y <= 1)) throw new RangeError(`incomplete beta: x must lie in [0, 1], got x=${x}, 1-x=${y}`);
  if (x === 0) return 0;
  if (y === 0) return 1;
  const logFront = logGamma(a + b) - logGamma(a) - logGamma(b) + a * Math.log(x) + b * Math.log(y);
  // Evaluate the fraction on the side where it converges fast; the other side by symmetry.
  if (x < (a + 1) / (a + b + 2)) return (Math.exp(logFront) * betaContinuedFraction(a, b, x)) / a;
  return 1 - (Math.exp(logFront) * betaContinuedFraction(b, a, y)) / b;
}

/**
 * Two-sided p-value of a correlation coefficient r from n = df + 2 pairs under the null
 * (Student's t with df degrees of freedom, t = r sqrt(df / (1 - r^2))):
 *   p = 2 P(T > |t|) = I_{df/(df+t^2)}(df/2, 1/2) = I_{1-r^2}(df/2, 1/2).
 * This is SciPy's pearsonr p (its Beta(df/2, df/2) form on [-1, 1] is the same distribution)
 * and spearmanr's. 1 - r^2 is formed as (1 - r)(1 + r) to keep its digits when |r| is near 1.
 */
export function correlationPValue(r: number, df: number): number {
  if (!(df > 0)) throw new RangeError(`correlation p-value: df must be > 0, got ${df}`);
  if (!(Math.abs(r) <= 1)) throw new RangeError(`correlation p-value: r must lie in [-1, 1], got ${r}`);
  const a = Math.abs(r);
  return Math.min(1, regularizedIncompleteBeta(df / 2, 0.5, (1 - a) * (1 + a), a * a));
}

/** Series of the lower regularised incomplete gamma P(a, x) (NR gser), for x < a + 1. */
function gammaSeries(a: number, x: number): number {
  let ap = a;
  let del = 1 / a;
  let sum = del;
  for (let n = 1; n <= MAX_ITERATIONS; n++) {
    ap += 1;
    del *= x / ap;
    sum += del;
    if (Math.abs(del) < Math.abs(sum) * EPS) return sum * Math.exp(-x + a * Math.log(x) - logGamma(a));
  }
  throw new Error(`incomplete gamma: series did not converge (a=${a}, x=${x})`);
}

/** Continued fraction of the upper regularised incomplete gamma Q(a, x) (NR gcf), for x >= a + 1. */
function gammaContinuedFraction(a: number, x: number): number {
  let b = x + 1 - a;
  let c = 1 / TINY;
  let d = 1 / b;
  let h = d;
  for (let i = 1; i <= MAX_ITERATIONS; i++) {
    const an = -i * (i - a);
    b += 2;
    d = an * d + b;
    if (Math.abs(d) < TINY) d = TINY;
    c = b + an / c;
    if (Math.abs(c) < TINY) c = TINY;
    d = 1 / d;
    const step = d * c;
    h *= step;
    if (Math.abs(step - 1) < EPS) return Math.exp(-x + a * Math.log(x) - logGamma(a)) * h;
  }
  throw new Error(`incomplete gamma: continued fraction did not converge (a=${a}, x=${x})`);
}

/** Upper regularised incomplete gamma Q(a, x) = 1 - P(a, x). */
export function regularizedGammaQ(a: number, x: number): number {
  if (!(a > 0) || !(x >= 0)) throw new RangeError(`incomplete gamma: need a > 0 and x >= 0, got a=${a}, x=${x}`);
  if (x === 0) return 1;
  if (x === Infinity) return 0;
  return x < a + 1 ? 1 - gammaSeries(a, x) : gammaContinuedFraction(a, x);
}

/** Two-sided p-value of a standard normal statistic: 2 P(Z > |z|) = erfc(|z|/sqrt 2) = Q(1/2, z^2/2). */
export function normalTwoSidedPValue(z: number): number {
  if (Number.isNaN(z)) throw new RangeError('normal p-value: z is NaN');
  return regularizedGammaQ(0.5, (z * z) / 2);
}
