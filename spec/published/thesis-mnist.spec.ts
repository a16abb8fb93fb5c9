import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { auditReport } from '../../src/audit/audit.ts';
import { loadClaims } from '../../src/audit/claims.ts';
import { verifyReport } from '../../src/report/verify.ts';

// The published thesis replication (reports/thesis-mnist/): its signature, schema and artifacts
// verify against the committed public key, and its audit gives the verdicts recorded when it was
// published (audit.json, the output of `prunecam audit --json`), so a later change cannot silently break the published result.

const DIR = join(import.meta.dirname, '..', '..', 'reports', 'thesis-mnist');

describe('published thesis replication', () => {
  it('is committed', () => expect(existsSync(join(DIR, 'report.json'))).toBe(true));

  it('verifies against the committed public key (checkpoints are optional and not published)', () => {
    const v = verifyReport(join(DIR, 'report.json'), { pubkey: join(DIR, 'public-key.pem') });
    expect(v.reasons).toEqual([]);
    expect(v.ok).toBe(true);
    expect(v.keyTrust).toBe('trusted-key');
    const p = v.predicate!;
    expect(p.protocol.name).toBe('thesis');
    expect(p.dataset).toMatchObject({ name: 'mnist', subset: false, trainImages: 60000, testImages: 10000 });
    expect(p.seeds.map((s) => s.seed)).toEqual([333, 334, 335]);
    expect(p.aggregate).toHaveLength(26);
  });

  it('audits to the verdicts recorded in audit.json (the output of `prunecam audit --json`)', () => {
    const v = verifyReport(join(DIR, 'report.json'), { pubkey: join(DIR, 'public-key.pem') });
    const recorded = (JSON.parse(readFileSync(join(DIR, 'audit.json'), 'utf8')) as { audit: { results: Array<{ id: string; verdict: string; measured: number | null }> } }).audit;
    const now = auditReport(v.predicate!, loadClaims());
    expect(now.results.map((r) => [r.id, r.verdict])).toEqual(recorded.results.map((r) => [r.id, r.verdict]));
    for (const r of now.results) {
      const was = recorded.results.find((x) => x.id === r.id)!;
      if (was.measured === null) expect(r.measured).toBeNull();
      else expect(r.measured).toBeCloseTo(was.measured, 12);
    }
  });

  describe('verdicts recomputed by hand from the per-seed values (PROTOCOL.md Part 2)', () => {
    const p = verifyReport(join(DIR, 'report.json'), { pubkey: join(DIR, 'public-key.pem') }).predicate!;
    const byId = Object.fromEntries(auditReport(p, loadClaims()).results.map((r) => [r.id, r]));
    // 3 seeds: df = 2, t(0.95, 2) = 0.9/sqrt(2·0.95·0.05) (closed form for df = 2).
    const t95df2 = 0.9 / Math.sqrt(2 * 0.95 * 0.05);
    const stats = (xs: number[]) => {
      const m = xs.reduce((a, b) => a + b, 0) / xs.length;
      return { m, s: Math.sqrt(xs.reduce((a, b) => a + (b - m) ** 2, 0) / (xs.length - 1)) };
    };
    const at = (level: number, k: 'cleanAccuracy' | 'noisyAccuracy' | 'meanIoU' | 'heatmapStd') => p.seeds.map((s) => s.levels[level][k]);

    it('gives every claim one of the five verdicts, as tabulated', () => {
      expect(Object.fromEntries(Object.values(byId).map((r) => [r.id, r.verdict]))).toEqual({
        'dense-clean-accuracy': 'inconclusive',
        'dense-noisy-accuracy': 'inconclusive',
        'pearson-r': 'inconclusive',
        'pearson-p': 'inconclusive',
        'peak-mean-iou': 'inconclusive',
        'mean-iou-level-0': 'inconclusive',
        'mean-iou-level-10': 'inconclusive',
        'heatmap-std-level-0': 'inconclusive',
        'heatmap-std-level-10': 'inconclusive',
        'density-range': 'structural',
        'density-level-17': 'structural',
        'accuracy-held-level-17': 'not reproduced',
        'iou-held-level-17': 'not reproduced',
      });
    });

    const equivalence: Array<[string, number, 'cleanAccuracy' | 'noisyAccuracy' | 'meanIoU' | 'heatmapStd', number, number]> = [
      ['dense-clean-accuracy', 0, 'cleanAccuracy', 0.9817, 0.005],
      ['dense-noisy-accuracy', 0, 'noisyAccuracy', 0.9818, 0.005],
      ['mean-iou-level-0', 0, 'meanIoU', 0.179, 0.03],
      ['mean-iou-level-10', 10, 'meanIoU', 0.236, 0.03],
      ['heatmap-std-level-0', 0, 'heatmapStd', 0.218, 0.03],
      ['heatmap-std-level-10', 10, 'heatmapStd', 0.252, 0.03],
    ];
    it.each(equivalence)('%s: d and I90 = d ± t(0.95, 2)·s·sqrt(1/3 + 1/3), straddling ±δ', (id, level, metric, thesis, delta) => {
      const { m, s } = stats(at(level, metric));
      const d = m - thesis;
      const half = t95df2 * s * Math.sqrt(1 / 3 + 1 / 3);
      const r = byId[id];
      expect(r.d).toBeCloseTo(d, 12);
      expect(r.lo90).toBeCloseTo(d - half, 12);
      expect(r.hi90).toBeCloseTo(d + half, 12);
      expect(r.df).toBe(2);
      // Inconclusive: neither inside (−δ, δ) nor entirely outside [−δ, δ].
      expect(d - half < delta && d + half > -delta && !(d - half > -delta && d + half < delta)).toBe(true);
    });

    it.each([
      ['accuracy-held-level-17', 'cleanAccuracy', -0.005],
      ['iou-held-level-17', 'meanIoU', -0.03],
    ] as const)('%s: the upper one-sided 95% bound of the paired change is below the bound', (id, metric, bound) => {
      const diffs = p.seeds.map((s) => s.levels[17][metric] - s.levels[0][metric]);
      const { m, s } = stats(diffs);
      const upper = m + (t95df2 * s) / Math.sqrt(3);
      expect(upper).toBeLessThan(bound);
      expect(byId[id].hi90).toBeCloseTo(upper - bound, 12);
      expect(byId[id].d).toBeCloseTo(m - bound, 12);
    });

    it('the bootstrap claims need 10 seeds; the densities are structural', () => {
      for (const id of ['pearson-r', 'pearson-p', 'peak-mean-iou']) {
        expect(byId[id]).toMatchObject({ test: 'bootstrap', lo90: null, resamples: null });
        expect(byId[id].rule).toContain('3 seeds, the bootstrap needs at least 10');
      }
      expect(byId['density-level-17'].measured).toBeCloseTo(46 / 2324, 12);
    });
  });
});
