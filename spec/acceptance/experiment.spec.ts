import { existsSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { runExperiment, type RunOutcome } from '../../src/experiment/run.ts';
import { exampleFile, hasExample } from '../../src/experiment/examples.ts';
import { auditReport } from '../../src/audit/audit.ts';
import { loadClaims } from '../../src/audit/claims.ts';
import { verifyReport } from '../../src/report/verify.ts';

// The experiment as a test suite. `npm test` runs it on the smoke protocol in a fresh folder;
// `npm run experiment` (vitest.acceptance.config.ts) on PRUNECAM_PROTOCOL (default thesis) in
// reports/runs/, resuming whatever is finished there. The thesis's claims are the assertions,
// judged by PROTOCOL.md Part 2 (golden/thesis-claims.json for the tolerances): `reproduced` and
// `structural` pass, `not reproduced` fails with d and its interval in the message,
// `inconclusive` and `not applicable` are skipped with their reason.

const protocol = process.env.PRUNECAM_PROTOCOL ?? 'smoke';
const out = process.env.PRUNECAM_OUT ?? mkdtempSync(join(tmpdir(), 'prunecam-acceptance-'));
const claims = loadClaims();
let outcome: RunOutcome;
let audited: ReturnType<typeof auditReport> | undefined;
/** The audit is computed once (the bootstrap claims resample the seeds thousands of times). */
const audit = () => (audited ??= auditReport(outcome.predicate, claims));

describe(`experiment: protocol ${protocol}`, () => {
  beforeAll(async () => {
    outcome = await runExperiment({ protocol, backend: (process.env.PRUNECAM_BACKEND ?? 'auto') as 'auto', out, dataDir: process.env.PRUNECAM_DATA_DIR });
  });

  it('writes the run folder: checkpoints, CSV, figures, examples, signed report, HTML', () => {
    const p = outcome.predicate;
    const dir = outcome.runDir;
    for (const f of ['protocol.json', 'levels.csv', 'aggregate.csv', 'report.json', 'public-key.pem', 'report.html', 'figures/accuracy-iou-by-level.svg', 'figures/accuracy-iou-vs-density.svg']) {
      expect(existsSync(join(dir, f)), f).toBe(true);
    }
    const csvRows = readFileSync(join(dir, 'levels.csv'), 'utf8').trim().split('\n');
    expect(csvRows[0]).toMatch(/^seed,level,/);
    // Long layout: one row per seed, level and heatmap source (every explainer and baseline).
    const sources = p.protocol.explain.methods.length + p.protocol.explain.baselines.length;
    expect(csvRows).toHaveLength(1 + p.protocol.seeds.length * p.protocol.pruning.levels * sources);
    const aggRows = readFileSync(join(dir, 'aggregate.csv'), 'utf8').trim().split('\n');
    // Per level: Part 1's Grad-CAM++ row, then one row per source.
    expect(aggRows).toHaveLength(1 + p.protocol.pruning.levels * (1 + sources));
    for (const s of p.protocol.seeds) for (let l = 0; l < p.protocol.pruning.levels; l++) expect(existsSync(join(dir, `seed-${s}`, `level-${String(l).padStart(2, '0')}.ckpt.json.gz`))).toBe(true);
    // Example PNGs for the selected seeds and levels only (src/experiment/examples.ts).
    const selected = p.protocol.seeds.flatMap((s) => Array.from({ length: p.protocol.pruning.levels }, (_, l) => l).filter((l) => hasExample(p.protocol, s, l)).map((l) => exampleFile(s, l)));
    expect(readdirSync(join(dir, 'examples')).filter((f) => f.startsWith('seed-')).map((f) => `examples/${f}`).sort()).toEqual(selected.sort());
  });

  it('the signed report verifies', () => {
    const v = verifyReport(outcome.reportPath);
    expect(v.reasons).toEqual([]);
    expect(v.ok).toBe(true);
  });

  it('every per-level metric carries mean, sd, n and a 95% interval once there are 2 seeds', () => {
    const n = outcome.predicate.seeds.length;
    for (const a of outcome.predicate.aggregate) {
      expect(a.meanIoU.n).toBe(n);
      if (n >= 2) expect(a.meanIoU.lo95! <= a.meanIoU.mean && a.meanIoU.mean <= a.meanIoU.hi95!).toBe(true);
    }
  });

  it('learns: dense accuracy well above chance, heatmaps are real, correlations computed', () => {
    const level0 = outcome.predicate.aggregate[0];
    expect(level0.cleanAccuracy.mean, `dense clean accuracy ${level0.cleanAccuracy.mean}`).toBeGreaterThan(0.3);
    expect(level0.meanIoU.mean).toBeGreaterThan(0.01);
    expect(level0.meanIoU.mean).toBeLessThan(1);
    expect(level0.zeroHeatmaps.mean).toBeLessThan(outcome.predicate.dataset.testImages);
    const c = outcome.predicate.correlation!;
    expect(c.n).toBe(outcome.predicate.protocol.pruning.levels);
    for (const p of [c.pearson.p, c.spearman.p, c.kendall.p]) expect(p >= 0 && p <= 1).toBe(true);
  });

  describe("the thesis's claims (golden/thesis-claims.json)", () => {
    for (const claim of claims.claims) {
      it(`${claim.id}: ${claim.claim}`, (ctx) => {
        const r = audit().results.find((x) => x.id === claim.id)!;
        if (r.verdict === 'not applicable') ctx.skip(`not applicable to protocol ${protocol}: ${r.reason ?? ''}`);
        if (r.verdict === 'inconclusive') ctx.skip(`inconclusive: ${r.reason ?? r.rule}`);
        expect(['reproduced', 'structural'], `${claim.id}: measured ${r.measuredText}, thesis ${r.thesisText}, tolerance ${r.toleranceText}; ${r.reason ?? r.rule}`).toContain(r.verdict);
      });
    }
  });
});
