import { holm } from '../metrics/holm.ts';
import { pearson, spearman } from '../metrics/stats.ts';
import { THESIS } from '../protocol/builtin.ts';
import { correlationInference, type BootstrapSettings } from '../statistics/correlation.ts';
import { mean, type SeedSummary } from '../statistics/summary.ts';
import { formatTable } from '../audit/table.ts';
import type { ReportPredicate } from '../report/types.ts';
import { METRIC_LABELS, SOURCE_LABELS, SOURCE_METRICS, aggregateSources, metricOf, scoresOf, type SourceMetric } from './sources.ts';

// The method x metric table of PROTOCOL.md Part 2: for every explainer and every metric, how the
// per-level mean metric follows the per-level mean clean accuracy. Pearson r and Spearman rho
// over the levels are descriptive (the levels of a run are not independent samples); their
// p-values are Holm-adjusted over the whole table, one family per coefficient (every method x
// metric cell). Inference is over seeds: per-seed r with its t-interval and, with at least
// minBootstrapSeeds seeds, the percentile bootstrap of the seed list (src/statistics/correlation).
// Beside each metric: the model-free baselines' mean scores (level 0 and over levels), since a
// metric on which a baseline matches the explainers cannot tell an explanation from none.

export interface MethodMetricCell {
  method: string;
  metric: SourceMetric;
  /** The method's mean score at level 0 and averaged over the levels' means (null: never scored). */
  level0: number | null;
  overLevels: number | null;
  /** Levels where every seed has a value (the correlation runs over these). */
  levels: number;
  pearson: { r: number; p: number; pHolm: number } | null;
  spearman: { rho: number; p: number; pHolm: number } | null;
  perSeed: SeedSummary | null;
  bootstrap: { lo95: number; hi95: number; resamples: number; undefinedCount: number } | null;
  bootstrapSkipped?: string;
  /** Why pearson/spearman are null (too few levels, a constant series). */
  undefinedReason?: string;
}

export interface BaselineScore {
  baseline: string;
  metric: SourceMetric;
  level0: number | null;
  overLevels: number | null;
}

export interface MethodMetricTable {
  metrics: SourceMetric[];
  methods: string[];
  baselineNames: string[];
  cells: MethodMetricCell[];
  baselines: BaselineScore[];
  /** Holm family sizes: how many Pearson and Spearman p-values were adjusted together. */
  holmFamily: { pearson: number; spearman: number };
  note: string;
}

const NOTE =
  'r and rho over the per-level means across levels, p Holm-adjusted over every method x metric cell (one family per coefficient): descriptive, the levels are not independent samples. ' +
  'Inference is over seeds: the per-seed r with its 95% t-interval, and the bootstrap of the seed list when there are enough seeds. Baseline rows: model-free heatmaps (no correlation: they do not depend on the network).';

const attempt = <T>(f: () => T): T | { error: string } => {
  try {
    return f();
  } catch (e) {
    return { error: (e as Error).message };
  }
};
const isError = (v: unknown): v is { error: string } => typeof v === 'object' && v !== null && 'error' in v;

function bootSettings(p: Pick<ReportPredicate, 'protocol'>): BootstrapSettings {
  const stats = p.protocol.statistics ?? THESIS.statistics;
  return { resamples: stats.bootstrapResamples, minSeeds: stats.minBootstrapSeeds, streamSeed: stats.bootstrapSeed };
}

/** A source's mean score at level 0 and the mean of its per-level means (levels where it was scored). */
function levelScores(levelMeans: Array<number | null>): { level0: number | null; overLevels: number | null } {
  const defined = levelMeans.filter((v): v is number => v !== null);
  return { level0: levelMeans[0] ?? null, overLevels: defined.length ? mean(defined) : null };
}

/** The table for a report's seeds (every explainer present at every level of every seed). */
export function methodMetricTable(p: Pick<ReportPredicate, 'seeds' | 'protocol'>): MethodMetricTable {
  const seeds = [...p.seeds].sort((a, b) => a.seed - b.seed);
  const boot = bootSettings(p);
  const aggregates = aggregateSources(seeds);
  const explainers = aggregates.filter((a) => a.kind === 'explainer');
  const baselineAggs = aggregates.filter((a) => a.kind === 'baseline');
  const cells: MethodMetricCell[] = [];
  const raw: Array<{ pr: number | null; ps: number | null }> = [];
  for (const metric of SOURCE_METRICS) {
    for (const agg of explainers) {
      const means = agg.levels.map((l) => l.metrics[metric]?.mean ?? null);
      const scores = levelScores(means);
      // The levels where every seed has the metric: the per-seed and mean series share them.
      const common = seeds[0]?.levels.map((_, l) => l).filter((l) => seeds.every((s) => metricOf(scoresOf(s.levels[l], agg), metric) !== null)) ?? [];
      const series = seeds.map((s) => ({ seed: s.seed, x: common.map((l) => s.levels[l].cleanAccuracy), y: common.map((l) => metricOf(scoresOf(s.levels[l], agg), metric)!) }));
      const x = common.map((l) => mean(seeds.map((s) => s.levels[l].cleanAccuracy)));
      const y = common.map((l) => mean(series.map((s) => s.y[common.indexOf(l)])));
      const cell: MethodMetricCell = { method: agg.name, metric, ...scores, levels: common.length, pearson: null, spearman: null, perSeed: null, bootstrap: null };
      const pr = attempt(() => pearson(x, y));
      const sr = attempt(() => spearman(x, y));
      if (isError(pr)) cell.undefinedReason = pr.error;
      if (common.length >= 3 && seeds.length > 0) {
        const inf = attempt(() => correlationInference(series, boot));
        if (!isError(inf)) {
          cell.perSeed = inf.perSeed.summary;
          cell.bootstrap = inf.bootstrap;
          if (inf.bootstrapSkipped) cell.bootstrapSkipped = inf.bootstrapSkipped;
        } else cell.bootstrapSkipped = inf.error;
      }
      raw.push({ pr: isError(pr) ? null : pr.p, ps: isError(sr) ? null : sr.p });
      if (!isError(pr)) cell.pearson = { r: pr.r, p: pr.p, pHolm: Number.NaN };
      if (!isError(sr)) cell.spearman = { rho: sr.rho, p: sr.p, pHolm: Number.NaN };
      cells.push(cell);
    }
  }
  const adjust = (pick: (i: number) => number | null, set: (i: number, v: number) => void): number => {
    const idx = raw.map((_, i) => i).filter((i) => pick(i) !== null);
    const adjusted = holm(idx.map((i) => pick(i)!));
    idx.forEach((i, k) => set(i, adjusted[k]));
    return idx.length;
  };
  const pearsonFamily = adjust((i) => raw[i].pr, (i, v) => (cells[i].pearson!.pHolm = v));
  const spearmanFamily = adjust((i) => raw[i].ps, (i, v) => (cells[i].spearman!.pHolm = v));
  const baselines: BaselineScore[] = SOURCE_METRICS.flatMap((metric) =>
    baselineAggs.map((agg) => ({ baseline: agg.name, metric, ...levelScores(agg.levels.map((l) => l.metrics[metric]?.mean ?? null)) })),
  );
  // A metric no source has (e.g. softIoUNonZero in a report written before it) is left out.
  const present = SOURCE_METRICS.filter((m) => cells.some((c) => c.metric === m && c.level0 !== null) || baselines.some((b) => b.metric === m && b.level0 !== null));
  return {
    metrics: present,
    methods: explainers.map((e) => e.name),
    baselineNames: baselineAggs.map((b) => b.name),
    cells,
    baselines,
    holmFamily: { pearson: pearsonFamily, spearman: spearmanFamily },
    note: NOTE,
  };
}

const num = (v: number | null | undefined, digits = 3): string => (v === null || v === undefined || !Number.isFinite(v) ? '—' : v.toFixed(digits));
const pText = (v: number | null | undefined): string => (v === null || v === undefined || !Number.isFinite(v) ? '—' : v === 0 ? '0' : v < 1e-3 ? v.toExponential(1) : v.toPrecision(2));

/** The cells of one row of the table, as text (shared by the audit's text table and report.html). */
export function cellTexts(c: MethodMetricCell): { r: string; perSeed: string; bootstrap: string; rho: string; pR: string; pRho: string } {
  const ps = c.perSeed;
  return {
    r: num(c.pearson?.r),
    perSeed: ps ? `${num(ps.mean)}${ps.lo95 === null ? ' (n 1)' : ` [${num(ps.lo95)}, ${num(ps.hi95)}]`}` : '—',
    bootstrap: c.bootstrap ? `[${num(c.bootstrap.lo95)}, ${num(c.bootstrap.hi95)}]` : '—',
    rho: num(c.spearman?.rho),
    pR: c.pearson ? `${pText(c.pearson.p)} / ${pText(c.pearson.pHolm)}` : '—',
    pRho: c.spearman ? `${pText(c.spearman.p)} / ${pText(c.spearman.pHolm)}` : '—',
  };
}

export const TABLE_HEADER = ['metric', 'source', 'level 0', 'mean over levels', 'levels', 'r', 'per-seed r [95% t]', 'bootstrap 95%', 'rho', 'p(r) raw / Holm', 'p(rho) raw / Holm'];

/** Rows grouped by metric: every explainer, then every baseline (scores only). */
export function tableRows(t: MethodMetricTable): string[][] {
  const rows: string[][] = [];
  for (const metric of t.metrics) {
    for (const c of t.cells.filter((x) => x.metric === metric)) {
      const x = cellTexts(c);
      rows.push([metric, c.method, num(c.level0), num(c.overLevels), String(c.levels), x.r, x.perSeed, x.bootstrap, x.rho, x.pR, x.pRho]);
    }
    for (const b of t.baselines.filter((x) => x.metric === metric)) rows.push([metric, b.baseline, num(b.level0), num(b.overLevels), '—', '—', '—', '—', '—', '—', '—']);
  }
  return rows;
}

/** The table as plain text (`prunecam audit`). */
export function formatMethodMetricTable(t: MethodMetricTable): string {
  if (t.cells.length === 0) return 'method x metric table: the report has no per-method scores (written before PROTOCOL.md Part 2)';
  const skipped = t.cells.find((c) => c.bootstrapSkipped?.includes('needs at least'))?.bootstrapSkipped;
  const lines = [
    'Method x metric: correlation of per-level mean clean accuracy with each per-level mean metric (descriptive, not thesis claims)',
    formatTable(TABLE_HEADER, tableRows(t)),
    `note: ${t.note} Holm families: ${t.holmFamily.pearson} Pearson and ${t.holmFamily.spearman} Spearman p-values.`,
  ];
  if (skipped) lines.push(`note: bootstrap not computed: ${skipped}`);
  lines.push(`metrics: ${t.metrics.map((m) => `${m} = ${METRIC_LABELS[m]}`).join('; ')}; sources: ${[...t.methods, ...t.baselineNames].map((s) => `${s} = ${SOURCE_LABELS[s] ?? s}`).join('; ')}`);
  return lines.join('\n');
}
