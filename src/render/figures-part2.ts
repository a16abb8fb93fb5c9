import type { TopLevelSpec } from 'vega-lite';
import { METRIC_LABELS, SOURCE_LABELS, SOURCE_METRICS, aggregateSources, type SourceMetric } from '../analysis/sources.ts';
import { summarise } from '../statistics/summary.ts';
import { datasetLabel } from './figures-data.ts';
import { levelTicks } from './figures-specs.ts';
import type { ReportPredicate } from '../report/types.ts';

// Vega-Lite specifications of the Part 2 figures (PROTOCOL.md Part 2): soft IoU per level of every
// explainer and baseline, every metric per level as small multiples, and the cascading
// randomisation control. Lines are means over seeds, bands the 95% t-interval of the mean (none
// with one seed); baselines are dashed. Line layers carry stable names (`<name>_marks` in the
// SVG, one mark group per series) so a test can count the series.

export const PART2_LINE_LAYERS = { iou: 'source_iou_lines', metrics: 'metric_lines', randomisation: 'randomisation_lines' } as const;

const WIDTH = 620;
// Explainers: categorical colours; RandomCAM grey; baselines dark, dashed.
const COLORS: Record<string, string> = {
  gradcampp: '#2ca02c',
  gradcam: '#1f77b4',
  hirescam: '#ff7f0e',
  xgradcam: '#9467bd',
  layercam: '#8c564b',
  gradcamelementwise: '#e377c2',
  randomcam: '#7f7f7f',
  input: '#17becf',
  centre: '#bcbd22',
  uniform: '#000000',
};

export interface SourceRow {
  level: number;
  metric: string;
  source: string;
  kind: 'explainer' | 'baseline';
  mean: number;
  lo: number;
  hi: number;
}

/** Long-form rows: one per level, metric and source where at least one seed scored it. */
export function sourceRows(p: ReportPredicate, metrics: readonly SourceMetric[] = SOURCE_METRICS): SourceRow[] {
  const rows: SourceRow[] = [];
  for (const src of aggregateSources(p.seeds)) {
    for (const l of src.levels) {
      for (const metric of metrics) {
        const s = l.metrics[metric];
        if (!s) continue;
        rows.push({ level: l.level, metric: METRIC_LABELS[metric], source: SOURCE_LABELS[src.name] ?? src.name, kind: src.kind, mean: s.mean, lo: s.lo95 ?? s.mean, hi: s.hi95 ?? s.mean });
      }
    }
  }
  return rows;
}

/** True when the report carries Part 2 per-source scores (figures and sections are written then). */
export function hasPart2(p: ReportPredicate): boolean {
  return aggregateSources(p.seeds).length > 0;
}

function colorOf(rows: Array<{ source: string }>): Record<string, unknown> {
  const present = Object.keys(COLORS).map((k) => SOURCE_LABELS[k] ?? k).filter((label) => rows.some((r) => r.source === label));
  const range = Object.keys(COLORS).filter((k) => present.includes(SOURCE_LABELS[k] ?? k)).map((k) => COLORS[k]);
  return { field: 'source', type: 'nominal', title: null, scale: { domain: present, range }, legend: { orient: 'bottom', columns: 4, symbolType: 'stroke', labelLimit: 240 } };
}

const dash = { field: 'kind', type: 'nominal', scale: { domain: ['explainer', 'baseline'], range: [[1, 0], [6, 4]] }, legend: null };

function subtitle(p: ReportPredicate): string {
  return `line: mean over seed${p.seeds.length === 1 ? '' : 's'} ${p.seeds.map((s) => s.seed).join(', ')}; band: 95% t-interval of the mean over seeds; baselines dashed; run ${p.runId.slice(0, 12)}`;
}

function levelX(rows: Array<{ level: number }>): Record<string, unknown> {
  const last = Math.max(0, ...rows.map((r) => r.level));
  return { field: 'level', type: 'quantitative', title: 'Pruning level', scale: { domain: [-0.5, Math.max(1, last) + 0.5], nice: false }, axis: { values: levelTicks(last), format: 'd' } };
}

function bandAndLines(name: string, x: Record<string, unknown>, color: Record<string, unknown>, yTitle: string | null): Array<Record<string, unknown>> {
  return [
    { name: `${name}_band`, mark: { type: 'area', opacity: 0.12 }, encoding: { x, y: { field: 'lo', type: 'quantitative' }, y2: { field: 'hi' }, color } },
    {
      name,
      mark: { type: 'line', strokeWidth: 1.6, point: false },
      encoding: { x, y: { field: 'mean', type: 'quantitative', title: yTitle, scale: { zero: false } }, color, strokeDash: dash },
    },
  ];
}

/** Soft IoU per level of every explainer and baseline. */
export function sourceIouSpec(p: ReportPredicate): TopLevelSpec {
  const rows = sourceRows(p, ['softIoU']);
  const x = levelX(rows);
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title: { text: `Soft IoU per pruning level, every explainer and baseline — ${datasetLabel(p)}`, subtitle: subtitle(p), anchor: 'start', fontSize: 14 },
    data: { values: rows },
    width: WIDTH,
    height: 260,
    layer: bandAndLines(PART2_LINE_LAYERS.iou, x, colorOf(rows), 'Mean soft IoU'),
    config: { font: 'sans-serif' },
  } as unknown as TopLevelSpec;
}

/** Every metric per level (one small panel per metric), every explainer and baseline. */
export function metricsSpec(p: ReportPredicate): TopLevelSpec {
  const rows = sourceRows(p);
  const x = { ...levelX(rows), title: 'Level' };
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title: { text: `Every metric per pruning level — ${datasetLabel(p)}`, subtitle: subtitle(p), anchor: 'start', fontSize: 14 },
    data: { values: rows },
    facet: { field: 'metric', type: 'nominal', title: null, sort: SOURCE_METRICS.map((m) => METRIC_LABELS[m]) },
    columns: 4,
    spec: { width: 190, height: 130, layer: bandAndLines(PART2_LINE_LAYERS.metrics, x, colorOf(rows), null) },
    resolve: { scale: { y: 'independent' } },
    config: { font: 'sans-serif' },
  } as unknown as TopLevelSpec;
}

export interface RandomisationRow {
  level: string;
  /** The level and the explainer and stage ids behind the display labels (for lookups, not the figure). */
  levelNumber: number;
  method: string;
  stageId: (typeof STAGES)[number];
  stage: string;
  order: number;
  source: string;
  kind: 'explainer';
  mean: number;
  lo: number;
  hi: number;
}

const STAGES = ['fc', 'conv2', 'conv1'] as const;

/** Mean Spearman similarity per randomisation level, stage and explainer over the seeds where it is defined. */
export function randomisationRows(p: ReportPredicate): RandomisationRow[] {
  const rows: RandomisationRow[] = [];
  const levels = [...new Set(p.seeds.flatMap((s) => s.levels.filter((l) => l.randomisation?.length).map((l) => l.level)))].sort((a, b) => a - b);
  for (const level of levels) {
    const at = p.seeds.map((s) => s.levels.find((l) => l.level === level)?.randomisation ?? []);
    const methods = [...new Set(at.flatMap((st) => st.flatMap((x) => Object.keys(x.similarity))))];
    STAGES.forEach((stage, order) => {
      for (const method of methods) {
        const values = at.map((st) => st.find((x) => x.stage === stage)?.similarity[method as keyof (typeof st)[number]['similarity']]?.mean).filter((v): v is number => typeof v === 'number' && Number.isFinite(v));
        if (!values.length) continue;
        const s = summarise(values);
        rows.push({ level: `level ${level}`, levelNumber: level, method, stageId: stage, stage: order === 0 ? 'fc' : `+ ${stage}`, order, source: SOURCE_LABELS[method] ?? method, kind: 'explainer', mean: s.mean, lo: s.lo95 ?? s.mean, hi: s.hi95 ?? s.mean });
      }
    });
  }
  return rows;
}

/** Similarity to the unrandomised heatmaps after each cascading stage, one panel per randomisation level. */
export function randomisationSpec(p: ReportPredicate): TopLevelSpec | null {
  const rows = randomisationRows(p);
  if (rows.length === 0) return null;
  const x = { field: 'stage', type: 'ordinal', title: 'Randomised (cumulative, top down)', sort: ['fc', '+ conv2', '+ conv1'], axis: { labelAngle: 0 } };
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title: { text: `Cascading model-parameter randomisation — ${datasetLabel(p)}`, subtitle: `mean Spearman rank similarity to the unrandomised heatmap; band: 95% t-interval over seeds; run ${p.runId.slice(0, 12)}`, anchor: 'start', fontSize: 14 },
    data: { values: rows },
    facet: { field: 'level', type: 'nominal', title: null },
    columns: 3,
    spec: {
      width: 240,
      height: 180,
      layer: [
        { name: `${PART2_LINE_LAYERS.randomisation}_band`, mark: { type: 'area', opacity: 0.12 }, encoding: { x, y: { field: 'lo', type: 'quantitative' }, y2: { field: 'hi' }, color: colorOf(rows) } },
        { name: PART2_LINE_LAYERS.randomisation, mark: { type: 'line', strokeWidth: 1.6, point: true }, encoding: { x, y: { field: 'mean', type: 'quantitative', title: 'Spearman similarity', scale: { domain: [-0.2, 1] } }, color: colorOf(rows) } },
      ],
    },
    config: { font: 'sans-serif' },
  } as unknown as TopLevelSpec;
}
