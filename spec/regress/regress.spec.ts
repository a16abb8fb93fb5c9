import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { compareWithGolden, type Golden, type Measured } from '../../src/regress/golden.ts';

// `prunecam regress` against the committed goldens on the two backends CI has, and the rules
// that decide failure vs drift, on made-up numbers.

const BIN = join(import.meta.dirname, '..', '..', 'bin', 'prunecam.js');

describe('prunecam regress', () => {
  for (const backend of ['wasm', 'cpu']) {
    it(`exits 0 on ${backend} against golden/regress-${backend}.json`, () => {
      const r = spawnSync(process.execPath, [BIN, 'regress', '--backend', backend], { encoding: 'utf8' });
      expect(r.status, r.stdout + r.stderr).toBe(0);
      expect(r.stdout).toMatch(/OK: no regression/);
    }, 120_000);
  }
});

describe('compareWithGolden', () => {
  const versions = { tfjs: '4.22.0', backend: 'wasm', backendVersion: 'tfjs 4.22.0, tfjs-backend-wasm 4.22.0', trainingPath: 'fused' };
  const golden: Golden = {
    format: 'prunecam-regress/v1',
    versions,
    fixtures: { 'forward-1.json': { digest: 'aa', maxDeviation: 1e-6 } },
    losses: [2, 1],
    endMetrics: { 'level 0.cleanAccuracy': 0.8 },
  };
  const measured = (o: Partial<Measured>): Measured => ({
    versions,
    fixtures: [{ file: 'forward-1.json', digest: 'aa', maxDeviation: 1e-6, violation: null }],
    losses: [2, 1],
    endMetrics: { 'level 0.cleanAccuracy': 0.8 },
    ...o,
  });
  const statuses = (m: Measured) => compareWithGolden(golden, m).map((r) => r.status);

  it('same versions: everything identical passes, any changed number fails', () => {
    expect(statuses(measured({}))).toEqual(['identical', 'identical', 'identical']);
    expect(statuses(measured({ losses: [2, 1.00000001] }))).toEqual(['identical', 'FAIL', 'identical']);
    expect(statuses(measured({ endMetrics: { 'level 0.cleanAccuracy': 0.805 } }))).toEqual(['identical', 'identical', 'FAIL']);
    expect(statuses(measured({ fixtures: [{ file: 'forward-1.json', digest: 'bb', maxDeviation: 2e-6, violation: null }] }))[0]).toBe('FAIL');
  });

  it('other versions: fixtures within tolerance and losses within 1e-4 relative pass, end metrics are drift', () => {
    const other = { ...versions, tfjs: '4.23.0' };
    // 1 -> 1.00005 is 5e-5 relative: within.
    const ok = measured({ versions: other, fixtures: [{ file: 'forward-1.json', digest: 'bb', maxDeviation: 2e-6, violation: null }], losses: [2, 1.00005], endMetrics: { 'level 0.cleanAccuracy': 0.7 } });
    expect(statuses(ok)).toEqual(['within', 'within', 'drift']);
    // 1 -> 1.0002 is 2e-4 relative: a failure, naming the step.
    const bad = compareWithGolden(golden, measured({ versions: other, losses: [2, 1.0002] }));
    expect(bad[1]).toMatchObject({ status: 'FAIL', now: expect.stringMatching(/^step 2: 1.0002 vs 1/) });
    expect(statuses(measured({ versions: other, fixtures: [{ file: 'forward-1.json', digest: 'bb', maxDeviation: 1, violation: 'logits[0]: ...' }] }))[0]).toBe('FAIL');
  });
});
