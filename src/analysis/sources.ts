import { summarise, type SeedSummary } from '../statistics/summary.ts';
import {
  BASELINE_NAMES,
  EXPLAINER_NAMES,
  LOCALISATION_METRIC_NAMES,
  type HeatmapScores,
  type LevelMetrics,
  type SeedResult,
} from '../results/types.ts';

// Part 2's heatmap sources (every explainer and model-free baseline) and their per-level scores
// over seeds. A seed whose value is null at a level (nothing scored: every heatmap non-finite or
// all zero) is left out of that level's n; a level where no seed has a value has no summary.

/** The metrics every source is aggregated and correlated on: the six localisation metrics, soft IoU without all-zero maps, deletion AUC. */
export const SOURCE_METRICS = [...LOCALISATION_METRIC_NAMES, 'softIoUNonZero', 'deletionAuc'] as const;
export type SourceMetric = (typeof SOURCE_METRICS)[number];

/** Short labels for tables and figures. */
export const METRIC_LABELS: Record<SourceMetric, string> = {
  softIoU: 'soft IoU',
  pointingGame: 'pointing game',
  relevanceMass: 'relevance mass',
  relevanceRank: 'relevance rank',
  topKIntersection: 'top-k intersection',
  auc: 'AUC',
  softIoUNonZero: 'soft IoU, non-zero maps',
  deletionAuc: 'deletion AUC (lower better)',
};

export const SOURCE_LABELS: Record<string, string> = {
  gradcampp: 'Grad-CAM++',
  gradcam: 'Grad-CAM',
  hirescam: 'HiResCAM',
  xgradcam: 'XGrad-CAM',
  layercam: 'LayerCAM',
  gradcamelementwise: 'element-wise Grad-CAM',
  randomcam: 'RandomCAM (null)',
  input: 'baseline: input',
  centre: 'baseline: centre',
  uniform: 'baseline: uniform',
};

export type SourceKind = 'explainer' | 'baseline';
export interface Source {
  kind: SourceKind;
  name: string;
}

/** One metric of one source's scores (null: not scored, or absent from an older report). */
export function metricOf(scores: HeatmapScores | undefined, metric: SourceMetric): number | null {
  if (!scores) return null;
  const v = metric === 'deletionAuc' ? scores.deletionAuc : metric === 'softIoUNonZero' ? scores.softIoUNonZero : scores.localisation[metric];
  return typeof v === 'number' && Number.isFinite(v) ? v : null;
}

export function scoresOf(m: LevelMetrics, source: Source): HeatmapScores | undefined {
  const map = (source.kind === 'explainer' ? m.methods : m.baselines) as Record<string, HeatmapScores> | undefined;
  return map?.[source.name];
}

/** The sources present at every level of every seed, explainers then baselines, in registry order. */
export function sourcesOf(seeds: readonly SeedResult[]): Source[] {
  const all = seeds.flatMap((s) => s.levels);
  if (all.length === 0) return [];
  const everywhere = (kind: SourceKind, name: string) => all.every((m) => scoresOf(m, { kind, name }) !== undefined);
  return [
    ...EXPLAINER_NAMES.filter((n) => everywhere('explainer', n)).map((name) => ({ kind: 'explainer' as const, name })),
    ...BASELINE_NAMES.filter((n) => everywhere('baseline', n)).map((name) => ({ kind: 'baseline' as const, name })),
  ];
}

/** Per level, the summary over the seeds whose value is defined (null where none is). */
export function summariseDefined(seeds: readonly SeedResult[], pick: (m: LevelMetrics) => number | null): Array<SeedSummary | null> {
  const levels = seeds[0]?.levels.length ?? 0;
  if (seeds.some((s) => s.levels.length !== levels)) throw new Error('aggregate: seeds have different numbers of levels');
  return Array.from({ length: levels }, (_, l) => {
    const values = seeds.map((s) => pick(s.levels[l])).filter((v): v is number => v !== null);
    return values.length ? summarise(values) : null;
  });
}

export interface SourceAggregate extends Source {
  /** One entry per level (index = level): each metric's summary over seeds, null when no seed scored it. */
  levels: Array<{ level: number; metrics: Record<SourceMetric, SeedSummary | null> }>;
}

/** Every source's per-level summaries of every SOURCE_METRIC over seeds. */
export function aggregateSources(seeds: readonly SeedResult[]): SourceAggregate[] {
  const levels = seeds[0]?.levels.length ?? 0;
  return sourcesOf(seeds).map((source) => {
    const byMetric = Object.fromEntries(SOURCE_METRICS.map((k) => [k, summariseDefined(seeds, (m) => metricOf(scoresOf(m, source), k))])) as Record<SourceMetric, Array<SeedSummary | null>>;
    return {
      ...source,
      levels: Array.from({ length: levels }, (_, l) => ({
        level: seeds[0].levels[l].level,
        metrics: Object.fromEntries(SOURCE_METRICS.map((k) => [k, byMetric[k][l]])) as Record<SourceMetric, SeedSummary | null>,
      })),
    };
  });
}
