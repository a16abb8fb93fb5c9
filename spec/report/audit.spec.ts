import { copyFileSync, cpSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it, vi } from 'vitest';
import { main } from '../../src/cli/main.ts';
import { THESIS } from '../../src/protocol/builtin.ts';
import { SMOKE } from '../../src/protocol/builtin.ts';
import { auditReport, type AuditResult, type Verdict } from '../../src/audit/audit.ts';
import { loadClaims, parseClaims } from '../../src/audit/claims.ts';
import type { ReportPredicate } from '../../src/report/types.ts';
import { fabricatePredicate, tempDir, THESIS_LIKE_CORRELATION } from './support/fabricate.ts';
import { captureConsole } from '../support/console.ts';

// Reports fabricated to meet or to miss each claim of golden/thesis-claims.json. Each miss is
// chosen (by hand, from the claims' tolerances) to fail its own claim and no other.

const claims = loadClaims();
const GOLDEN = join(import.meta.dirname, '..', '..', 'golden');
const verdicts = (a: AuditResult): Record<string, Verdict> => Object.fromEntries(a.results.map((r) => [r.id, r.verdict]));
const ALL_IDS = ['dense-clean-accuracy', 'dense-noisy-accuracy', 'pearson-r', 'pearson-p', 'peak-mean-iou', 'mean-iou-level-0', 'mean-iou-level-10', 'heatmap-std-level-0', 'heatmap-std-level-10', 'density-range', 'density-level-17', 'accuracy-held-level-17', 'iou-held-level-17'];
const only = (verdict: Verdict, ids: string[], rest: Verdict) => Object.fromEntries(ALL_IDS.map((id) => [id, ids.includes(id) ? verdict : rest]));

type Metric = 'cleanAccuracy' | 'noisyAccuracy' | 'meanIoU' | 'heatmapStd';
/** Gives seed i the value values[i] of a metric at a level (fabricated seeds start identical). */
function setSeeds(p: ReportPredicate, level: number, metric: Metric, values: number[]): void {
  p.seeds.forEach((s, i) => (s.levels[level][metric] = values[i]));
}
const withSeeds = (seeds: number[], statistics?: Partial<typeof THESIS.statistics>) => ({ ...structuredClone(THESIS), seeds, statistics: { ...THESIS.statistics, ...statistics } });
const TEN = [333, 334, 335, 336, 337, 338, 339, 340, 341, 342];
const BOOTSTRAP_CLAIMS = ['pearson-r', 'pearson-p', 'peak-mean-iou'];
const DENSITIES = ['density-range', 'density-level-17'];
const expected = (overrides: Record<string, Verdict>, rest: Verdict = 'reproduced') => ({
  ...only(rest, ALL_IDS, rest),
  ...Object.fromEntries(DENSITIES.map((id) => [id, 'structural'])),
  ...overrides,
});

describe('auditReport (PROTOCOL.md Part 2 rules)', () => {
  it('lists the 13 claims of the thesis table', () => {
    expect(claims.claims.map((c) => c.id)).toEqual(ALL_IDS);
  });

  it('3 identical seeds on the thesis values: equivalence and paired claims reproduced, densities structural, bootstrap claims inconclusive', () => {
    const a = auditReport(fabricatePredicate(), claims);
    expect(verdicts(a)).toEqual(expected(Object.fromEntries(BOOTSTRAP_CLAIMS.map((id) => [id, 'inconclusive']))));
    const byId = Object.fromEntries(a.results.map((r) => [r.id, r]));
    expect(byId['dense-clean-accuracy']).toMatchObject({ measured: 0.9817, measuredText: '98.17%', test: 'equivalence', df: 2, d: 0, lo90: 0, hi90: 0 });
    expect(byId['density-range']).toMatchObject({ measured: 2 / 2324, measuredText: '0.0861%', test: 'structural' });
    expect(byId['pearson-r'].rule).toBe('bootstrap: 3 seeds, the bootstrap needs at least 10 (PROTOCOL.md Part 2)');
  });

  it('10 identical seeds: the bootstrap decides the peak and correlation claims', () => {
    const a = auditReport(fabricatePredicate({ protocol: withSeeds(TEN, { bootstrapResamples: 200 }) }), claims);
    expect(verdicts(a)).toEqual(expected({}));
    const r = a.results.find((x) => x.id === 'pearson-r')!;
    expect(r).toMatchObject({ test: 'bootstrap', resamples: 200, df: null });
    expect(r.lo90).toBeCloseTo(r.hi90!, 12); // identical seeds: every resample has the same means
  });

  it('not reproduced (mirror test): dense clean accuracy 97.0, 97.1, 97.2% vs 98.17% ± 0.5 pp', () => {
    // d = -0.0107, s = 0.001, SE = s·sqrt(2/3), half = t(0.95, 2)·SE = 0.002384: I90 [-0.01308, -0.00832] < -0.005.
    const p = fabricatePredicate();
    setSeeds(p, 0, 'cleanAccuracy', [0.97, 0.971, 0.972]);
    const r = auditReport(p, claims).results.find((x) => x.id === 'dense-clean-accuracy')!;
    const half = (0.9 / Math.sqrt(2 * 0.95 * 0.05)) * 0.001 * Math.sqrt(2 / 3);
    expect(r.verdict).toBe('not reproduced');
    expect(r.d).toBeCloseTo(-0.0107, 12);
    expect(r.hi90).toBeCloseTo(-0.0107 + half, 12);
    expect(r.reason).toContain('d = -1.07 pp, 90% interval of d [-1.31 pp, -0.83 pp]');
  });

  it('inconclusive, with the seeds that would decide it: noisy accuracy 97.8, 98.2, 98.0% vs 98.18%', () => {
    // d = -0.0018, s = 0.002: t(0.95, n-1)·s·sqrt(1/n + 1/3) < 0.0032 first holds at n = 5 (2.132·0.7303 = 1.557 < 1.6).
    const p = fabricatePredicate();
    setSeeds(p, 0, 'noisyAccuracy', [0.978, 0.982, 0.98]);
    const r = auditReport(p, claims).results.find((x) => x.id === 'dense-noisy-accuracy')!;
    expect(r).toMatchObject({ verdict: 'inconclusive', seedsNeeded: 5, df: 2 });
    expect(r.rule).toContain('5 seeds would fit I90 inside ±0.0050');
  });

  it('n = 1: every seed-based claim is inconclusive; densities stay structural', () => {
    const a = auditReport(fabricatePredicate({ protocol: withSeeds([7]) }), claims);
    expect(verdicts(a)).toEqual(expected({}, 'inconclusive'));
    expect(a.results.find((r) => r.id === 'accuracy-held-level-17')).toMatchObject({ lo90: null, hi90: null, df: 0 });
  });

  it('n = 2, paired differences: a 1 pp drop at level 17 in both seeds is not reproduced', () => {
    const p = fabricatePredicate({ protocol: withSeeds([1, 2]) });
    const a0 = p.seeds[0].levels[0].cleanAccuracy;
    setSeeds(p, 17, 'cleanAccuracy', [a0 - 0.0101, a0 - 0.0099]);
    const r = auditReport(p, claims).results.find((x) => x.id === 'accuracy-held-level-17')!;
    // mean -0.01, sd 0.0002/√2, upper bound = -0.01 + t(0.95, 1)·sd/√2 = -0.01 + 6.3138·0.0001 = -0.009369 < -0.005.
    expect(r.verdict).toBe('not reproduced');
    expect(r.df).toBe(1);
    expect(r.hi90).toBeCloseTo(-0.01 + Math.tan(Math.PI * 0.45) * 0.0001 + 0.005, 9);
  });

  it('bootstrap: a peak IoU of 0.25 in all 10 seeds is not reproduced against about 0.21 ± 0.03', () => {
    const p = fabricatePredicate({ protocol: withSeeds(TEN, { bootstrapResamples: 200 }) });
    setSeeds(p, 5, 'meanIoU', TEN.map(() => 0.25));
    expect(verdicts(auditReport(p, claims))['peak-mean-iou']).toBe('not reproduced');
  });

  it('a density that does not print as the thesis printed it is not reproduced (the pruning rule is broken)', () => {
    const p = fabricatePredicate();
    p.seeds.forEach((s) => (s.levels[17].density = 47 / 2324));
    expect(verdicts(auditReport(p, claims))['density-level-17']).toBe('not reproduced');
  });

  it('finds nothing applicable in a run of another protocol, and says where it differs', () => {
    const a = auditReport(fabricatePredicate({ protocol: SMOKE }), claims);
    expect(verdicts(a)).toEqual(only('not applicable', ALL_IDS, 'not applicable'));
    const why = "protocol 'smoke' differs from the thesis protocol at /dataset/testLimit, /dataset/trainLimit, /training/pretrain, /training/retrain";
    expect(a.notes).toEqual([`no claim applies: ${why}`]);
    expect(a.results.every((r) => r.reason === why)).toBe(true);
  });

  it('Part 2 fields and the seed list never make a claim inapplicable', () => {
    const protocol = withSeeds([1, 2, 3], { bootstrapResamples: 500, minBootstrapSeeds: 20 });
    protocol.explain.methods = ['gradcampp'];
    protocol.explain.baselines = [];
    protocol.metrics.topK = 10;
    protocol.controls.randomisation.images = 0;
    expect(auditReport(fabricatePredicate({ protocol }), claims).counts['not applicable']).toBe(0);
  });

  it('finds nothing applicable on a subset of the dataset', () => {
    const a = auditReport(fabricatePredicate({ dataset: { subset: true, trainImages: 10000, testImages: 2000 } }), claims);
    expect(a.counts['not applicable']).toBe(13);
    expect(a.notes).toEqual(['no claim applies: dataset is a subset of mnist; 10000 training images, not 60000; 2000 test images, not 10000']);
  });

  it('audits a shorter run on the claims its levels cover', () => {
    const protocol = { ...structuredClone(THESIS), pruning: { ...THESIS.pruning, levels: 11 } };
    const a = auditReport(fabricatePredicate({ protocol, correlation: { ...THESIS_LIKE_CORRELATION, n: 11 } }), claims);
    const levelClaims = ['dense-clean-accuracy', 'dense-noisy-accuracy', 'mean-iou-level-0', 'mean-iou-level-10', 'heatmap-std-level-0', 'heatmap-std-level-10'];
    expect(verdicts(a)).toEqual(only('reproduced', levelClaims, 'not applicable'));
    const reasons = Object.fromEntries(a.results.map((r) => [r.id, r.reason]));
    expect(reasons['pearson-r']).toBe('needs a correlation over 26 levels, the report has 11');
    expect(reasons['peak-mean-iou']).toBe('needs 26 levels, the report has 11');
    expect(reasons['accuracy-held-level-17']).toBe('needs 18 levels, the report has 11');
  });

  it('does not depend on the order of the seeds in the report', () => {
    const p = fabricatePredicate({ protocol: withSeeds(TEN, { bootstrapResamples: 200 }) });
    TEN.forEach((_, i) => (p.seeds[i].levels[3].meanIoU += i / 1000));
    const q = structuredClone(p);
    q.seeds.reverse();
    expect(auditReport(q, claims)).toEqual(auditReport(p, claims));
  });
});

describe('claims file', () => {
  it('is validated: unknown measures, missing rationale and duplicate ids are named', () => {
    const raw = structuredClone(claims) as unknown as { claims: Array<Record<string, unknown>> };
    raw.claims[0].measure = { kind: 'levelMedian', level: 0 };
    expect(() => parseClaims(raw, 'x.json')).toThrow(/invalid claims file x\.json:\n {2}\/claims\/0\/measure/);
    const dup = structuredClone(claims) as unknown as { claims: Array<Record<string, unknown>> };
    dup.claims[1].id = dup.claims[0].id;
    expect(() => parseClaims(dup, 'x.json')).toThrow('claim id dense-clean-accuracy appears twice');
    const noWhy = structuredClone(claims) as unknown as { claims: Array<Record<string, unknown>> };
    delete noWhy.claims[2].rationale;
    expect(() => parseClaims(noWhy, 'x.json')).toThrow("/claims/2 must have required property 'rationale'");
  });
});

describe('prunecam audit', () => {
  const cleanups: Array<() => void> = [];
  afterAll(() => cleanups.forEach((c) => c()));
  afterEach(() => vi.restoreAllMocks());

  it('verifies the golden smoke report and finds no thesis claim applicable to it (exit 0)', async () => {
    const out = captureConsole();
    expect(await main(['audit', join(GOLDEN, 'report-smoke-a.json')])).toBe(0);
    const text = out.join('\n');
    expect(text).toContain('OK: signature, statement, predicate and 1 artifact(s) verified');
    expect(text).toMatch(/^dense-clean-accuracy +98\.17% +— +±0\.50 pp +— +— +— +not applicable$/m);
    expect(text).toContain("note: no claim applies: protocol 'smoke' differs from the thesis protocol at /dataset/testLimit, /dataset/trainLimit, /training/pretrain, /training/retrain");
    expect(text).toContain('0 reproduced, 0 not reproduced, 0 inconclusive, 0 structural, 13 not applicable');
  });

  it('--json gives the verification and the verdicts', async () => {
    const out = captureConsole();
    expect(await main(['audit', join(GOLDEN, 'report-smoke-a.json'), '--json'])).toBe(0);
    const j = JSON.parse(out.join('\n'));
    expect(j.verification.ok).toBe(true);
    expect(j.audit.counts).toEqual({ reproduced: 0, 'not reproduced': 0, inconclusive: 0, structural: 0, 'not applicable': 13 });
    expect(j.audit.results[0]).toMatchObject({ id: 'dense-clean-accuracy', measured: null, d: null, lo90: null, df: null, verdict: 'not applicable' });
  });

  it('warns and exits 1 when the report does not verify; exits 2 when it is no report', async () => {
    const { dir, cleanup } = tempDir();
    cleanups.push(cleanup);
    for (const f of ['report-smoke-a.json', 'public-key.pem']) copyFileSync(join(GOLDEN, f), join(dir, f));
    cpSync(join(GOLDEN, 'report-smoke'), join(dir, 'report-smoke'), { recursive: true });
    writeFileSync(join(dir, 'report-smoke', 'levels-a.csv'), 'changed');
    let out = captureConsole();
    expect(await main(['audit', join(dir, 'report-smoke-a.json')])).toBe(1);
    expect(out.join('\n')).toContain('WARNING: the report does not verify; the values below are unverified');
    vi.restoreAllMocks();
    writeFileSync(join(dir, 'junk.json'), '{}');
    out = captureConsole();
    expect(await main(['audit', join(dir, 'junk.json')])).toBe(2);
    expect(out.join('\n')).toContain('cannot audit: the report has no valid predicate');
  });
});
