import { datasetLabel } from './figures-data.ts';
import { escapeHtml as e, linkedImage } from './html-escape.ts';
import { densityPercent, duration, fixed, meanInterval, pValue } from './html-format.ts';
import type { CorrelationInference } from '../statistics/correlation.ts';
import { VERDICTS, type Verdict } from '../audit/audit.ts';
import type { ReportPredicate } from '../report/types.ts';

// The sections of report.html, each a pure function from data to an HTML fragment. All text from
// the predicate or the caller goes through escapeHtml. Element ids and classes are a contract
// with the specs (and any reader's scripts): #levels, #correlations, #claims, #verification,
// #examples, #figure-by-level, #figure-vs-density, #subset-warning.

export { VERDICTS, type Verdict } from '../audit/audit.ts';

export interface AuditRow {
  claim: string;
  thesis: string;
  measured: string;
  tolerance: string;
  /** d = measured − reference, formatted; '—' when there is none. */
  d: string;
  /** The 90% interval of d, formatted; '—' when there is none. */
  interval: string;
  /** "df 2", "B 10000" or '—'. */
  df: string;
  verdict: Verdict;
  /** The rule that decided the verdict. */
  rule: string;
}

export interface Verification {
  ok: boolean;
  message: string;
}

const slug = (v: string): string => v.replace(/[^a-z]+/gi, '-').toLowerCase();

function keyValueTable(id: string, rows: Array<[string, string]>): string {
  const body = rows.map(([k, v]) => `<tr><th scope="row">${e(k)}</th><td>${e(v)}</td></tr>`).join('\n');
  return `<table id="${id}" class="kv"><tbody>\n${body}\n</tbody></table>`;
}

export function headerSection(p: ReportPredicate): string {
  return `<header>
<h1>prunecam report — ${e(p.protocol.name)} protocol</h1>
<p class="run-id">run <code id="run-id">${e(p.runId)}</code></p>
<p class="times">started ${e(p.startedAt)}, finished ${e(p.finishedAt)}; compute time ${e(duration(p.computeTimeS))} (summed over seeds)</p>
</header>`;
}

export function verificationSection(v: Verification): string {
  const status = v.ok ? 'verified' : 'NOT verified';
  return `<section id="verification" class="${v.ok ? 'ok' : 'fail'}" data-ok="${v.ok}">
<h2>Signed report</h2>
<p><strong>report.json signature ${status}.</strong> ${e(v.message)}</p>
</section>`;
}

export function subsetWarning(p: ReportPredicate): string {
  const notes: string[] = [];
  const d = p.dataset;
  if (d.subset) {
    notes.push(
      `This run used <strong>${e(d.name)}</strong>, a subset of the dataset (${e(d.trainImages.toLocaleString('en-US'))} training and ` +
        `${e(d.testImages.toLocaleString('en-US'))} test images), not the thesis's 60,000 + 10,000 MNIST images.`,
    );
  }
  const limits = p.protocol.dataset;
  if (limits.trainLimit != null || limits.testLimit != null) {
    notes.push(`The protocol limits the data (trainLimit ${e(limits.trainLimit ?? 'none')}, testLimit ${e(limits.testLimit ?? 'none')}).`);
  }
  if (notes.length === 0) return '';
  return `<div id="subset-warning" class="banner warning" role="alert"><strong>Not the full dataset.</strong> ${notes.join(' ')} Numbers are not directly comparable with the thesis.</div>`;
}

export function datasetSection(p: ReportPredicate): string {
  const d = p.dataset;
  const files = Object.entries(d.files ?? {}).map(([name, sha]): [string, string] => [`sha256 ${name}`, sha]);
  return `<section id="dataset">
<h2>Dataset</h2>
${keyValueTable('dataset-identity', [
  ['name', datasetLabel(p)],
  ['subset', d.subset ? 'yes' : 'no'],
  ['description', d.description],
  ['training images', d.trainImages.toLocaleString('en-US')],
  ['test images', d.testImages.toLocaleString('en-US')],
  ...files,
])}
</section>`;
}

export function environmentSection(p: ReportPredicate): string {
  const v = p.environment;
  const artifacts = (p.artifacts ?? []).map((a) => `<li><code>${e(a.name)}</code> sha256 <code>${e(a.sha256)}</code></li>`).join('\n');
  return `<section id="environment">
<h2>Environment</h2>
${keyValueTable('environment-table', [
  ['prunecam', v.prunecamVersion],
  ['git commit', v.gitCommit ?? 'unknown'],
  ['node', v.node],
  ['tfjs', v.tfjs],
  ['backend', `${v.backend} ${v.backendVersion}`],
  ['cpu', v.cpu],
  ['os', v.os],
  ['gpu', v.gpu ?? 'none'],
])}
<details id="artifacts"><summary>Artifacts (${(p.artifacts ?? []).length})</summary><ul>\n${artifacts}\n</ul></details>
</section>`;
}

export function protocolSection(p: ReportPredicate): string {
  return `<details id="protocol"><summary>Protocol “${e(p.protocol.name)}” (resolved configuration)</summary>
<pre>${e(JSON.stringify(p.protocol, null, 2))}</pre>
</details>`;
}

export function figuresSection(svgByLevel: string, svgVsDensity: string): string {
  return `<section id="figures">
<h2>Accuracy and heatmap IoU</h2>
<figure id="figure-by-level">${svgByLevel}
<figcaption>Per pruning level (thesis Figure 3.1 analogue): mean over seeds, band = 95% t-interval of the mean over seeds.</figcaption></figure>
<figure id="figure-vs-density">${svgVsDensity}
<figcaption>Against the density of remaining weights on a log axis (thesis Figure 3.2 analogue).</figcaption></figure>
</section>`;
}

export function levelsSection(p: ReportPredicate): string {
  const rows = [...p.aggregate]
    .sort((a, b) => a.level - b.level)
    .map(
      (a) => `<tr data-level="${e(a.level)}"><td>${e(a.level)}</td><td>${e(a.remainingWeights)}</td><td>${e(densityPercent(a.density))}</td>` +
        `<td>${e(meanInterval(a.cleanAccuracy, 'percent'))}</td><td>${e(meanInterval(a.noisyAccuracy, 'percent'))}</td>` +
        `<td>${e(meanInterval(a.meanIoU, 'fraction'))}</td><td>${e(meanInterval(a.heatmapStd, 'fraction'))}</td><td>${e(fixed(a.zeroHeatmaps.mean, 1))}</td><td>${e(fixed(a.nonFiniteHeatmaps.mean, 1))}</td></tr>`,
    )
    .join('\n');
  return `<section id="levels-section">
<h2>Per level (${p.aggregate.length} levels, ${p.seeds.length} seed${p.seeds.length === 1 ? '' : 's'}: ${e(p.seeds.map((s) => s.seed).join(', '))})</h2>
<table id="levels">
<thead><tr><th>Level</th><th>Remaining weights</th><th>Density</th><th>Clean accuracy</th><th>Noisy accuracy</th><th>Mean IoU</th><th>Heatmap std</th><th>Zero heatmaps</th><th>Non-finite heatmaps</th></tr></thead>
<tbody>
${rows}
</tbody>
</table>
<p class="note">mean over seeds [95% t-interval of the mean, n − 1 df; none with one seed]; zero and non-finite heatmaps: mean count per seed.</p>
</section>`;
}

export function correlationsSection(p: ReportPredicate, inference: CorrelationInference | null): string {
  const c = p.correlation;
  if (!c) {
    return `<section id="correlations"><h2>Correlation of mean accuracy and mean IoU</h2><p>Not computed for this run (too few levels).</p></section>`;
  }
  const per = inference?.perSeed.summary;
  const perText = per
    ? `mean r = ${fixed(per.mean, 3)} over ${per.n} seed${per.n === 1 ? '' : 's'}${per.lo95 === null ? ' (no interval with one seed)' : `, 95% t-interval [${fixed(per.lo95, 3)}, ${fixed(per.hi95!, 3)}]`}; per seed: ${inference!.perSeed.values.map((v) => `${v.seed}: ${v.r === null ? 'undefined' : fixed(v.r, 3)}`).join(', ')}`
    : 'undefined for every seed';
  const boot = inference?.bootstrap
    ? `95% percentile interval [${fixed(inference.bootstrap.lo95, 3)}, ${fixed(inference.bootstrap.hi95, 3)}] (${inference.bootstrap.resamples} resamples of the seeds)`
    : `not computed: ${inference?.bootstrapSkipped ?? 'no seeds'}`;
  const fd = inference?.firstDifferences;
  return `<section id="correlations">
<h2>Correlation of mean clean accuracy and mean IoU over ${e(c.n)} levels</h2>
<table class="kv"><tbody>
<tr><th scope="row">Pearson r (descriptive)</th><td id="pearson">r = ${e(fixed(c.pearson.r, 3))}, p = ${e(pValue(c.pearson.p))}, df = ${e(c.pearson.df)}</td></tr>
<tr><th scope="row">bootstrap of r over seeds</th><td id="pearson-bootstrap">${e(boot)}</td></tr>
<tr><th scope="row">per-seed r</th><td id="pearson-per-seed">${e(perText)}</td></tr>
<tr><th scope="row">r on first differences (descriptive)</th><td id="pearson-differences">${fd ? `r = ${e(fixed(fd.r, 3))}, p = ${e(pValue(fd.p))} over ${e(fd.n)} level-to-level changes` : 'undefined (needs 4 levels and non-constant changes)'}</td></tr>
<tr><th scope="row">Spearman ρ (descriptive)</th><td id="spearman">ρ = ${e(fixed(c.spearman.rho, 3))}, p = ${e(pValue(c.spearman.p))}</td></tr>
<tr><th scope="row">Kendall τ (descriptive)</th><td id="kendall">τ = ${e(fixed(c.kendall.tau, 3))}, p = ${e(pValue(c.kendall.p))} (${e(c.kendall.method)})</td></tr>
</tbody></table>
<p class="note">p-values over levels are descriptive: the levels of one run are not independent samples. Inference is over seeds: the per-seed r's t-interval and the bootstrap of the seed list.</p>
</section>`;
}

export function claimsSection(audit: readonly AuditRow[]): string {
  audit.forEach((row, i) => {
    if (!VERDICTS.includes(row.verdict)) throw new RangeError(`audit row ${i} ("${row.claim}"): verdict "${row.verdict}" is not one of ${VERDICTS.join(', ')}`);
  });
  const body = audit.length
    ? audit
        .map(
          (r) => `<tr class="verdict-${slug(r.verdict)}"><td>${e(r.claim)}</td><td>${e(r.thesis)}</td><td>${e(r.measured)}</td>` +
            `<td>${e(r.tolerance)}</td><td>${e(r.d)}</td><td>${e(r.interval)}</td><td>${e(r.df)}</td><td class="verdict">${e(r.verdict)}</td><td class="rule">${e(r.rule)}</td></tr>`,
        )
        .join('\n')
    : '<tr class="empty"><td colspan="9">No claims were audited.</td></tr>';
  const counts = VERDICTS.map((v) => `${audit.filter((r) => r.verdict === v).length} ${v}`).join(', ');
  return `<section id="claims-section">
<h2>Thesis claims</h2>
<p>${e(counts)}. d = measured − thesis value (or − the bound of a one-sided claim); its 90% interval's ends are the one-sided 95% bounds the verdict reads (PROTOCOL.md Part 2).</p>
<table id="claims">
<thead><tr><th>Claim</th><th>Thesis</th><th>Measured</th><th>Tolerance</th><th>d</th><th>90% interval of d</th><th>df / B</th><th>Verdict</th><th>Rule</th></tr></thead>
<tbody>
${body}
</tbody>
</table>
</section>`;
}

/** Example grids (run-relative PNG paths, linked) grouped by level (file names seed-<s>-level-XX.png), other names last. */
export function examplesSection(examples: readonly string[]): string {
  const groups = new Map<string, string[]>();
  const keyed = examples.map((x) => {
    const m = /seed-(\d+)-level-(\d+)\.png$/.exec(x);
    return { x, level: m ? Number(m[2]) : Number.POSITIVE_INFINITY, seed: m ? Number(m[1]) : 0 };
  });
  keyed.sort((a, b) => a.level - b.level || a.seed - b.seed || a.x.localeCompare(b.x));
  for (const k of keyed) {
    const title = Number.isFinite(k.level) ? `Level ${k.level}` : 'Other examples';
    groups.set(title, [...(groups.get(title) ?? []), k.x]);
  }
  const html = [...groups]
    .map(
      ([title, xs]) => `<div class="example-level"><h3>${e(title)}</h3>\n` +
        xs.map((x) => `<figure class="example">${linkedImage(x, `example heatmaps ${x}`)}<figcaption>${e(x)}</figcaption></figure>`).join('\n') +
        '</div>',
    )
    .join('\n');
  return `<section id="examples">
<h2>Example heatmaps</h2>
<p class="note">Each row: test image, noisy input, Grad-CAM++ heatmap (jet), heatmap over the image. The stripe on the left is green when the prediction was right, red when wrong.</p>
${html || '<p>No example images were saved.</p>'}
</section>`;
}
