import { AGGREGATED_METRICS, type LevelAggregate, type LevelMetrics, type SeedResult } from '../results/types.ts';
import { summarise, type SeedSummary } from '../statistics/summary.ts';

/**
 * The per-seed values of one quantity at every level: `pick` reads it from a seed's metrics at
 * a level (e.g. m => m.meanIoU, or m => m.methods?.gradcam?.localisation.auc for Part 2), and the
 * result is one SeedSummary per level. This is the one aggregation every table, CSV and claim uses.
 */
export function summariseLevels(seeds: readonly SeedResult[], pick: (m: LevelMetrics) => number): SeedSummary[] {
  const levels = seeds[0]?.levels.length ?? 0;
  if (seeds.some((s) => s.levels.length !== levels)) throw new Error('aggregate: seeds have different numbers of levels');
  return Array.from({ length: levels }, (_, l) => summarise(seeds.map((s) => pick(s.levels[l]))));
}

/** Per-level aggregates over seeds. Ties can prune more weights in one seed than another, so
 * remaining weights and density are means too. */
export function aggregateLevels(seeds: readonly SeedResult[]): LevelAggregate[] {
  const levels = seeds[0]?.levels.length ?? 0;
  const out: LevelAggregate[] = [];
  for (let l = 0; l < levels; l++) {
    const at = seeds.map((s) => s.levels[l]);
    if (at.some((m) => m === undefined || m.level !== l)) throw new Error(`aggregate: seeds disagree on the order of levels at index ${l}`);
    const pick = (k: keyof LevelMetrics) => summarise(at.map((m) => m[k] as number));
    const metrics = Object.fromEntries(AGGREGATED_METRICS.map((k) => [k, pick(k)])) as Pick<LevelAggregate, (typeof AGGREGATED_METRICS)[number]>;
    out.push({ level: l, remainingWeights: Math.round(pick('remainingWeights').mean), density: pick('density').mean, ...metrics });
  }
  return out;
}
