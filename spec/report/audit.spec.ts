import { copyFileSync, cpSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it, vi } from 'vitest';
import { main } from '../../src/cli/main.ts';
import { THESIS } from '../../src/protocol/builtin.ts';
import { SMOKE } from '../../src/protocol/builtin.ts';
import { auditReport, type AuditResult, type Verdict } from '../../src/report/audit.ts';
import { loadClaims, parseClaims } from '../../src/report/claims.ts';
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

describe('auditReport', () => {
  it('lists the 13 claims of the thesis table', () => {
    expect(claims.claims.map((c) => c.id)).toEqual(ALL_IDS);
  });

  it('reproduces every claim on a report that meets them', () => {
    const a = auditReport(fabricatePredicate(), claims);
    expect(verdicts(a)).toEqual(only('reproduced', ALL_IDS, 'reproduced'));
    expect(a.notes).toEqual([]);
    const byId = Object.fromEntries(a.results.map((r) => [r.id, r]));
    expect(byId['dense-clean-accuracy']).toMatchObject({ measured: 0.9817, measuredText: '98.17%', thesisText: '98.17%', toleranceText: '±0.50 pp' });
    expect(byId['density-range']).toMatchObject({ measured: 2 / 2324, measuredText: '0.0861%', toleranceText: 'prints as 0.09%' });
    expect(byId['pearson-p']).toMatchObject({ measuredText: '1.0e-14', toleranceText: '< 0.001' });
  });

  const misses: Array<[string, (p: ReportPredicate) => void, string]> = [
    ['dense-clean-accuracy', (p) => (p.aggregate[0].cleanAccuracy.mean = 0.976), 'measured 97.60%, outside ±0.50 pp of 98.17%'],
    ['dense-noisy-accuracy', (p) => (p.aggregate[0].noisyAccuracy.mean = 0.988), 'measured 98.80%, outside ±0.50 pp of 98.18%'],
    ['pearson-r', (p) => (p.correlation = { ...THESIS_LIKE_CORRELATION, pearson: { r: 0.79, p: 1e-6, df: 24 } }), 'measured 0.7900, outside ≥ 0.800'],
    ['pearson-p', (p) => (p.correlation = { ...THESIS_LIKE_CORRELATION, pearson: { r: 0.96, p: 0.0011, df: 24 } }), 'measured 0.0011, outside < 0.001'],
    ['peak-mean-iou', (p) => (p.aggregate[5].meanIoU.mean = 0.25), 'measured 0.2500, outside ±0.030 of about 0.21'],
    ['mean-iou-level-0', (p) => (p.aggregate[0].meanIoU.mean = 0.2095), 'measured 0.2095, outside ±0.030 of 0.179'],
    ['mean-iou-level-10', (p) => (p.aggregate[10].meanIoU.mean = 0.2055), 'measured 0.2055, outside ±0.030 of 0.236'],
    ['heatmap-std-level-0', (p) => (p.aggregate[0].heatmapStd.mean = 0.25), 'measured 0.2500, outside ±0.030 of 0.218'],
    ['heatmap-std-level-10', (p) => (p.aggregate[10].heatmapStd.mean = 0.22), 'measured 0.2200, outside ±0.030 of 0.252'],
    ['density-range', (p) => (p.aggregate[25].density = 3 / 2324), 'measured 0.129%, outside prints as 0.09%'],
    ['density-level-17', (p) => (p.aggregate[17].density = 47 / 2324), 'measured 2.02%, outside prints as 1.98%'],
    ['accuracy-held-level-17', (p) => (p.aggregate[17].cleanAccuracy.mean = 0.976), 'measured -0.57 pp, outside ≥ -0.50 pp'],
    ['iou-held-level-17', (p) => (p.aggregate[17].meanIoU.mean = 0.1485), 'measured -0.0305, outside ≥ -0.030'],
  ];
  it.each(misses)('fails %s alone when the report misses it', (id, mutate, reason) => {
    const p = fabricatePredicate();
    mutate(p);
    const a = auditReport(p, claims);
    expect(verdicts(a)).toEqual(only('not reproduced', [id], 'reproduced'));
    expect(a.results.find((r) => r.id === id)?.reason).toBe(reason);
  });

  it('includes the tolerance bound itself', () => {
    const at = fabricatePredicate();
    at.aggregate[0].cleanAccuracy.mean = 0.9867; // 0.9867 - 0.9817 is 0.005000000000000004 in floats
    expect(verdicts(auditReport(at, claims))['dense-clean-accuracy']).toBe('reproduced');
    at.aggregate[0].cleanAccuracy.mean = 0.98671;
    expect(verdicts(auditReport(at, claims))['dense-clean-accuracy']).toBe('not reproduced');
  });

  it('finds nothing applicable in a run of another protocol, and says where it differs', () => {
    const a = auditReport(fabricatePredicate({ protocol: SMOKE }), claims);
    expect(verdicts(a)).toEqual(only('not applicable', ALL_IDS, 'not applicable'));
    const why = "protocol 'smoke' differs from the thesis protocol at /dataset/testLimit, /dataset/trainLimit, /training/pretrain, /training/retrain";
    expect(a.notes).toEqual([`no claim applies: ${why}`]);
    expect(a.results.every((r) => r.reason === why)).toBe(true);
    const lr = structuredClone(THESIS);
    lr.training.retrain[0].lr = 0.02;
    expect(auditReport(fabricatePredicate({ protocol: lr }), claims).notes).toEqual(["no claim applies: protocol 'thesis' differs from the thesis protocol at /training/retrain"]);
  });

  it('finds nothing applicable on a subset of the dataset', () => {
    const a = auditReport(fabricatePredicate({ dataset: { subset: true, trainImages: 10000, testImages: 2000 } }), claims);
    expect(a.counts).toEqual({ reproduced: 0, 'not reproduced': 0, 'not applicable': 13 });
    expect(a.notes).toEqual(['no claim applies: dataset is a subset of mnist; 10000 training images, not 60000; 2000 test images, not 10000']);
  });

  it('audits a shorter run on the claims its levels cover', () => {
    const protocol = { ...structuredClone(THESIS), pruning: { ...THESIS.pruning, levels: 11 } };
    const a = auditReport(fabricatePredicate({ protocol, correlation: { ...THESIS_LIKE_CORRELATION, n: 11 } }), claims);
    const levelClaims = ['dense-clean-accuracy', 'dense-noisy-accuracy', 'mean-iou-level-0', 'mean-iou-level-10', 'heatmap-std-level-0', 'heatmap-std-level-10'];
    expect(verdicts(a)).toEqual(only('reproduced', levelClaims, 'not applicable'));
    const reasons = Object.fromEntries(a.results.map((r) => [r.id, r.reason]));
    expect(reasons['pearson-r']).toBe("needs a correlation over 26 levels, the report's is over 11");
    expect(reasons['peak-mean-iou']).toBe('needs 26 levels, the report has 11');
    expect(reasons['accuracy-held-level-17']).toBe('needs 18 levels, the report has 11');
  });

  it('marks the correlation claims not applicable without a correlation, and notes a seed count unlike the thesis', () => {
    const protocol = { ...structuredClone(THESIS), seeds: [7] };
    const a = auditReport(fabricatePredicate({ protocol, correlation: null }), claims);
    expect(verdicts(a)).toEqual(only('not applicable', ['pearson-r', 'pearson-p'], 'reproduced'));
    expect(a.results.find((r) => r.id === 'pearson-p')?.reason).toBe('the report has no correlation');
    expect(a.notes).toEqual(['the report averages 1 seed; the thesis averaged 3, and the tolerances assume that many']);
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
    expect(text).toMatch(/^dense-clean-accuracy +98\.17% +91\.20% +±0\.50 pp +not applicable$/m);
    expect(text).toContain("note: no claim applies: protocol 'smoke' differs from the thesis protocol at /dataset/testLimit, /dataset/trainLimit, /training/pretrain, /training/retrain");
    expect(text).toContain('0 reproduced, 0 not reproduced, 13 not applicable');
  });

  it('--json gives the verification and the verdicts', async () => {
    const out = captureConsole();
    expect(await main(['audit', join(GOLDEN, 'report-smoke-a.json'), '--json'])).toBe(0);
    const j = JSON.parse(out.join('\n'));
    expect(j.verification.ok).toBe(true);
    expect(j.audit.counts).toEqual({ reproduced: 0, 'not reproduced': 0, 'not applicable': 13 });
    expect(j.audit.results[0]).toMatchObject({ id: 'dense-clean-accuracy', measured: 0.912, verdict: 'not applicable' });
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
