import { pearson } from '../metrics/stats.ts';
import { bootstrapSeeds, percentileInterval } from './bootstrap.ts';
import { firstDifferences, summarise, type SeedSummary } from './summary.ts';

// Correlation with uncertainty (PROTOCOL.md Part 2). Pearson r over the per-level means and its
// p-value treat the levels as independent samples, which they are not (each level retrains from
// the previous mask), so they are descriptive. Inference runs over seeds: one r per seed, and a
// bootstrap of the seed list for the Part 1 r. r on first differences removes the shared trend
// (both series fall as pruning proceeds) and asks whether level-to-level changes co-move.

/** One seed's per-level series (levels 0, 1, 2, ... in order). */
export interface SeedSeries {
  seed: number;
  x: number[];
  y: number[];
}

export interface BootstrapSettings {
  resamples: number;
  minSeeds: number;
  streamSeed: number;
}

export interface CorrelationInference {
  /** r of each seed over its levels, summarised over seeds (null when no seed's r is defined). */
  perSeed: { values: Array<{ seed: number; r: number | null }>; summary: SeedSummary | null };
  /** 95% percentile bootstrap interval of the Part 1 r; null with fewer than minSeeds seeds. */
  bootstrap: { lo95: number; hi95: number; resamples: number; undefinedCount: number } | null;
  /** Why `bootstrap` is null. */
  bootstrapSkipped?: string;
  /** Pearson r of Δx vs Δy between adjacent levels of the per-level means; p descriptive. */
  firstDifferences: { r: number; p: number; n: number } | null;
}

/** Per-level means over seeds (every seed must have the same number of levels). */
export function levelMeans(series: readonly SeedSeries[], pick: (s: SeedSeries) => number[]): number[] {
  const levels = pick(series[0]).length;
  if (series.some((s) => pick(s).length !== levels)) throw new RangeError('correlation: seeds have different numbers of levels');
  return Array.from({ length: levels }, (_, l) => series.reduce((a, s) => a + pick(s)[l], 0) / series.length);
}

const defined = <T>(f: () => T): T | null => {
  try {
    return f();
  } catch {
    return null;
  }
};

/** Part 1's r recomputed on the per-level means of the given seeds (ids may repeat). */
export function meanSeriesR(bySeed: Map<number, SeedSeries>, ids: readonly number[]): number {
  const chosen = ids.map((id) => bySeed.get(id)!);
  return pearson(levelMeans(chosen, (s) => s.x), levelMeans(chosen, (s) => s.y)).r;
}

/**
 * A t-interval of the mean of a few r values can reach past ±1 (2 seeds with r = -0.2 and -0.6
 * give about [-3.1, 1.9]); a correlation cannot, so the bounds are cut to [-1, 1]. The cut bound
 * still says "the seeds cannot tell": it is the whole range on that side.
 */
function clampToCorrelation(s: SeedSummary): SeedSummary {
  const cut = (v: number | null) => (v === null ? null : Math.max(-1, Math.min(1, v)));
  return { ...s, lo95: cut(s.lo95), hi95: cut(s.hi95) };
}

export function correlationInference(series: readonly SeedSeries[], boot: BootstrapSettings): CorrelationInference {
  if (series.length === 0) throw new RangeError('correlation: no seeds');
  const values = [...series].sort((a, b) => a.seed - b.seed).map((s) => ({ seed: s.seed, r: defined(() => pearson(s.x, s.y).r) }));
  const rs = values.map((v) => v.r).filter((r): r is number => r !== null);
  const perSeed = { values, summary: rs.length ? clampToCorrelation(summarise(rs)) : null };
  const dx = firstDifferences(levelMeans(series, (s) => s.x));
  const dy = firstDifferences(levelMeans(series, (s) => s.y));
  const fd = defined(() => pearson(dx, dy));
  const firstDiff = fd ? { r: fd.r, p: fd.p, n: dx.length } : null;
  if (series.length < boot.minSeeds) {
    return { perSeed, bootstrap: null, bootstrapSkipped: `${series.length} seed${series.length === 1 ? '' : 's'}; the bootstrap needs at least ${boot.minSeeds}`, firstDifferences: firstDiff };
  }
  const bySeed = new Map(series.map((s) => [s.seed, s]));
  const res = bootstrapSeeds([...bySeed.keys()], boot.resamples, boot.streamSeed, (ids) => meanSeriesR(bySeed, ids));
  const { lo, hi } = percentileInterval(res, 0.95);
  return { perSeed, bootstrap: { lo95: lo, hi95: hi, resamples: res.resamples, undefinedCount: res.undefinedCount }, firstDifferences: firstDiff };
}
