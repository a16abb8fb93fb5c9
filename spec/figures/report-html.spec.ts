import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeReportHtml } from '../../src/render/html.ts';
import { escapeHtml, inlineSvg } from '../../src/render/html-escape.ts';
import { fabricatePredicate } from '../support/predicate.ts';
import { AUDIT, HOSTILE_CLAIM, fabricateRun, type FabricatedRun } from './fabricated-run.ts';
import { assertWellFormedXml } from './svg-check.ts';

// report.html of a fabricated 26-level, 3-seed run, inspected as text: the structure the browser
// spec relies on, escaping, no network references, example PNGs linked (not embedded) and
// bad-input errors.

let run: FabricatedRun;
let html: string;
const dirs: string[] = [];

beforeAll(async () => {
  run = await fabricateRun({ subset: true });
  dirs.push(run.runDir);
  html = readFileSync(join(run.runDir, 'report.html'), 'utf8');
});
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

/** The markup between `<tag ... id="id"` and its matching close (no nesting of the same tag). */
function element(tag: string, id: string): string {
  const start = html.indexOf(`<${tag} id="${id}"`);
  if (start < 0) throw new Error(`no <${tag} id="${id}">`);
  return html.slice(start, html.indexOf(`</${tag}>`, start) + tag.length + 3);
}
const rows = (table: string) => table.slice(table.indexOf('<tbody>')).match(/<tr\b/g) ?? [];

describe('report.html', () => {
  it('is one well-formed page with the run id in the title and header', () => {
    expect(html.startsWith('<!DOCTYPE html>')).toBe(true);
    assertWellFormedXml(html, true);
    expect(html).toContain(`<code id="run-id">${run.predicate.runId}</code>`);
  });

  it('has one levels-table row per level with the remaining weights in order', () => {
    const table = element('table', 'levels');
    expect(rows(table)).toHaveLength(26);
    const weights = [...table.matchAll(/<tr data-level="(\d+)"><td>\d+<\/td><td>(\d+)<\/td>/g)].map((m) => Number(m[2]));
    expect(weights).toEqual(run.predicate.aggregate.map((a) => a.remainingWeights));
    // level 0: 100% density; clean accuracy mean [95% interval] in percent, 2 decimals
    const a0 = run.predicate.aggregate[0];
    expect(table).toContain(`<td>100%</td><td>${(100 * a0.cleanAccuracy.mean).toFixed(2)}% [${(100 * a0.cleanAccuracy.lo95!).toFixed(2)}, ${(100 * a0.cleanAccuracy.hi95!).toFixed(2)}]</td>`);
    expect(table).toContain('<td>0.0861%</td>'); // 2 / 2324
  });

  it('inlines both figures as SVG', () => {
    expect(element('figure', 'figure-by-level')).toMatch(/^<figure id="figure-by-level"><svg /);
    expect(element('figure', 'figure-vs-density')).toMatch(/^<figure id="figure-vs-density"><svg /);
  });

  it('has no duplicate ids even with two inlined vega SVGs', () => {
    const ids = [...html.matchAll(/\sid="([^"]+)"/g)].map((m) => m[1]);
    expect(ids.length).toBeGreaterThan(10);
    expect(new Set(ids).size).toBe(ids.length);
    for (const ref of html.matchAll(/url\(#([^)]+)\)/g)) expect(ids).toContain(ref[1]);
  });

  it('opens with the answer: claims, correlation, figures, per-level table, then provenance', () => {
    const order = ['id="claims-section"', 'id="correlations"', 'id="figures"', 'id="levels-section"', 'id="protocol"', 'id="dataset"', 'id="environment"'].map((m) => html.indexOf(m));
    expect(order.every((i) => i > 0)).toBe(true);
    expect([...order].sort((a, b) => a - b)).toEqual(order);
    expect(html).toContain('band = 95% t-interval of the mean over seeds');
  });

  it('lists the correlations', () => {
    const c = run.predicate.correlation!;
    const section = element('section', 'correlations');
    expect(section).toContain(`r = ${c.pearson.r.toFixed(3)}, p = 1.00e-12, df = 24`);
    expect(section).toContain('Spearman ρ');
    expect(section).toContain('(asymptotic)');
  });

  it('lists every claim with its verdict, escaping markup', () => {
    const claims = element('table', 'claims');
    expect(rows(claims)).toHaveLength(AUDIT.length);
    expect(claims).toContain('<tr class="verdict-reproduced">');
    expect(claims).toContain('<tr class="verdict-not-reproduced">');
    expect(claims).toContain('<tr class="verdict-not-applicable">');
    expect(claims).toContain('<tr class="verdict-inconclusive">');
    expect(claims).toContain('<tr class="verdict-structural">');
    expect(claims).toContain('<td>-0.01 pp</td><td>[-0.20 pp, +0.18 pp]</td><td>df 19</td>');
    expect(claims).toContain('&lt;script&gt;alert(&quot;pwned&quot;)&lt;/script&gt; &amp; &lt;b&gt;bold&lt;/b&gt;');
    expect(claims).toContain('<td>it&#39;s fine</td>');
    expect(html).not.toContain(HOSTILE_CLAIM);
    expect(html).not.toMatch(/<script/i);
  });

  it('shows the subset banner and the verification status', () => {
    expect(html).toContain('<div id="subset-warning" class="banner warning" role="alert">');
    expect(element('section', 'verification')).toMatch(/^<section id="verification" class="ok" data-ok="true">/);
  });

  it('links each example PNG by its path relative to the page, loaded lazily, embedding none', () => {
    const srcs = [...element('section', 'examples').matchAll(/<img src="([^"]+)" loading="lazy"/g)].map((m) => m[1]);
    expect(srcs).toEqual(run.extras.examples);
    for (const src of srcs) expect(existsSync(join(run.runDir, src)), src).toBe(true);
    expect(html).not.toContain('data:image/png');
    expect(html).toContain('<h3>Level 0</h3>');
    expect(html).toContain('<h3>Level 25</h3>');
  });

  it('makes no network requests: CSP default-src none, no http(s) src/href/url()', () => {
    expect(html).toContain(`content="default-src 'none'; img-src 'self' data:; style-src 'unsafe-inline'"`);
    expect(html).not.toMatch(/\b(src|href)\s*=\s*["']?(https?:)?\/\//i);
    expect(html).not.toMatch(/url\(\s*["']?(https?:)?\/\//i);
    expect(html).not.toMatch(/@import/i);
  });

  it('puts the protocol in a <details> as pretty JSON and the dataset identity in a table', () => {
    expect(element('details', 'protocol')).toContain('&quot;seeds&quot;: [\n    333,');
    expect(element('table', 'dataset-identity')).toContain('mnist-embedded (10,000-image subset)');
  });
});

describe('report.html Part 2 sections', () => {
  const count = (text: string, needle: string) => text.split(needle).length - 1;

  it('come after the Part 1 figures and before the per-level table', () => {
    const order = ['id="figures"', 'id="method-metric"', 'id="part2-figures"', 'id="paired-differences-section"', 'id="method-examples"', 'id="levels-section"'].map((m) => html.indexOf(m));
    expect(order.every((i) => i > 0)).toBe(true);
    expect([...order].sort((a, b) => a - b)).toEqual(order);
  });

  it('the method x metric table: a row per explainer and metric, baselines beside each metric', () => {
    const table = element('table', 'method-metric-table');
    // 7 explainers and 3 baselines for each of the 8 metrics
    expect(count(table, '<tr class="explainer"')).toBe(7 * 8);
    expect(count(table, '<tr class="baseline"')).toBe(3 * 8);
    expect(table).toContain('data-method="gradcampp" data-metric="softIoUNonZero"');
    expect(table).toContain('data-baseline="centre" data-metric="deletionAuc"');
    // Grad-CAM++'s soft IoU is Part 1's IoU: its r is the headline r
    const row = table.slice(table.indexOf('data-method="gradcampp" data-metric="softIoU"'));
    expect(row.slice(row.indexOf('<td class="r">') + 14, row.indexOf('</td>', row.indexOf('<td class="r">')))).toBe(run.predicate.correlation!.pearson.r.toFixed(3));
    expect(element('section', 'method-metric')).toContain('descriptive');
  });

  it('inlines the Part 2 figures as SVG with one line per series', () => {
    const iou = element('figure', 'figure-iou-every-method');
    expect(iou).toMatch(/^<figure id="figure-iou-every-method"><svg /);
    expect(count(iou, 'source_iou_lines_marks')).toBe(10);
    // 8 metric panels x 10 sources
    expect(count(element('figure', 'figure-metrics'), 'metric_lines_marks')).toBe(80);
    // 6 randomisation levels (0, 5, ..., 25) x 7 explainers
    expect(count(element('figure', 'figure-randomisation'), 'randomisation_lines_marks')).toBe(42);
  });

  it('the paired differences to RandomCAM: one row per other explainer', () => {
    const table = element('table', 'paired-differences');
    expect(rows(table)).toHaveLength(6);
    expect(table).not.toContain('data-method="randomcam"');
    expect(table).toContain('<th>deletion AUC (lower better)</th>');
  });

  it('shows the every-method grids as linked images, not embedded', () => {
    const section = element('section', 'method-examples');
    expect(section).toContain('<a href="examples/methods-seed-333-level-00.png"><img src="examples/methods-seed-333-level-00.png" loading="lazy"');
    expect([...section.matchAll(/<img src="([^"]+)"/g)].map((m) => m[1])).toEqual(run.extras.methodExamples);
    expect(section).toContain('noisy input, Grad-CAM++, Grad-CAM');
  });

  it('a report without Part 2 scores has none of these sections', async () => {
    const r = await fabricateRun({ levels: 3, part2: false });
    dirs.push(r.runDir);
    const page = readFileSync(join(r.runDir, 'report.html'), 'utf8');
    expect(page).not.toContain('id="part2"');
    expect(r.figures).toHaveLength(2);
  });
});

describe('report.html variants and errors', () => {
  it('a full-dataset, unverified run has no banner and a failed verification', async () => {
    const r = await fabricateRun({ levels: 3, verified: false });
    dirs.push(r.runDir);
    const page = readFileSync(join(r.runDir, 'report.html'), 'utf8');
    expect(page).not.toContain('subset-warning');
    expect(page).toContain('<section id="verification" class="fail" data-ok="false">');
    expect(page).toContain('signature mismatch &lt;for key &quot;x&quot;&gt;');
    expect(page).toContain('<td id="pearson">r = '); // 3 levels still have a correlation
  });

  it('says so when there is no correlation', async () => {
    const r = await fabricateRun({ levels: 2 });
    dirs.push(r.runDir);
    expect(readFileSync(join(r.runDir, 'report.html'), 'utf8')).toContain('Not computed for this run');
  });

  it('rejects example paths outside the run folder, non-PNGs, missing figures and unknown verdicts', () => {
    const dir = mkdtempSync(join(tmpdir(), 'prunecam-html-'));
    dirs.push(dir);
    const p = fabricatePredicate({ levels: 3 });
    const extras = { verification: { ok: true, message: '' }, audit: [], examples: [] as string[] };
    expect(() => writeReportHtml(dir, p, extras)).toThrow(/figure "figures\/accuracy-iou-by-level.svg" does not exist.*writeFigures/);
    mkdirSync(join(dir, 'figures'));
    writeFileSync(join(dir, 'figures', 'accuracy-iou-by-level.svg'), '<svg></svg>');
    writeFileSync(join(dir, 'figures', 'accuracy-iou-vs-density.svg'), '<svg></svg>');
    expect(() => writeReportHtml(dir, p, { ...extras, examples: ['../etc/passwd.png'] })).toThrow(/inside the run folder/);
    expect(() => writeReportHtml(dir, p, { ...extras, examples: ['/etc/x.png'] })).toThrow(/inside the run folder/);
    writeFileSync(join(dir, 'fake.png'), 'not a png');
    expect(() => writeReportHtml(dir, p, { ...extras, examples: ['fake.png'] })).toThrow(/not a PNG/);
    expect(() => writeReportHtml(dir, p, { ...extras, examples: ['examples/none.png'] })).toThrow(/does not exist/);
    expect(() => writeReportHtml(dir, p, { ...extras, methodExamples: ['fake.png'] })).toThrow(/not a PNG/);
    const bad = { ...AUDIT[0], verdict: 'maybe' as 'reproduced' };
    expect(() => writeReportHtml(dir, p, { ...extras, audit: [bad] })).toThrow(/verdict "maybe" is not one of/);
  });
});

describe('html helpers', () => {
  it('escapeHtml escapes the five markup characters', () => {
    expect(escapeHtml(`<a href="x">Tom & 'Jerry'</a>`)).toBe('&lt;a href=&quot;x&quot;&gt;Tom &amp; &#39;Jerry&#39;&lt;/a&gt;');
  });
  it('inlineSvg prefixes ids and their references and drops the XML prolog', () => {
    const svg = '<?xml version="1.0"?>\n<svg><defs><clipPath id="clip1"/></defs><g clip-path="url(#clip1)"/><use href="#clip1"/></svg>';
    expect(inlineSvg(svg, 'a', 'x')).toBe('<svg><defs><clipPath id="a-clip1"/></defs><g clip-path="url(#a-clip1)"/><use href="#a-clip1"/></svg>');
    expect(() => inlineSvg('<html></html>', 'a', 'figures/x.svg')).toThrow('figures/x.svg: not an SVG document');
  });
});
