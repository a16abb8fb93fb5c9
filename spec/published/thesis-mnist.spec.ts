import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { auditReport, type Verdict } from '../../src/audit/audit.ts';
import { loadClaims } from '../../src/audit/claims.ts';
import { verifyReport } from '../../src/report/verify.ts';
import { scipyTQuantile } from '../support/fixtures.ts';

// The thesis claims' verdicts on the published 20-seed replication (reports/thesis-mnist/),
// recomputed by hand from the signed per-seed values with PROTOCOL.md Part 2's formulas, the
// thesis's numbers and tolerances written out here, and Student t quantiles from SciPy (the `tost`
// reference fixture), so neither the audit code nor its claims file is the source of what is expected.
// (published-reports.spec.ts checks the folder itself and the recorded audit.json.)

const ROOT = join(import.meta.dirname, '..', '..');
const DIR = join(ROOT, 'reports', 'thesis-mnist');
const p = verifyReport(join(DIR, 'report.json'), { pubkey: join(DIR, 'public-key.pem') }).predicate!;
const byId = Object.fromEntries(auditReport(p, loadClaims()).results.map((r) => [r.id, r]));
const n = p.seeds.length;

/** scipy.stats.t.ppf(0.95, df), from the reference fixture. */
const t95 = (df: number) => scipyTQuantile(0.95, df);
const stats = (xs: number[]) => {
  const m = xs.reduce((a, b) => a + b, 0) / xs.length;
  return { m, s: Math.sqrt(xs.reduce((a, b) => a + (b - m) ** 2, 0) / (xs.length - 1)) };
};
type Metric = 'cleanAccuracy' | 'noisyAccuracy' | 'meanIoU' | 'heatmapStd';
const at = (level: number, k: Metric) => p.seeds.map((s) => s.levels[level][k]);
const levelMeans = (k: Metric) => p.aggregate.map((a) => stats(at(a.level, k)).m);

/** The verdict of an interval against a two-sided tolerance (PROTOCOL.md: TOST and its mirror). */
const twoSided = (lo: number, hi: number, delta: number): Verdict => (lo > -delta && hi < delta ? 'reproduced' : lo > delta || hi < -delta ? 'not reproduced' : 'inconclusive');
/** The verdict of one-sided 95% bounds against "at least min". */
const atLeast = (lo: number, hi: number, min: number): Verdict => (lo >= min ? 'reproduced' : hi < min ? 'not reproduced' : 'inconclusive');

describe(`thesis claims on reports/thesis-mnist/ (${n} seeds), recomputed by hand`, () => {
  it('is the 20-seed population, the thesis seeds among them', () => {
    expect(n).toBe(20);
    expect(p.seeds.map((s) => s.seed)).toEqual(expect.arrayContaining([333, 334, 335]));
  });

  const equivalence: Array<[string, number, Metric, number, number]> = [
    ['dense-clean-accuracy', 0, 'cleanAccuracy', 0.9817, 0.005],
    ['dense-noisy-accuracy', 0, 'noisyAccuracy', 0.9818, 0.005],
    ['mean-iou-level-0', 0, 'meanIoU', 0.179, 0.03],
    ['mean-iou-level-10', 10, 'meanIoU', 0.236, 0.03],
    ['heatmap-std-level-0', 0, 'heatmapStd', 0.218, 0.03],
    ['heatmap-std-level-10', 10, 'heatmapStd', 0.252, 0.03],
  ];
  it.each(equivalence)('%s: d and I90 = d ± t(0.95, n−1)·s·sqrt(1/n + 1/3) against ±δ', (id, level, metric, thesis, delta) => {
    const { m, s } = stats(at(level, metric));
    const d = m - thesis;
    const half = t95(n - 1) * s * Math.sqrt(1 / n + 1 / 3);
    const r = byId[id];
    expect(r.test).toBe('equivalence');
    expect(r.d).toBeCloseTo(d, 12);
    expect(r.lo90).toBeCloseTo(d - half, 12);
    expect(r.hi90).toBeCloseTo(d + half, 12);
    expect(r.df).toBe(n - 1);
    expect(r.verdict).toBe(twoSided(d - half, d + half, delta));
  });

  it.each([
    ['accuracy-held-level-17', 'cleanAccuracy', -0.005],
    ['iou-held-level-17', 'meanIoU', -0.03],
  ] as const)('%s: one-sided 95%% bounds of the paired per-seed change from level 0 to 17 against %s', (id, metric, bound) => {
    const { m, s } = stats(p.seeds.map((x) => x.levels[17][metric] - x.levels[0][metric]));
    const half = (t95(n - 1) * s) / Math.sqrt(n);
    const r = byId[id];
    expect(r.test).toBe('paired differences');
    expect(r.d).toBeCloseTo(m - bound, 12);
    expect(r.lo90).toBeCloseTo(m - half - bound, 12);
    expect(r.hi90).toBeCloseTo(m + half - bound, 12);
    expect(r.verdict).toBe(atLeast(m - half, m + half, bound));
  });

  it('the correlation and peak claims use the seed bootstrap (n ≥ 10): 10,000 resamples, estimates recomputed from the per-level means', () => {
    const acc = levelMeans('cleanAccuracy');
    const iou = levelMeans('meanIoU');
    const ma = stats(acc).m;
    const mi = stats(iou).m;
    const cov = acc.reduce((t, a, i) => t + (a - ma) * (iou[i] - mi), 0);
    const r = cov / Math.sqrt(acc.reduce((t, a) => t + (a - ma) ** 2, 0) * iou.reduce((t, b) => t + (b - mi) ** 2, 0));
    for (const id of ['pearson-r', 'pearson-p', 'peak-mean-iou']) expect(byId[id]).toMatchObject({ test: 'bootstrap', resamples: 10000 });
    expect(byId['pearson-r'].measured).toBeCloseTo(r, 12);
    expect(byId['peak-mean-iou'].measured).toBeCloseTo(Math.max(...iou), 12);
    // The verdicts follow from the intervals (relative to the thesis's reference value) by the protocol's rules.
    const pr = byId['pearson-r'];
    expect(pr.verdict).toBe(atLeast(pr.lo90! + 0.8, pr.hi90! + 0.8, 0.8));
    const peak = byId['peak-mean-iou'];
    expect(peak.verdict).toBe(twoSided(peak.lo90!, peak.hi90!, 0.03));
  });

  it('the densities are structural: the pruning rule fixes them', () => {
    expect(byId['density-range'].verdict).toBe('structural');
    expect(byId['density-level-17'].verdict).toBe('structural');
    expect(byId['density-level-17'].measured).toBeCloseTo(46 / 2324, 12);
  });
});
