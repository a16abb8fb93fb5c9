import { join } from 'node:path';
import type { TopLevelSpec } from 'vega-lite';
import { renderSvg } from '../render/figures.ts';
import type { RunOutcome } from '../experiment/run.ts';
import { writeFileAtomic } from '../store/atomic.ts';
import type { SweepPlan } from './grid.ts';

// The sweep summary in OUT/sweep-<id12>/: summary.md (a table across cells), summary.csv (every
// cell x level mean) and summary.svg (mean clean accuracy and mean IoU by level, one line per cell).

export interface CellOutcome {
  cell: number;
  status: 'done' | 'failed' | 'pending';
  outcome?: RunOutcome;
  errors: string[];
}

const pct = (x: number | undefined) => (x === undefined ? '' : `${(x * 100).toFixed(2)}%`);
const num = (x: number | undefined, d = 4) => (x === undefined ? '' : x.toFixed(d));

export function summaryDir(out: string, plan: SweepPlan): string {
  return join(out, `sweep-${plan.id.slice(0, 12)}`);
}

export async function writeSummary(out: string, plan: SweepPlan, cells: CellOutcome[]): Promise<string[]> {
  const dir = summaryDir(out, plan);
  const md = [
    `# Sweep ${plan.name}`,
    '',
    `Sweep id \`${plan.id}\`; ${plan.cells.length} cells. Each run folder is \`<out>/<run id>/\` with its signed report.json.`,
    '',
    '| cell | grid values | run id | status | seeds | acc L0 | acc last | IoU L0 | IoU last | Pearson r |',
    '| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |',
  ];
  const csv = ['cell,label,runId,status,level,density,cleanAccuracy,noisyAccuracy,meanIoU'];
  const points: Array<{ cell: string; level: number; metric: string; value: number }> = [];
  for (const c of cells) {
    const cell = plan.cells[c.cell];
    const p = c.outcome?.predicate;
    const agg = p?.aggregate ?? [];
    const first = agg[0];
    const last = agg.at(-1);
    md.push(
      `| ${c.cell + 1} | ${cell.label.replace(/\|/g, '\\|')} | \`${cell.runId.slice(0, 12)}\` | ${c.status}${c.errors.length ? `: ${c.errors.join('; ').replace(/\|/g, '\\|')}` : ''} | ${cell.config.seeds.join(',')} | ${pct(first?.cleanAccuracy.mean)} | ${pct(last?.cleanAccuracy.mean)} | ${num(first?.meanIoU.mean)} | ${num(last?.meanIoU.mean)} | ${p?.correlation ? p.correlation.pearson.r.toFixed(4) : ''} |`,
    );
    for (const a of agg) {
      csv.push([c.cell + 1, JSON.stringify(cell.label), cell.runId, c.status, a.level, a.density, a.cleanAccuracy.mean, a.noisyAccuracy.mean, a.meanIoU.mean].join(','));
      const name = `${c.cell + 1}: ${cell.label}`;
      points.push({ cell: name, level: a.level, metric: 'mean clean accuracy', value: a.cleanAccuracy.mean }, { cell: name, level: a.level, metric: 'mean IoU', value: a.meanIoU.mean });
    }
    if (!agg.length) csv.push([c.cell + 1, JSON.stringify(cell.label), cell.runId, c.status, '', '', '', '', ''].join(','));
  }
  const written = [join(dir, 'summary.md'), join(dir, 'summary.csv')];
  writeFileAtomic(written[0], `${md.join('\n')}\n`);
  writeFileAtomic(written[1], `${csv.join('\n')}\n`);
  if (points.length) {
    const spec: TopLevelSpec = {
      $schema: 'https://vega.github.io/schema/vega-lite/v5.json',
      title: `Sweep ${plan.name}: seeds' mean by pruning level`,
      data: { values: points },
      facet: { column: { field: 'metric', type: 'nominal', title: null } },
      spec: {
        width: 320,
        height: 220,
        mark: { type: 'line', point: true },
        encoding: {
          x: { field: 'level', type: 'quantitative', title: 'pruning level', axis: { tickMinStep: 1 } },
          y: { field: 'value', type: 'quantitative', title: null, scale: { zero: false } },
          color: { field: 'cell', type: 'nominal', title: 'cell' },
        },
      },
      resolve: { scale: { y: 'independent' } },
    };
    const svg = join(dir, 'summary.svg');
    writeFileAtomic(svg, await renderSvg(spec));
    written.push(svg);
  }
  return written;
}
