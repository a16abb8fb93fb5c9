import type { TopLevelSpec } from 'vega-lite';
import { SERIES, datasetLabel, figureRows, type FigureRow } from './figures-data.ts';
import type { ReportPredicate } from '../report/types.ts';

// Vega-Lite specifications of the report's two figures. Each has two panels sharing the x axis:
// accuracy (clean solid, noisy dashed) and mean IoU, each a line of the seeds' mean with a band
// spanning the 95% t-interval of the mean over seeds. The point layers carry stable names (`<name>_marks` in the SVG)
// so a test can count the plotted points.

export const POINT_LAYERS = { clean: 'clean_accuracy_points', iou: 'iou_points' } as const;

const COLORS = { [SERIES.clean]: '#1f77b4', [SERIES.noisy]: '#ff7f0e', [SERIES.iou]: '#2ca02c' };
const WIDTH = 620;
const PANEL_HEIGHT = 190;

type XEncoding = Record<string, unknown>;

/**
 * Log-axis ticks (in percent) within [lo, hi]: the 1-2-5 sequence, or every mantissa 1..9 when
 * the range is too short (a few levels) for 1-2-5 to give three ticks.
 */
export function densityTicks(lo: number, hi: number): number[] {
  const pick = (mantissas: number[]): number[] => {
    const ticks: number[] = [];
    for (let e = 2; e >= -4; e--) {
      for (const m of [...mantissas].reverse()) {
        const v = Number((m * 10 ** e).toPrecision(1));
        if (v >= lo && v <= hi) ticks.push(v);
      }
    }
    return ticks;
  };
  const coarse = pick([1, 2, 5]);
  return coarse.length >= 3 ? coarse : pick([1, 2, 3, 4, 5, 6, 7, 8, 9]);
}

/** Integer level ticks 0..last, every level when there are few, every 2nd, 5th ... otherwise. */
export function levelTicks(last: number): number[] {
  const step = [1, 2, 5, 10, 20, 50].find((s) => last / s <= 15) ?? Math.ceil(last / 15);
  const ticks: number[] = [];
  for (let l = 0; l <= last; l += step) ticks.push(l);
  return ticks;
}

function panel(name: string, series: readonly string[], y: { title: string; format: string }, x: XEncoding, pointLayer: string) {
  const color = {
    field: 'series',
    type: 'nominal',
    title: null,
    scale: { domain: Object.keys(COLORS), range: Object.values(COLORS) },
    legend: {
      orient: 'bottom',
      direction: 'horizontal',
      symbolType: 'stroke',
      symbolStrokeWidth: 2,
      symbolOpacity: 1,
      symbolSize: 260,
      labelLimit: 320,
      // Legend entries are drawn as line samples; the noisy one dashed like its line.
      encode: { symbols: { update: { strokeDash: { signal: `datum.value === '${SERIES.noisy}' ? [6, 4] : [1, 0]` } } } },
    },
  };
  const inSeries = { filter: { field: 'series', oneOf: [...series] } };
  const yMean = { field: 'mean', type: 'quantitative', title: y.title, scale: { zero: false }, axis: { format: y.format } };
  return {
    name,
    width: WIDTH,
    height: PANEL_HEIGHT,
    transform: [inSeries],
    layer: [
      {
        name: `${name}_band`,
        mark: { type: 'area', opacity: 0.2 },
        encoding: { x, y: { field: 'lo', type: 'quantitative' }, y2: { field: 'hi' }, color },
      },
      // One line layer per series, so the dash is a mark property (no second legend).
      ...series.map((s) => ({
        name: `${name}_line_${series.indexOf(s)}`,
        transform: [{ filter: { field: 'series', equal: s } }],
        mark: { type: 'line', strokeWidth: 1.6, strokeDash: s === SERIES.noisy ? [6, 4] : [1, 0] },
        encoding: { x, y: yMean, color },
      })),
      {
        name: pointLayer,
        transform: [{ filter: { field: 'series', equal: series[0] } }],
        mark: { type: 'point', filled: true, size: 22 },
        encoding: { x, y: yMean, color },
      },
    ],
  };
}

function figure(p: ReportPredicate, rows: FigureRow[], title: string, x: XEncoding, note: string | null): TopLevelSpec {
  const seeds = p.seeds.map((s) => s.seed).join(', ');
  const subtitle = [`line: mean over seed${p.seeds.length === 1 ? '' : 's'} ${seeds}; band: 95% t-interval of the mean over seeds; run ${p.runId.slice(0, 12)}`];
  if (note) subtitle.push(note);
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title: { text: `${title} — ${datasetLabel(p)}`, subtitle, anchor: 'start', fontSize: 14 },
    data: { values: rows },
    spacing: 16,
    vconcat: [
      panel('accuracy', [SERIES.clean, SERIES.noisy], { title: 'Test accuracy (%)', format: '.1~f' }, x, POINT_LAYERS.clean),
      panel('iou', [SERIES.iou], { title: 'Mean soft IoU', format: '.3~f' }, x, POINT_LAYERS.iou),
    ],
    config: { font: 'sans-serif', legend: { labelFontSize: 11 } },
  } as unknown as TopLevelSpec;
}

/** Thesis Figure 3.1 analogue: accuracy and IoU against the pruning level. */
export function byLevelSpec(p: ReportPredicate): TopLevelSpec {
  const rows = figureRows(p);
  const last = Math.max(...rows.map((r) => r.level));
  const x = {
    field: 'level',
    type: 'quantitative',
    title: 'Pruning level',
    // Half a level of padding so the first and last points are not cut by the plot frame.
    scale: { domain: [-0.5, Math.max(1, last) + 0.5], nice: false },
    axis: { values: levelTicks(last), format: 'd' },
  };
  return figure(p, rows, 'Accuracy and heatmap IoU per pruning level', x, null);
}

/** Thesis Figure 3.2 analogue: the same against density on a log axis, pruning left to right. */
export function vsDensitySpec(p: ReportPredicate): TopLevelSpec {
  const all = figureRows(p);
  // A log axis cannot show 0% density; such levels (everything pruned) are left off and named.
  const rows = all.filter((r) => r.densityPct > 0);
  if (rows.length === 0) throw new RangeError('figures: every level has density 0; nothing to plot on a log axis');
  const dropped = [...new Set(all.filter((r) => !(r.densityPct > 0)).map((r) => r.level))];
  const lo = Math.min(...rows.map((r) => r.densityPct));
  const hi = Math.max(...rows.map((r) => r.densityPct));
  const x = {
    field: 'densityPct',
    type: 'quantitative',
    title: 'Remaining weights (density, log scale)',
    scale: { type: 'log', domain: [lo / 1.25, hi * 1.25], nice: false, reverse: true },
    axis: { values: densityTicks(lo / 1.25, hi * 1.25), labelExpr: "format(datum.value, '~g') + '%'" },
  };
  const note = dropped.length ? `level${dropped.length === 1 ? '' : 's'} ${dropped.join(', ')} (0% density) not shown on the log axis` : null;
  return figure(p, rows, 'Accuracy and heatmap IoU against density', x, note);
}
