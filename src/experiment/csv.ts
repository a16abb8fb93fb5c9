import { aggregateSources, metricOf, scoresOf, SOURCE_METRICS, summariseDefined, type SourceMetric } from '../analysis/sources.ts';
import { AGGREGATED_METRICS, BASELINE_NAMES, EXPLAINER_NAMES, type AggregatedMetric, type HeatmapScores, type LevelAggregate, type LevelMetrics, type SeedResult } from '../results/types.ts';
import type { SeedSummary } from '../statistics/summary.ts';
import { writeFileAtomic } from '../store/atomic.ts';

// The run's tables as plain CSV (a header row, no comment lines, so any CSV reader takes them
// as they are; what run and data they belong to is in protocol.json and report.json beside them).

// levels.csv is long: one row per seed, level and heatmap source (every explainer and baseline;
// a level without Part 2 scores gives one Grad-CAM++ row from the Part 1 fields). The level's own
// columns (weights, accuracies, loss, time) repeat on each of its rows; `kind` is explainer or
// baseline. Grad-CAM++'s softIoU is Part 1's mean IoU.
const LEVEL_COLUMNS: Array<keyof LevelMetrics> = ['remainingWeights', 'density', 'cleanAccuracy', 'noisyAccuracy', 'finalTrainLoss', 'wallTimeS'];
const SCORE_COLUMNS = [...SOURCE_METRICS, 'deletionExcluded', 'heatmapMean', 'heatmapStd', 'zeroHeatmaps', 'nonFiniteHeatmaps'] as const;

export const LEVELS_CSV = 'levels.csv';
export const AGGREGATE_CSV = 'aggregate.csv';
export const LEVELS_CSV_HEADER = ['seed', 'level', 'method', 'kind', ...LEVEL_COLUMNS, ...SCORE_COLUMNS];

function scoreCells(h: HeatmapScores): string[] {
  return SCORE_COLUMNS.map((c) => {
    if ((SOURCE_METRICS as readonly string[]).includes(c)) return cell(metricOf(h, c as SourceMetric));
    return cell(h[c as 'deletionExcluded' | 'heatmapMean' | 'heatmapStd' | 'zeroHeatmaps' | 'nonFiniteHeatmaps']);
  });
}

/** Part 1's fields as Grad-CAM++'s scores, for levels written before Part 2. */
function part1Scores(m: LevelMetrics): string[] {
  const v: Record<string, number> = { softIoU: m.meanIoU, heatmapMean: m.heatmapMean, heatmapStd: m.heatmapStd, zeroHeatmaps: m.zeroHeatmaps, nonFiniteHeatmaps: m.nonFiniteHeatmaps };
  return SCORE_COLUMNS.map((c) => (c in v ? String(v[c]) : ''));
}

/** The per-seed CSV: one row per seed, level and heatmap source, sorted by seed and level; rewritten whole as levels finish. */
export function levelsCsv(rows: ReadonlyArray<{ seed: number; metrics: LevelMetrics }>): string {
  const sorted = [...rows].sort((a, b) => a.seed - b.seed || a.metrics.level - b.metrics.level);
  const lines = [LEVELS_CSV_HEADER.join(',')];
  for (const r of sorted) {
    const m = r.metrics;
    const head = (name: string, kind: string) => [String(r.seed), String(m.level), name, kind, ...LEVEL_COLUMNS.map((c) => String(m[c]))];
    const sources = [
      ...EXPLAINER_NAMES.filter((n) => m.methods?.[n]).map((n) => ({ name: n as string, kind: 'explainer', scores: m.methods![n]! })),
      ...BASELINE_NAMES.filter((n) => m.baselines?.[n]).map((n) => ({ name: n as string, kind: 'baseline', scores: m.baselines![n]! })),
    ];
    if (sources.length === 0) lines.push([...head('gradcampp', 'explainer'), ...part1Scores(m)].join(','));
    for (const s of sources) lines.push([...head(s.name, s.kind), ...scoreCells(s.scores)].join(','));
  }
  return `${lines.join('\n')}\n`;
}

export function writeLevelsCsv(path: string, rows: ReadonlyArray<{ seed: number; metrics: LevelMetrics }>): void {
  writeFileAtomic(path, levelsCsv(rows));
}

const cell = (v: number | null | undefined): string => (v === null || v === undefined ? '' : String(v));
const SUMMARY_FIELDS = ['mean', 'sd', 'n', 'lo95', 'hi95'] as const;
/** Part 2 columns of aggregate.csv beside Part 1's (heatmapMean/Std, zero and non-finite counts share Part 1's columns). */
const PART2_AGGREGATE = [...SOURCE_METRICS, 'deletionExcluded'] as const;
type Part2Aggregate = (typeof PART2_AGGREGATE)[number];
type ExtraMetrics = Partial<Record<AggregatedMetric | Part2Aggregate, SeedSummary | null>>;

export interface ExtraAggregateRow {
  level: number;
  method: string;
  kind: 'explainer' | 'baseline';
  metrics: ExtraMetrics;
}

/**
 * The aggregate CSV: one row per level for Part 1 (method gradcampp, kind part1: Part 1's columns
 * as they were), then one row per level and heatmap source (every explainer and baseline, kind
 * explainer or baseline) with the Part 2 metrics; each metric as mean, sd, n and the 95%
 * t-interval bounds (empty with one seed; n counts the seeds where the metric was defined).
 */
export function aggregateCsv(levels: readonly LevelAggregate[], extra: readonly ExtraAggregateRow[] = []): string {
  const all = [...AGGREGATED_METRICS, ...PART2_AGGREGATE];
  const header = ['level', 'method', 'remainingWeights', 'density', ...all.flatMap((m) => SUMMARY_FIELDS.map((f) => `${m}_${f}`)), 'kind'];
  const row = (level: number, method: string, remaining: number | null, density: number | null, metrics: ExtraMetrics, kind: string) =>
    [String(level), method, cell(remaining), cell(density), ...all.flatMap((m) => SUMMARY_FIELDS.map((f) => (metrics[m] ? cell(metrics[m]![f]) : ''))), kind].join(',');
  const lines = [header.join(',')];
  for (const a of levels) lines.push(row(a.level, 'gradcampp', a.remainingWeights, a.density, a, 'part1'));
  const byLevel = new Map(levels.map((a) => [a.level, a]));
  for (const e of [...extra].sort((a, b) => a.level - b.level)) lines.push(row(e.level, e.method, byLevel.get(e.level)?.remainingWeights ?? null, byLevel.get(e.level)?.density ?? null, e.metrics, e.kind));
  return `${lines.join('\n')}\n`;
}

/** aggregate.csv's Part 2 rows from the seeds: every source's per-level summaries. */
export function sourceAggregateRows(seeds: readonly SeedResult[]): ExtraAggregateRow[] {
  const shared = ['heatmapMean', 'heatmapStd', 'zeroHeatmaps', 'nonFiniteHeatmaps', 'deletionExcluded'] as const;
  return aggregateSources(seeds).flatMap((src) =>
    src.levels.map((l, i) => {
      const more = Object.fromEntries(
        shared.map((k) => [k, summariseDefined(seeds, (m) => { const v = scoresOf(m, src)?.[k]; return typeof v === 'number' && Number.isFinite(v) ? v : null; })[i]]),
      );
      return { level: l.level, method: src.name, kind: src.kind, metrics: { ...l.metrics, ...more } };
    }),
  );
}

export function writeAggregateCsv(path: string, levels: readonly LevelAggregate[], seeds: readonly SeedResult[] = []): void {
  writeFileAtomic(path, aggregateCsv(levels, sourceAggregateRows(seeds)));
}
