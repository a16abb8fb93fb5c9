import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { verifyReport } from '../../src/report/verify.ts';
import { scipyTQuantile } from '../support/fixtures.ts';
import { currentResults, loadTemplateReports, renderResults, renderResultsFromTemplate, ResultsTemplateError, RESULTS_BEGIN, RESULTS_END, spliceResults } from '../../src/render/results-template.ts';

// The README's Results section is rendered from the committed, signed reports
// (docs/results-template.md via `npx prunecam results`): this spec fails when the two drift apart,
// and checks a few of the README's numbers against the report with arithmetic of its own.

const ROOT = join(import.meta.dirname, '..', '..');
const README = readFileSync(join(ROOT, 'README.md'), 'utf8');
const tmp = mkdtempSync(join(tmpdir(), 'prunecam-results-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe("README's Results section", () => {
  it('is exactly what the committed reports render to (run `npx prunecam results` after changing a report or the template)', () => {
    const block = currentResults(README);
    expect(block, 'README.md has no results:begin/results:end block').not.toBeNull();
    expect(block).toBe(renderResultsFromTemplate(ROOT).trim());
  });

  it('links only figures and example grids that are committed', () => {
    const links = [...README.matchAll(/\]\((reports\/[^)\s]+)\)/g)].map((m) => m[1]);
    expect(links.length).toBeGreaterThan(0);
    for (const l of links) expect(existsSync(join(ROOT, l)), l).toBe(true);
  });

  it("quotes the dense clean accuracy's mean and 95% t-interval as the per-seed values give them", () => {
    const p = verifyReport(join(ROOT, 'reports', 'thesis-mnist', 'report.json'), { pubkey: join(ROOT, 'reports', 'thesis-mnist', 'public-key.pem') }).predicate!;
    const xs = p.seeds.map((s) => s.levels[0].cleanAccuracy);
    const n = xs.length;
    const m = xs.reduce((a, b) => a + b, 0) / n;
    const sd = Math.sqrt(xs.reduce((a, b) => a + (b - m) ** 2, 0) / (n - 1));
    // scipy.stats.t.ppf(0.975, n - 1), from the SciPy reference fixture.
    const half = (scipyTQuantile(0.975, n - 1) * sd) / Math.sqrt(n);
    const cell = `${(100 * m).toFixed(2)}% [${(100 * (m - half)).toFixed(2)}, ${(100 * (m + half)).toFixed(2)}]`;
    expect(README).toContain(`| 0 | 100% | 2324 | ${cell} |`);
  });
});

describe("the README's Part 2 values, recomputed by hand from the per-seed values of reports/thesis-mnist", () => {
  const reports = loadTemplateReports('<!-- reports: mnist=reports/thesis-mnist -->', ROOT);
  const p = reports.get('mnist')!.predicate;
  const value = (key: string) => renderResults(`{{mnist.${key}}}`, reports);
  const n = p.seeds.length;
  // scipy.stats.t.ppf(0.975, n - 1), from the SciPy reference fixture.
  const t975 = scipyTQuantile(0.975, n - 1);
  const meanOf = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
  const withInterval = (xs: number[], digits: number) => {
    const m = meanOf(xs);
    const half = (t975 * Math.sqrt(xs.reduce((a, b) => a + (b - m) ** 2, 0) / (xs.length - 1))) / Math.sqrt(xs.length);
    return `${m.toFixed(digits)} [${(m - half).toFixed(digits)}, ${(m + half).toFixed(digits)}]`;
  };
  type Scores = { localisation: { softIoU: number }; softIoUNonZero: number | null };
  const scores = (l: (typeof p.seeds)[number]['levels'][number], method: string) => (l.methods as unknown as Record<string, Scores>)[method];

  it('all-zero Grad-CAM++ heatmaps at level 17, as a share of the 10,000 test images', () => {
    expect(value('zero-maps.17')).toBe(`${((100 * meanOf(p.seeds.map((s) => s.levels[17].zeroHeatmaps))) / 10000).toFixed(1)}%`);
  });

  it("Grad-CAM++'s soft IoU over its non-zero maps at level 17, mean over the seeds that have one (a seed whose maps are all zero has none)", () => {
    const defined = p.seeds.map((s) => scores(s.levels[17], 'gradcampp').softIoUNonZero).filter((v): v is number => v !== null);
    expect(defined.length).toBeLessThan(n); // the case this checks: at least one seed without a non-zero map
    expect(value('source.gradcampp.softIoUNonZero.17')).toBe(meanOf(defined).toFixed(3));
    // The cell's per-seed r uses the levels where every seed has the metric.
    const common = p.seeds[0].levels.map((l) => l.level).filter((l) => p.seeds.every((s) => scores(s.levels[l], 'gradcampp').softIoUNonZero !== null));
    expect(value('cell.gradcampp.softIoUNonZero.levels')).toBe(String(common.length));
  });

  it('Grad-CAM++ minus RandomCAM in soft IoU: per seed the mean over levels, then mean and 95% t-interval over seeds', () => {
    const perSeed = p.seeds.map((s) => meanOf(s.levels.map((l) => scores(l, 'gradcampp').localisation.softIoU - scores(l, 'randomcam').localisation.softIoU)));
    expect(value('null.gradcampp.softIoU')).toBe(withInterval(perSeed, 3));
  });

  it("per-seed Pearson r of accuracy with Grad-CAM++'s soft IoU over the 26 levels, mean and 95% t-interval", () => {
    const pearson = (x: number[], y: number[]) => {
      const mx = meanOf(x);
      const my = meanOf(y);
      const sxy = x.reduce((t, a, i) => t + (a - mx) * (y[i] - my), 0);
      return sxy / Math.sqrt(x.reduce((t, a) => t + (a - mx) ** 2, 0) * y.reduce((t, b) => t + (b - my) ** 2, 0));
    };
    const rs = p.seeds.map((s) => pearson(s.levels.map((l) => l.cleanAccuracy), s.levels.map((l) => scores(l, 'gradcampp').localisation.softIoU)));
    expect(value('cell.gradcampp.softIoU.per-seed-r')).toBe(withInterval(rs, 2));
  });

  it("the randomisation control: Grad-CAM++'s similarity at level 0 after fc is randomised, mean and 95% t-interval", () => {
    const sims = p.seeds.map((s) => s.levels[0].randomisation!.find((r) => r.stage === 'fc')!.similarity.gradcampp!.mean!);
    expect(value('randomisation.0.gradcampp.fc')).toBe(withInterval(sims, 3));
  });
});

describe('results template', () => {
  const reports = loadTemplateReports('<!-- reports: mnist=reports/thesis-mnist -->', ROOT);

  it('fills single values and blocks, and drops the reports line', () => {
    const out = renderResults('<!-- reports: mnist=reports/thesis-mnist -->\nr = {{mnist.pearson.r}}; {{mnist.seeds}} seeds', reports);
    const p = reports.get('mnist')!.predicate;
    expect(out).toBe(`r = ${p.correlation!.pearson.r.toFixed(3)}; ${p.seeds.length} seeds`);
  });

  it('names an unknown placeholder, value, report or metric', () => {
    expect(() => renderResults('{{nonsense}}', reports)).toThrow(/unknown placeholder \{\{nonsense\}\}/);
    expect(() => renderResults('{{mnist.no-such-key}}', reports)).toThrow(/report 'mnist' has no value 'no-such-key'/);
    expect(() => renderResults('{{claims fashion}}', reports)).toThrow(/no report named 'fashion'/);
    expect(() => renderResults('{{methods mnist softIOU}}', reports)).toThrow(/unknown metric softIOU/);
    expect(() => renderResults('{{levels mnist}}', reports)).toThrow(ResultsTemplateError);
  });

  it('refuses a report that does not verify (an edited number)', () => {
    const dir = join(tmp, 'reports', 'thesis-mnist');
    cpSync(join(ROOT, 'reports', 'thesis-mnist'), dir, { recursive: true });
    const envelope = JSON.parse(readFileSync(join(dir, 'report.json'), 'utf8'));
    const statement = JSON.parse(Buffer.from(envelope.payload, 'base64').toString('utf8'));
    statement.predicate.seeds[0].levels[0].cleanAccuracy += 0.01;
    envelope.payload = Buffer.from(JSON.stringify(statement)).toString('base64');
    writeFileSync(join(dir, 'report.json'), JSON.stringify(envelope));
    expect(() => loadTemplateReports('<!-- reports: mnist=reports/thesis-mnist -->', tmp)).toThrow(/report 'mnist' \(reports\/thesis-mnist\/report.json\) does not verify/);
  });

  it('splices between the markers and refuses a README without them', () => {
    const readme = `intro\n${RESULTS_BEGIN}\nold\n${RESULTS_END}\nrest\n`;
    expect(spliceResults(readme, 'new\n')).toBe(`intro\n${RESULTS_BEGIN}\nnew\n${RESULTS_END}\nrest\n`);
    expect(currentResults(spliceResults(readme, 'new'))).toBe('new');
    expect(() => spliceResults('no markers', 'x')).toThrow(/needs one/);
    expect(currentResults('no markers')).toBeNull();
  });
});
