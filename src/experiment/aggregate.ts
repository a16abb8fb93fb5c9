import type { LevelAggregate, LevelMetrics, MeanStd, SeedResult } from '../results/types.ts';

/** Mean and sample standard deviation (n-1; 0 for a single value). */
export function meanStd(xs: number[]): MeanStd {
  const n = xs.length;
  const mean = xs.reduce((a, b) => a + b, 0) / n;
  const std = n > 1 ? Math.sqrt(xs.reduce((a, b) => a + (b - mean) ** 2, 0) / (n - 1)) : 0;
  return { mean, std };
}

/** Per-level aggregates over seeds. Ties can prune more weights in one seed than another, so
 * remaining weights and density are means too. */
export function aggregateLevels(seeds: SeedResult[]): LevelAggregate[] {
  const levels = seeds[0]?.levels.length ?? 0;
  const out: LevelAggregate[] = [];
  for (let l = 0; l < levels; l++) {
    const at = seeds.map((s) => s.levels[l]);
    if (at.some((m) => m.level !== l)) throw new Error(`aggregate: seeds disagree on the order of levels at index ${l}`);
    const pick = (k: keyof LevelMetrics) => meanStd(at.map((m) => m[k] as number));
    out.push({
      level: l,
      remainingWeights: Math.round(pick('remainingWeights').mean),
      density: pick('density').mean,
      cleanAccuracy: pick('cleanAccuracy'),
      noisyAccuracy: pick('noisyAccuracy'),
      meanIoU: pick('meanIoU'),
      heatmapStd: pick('heatmapStd'),
      heatmapMean: pick('heatmapMean'),
      zeroHeatmaps: pick('zeroHeatmaps'),
      nonFiniteHeatmaps: pick('nonFiniteHeatmaps'),
    });
  }
  return out;
}
