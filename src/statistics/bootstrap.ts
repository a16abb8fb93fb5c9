import { rng } from '../data/rng.ts';
import { percentile } from './summary.ts';

// Percentile bootstrap over seeds (PROTOCOL.md Part 2): resample the seed list with
// replacement and recompute a statistic of the resampled seeds. The list is sorted ascending
// first and the draws come from a stream named by the protocol's bootstrapSeed, so the same
// seeds give the same interval whatever order they were listed or finished in.

export interface BootstrapResult {
  /** The statistic on each resample where it was defined, ascending. */
  sorted: number[];
  /** Resamples drawn. */
  resamples: number;
  /** Resamples where the statistic was undefined (threw or was not finite), left out. */
  undefinedCount: number;
}

/**
 * Draws `resamples` resamples of `seeds` (n seeds, n draws each, with replacement) and returns
 * `stat` of each. `stat` receives seed ids in draw order.
 */
export function bootstrapSeeds(seeds: readonly number[], resamples: number, streamSeed: number, stat: (sample: number[]) => number): BootstrapResult {
  if (seeds.length === 0) throw new RangeError('bootstrap: no seeds');
  if (!(Number.isInteger(resamples) && resamples > 0)) throw new RangeError(`bootstrap: resamples must be a positive integer, got ${resamples}`);
  const sortedSeeds = [...seeds].sort((a, b) => a - b);
  const stream = rng(streamSeed, 'bootstrap');
  const n = sortedSeeds.length;
  const out: number[] = [];
  let undefinedCount = 0;
  const sample = new Array<number>(n);
  for (let b = 0; b < resamples; b++) {
    for (let i = 0; i < n; i++) sample[i] = sortedSeeds[stream.int(n)];
    let v: number;
    try {
      v = stat(sample.slice());
    } catch {
      v = Number.NaN;
    }
    if (Number.isFinite(v)) out.push(v);
    else undefinedCount++;
  }
  out.sort((a, b) => a - b);
  return { sorted: out, resamples, undefinedCount };
}

/** The central `level` percentile interval (e.g. 0.95 → 2.5th..97.5th percentiles). */
export function percentileInterval(r: BootstrapResult, level: number): { lo: number; hi: number } {
  if (r.sorted.length === 0) throw new RangeError('bootstrap: the statistic was undefined on every resample');
  const tail = (1 - level) / 2;
  return { lo: percentile(r.sorted, tail), hi: percentile(r.sorted, 1 - tail) };
}
