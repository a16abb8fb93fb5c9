import { summarise } from '../statistics/summary.ts';
import type { LevelMetrics, ReportPredicate } from '../report/types.ts';

// The plotted series of the report figures, in long form (one row per level and series):
// the level's mean over seeds from the predicate's aggregate, and the 95% t-interval of that
// mean computed from the seeds' own values, which the figures draw as a band. (A min..max band
// grows with the number of seeds; the interval shrinks, as the uncertainty of the mean does.)
// With one seed there is no interval and the band collapses onto the line.

export const SERIES = {
  clean: 'Clean accuracy',
  noisy: 'Noisy accuracy (dashed)',
  iou: 'Mean IoU',
} as const;
export type SeriesName = (typeof SERIES)[keyof typeof SERIES];

export interface FigureRow {
  level: number;
  /** Density in percent (100 .. ~0.09); a log axis needs it > 0. */
  densityPct: number;
  series: SeriesName;
  /** Accuracies in percent, IoU as a fraction. */
  mean: number;
  /** 95% t-interval of the mean over seeds (= mean with one seed). */
  lo: number;
  hi: number;
}

function finite(v: unknown, what: string): number {
  if (typeof v !== 'number' || !Number.isFinite(v)) throw new RangeError(`figures: ${what} is ${String(v)}, not a finite number`);
  return v;
}

/** The rows of every series, ordered by level. Throws when seeds and aggregate disagree. */
export function figureRows(p: ReportPredicate): FigureRow[] {
  if (!Array.isArray(p.aggregate) || p.aggregate.length === 0) throw new RangeError('figures: the predicate has no aggregate levels to plot');
  if (!Array.isArray(p.seeds) || p.seeds.length === 0) throw new RangeError('figures: the predicate has no seed results');
  const seedLevels = p.seeds.map((s) => new Map<number, LevelMetrics>((s.levels ?? []).map((m) => [m.level, m])));
  const rows: FigureRow[] = [];
  const sorted = [...p.aggregate].sort((a, b) => a.level - b.level);
  for (const agg of sorted) {
    const level = finite(agg.level, 'an aggregate level number');
    const densityPct = 100 * finite(agg.density, `density of level ${level}`);
    const perSeed = seedLevels.map((m, i) => {
      const metrics = m.get(level);
      if (!metrics) throw new RangeError(`figures: seed ${p.seeds[i].seed} has no metrics for level ${level}, which the aggregate has`);
      return metrics;
    });
    const series = (name: SeriesName, mean: number, pick: (m: LevelMetrics) => number, factor: number, key: string): FigureRow => {
      const values = perSeed.map((m, i) => factor * finite(pick(m), `seed ${p.seeds[i].seed} level ${level} ${key}`));
      const s = summarise(values);
      const m = factor * finite(mean, `aggregate level ${level} ${key} mean`);
      // Clipped to the metric's range: with 2 seeds t(0.975, 1) = 12.7 can reach past 0 or 100%.
      return { level, densityPct, series: name, mean: m, lo: Math.max(0, s.lo95 ?? m), hi: Math.min(factor, s.hi95 ?? m) };
    };
    rows.push(
      series(SERIES.clean, agg.cleanAccuracy?.mean, (m) => m.cleanAccuracy, 100, 'cleanAccuracy'),
      series(SERIES.noisy, agg.noisyAccuracy?.mean, (m) => m.noisyAccuracy, 100, 'noisyAccuracy'),
      series(SERIES.iou, agg.meanIoU?.mean, (m) => m.meanIoU, 1, 'meanIoU'),
    );
  }
  return rows;
}

/** "mnist", or e.g. "mnist-embedded (10,000-image subset)"; protocol image limits are named too. */
export function datasetLabel(p: ReportPredicate): string {
  const n = (v: number): string => v.toLocaleString('en-US');
  const d = p.dataset;
  const parts: string[] = [];
  if (d.subset) parts.push(`${n(d.trainImages + d.testImages)}-image subset`);
  const limits = p.protocol?.dataset;
  if (limits?.trainLimit != null) parts.push(`first ${n(limits.trainLimit)} training images`);
  if (limits?.testLimit != null) parts.push(`first ${n(limits.testLimit)} test images`);
  return parts.length ? `${d.name} (${parts.join(', ')})` : d.name;
}
