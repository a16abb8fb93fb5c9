import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it, vi } from 'vitest';
import { main } from '../../src/cli/main.ts';
import { THESIS } from '../../src/protocol/builtin.ts';
import { diffReports, DEFAULT_TOLERANCES } from '../../src/audit/diff.ts';
import { loadSigningKey } from '../../src/report/keys.ts';
import { verifyReport } from '../../src/report/verify.ts';
import { fabricatePredicate, tempDir, THESIS_LIKE_CORRELATION } from './support/fabricate.ts';
import { captureConsole } from '../support/console.ts';

const GOLDEN = join(import.meta.dirname, '..', '..', 'golden');
const A = join(GOLDEN, 'report-smoke-a.json');
const DRIFTED = join(GOLDEN, 'report-smoke-drifted.json');

describe('diffReports', () => {
  it('finds no drift between a report and itself, comparing 5 values and 6 interval bounds per level and 3 correlations', () => {
    const r = diffReports(fabricatePredicate(), fabricatePredicate());
    expect(r).toEqual({ drifts: [], compared: 26 * (5 + 6) + 3, notes: [] });
  });

  it('compares the 95% intervals: a diverging seed shows even when the mean barely moves', () => {
    const a = fabricatePredicate();
    const b = fabricatePredicate();
    // Seeds 0.17 ± 0.01 around the same mean: sd 0.01, half-width t(0.975, 2)·0.01/√3 = 0.0248 > 0.02.
    const iou = b.seeds[0].levels[5].meanIoU;
    b.seeds[0].levels[5].meanIoU = iou - 0.01;
    b.seeds[2].levels[5].meanIoU = iou + 0.01;
    expect(diffReports(a, b).drifts.map((d) => d.metric)).toEqual(['meanIoU.lo95', 'meanIoU.hi95']);
  });

  it('names level, metric, both values and the tolerance of each drift', () => {
    const a = fabricatePredicate();
    const b = fabricatePredicate();
    b.aggregate[3].cleanAccuracy.mean += 0.006; // level 3: 0.9811 -> 0.9871
    b.aggregate[4].remainingWeights -= 1; // 948 -> 947
    b.correlation = { ...THESIS_LIKE_CORRELATION, pearson: { r: 0.9, p: 1e-10, df: 24 } };
    expect(diffReports(a, b).drifts.map((d) => d.message)).toEqual([
      'level 3 cleanAccuracy: A 0.9811, B 0.9871, |Δ| 0.0060 > 0.0050',
      'level 4 remainingWeights: A 948, B 947, |Δ| 1 > 0',
      'pearson.r: A 0.9600, B 0.9000, |Δ| 0.0600 > 0.0500',
    ]);
  });

  it('treats a difference equal to the tolerance as within it', () => {
    const b = fabricatePredicate();
    b.aggregate[0].noisyAccuracy.mean += DEFAULT_TOLERANCES.accuracy;
    b.aggregate[1].meanIoU.mean -= DEFAULT_TOLERANCES.iou;
    expect(diffReports(fabricatePredicate(), b).drifts).toEqual([]);
  });

  it('uses the tolerances it is given', () => {
    const b = fabricatePredicate();
    b.aggregate[2].meanIoU.mean += 0.03;
    expect(diffReports(fabricatePredicate(), b).drifts.map((d) => [d.level, d.metric])).toEqual([[2, 'meanIoU']]);
    expect(diffReports(fabricatePredicate(), b, { ...DEFAULT_TOLERANCES, iou: 0.05 }).drifts).toEqual([]);
    expect(() => diffReports(fabricatePredicate(), b, { ...DEFAULT_TOLERANCES, iou: -1 })).toThrow('tolerance iou must be a finite number >= 0, got -1');
  });

  it('reports levels and correlations present on one side only, and different protocols', () => {
    const shorter = { ...structuredClone(THESIS), pruning: { ...THESIS.pruning, levels: 25 } };
    const r = diffReports(fabricatePredicate(), fabricatePredicate({ protocol: shorter, correlation: null }));
    expect(r.drifts.map((d) => d.message)).toEqual(['level 25: present in A only', 'correlation: present in A only']);
    expect(r.notes).toEqual(['the reports ran different protocols (differing at /pruning/levels); compared anyway']);
  });
});

describe('golden smoke reports', () => {
  it('verify against the committed test key', () => {
    const keyid = loadSigningKey(join(GOLDEN, 'test-signing-key.pem')).keyid;
    for (const path of [A, DRIFTED]) expect(verifyReport(path)).toMatchObject({ ok: true, reasons: [], keyid });
  });
});

describe('prunecam diff on the golden reports', () => {
  const cleanups: Array<() => void> = [];
  afterAll(() => cleanups.forEach((c) => c()));
  afterEach(() => vi.restoreAllMocks());

  it('passes on identical reports (exit 0)', async () => {
    const out = captureConsole();
    expect(await main(['diff', A, A])).toBe(0);
    expect(out.join('\n')).toContain('compared 15 values (tolerances: accuracy ±0.005, IoU ±0.02, correlation ±0.05)\nno drift: within tolerance');
  });

  it('fails on the drifted report, naming level and metric (exit 1)', async () => {
    const out = captureConsole();
    expect(await main(['diff', A, DRIFTED])).toBe(1);
    // The drifted report moved level 1's noisy accuracy 0.911 -> 0.902 and level 2's IoU 0.183 -> 0.215.
    expect(out.join('\n')).toContain(
      ['DRIFT: 2 value(s) beyond tolerance', '  - level 1 noisyAccuracy: A 0.9110, B 0.9020, |Δ| 0.0090 > 0.0050', '  - level 2 meanIoU: A 0.1830, B 0.2150, |Δ| 0.0320 > 0.0200'].join('\n'),
    );
  });

  it('passes the drifted report under wider tolerances, and prints JSON', async () => {
    let out = captureConsole();
    expect(await main(['diff', A, DRIFTED, '--tolerance-acc', '0.01', '--tolerance-iou=0.04'])).toBe(0);
    vi.restoreAllMocks();
    out = captureConsole();
    expect(await main(['diff', A, DRIFTED, '--json'])).toBe(1);
    const j = JSON.parse(out.join('\n'));
    expect(j.drifts.map((d: { level: number; metric: string; a: number; b: number }) => [d.level, d.metric, d.a, d.b])).toEqual([
      [1, 'noisyAccuracy', 0.911, 0.902],
      [2, 'meanIoU', 0.183, 0.215],
    ]);
  });

  it('exits 2 on unusable input', async () => {
    const { dir, cleanup } = tempDir();
    cleanups.push(cleanup);
    writeFileSync(join(dir, 'junk.json'), '[]');
    let out = captureConsole();
    expect(await main(['diff', A, join(dir, 'junk.json')])).toBe(2);
    expect(out.join('\n')).toContain(`prunecam diff: B (${join(dir, 'junk.json')}) is not a usable report:\n  - no public key: public-key.pem is missing beside the report; pass --pubkey\n  - report is not a DSSE envelope: not a JSON object`);
    vi.restoreAllMocks();
    out = captureConsole();
    expect(await main(['diff', A, DRIFTED, '--tolerance-acc', 'x'])).toBe(2);
    expect(out[0]).toMatch(/^prunecam diff: --tolerance-acc must be a number >= 0, got 'x'/);
    vi.restoreAllMocks();
    captureConsole();
    expect(await main(['diff', A])).toBe(2);
  });
});
