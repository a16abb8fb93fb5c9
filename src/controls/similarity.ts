import { floatKeys, radixOrder } from '../metrics/localisation/sort-keys.ts';

// Spearman's rank correlation as SciPy's spearmanr (and simple-statistics' sampleRankCorrelation,
// which this replaces to the bit): Pearson's r of the average ranks, ties sharing the mean of
// their ranks.
//
// Cost: the randomisation control compares 1000 images x 7 methods x 3 stages, each the same
// unrandomised map against a re-drawn one. So the unrandomised maps are ranked once (rankMaps)
// and each comparison ranks only the new map: a radix argsort of the order-preserving float32
// keys, no allocation per image. In units of doubled ranks centred on their known mean (n-1)/2,
// every rank is a whole number, so every sum below is exact (whole numbers far below 2^53) in
// any order, and r = (sxy / (n-1)) / sqrt(sxx / (n-1)) / sqrt(syy / (n-1)) is the library's
// floating-point expression on the library's exact sums: the same float64 result.

/**
 * Spearman's rank correlation of two heatmaps, or null where it is undefined: a map that is
 * constant (no rank variance, e.g. an all-zero heatmap) or holds a non-finite value. The
 * randomisation control leaves undefined pairs out of its mean and counts them.
 */
export function rankSimilarity(a: ArrayLike<number>, b: ArrayLike<number>): number | null {
  if (a.length !== b.length) throw new RangeError(`rank similarity: maps of ${a.length} and ${b.length} values`);
  if (!usable(a, 0, a.length) || !usable(b, 0, b.length)) return null;
  const n = a.length;
  const ra = new Float64Array(n);
  const rb = new Float64Array(n);
  const sxx = centredRanksOf(a, n, ra);
  const syy = centredRanksOf(b, n, rb);
  let sxy = 0;
  for (let i = 0; i < n; i++) sxy += ra[i] * rb[i];
  return correlation(sxy, sxx, syy, n);
}

/** n maps of `pixels` values, ranked once for rankSimilarityTo. */
export interface RankedMaps {
  n: number;
  pixels: number;
  /** Per map, each value's doubled centred average rank (see centredRanks); 0s for an unusable map. */
  ranks: Int32Array;
  /** Per map, the sum of its squared doubled centred ranks; NaN marks an unusable map. */
  squares: Float64Array;
}

/** Ranks the n maps of `maps` ([n * pixels]) once, for comparing each with other maps. */
export function rankMaps(maps: Float32Array, n: number): RankedMaps {
  if (!Number.isInteger(n) || n < 1 || maps.length % n !== 0) throw new RangeError(`rank similarity: ${maps.length} values do not form ${n} maps`);
  const pixels = maps.length / n;
  const ranks = new Int32Array(maps.length);
  const squares = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const start = i * pixels;
    squares[i] = usable(maps, start, pixels) ? centredRanks(maps, start, pixels, ranks, start) : NaN;
  }
  return { n, pixels, ranks, squares };
}

let scratchRanks = new Int32Array(0);

/**
 * rankSimilarity(map i of `ranked`, other[start .. start + pixels)): the same value (or null),
 * ranking only `other`.
 */
export function rankSimilarityTo(ranked: RankedMaps, i: number, other: Float32Array, start: number): number | null {
  const { pixels } = ranked;
  if (!Number.isInteger(i) || i < 0 || i >= ranked.n) throw new RangeError(`rank similarity: map ${i} of ${ranked.n}`);
  if (!Number.isInteger(start) || start < 0 || start + pixels > other.length) throw new RangeError(`rank similarity: ${pixels} values from ${start} of ${other.length}`);
  const sxx = ranked.squares[i];
  if (Number.isNaN(sxx) || !usable(other, start, pixels)) return null;
  if (scratchRanks.length < pixels) scratchRanks = new Int32Array(pixels);
  const rb = scratchRanks;
  const syy = centredRanks(other, start, pixels, rb, 0);
  const ra = ranked.ranks;
  const from = i * pixels;
  let sxy = 0;
  for (let p = 0; p < pixels; p++) sxy += ra[from + p] * rb[p];
  return correlation(sxy, sxx, syy, pixels);
}

/**
 * r from the sums of products of doubled centred ranks (4x the centred ranks' sums, exactly),
 * as simple-statistics forms it: cov / std_x / std_y with Bessel's n - 1; rounding overshoot
 * (1.0000000000000002 for identical maps) clamped into [-1, 1].
 */
function correlation(sxy: number, sxx: number, syy: number, n: number): number | null {
  const cov = sxy / 4 / (n - 1);
  const rho = cov / Math.sqrt(sxx / 4 / (n - 1)) / Math.sqrt(syy / 4 / (n - 1));
  return Number.isNaN(rho) ? null : Math.min(1, Math.max(-1, rho));
}

/** Finite and not constant. */
function usable(x: ArrayLike<number>, start: number, count: number): boolean {
  let varies = false;
  const first = x[start];
  for (let i = start; i < start + count; i++) {
    if (!Number.isFinite(x[i])) return false;
    if (x[i] !== first) varies = true;
  }
  return varies;
}

const MAX_RADIX = 1024; // floatKeys' limit
const keys = new Uint32Array(MAX_RADIX);
const order = new Int32Array(MAX_RADIX);
const tmp = new Int32Array(MAX_RADIX);

/**
 * Writes 2 * (average rank - (count - 1) / 2) of each value of values[start .. start + count)
 * (finite) to out[at ..]: the ranks 0 .. count-1 of a tie group i .. j all become i + j - (count - 1),
 * a whole number. Returns the sum of their squares. Equal floats (-0 and +0 included) tie.
 */
function centredRanks(values: Float32Array, start: number, count: number, out: Int32Array, at: number): number {
  if (count > MAX_RADIX) {
    const ranks = new Float64Array(count);
    const squares = centredRanksOf(values.subarray(start, start + count), count, ranks);
    out.set(ranks, at);
    return squares;
  }
  floatKeys(values, start, count, keys);
  radixOrder(keys, count, order, tmp);
  let squares = 0;
  let i = 0;
  while (i < count) {
    const k = keys[order[i]];
    let j = i;
    while (j + 1 < count && keys[order[j + 1]] === k) j++;
    const r = i + j - (count - 1);
    for (let p = i; p <= j; p++) out[at + order[p]] = r;
    squares += (j - i + 1) * r * r;
    i = j + 1;
  }
  return squares;
}

/** centredRanks for any finite numbers, by a comparison sort of the indices. */
function centredRanksOf(values: ArrayLike<number>, count: number, out: Float64Array): number {
  const idx = Int32Array.from({ length: count }, (_, i) => i);
  idx.sort((a, b) => values[a] - values[b]);
  let squares = 0;
  let i = 0;
  while (i < count) {
    let j = i;
    while (j + 1 < count && values[idx[j + 1]] === values[idx[i]]) j++;
    const r = i + j - (count - 1);
    for (let p = i; p <= j; p++) out[idx[p]] = r;
    squares += (j - i + 1) * r * r;
    i = j + 1;
  }
  return squares;
}
