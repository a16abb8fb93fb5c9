import { cellTexts, type MethodMetricTable } from '../analysis/method-metric-table.ts';
import type { PairedDifference } from '../analysis/paired-differences.ts';
import { METRIC_LABELS, SOURCE_LABELS, type SourceMetric } from '../analysis/sources.ts';
import { escapeHtml as e, linkedImage } from './html-escape.ts';
import { fixed } from './html-format.ts';
import type { SeedSummary } from '../report/types.ts';

// report.html's Part 2 sections (PROTOCOL.md Part 2), after the Part 1 figures: the method x
// metric table with the baselines, the Part 2 figures, the paired differences to RandomCAM and
// the every-method example grids (linked images). Ids (a contract with the specs): #part2,
// #method-metric-table, #figure-iou-every-method, #figure-metrics, #figure-randomisation,
// #paired-differences, #method-examples.

const label = (s: string): string => SOURCE_LABELS[s] ?? s;
const num = (v: number | null | undefined, d = 3): string => (v === null || v === undefined ? '—' : fixed(v, d));

export function methodMetricSection(t: MethodMetricTable): string {
  const head = ['Metric', 'Source', 'Level 0', 'Mean over levels', 'Levels', 'Pearson r', 'Per-seed r [95% t]', 'Bootstrap 95%', 'Spearman ρ', 'p(r) raw / Holm', 'p(ρ) raw / Holm'];
  const groups = t.metrics.map((metric) => {
    const cells = t.cells.filter((c) => c.metric === metric).map((c) => {
      const x = cellTexts(c);
      return `<tr class="explainer" data-method="${e(c.method)}" data-metric="${e(metric)}"><td>${e(METRIC_LABELS[metric])}</td><td>${e(label(c.method))}</td><td>${e(num(c.level0))}</td><td>${e(num(c.overLevels))}</td><td>${e(c.levels)}</td><td class="r">${e(x.r)}</td><td>${e(x.perSeed)}</td><td>${e(x.bootstrap)}</td><td class="rho">${e(x.rho)}</td><td>${e(x.pR)}</td><td>${e(x.pRho)}</td></tr>`;
    });
    const base = t.baselines.filter((b) => b.metric === metric).map(
      (b) => `<tr class="baseline" data-baseline="${e(b.baseline)}" data-metric="${e(metric)}"><td>${e(METRIC_LABELS[metric])}</td><td>${e(label(b.baseline))}</td><td>${e(num(b.level0))}</td><td>${e(num(b.overLevels))}</td><td colspan="7">model-free: no correlation with accuracy</td></tr>`,
    );
    return `<tbody data-metric="${e(metric)}">\n${[...cells, ...base].join('\n')}\n</tbody>`;
  });
  const skipped = t.cells.find((c) => c.bootstrapSkipped?.includes('needs at least'))?.bootstrapSkipped;
  return `<section id="method-metric">
<h2>Every explainer and metric against clean accuracy</h2>
<table id="method-metric-table">
<thead><tr>${head.map((h) => `<th>${e(h)}</th>`).join('')}</tr></thead>
${groups.join('\n')}
</table>
<p class="note">${e(t.note)} Holm families: ${e(t.holmFamily.pearson)} Pearson and ${e(t.holmFamily.spearman)} Spearman p-values.${skipped ? ` Bootstrap not computed: ${e(skipped)}.` : ''} These are additional results, not thesis claims.</p>
</section>`;
}

export interface Part2Svgs {
  sourceIou?: string;
  metrics?: string;
  randomisation?: string;
}

export function part2FiguresSection(svgs: Part2Svgs): string {
  const fig = (id: string, svg: string | undefined, caption: string) => (svg ? `<figure id="${id}">${svg}\n<figcaption>${e(caption)}</figcaption></figure>` : '');
  return `<section id="part2-figures">
<h2>Every explainer and baseline per level</h2>
${fig('figure-iou-every-method', svgs.sourceIou, 'Soft IoU per pruning level of every explainer and model-free baseline (dashed): mean over seeds, band = 95% t-interval of the mean over seeds.')}
${fig('figure-metrics', svgs.metrics, 'Every metric per pruning level, one panel per metric (y axes independent); deletion AUC: lower is better.')}
${fig('figure-randomisation', svgs.randomisation, 'Cascading model-parameter randomisation (fc, then + conv2, then + conv1): mean Spearman similarity of each explainer’s heatmaps to the unrandomised ones. An explainer that stays similar explains the input, not the network.')}
</section>`;
}

const interval = (s: SeedSummary | null): string => (s ? `${fixed(s.mean, 4)}${s.lo95 === null ? '' : ` [${fixed(s.lo95, 4)}, ${fixed(s.hi95!, 4)}]`}` : '—');

export function pairedDifferencesSection(diffs: readonly PairedDifference[], metrics: readonly SourceMetric[]): string {
  if (diffs.length === 0) return `<section id="paired-differences-section"><h2>Difference to RandomCAM</h2><p>No RandomCAM scores in this report.</p></section>`;
  const methods = [...new Set(diffs.map((d) => d.method))];
  const shown = metrics.filter((m) => diffs.some((d) => d.metric === m && d.summary));
  const rows = methods.map((m) => `<tr data-method="${e(m)}"><td>${e(label(m))}</td>${shown.map((metric) => `<td>${e(interval(diffs.find((d) => d.method === m && d.metric === metric)?.summary ?? null))}</td>`).join('')}</tr>`);
  return `<section id="paired-differences-section">
<h2>Difference to RandomCAM (paired by seed)</h2>
<table id="paired-differences">
<thead><tr><th>Explainer</th>${shown.map((m) => `<th>${e(METRIC_LABELS[m])}</th>`).join('')}</tr></thead>
<tbody>
${rows.join('\n')}
</tbody>
</table>
<p class="note">Per seed: the mean over levels of (explainer − RandomCAM); then the mean over seeds [95% t-interval, n − 1 df; none with one seed]. Positive is better except for deletion AUC, where negative is better.</p>
</section>`;
}

/** The every-method grids (run-relative PNG paths, one per randomisation level), linked images that open full size. */
export function methodExamplesSection(files: readonly string[], columns: readonly string[], seed: number | null): string {
  if (files.length === 0) return '';
  const items = files.map((f) => `<figure class="example"><a href="${e(encodeURI(f))}">${linkedImage(f, `every method's heatmaps ${f}`)}</a><figcaption>${e(f)}</figcaption></figure>`).join('\n');
  return `<section id="method-examples">
<h2>Example heatmaps of every method${seed === null ? '' : ` (seed ${e(seed)})`}</h2>
<p class="note">One PNG per randomisation level: rows are the first test images; columns: ${e(['noisy input', ...columns.map(label)].join(', '))} (heatmaps in jet).</p>
${items}
</section>`;
}
