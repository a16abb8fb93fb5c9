import { auditReport, auditRows, correlationInferenceOf } from '../audit/audit.ts';
import { loadClaims } from '../audit/claims.ts';
import { methodMetricTable, type MethodMetricTable } from '../analysis/method-metric-table.ts';
import { pairedDifferences } from '../analysis/paired-differences.ts';
import { METRIC_LABELS, SOURCE_LABELS, SOURCE_METRICS, type SourceMetric } from '../analysis/sources.ts';
import type { ReportPredicate, SeedResult } from '../report/types.ts';
import { summarise, type SeedSummary } from '../statistics/summary.ts';
import { randomisationRows } from './figures-part2.ts';
import { densityPercent, duration, fixed, meanInterval, percent, pValue } from './html-format.ts';

// The README's "Results" blocks, rendered from signed reports so the text cannot drift from the
// numbers (spec/published/readme-results.spec.ts re-renders them from the committed reports).
// Each block is a Markdown table or a few sentences of one report (or two, for comparisons);
// src/render/results-template.ts places them, and single numbers, into docs/results-template.md.
// Every interval is a 95% t-interval over seeds unless it says otherwise; a difference is only
// shown with its interval, so the reader sees whether the seeds can tell.

// A report's method × metric table bootstraps every cell; the README quotes it in a block and in
// single values, so it is computed once per (immutable, verified) predicate.
const tables = new WeakMap<ReportPredicate, MethodMetricTable>();
export function methodMetricTableOf(p: ReportPredicate): MethodMetricTable {
  let t = tables.get(p);
  if (!t) tables.set(p, (t = methodMetricTable(p)));
  return t;
}

const row = (cells: readonly string[]) => `| ${cells.map((c) => c.replace(/\|/g, '\\|')).join(' | ')} |`;

/** A Markdown table; an empty body renders as one italic line saying what is missing. */
export function markdownTable(header: readonly string[], rows: readonly (readonly string[])[], empty: string): string {
  if (rows.length === 0) return `*${empty}*`;
  return [row(header), row(header.map(() => '---')), ...rows.map(row)].join('\n');
}

const interval = (s: SeedSummary | null, digits = 3) => (s === null ? 'n/a' : meanInterval(s, 'fraction', digits));
const sortedSeeds = (p: ReportPredicate): SeedResult[] => [...p.seeds].sort((a, b) => a.seed - b.seed);

/** The thesis claims with verdicts, d and 90% intervals (the audit's rows). */
export function claimsBlock(p: ReportPredicate): string {
  const rows = auditRows(auditReport(p, loadClaims()));
  return markdownTable(
    ['claim', 'thesis', 'measured', 'tolerance', 'd', '90% interval of d', 'df / B', 'verdict'],
    rows.map((r) => [r.claim, r.thesis, r.measured, r.tolerance, r.d, r.interval, r.df, r.verdict === 'not reproduced' ? '**not reproduced**' : r.verdict]),
    'no claims',
  );
}

/** Accuracy vs Grad-CAM++ soft IoU across levels: full-sample coefficients, per-seed r, bootstrap, first differences. */
export function correlationBlock(p: ReportPredicate): string {
  const c = p.correlation;
  const inf = correlationInferenceOf(p);
  if (c === null || inf === null) return '*no correlation: too few levels*';
  const boot = inf.bootstrap ? `[${fixed(inf.bootstrap.lo95, 3)}, ${fixed(inf.bootstrap.hi95, 3)}] (${inf.bootstrap.resamples} resamples of the seeds)` : `n/a (${inf.bootstrapSkipped ?? 'not computed'})`;
  const fd = inf.firstDifferences ? `${fixed(inf.firstDifferences.r, 3)} (p = ${pValue(inf.firstDifferences.p)}, n = ${inf.firstDifferences.n}, descriptive)` : 'n/a';
  return markdownTable(
    ['statistic', 'value'],
    [
      [`Pearson r of the ${c.n} per-level means (p, df ${c.pearson.df}; descriptive)`, `${fixed(c.pearson.r, 3)} (p = ${pValue(c.pearson.p)})`],
      ['bootstrap 95% interval of that r', boot],
      [`per-seed r, mean [95% t] over ${inf.perSeed.summary?.n ?? 0} seeds`, interval(inf.perSeed.summary)],
      ['r of the first differences (level to level changes)', fd],
      ['Spearman ρ / Kendall τ-b', `${fixed(c.spearman.rho, 3)} / ${fixed(c.kendall.tau, 3)}`],
    ],
    'no correlation',
  );
}

type LevelKey = 'cleanAccuracy' | 'noisyAccuracy' | 'meanIoU' | 'zeroHeatmaps';

/** A level's metric over the seeds (re-derived from the per-seed values, not the stored aggregate), or null when a seed lacks the level. */
export function levelSummary(p: ReportPredicate, level: number, key: LevelKey): SeedSummary | null {
  const values = p.seeds.map((s) => s.levels.find((l) => l.level === level)?.[key]);
  return values.length && values.every((v): v is number => typeof v === 'number') ? summarise(values) : null;
}

const levelText = (p: ReportPredicate, level: number, key: LevelKey) => {
  const s = levelSummary(p, level, key);
  return s === null ? 'n/a' : meanInterval(s, key === 'meanIoU' ? 'fraction' : 'percent');
};

/** Per-level means with 95% intervals at a few levels (accuracy, noisy accuracy, Grad-CAM++ IoU). */
export function levelsBlock(p: ReportPredicate, levels: readonly number[]): string {
  const rows = p.aggregate
    .filter((a) => levels.includes(a.level))
    .map((a) => [String(a.level), densityPercent(a.density), String(a.remainingWeights), levelText(p, a.level, 'cleanAccuracy'), levelText(p, a.level, 'noisyAccuracy'), levelText(p, a.level, 'meanIoU')]);
  return markdownTable(['level', 'density', 'weights', 'clean accuracy [95%]', 'noisy accuracy [95%]', 'Grad-CAM++ soft IoU [95%]'], rows, 'no levels');
}

/** Per-seed r of each source's per-level metric with accuracy, mean [95% t]; baselines by their level-0 score. */
export function methodsBlock(p: ReportPredicate, metrics: readonly SourceMetric[] = SOURCE_METRICS): string {
  const t = methodMetricTableOf(p);
  if (t.cells.length === 0) return '*this report has no PROTOCOL.md Part 2 scores*';
  const used = metrics.filter((m) => t.metrics.includes(m));
  const cell = (method: string, metric: SourceMetric) => t.cells.find((c) => c.method === method && c.metric === metric);
  const methodRows = t.methods.map((m) => [
    SOURCE_LABELS[m] ?? m,
    ...used.map((metric) => {
      const c = cell(m, metric);
      return c ? `${fixed(c.level0 ?? NaN, 3)}; r ${interval(c.perSeed, 2)}` : 'n/a';
    }),
  ]);
  const baselineRows = t.baselineNames.map((b) => [
    SOURCE_LABELS[b] ?? b,
    ...used.map((metric) => {
      const s = t.baselines.find((x) => x.baseline === b && x.metric === metric);
      return s ? fixed(s.level0 ?? NaN, 3) : 'n/a';
    }),
  ]);
  return markdownTable(['source', ...used.map((m) => METRIC_LABELS[m])], [...methodRows, ...baselineRows], 'no sources');
}

/** Each explainer minus RandomCAM (the null explainer), per seed averaged over levels, mean [95% t]. */
export function nullDifferencesBlock(p: ReportPredicate, metrics: readonly SourceMetric[] = SOURCE_METRICS): string {
  const diffs = pairedDifferences(p.seeds, metrics);
  if (diffs.length === 0) return '*this report has no RandomCAM scores*';
  const methods = [...new Set(diffs.map((d) => d.method))];
  const rows = methods.map((m) => [SOURCE_LABELS[m] ?? m, ...metrics.map((metric) => interval(diffs.find((d) => d.method === m && d.metric === metric)?.summary ?? null))]);
  return markdownTable(['explainer − RandomCAM', ...metrics.map((m) => METRIC_LABELS[m])], rows, 'no differences');
}

/** Cascading randomisation at one level: mean Spearman similarity to the unrandomised heatmap [95% t] after each stage. */
export function randomisationBlock(p: ReportPredicate, level: number): string {
  const rows = randomisationRows(p).filter((r) => r.level === `level ${level}`);
  const sources = [...new Set(rows.map((r) => r.source))];
  const stages = ['fc', '+ conv2', '+ conv1'];
  const text = (source: string, stage: string) => {
    const r = rows.find((x) => x.source === source && x.stage === stage);
    return r ? `${fixed(r.mean, 3)} [${fixed(r.lo, 3)}, ${fixed(r.hi, 3)}]` : 'n/a';
  };
  return markdownTable(['explainer', ...stages.map((s) => `${s} randomised`)], sources.map((s) => [s, ...stages.map((st) => text(s, st))]), `no randomisation control at level ${level}`);
}

/** Per seed, the difference of two reports' values at a level (seeds both reports have), mean [95% t]. */
function pairedBySeed(a: ReportPredicate, b: ReportPredicate, level: number, pick: (s: SeedResult, level: number) => number | undefined): SeedSummary | null {
  const bSeeds = new Map(b.seeds.map((s) => [s.seed, s]));
  const ds: number[] = [];
  for (const s of sortedSeeds(a)) {
    const other = bSeeds.get(s.seed);
    const x = pick(s, level);
    const y = other && pick(other, level);
    if (x !== undefined && y !== undefined) ds.push(x - y);
  }
  return ds.length ? summarise(ds) : null;
}

const atLevel = (key: 'cleanAccuracy' | 'meanIoU') => (s: SeedResult, level: number) => s.levels.find((l) => l.level === level)?.[key];

const onlySeeds = (p: ReportPredicate, seeds: ReadonlySet<number>): ReportPredicate => ({ ...p, seeds: p.seeds.filter((s) => seeds.has(s.seed)) });

/** Magnitude against random pruning, paired by seed (same initialisation and pretraining): accuracy and IoU per level, over the seeds both have. */
export function pruningArmsBlock(magnitudeReport: ReportPredicate, randomReport: ReportPredicate, levels: readonly number[]): string {
  // Every column is over the seeds both arms have, so the means and the paired differences agree.
  const shared = new Set(magnitudeReport.seeds.map((s) => s.seed).filter((seed) => randomReport.seeds.some((s) => s.seed === seed)));
  const magnitude = onlySeeds(magnitudeReport, shared);
  const random = onlySeeds(randomReport, shared);
  const agg = (p: ReportPredicate, level: number) => p.aggregate.find((a) => a.level === level);
  const rows = levels.flatMap((level) => {
    const m = agg(magnitude, level);
    const r = agg(random, level);
    if (!m || !r) return [];
    const dAcc = pairedBySeed(magnitude, random, level, atLevel('cleanAccuracy'));
    const dIou = pairedBySeed(magnitude, random, level, atLevel('meanIoU'));
    const pp = (s: SeedSummary | null) => (s === null ? 'n/a' : `${(100 * s.mean).toFixed(1)} pp${s.lo95 === null ? '' : ` [${(100 * s.lo95).toFixed(1)}, ${(100 * s.hi95!).toFixed(1)}]`}`);
    const meanOf = (p: ReportPredicate, key: LevelKey) => levelSummary(p, level, key)?.mean ?? NaN;
    return [[String(level), densityPercent(m.density), percent(meanOf(magnitude, 'cleanAccuracy'), 1), percent(meanOf(random, 'cleanAccuracy'), 1), pp(dAcc), fixed(meanOf(magnitude, 'meanIoU'), 3), fixed(meanOf(random, 'meanIoU'), 3), interval(dIou)]];
  });
  return markdownTable(
    ['level', 'density', 'accuracy, magnitude', 'accuracy, random', 'd accuracy [95%]', 'IoU, magnitude', 'IoU, random', 'd IoU [95%]'],
    rows,
    'the two reports share no levels',
  );
}

/** Reports side by side (datasets, say): seeds, dense accuracy, IoU, the correlation and its intervals. */
export function sideBySideBlock(reports: ReadonlyArray<{ label: string; p: ReportPredicate }>): string {
  const lines: Array<[string, (p: ReportPredicate) => string]> = [
    ['seeds', (p) => String(p.seeds.length)],
    ['dense clean accuracy [95%]', (p) => levelText(p, 0, 'cleanAccuracy')],
    ['clean accuracy at level 10 [95%]', (p) => levelText(p, 10, 'cleanAccuracy')],
    ['Grad-CAM++ soft IoU, level 0 [95%]', (p) => levelText(p, 0, 'meanIoU')],
    ['Grad-CAM++ soft IoU, level 10 [95%]', (p) => levelText(p, 10, 'meanIoU')],
    ['Pearson r, accuracy vs IoU (per-level means)', (p) => (p.correlation ? fixed(p.correlation.pearson.r, 3) : 'n/a')],
    ['bootstrap 95% of r', (p) => {
      const b = correlationInferenceOf(p)?.bootstrap;
      return b ? `[${fixed(b.lo95, 3)}, ${fixed(b.hi95, 3)}]` : 'n/a';
    }],
    ['per-seed r [95% t]', (p) => interval(correlationInferenceOf(p)?.perSeed.summary ?? null)],
    ['compute time', (p) => duration(p.computeTimeS)],
  ];
  return markdownTable(['', ...reports.map((r) => r.label)], lines.map(([name, f]) => [name, ...reports.map((r) => f(r.p))]), 'no reports');
}
