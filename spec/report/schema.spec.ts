import type { LevelAggregate } from '../../src/report/types.ts';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { generateSigningKey } from '../../src/report/keys.ts';
import { assertWritablePredicate, nonFinitePaths, predicateErrors } from '../../src/report/schema.ts';
import { writeSignedReport } from '../../src/report/sign.ts';
import { fabricatePredicate as fabricatePart2 } from '../support/predicate.ts';
import { fabricatePredicate, tempDir, THESIS_LIKE_CORRELATION, writeFiles } from './support/fabricate.ts';

const cleanups: Array<() => void> = [];
afterAll(() => cleanups.forEach((c) => c()));

/** A valid predicate (with one artifact digest) to break one field at a time. */
function valid(): Record<string, any> {
  return { ...fabricatePredicate({ levels: 4 }), artifacts: [{ name: 'levels.csv', sha256: 'e'.repeat(64), optional: false }] };
}

describe('report predicate schema', () => {
  it('accepts a fabricated predicate', () => {
    expect(predicateErrors(valid())).toEqual([]);
  });

  it('is closed: unknown fields are named', () => {
    const p = valid();
    p.extra = 1;
    p.aggregate[2].cleanAccuracy.median = 0.5;
    p.environment.kernel = 'x';
    expect(predicateErrors(p)).toEqual(['/extra is not a known field', '/environment/kernel is not a known field', '/aggregate/2/cleanAccuracy/median is not a known field']);
  });

  it('names missing fields and wrong types', () => {
    const p = valid();
    delete p.seeds[0].levels[1].wallTimeS;
    p.seeds[0].levels[3].meanIoU = '0.2';
    p.correlation = { pearson: { r: 0.9, p: 0.01, df: 2 } };
    expect(predicateErrors(p)).toEqual([
      '/seeds/0/levels/1/wallTimeS is missing',
      '/seeds/0/levels/3/meanIoU must be number',
      '/correlation/spearman is missing',
      '/correlation/kendall is missing',
      '/correlation/n is missing',
      '/correlation must be null',
    ]);
  });

  it('holds fractions to [0, 1] (accuracy 98.17 in percent is an error)', () => {
    const p = valid();
    p.seeds[0].levels[0].cleanAccuracy = 98.17;
    p.aggregate[0].density = -0.1;
    p.correlation = null;
    expect(predicateErrors(p)).toEqual(['/seeds/0/levels/0/cleanAccuracy must be <= 1', '/aggregate/0/density must be >= 0']);
  });

  it('validates the protocol with the protocol schema', () => {
    const p = valid();
    p.protocol.pruning.fraction = 1.5;
    p.protocol.training.optimiser = {};
    expect(predicateErrors(p)).toEqual(['/protocol/training/optimiser is not a known field', '/protocol/pruning/fraction must be < 1']);
  });

  it('checks runId, digests and timestamps by pattern', () => {
    const p = valid();
    p.runId = 'ABC';
    p.artifacts[0].sha256 = 'e'.repeat(63);
    p.startedAt = '2025-01-01 00:00';
    expect(predicateErrors(p)).toEqual([
      '/runId must match pattern "^[0-9a-f]{64}$"',
      '/startedAt must match pattern "^\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}(\\.\\d+)?(Z|[+-]\\d{2}:\\d{2})$"',
      '/artifacts/0/sha256 must match pattern "^[0-9a-f]{64}$"',
    ]);
  });

  it('requires every artifact to say whether it is optional, as a boolean', () => {
    const p = valid();
    p.artifacts.push({ name: 'seed-333/level-00.ckpt.json', sha256: 'e'.repeat(64), optional: 'yes' }, { name: 'x.png', sha256: 'e'.repeat(64) });
    expect(predicateErrors(p)).toEqual(['/artifacts/1/optional must be boolean', '/artifacts/2/optional is missing']);
  });

  it('counts non-finite heatmaps as a non-negative integer per seed, a mean over seeds', () => {
    const p = valid();
    p.seeds[0].levels[1].nonFiniteHeatmaps = 1.5;
    p.seeds[0].levels[2].nonFiniteHeatmaps = -1;
    delete p.seeds[0].levels[3].nonFiniteHeatmaps;
    p.aggregate[1].nonFiniteHeatmaps = { mean: 1.5, sd: 0.7, n: 3, lo95: -0.2, hi95: 3.2 };
    p.aggregate[2].nonFiniteHeatmaps = { mean: -0.5, sd: 0, n: 3, lo95: -0.5, hi95: -0.5 };
    expect(predicateErrors(p)).toEqual([
      '/seeds/0/levels/1/nonFiniteHeatmaps must be integer',
      '/seeds/0/levels/2/nonFiniteHeatmaps must be >= 0',
      '/seeds/0/levels/3/nonFiniteHeatmaps is missing',
      '/aggregate/2/nonFiniteHeatmaps/mean must be >= 0',
    ]);
  });

  it('reads reports written before Part 2 (explain.method, {mean, std}), and only in that form', () => {
    const p = valid();
    const { metrics: _m, controls: _c, statistics: _s, ...part1 } = p.protocol;
    const { methods: _methods, baselines: _baselines, ...explain } = part1.explain;
    const legacy = { ...p, protocol: { ...part1, explain: { method: 'gradcampp', ...explain } }, aggregate: (p.aggregate as LevelAggregate[]).map((a) => ({ ...a, cleanAccuracy: { mean: a.cleanAccuracy.mean, std: a.cleanAccuracy.sd }, noisyAccuracy: { mean: a.noisyAccuracy.mean, std: 0 }, meanIoU: { mean: a.meanIoU.mean, std: 0 }, heatmapStd: { mean: a.heatmapStd.mean, std: 0 }, heatmapMean: { mean: a.heatmapMean.mean, std: 0 }, zeroHeatmaps: { mean: 0, std: 0 }, nonFiniteHeatmaps: { mean: 0, std: 0 } })) };
    expect(predicateErrors(legacy)).toEqual([]);
    // A current protocol with the old aggregate form is an error, named by field.
    expect(predicateErrors({ ...p, aggregate: legacy.aggregate })).toContain('/aggregate/0/cleanAccuracy/std is not a known field');
  });
});

describe('Part 2 scores', () => {
  const withPart2 = (): Record<string, any> => ({ ...fabricatePart2({ levels: 4, part2: true }), artifacts: [{ name: 'levels.csv', sha256: 'e'.repeat(64), optional: false }] });

  it('accept softIoUNonZero as a fraction or null, and its absence (reports written before it)', () => {
    const p = withPart2();
    expect(p.seeds[0].levels[0].methods.gradcampp.softIoUNonZero).toBeTypeOf('number');
    expect(predicateErrors(p)).toEqual([]);
    p.seeds[0].levels[1].methods.layercam.softIoUNonZero = null;
    delete p.seeds[0].levels[2].baselines.input.softIoUNonZero;
    expect(predicateErrors(p)).toEqual([]);
  });

  it('hold softIoUNonZero to [0, 1]', () => {
    const p = withPart2();
    p.seeds[0].levels[0].methods.gradcam.softIoUNonZero = 1.5;
    expect(predicateErrors(p)).toContain('/seeds/0/levels/0/methods/gradcam/softIoUNonZero must be <= 1');
  });
});

describe('NaN and Infinity', () => {
  it('are found by JSON pointer', () => {
    expect(nonFinitePaths({ a: [1, NaN, { 'b/c': Infinity }], d: -Infinity, e: 'NaN' })).toEqual([
      { path: '/a/1', value: NaN },
      { path: '/a/2/b~1c', value: Infinity },
      { path: '/d', value: -Infinity },
    ]);
  });

  it('stop a report from being written, naming the field, before any file or key is created', () => {
    const { dir, cleanup } = tempDir();
    cleanups.push(cleanup);
    writeFiles(dir, { 'levels.csv': 'x' });
    const p = fabricatePredicate({ levels: 4, correlation: { ...THESIS_LIKE_CORRELATION, pearson: { r: Infinity, p: 0, df: 24 } } });
    p.seeds[0].levels[3].meanIoU = NaN;
    expect(() => assertWritablePredicate(p)).toThrow('cannot write the report: JSON cannot carry NaN or Infinity, found /seeds/0/levels/3/meanIoU = NaN, /correlation/pearson/r = Infinity');
    const env = { XDG_CONFIG_HOME: join(dir, 'config') };
    expect(() => writeSignedReport(dir, p, { artifacts: ['levels.csv'], env })).toThrow('/seeds/0/levels/3/meanIoU = NaN');
    expect(readdirSync(dir)).toEqual(['levels.csv']);
    expect(existsSync(join(dir, 'config'))).toBe(false);
  });

  it('a report with no artifacts is refused (an in-toto subject must not be empty)', () => {
    const { dir, cleanup } = tempDir();
    cleanups.push(cleanup);
    expect(() => writeSignedReport(dir, fabricatePredicate(), { artifacts: [], signingKey: generateSigningKey() })).toThrow('it lists no artifacts');
  });
});
