import { AGGREGATED_METRICS, type LevelAggregate, type LevelMetrics } from '../results/types.ts';
import type { SeedSummary } from '../statistics/summary.ts';
import { writeFileAtomic } from '../store/atomic.ts';

// The run's tables as plain CSV (a header row, no comment lines, so any CSV reader takes them
// as they are; what run and data they belong to is in protocol.json and report.json beside them).

const COLUMNS: Array<keyof LevelMetrics> = ['level', 'remainingWeights', 'density', 'cleanAccuracy', 'noisyAccuracy', 'meanIoU', 'heatmapMean', 'heatmapStd', 'zeroHeatmaps', 'nonFiniteHeatmaps', 'finalTrainLoss', 'wallTimeS'];

export const LEVELS_CSV = 'levels.csv';
export const AGGREGATE_CSV = 'aggregate.csv';

/** The per-seed CSV: one row per seed and level, sorted; rewritten whole as levels finish. */
export function levelsCsv(rows: ReadonlyArray<{ seed: number; metrics: LevelMetrics }>): string {
  const sorted = [...rows].sort((a, b) => a.seed - b.seed || a.metrics.level - b.metrics.level);
  const lines = [['seed', ...COLUMNS].join(',')];
  for (const r of sorted) lines.push([r.seed, ...COLUMNS.map((c) => String(r.metrics[c]))].join(','));
  return `${lines.join('\n')}\n`;
}

export function writeLevelsCsv(path: string, rows: ReadonlyArray<{ seed: number; metrics: LevelMetrics }>): void {
  writeFileAtomic(path, levelsCsv(rows));
}

const cell = (v: number | null): string => (v === null ? '' : String(v));
const SUMMARY_FIELDS = ['mean', 'sd', 'n', 'lo95', 'hi95'] as const;

/**
 * The aggregate CSV: one row per level and heatmap source (`method`; Grad-CAM++, the Part 1
 * method, until Part 2 results add others), each metric as mean, sd, n and the 95% t-interval
 * bounds (empty with one seed). Extra rows (other methods) reuse the same columns.
 */
export function aggregateCsv(levels: readonly LevelAggregate[], extra: ReadonlyArray<{ level: number; method: string; metrics: Partial<Record<(typeof AGGREGATED_METRICS)[number], SeedSummary>> }> = []): string {
  const header = ['level', 'method', 'remainingWeights', 'density', ...AGGREGATED_METRICS.flatMap((m) => SUMMARY_FIELDS.map((f) => `${m}_${f}`))];
  const row = (level: number, method: string, remaining: number | null, density: number | null, metrics: Partial<Record<(typeof AGGREGATED_METRICS)[number], SeedSummary>>) =>
    [String(level), method, cell(remaining), cell(density), ...AGGREGATED_METRICS.flatMap((m) => SUMMARY_FIELDS.map((f) => (metrics[m] ? cell(metrics[m]![f]) : '')))].join(',');
  const lines = [header.join(',')];
  for (const a of levels) lines.push(row(a.level, 'gradcampp', a.remainingWeights, a.density, a));
  for (const e of extra) lines.push(row(e.level, e.method, null, null, e.metrics));
  return `${lines.join('\n')}\n`;
}

export function writeAggregateCsv(path: string, levels: readonly LevelAggregate[]): void {
  writeFileAtomic(path, aggregateCsv(levels));
}
