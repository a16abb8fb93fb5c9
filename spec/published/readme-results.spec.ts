import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { verifyReport } from '../../src/report/verify.ts';
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

  it("quotes the dense clean accuracy's mean and 95% t-interval as the per-seed values give them", () => {
    const p = verifyReport(join(ROOT, 'reports', 'thesis-mnist', 'report.json'), { pubkey: join(ROOT, 'reports', 'thesis-mnist', 'public-key.pem') }).predicate!;
    const xs = p.seeds.map((s) => s.levels[0].cleanAccuracy);
    const n = xs.length;
    const m = xs.reduce((a, b) => a + b, 0) / n;
    const sd = Math.sqrt(xs.reduce((a, b) => a + (b - m) ** 2, 0) / (n - 1));
    // scipy.stats.t.ppf(0.975, df) for the seed counts the published reports have.
    const t975: Record<number, number> = { 2: 4.302652729911275, 9: 2.2621571627409915, 19: 2.093024054408263 };
    expect(t975[n - 1], `no SciPy t quantile recorded for df ${n - 1}`).toBeDefined();
    const half = (t975[n - 1] * sd) / Math.sqrt(n);
    const cell = `${(100 * m).toFixed(2)}% [${(100 * (m - half)).toFixed(2)}, ${(100 * (m + half)).toFixed(2)}]`;
    expect(README).toContain(`| 0 | 100% | 2324 | ${cell} |`);
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
