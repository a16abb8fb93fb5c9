import fc from 'fast-check';
import { SMOKE, THESIS } from '../../../src/protocol/builtin.ts';
import { runId } from '../../../src/protocol/resolve.ts';
import type { Correlation, LevelAggregate, LevelMetrics, ReportPredicate, SeedResult, SeedSummary } from '../../../src/report/types.ts';

// fast-check arbitraries of schema-valid report predicates: any finite value in each field's
// range, any Unicode text, 1-3 seeds of 0-4 levels. Artifacts are left empty for the spec to fill.

/** A double in [min, max]; -0 becomes 0 (JSON has no -0, so it could not round-trip). */
const num = (min: number, max: number) => fc.double({ min, max, noNaN: true, noDefaultInfinity: true }).map((x) => x + 0);
const fraction = num(0, 1);
const nonNegative = num(0, 1e9);
const coefficient = num(-1, 1);
const text = fc.string({ unit: 'binary', maxLength: 12 });
const hex64 = fc.stringMatching(/^[0-9a-f]{64}$/);
const isoDate = fc.date({ min: new Date('1970-01-01T00:00:00Z'), max: new Date('9999-12-31T23:59:59Z'), noInvalidDate: true }).map((d) => d.toISOString());
const meanStd = (mean: fc.Arbitrary<number>): fc.Arbitrary<SeedSummary> =>
  fc.record({ mean, sd: nonNegative, n: fc.integer({ min: 1, max: 50 }), lo95: fc.option(num(-1e9, 1e9), { nil: null }), hi95: fc.option(num(-1e9, 1e9), { nil: null }) });

const levelMetrics = (level: number): fc.Arbitrary<LevelMetrics> =>
  fc.record({
    level: fc.constant(level),
    remainingWeights: fc.nat(2324),
    density: fraction,
    cleanAccuracy: fraction,
    noisyAccuracy: fraction,
    meanIoU: fraction,
    heatmapMean: fraction,
    heatmapStd: fraction,
    zeroHeatmaps: fc.nat(10000),
    nonFiniteHeatmaps: fc.nat(10000),
    finalTrainLoss: nonNegative,
    wallTimeS: nonNegative,
  });

const levelAggregate = (level: number): fc.Arbitrary<LevelAggregate> =>
  fc.record({
    level: fc.constant(level),
    remainingWeights: fc.nat(2324),
    density: fraction,
    cleanAccuracy: meanStd(fraction),
    noisyAccuracy: meanStd(fraction),
    meanIoU: meanStd(fraction),
    heatmapStd: meanStd(fraction),
    heatmapMean: meanStd(fraction),
    zeroHeatmaps: meanStd(nonNegative),
    nonFiniteHeatmaps: meanStd(nonNegative),
  });

const correlation: fc.Arbitrary<Correlation> = fc.record({
  pearson: fc.record({ r: coefficient, p: fraction, df: fc.nat(100) }),
  spearman: fc.record({ rho: coefficient, p: fraction }),
  kendall: fc.record({ tau: coefficient, p: fraction, method: fc.constantFrom('exact' as const, 'asymptotic' as const) }),
  n: fc.nat(100),
});

export const predicateArb: fc.Arbitrary<ReportPredicate> = fc
  .record({
    base: fc.constantFrom(THESIS, SMOKE),
    seeds: fc.uniqueArray(fc.integer({ min: 0, max: 4294967295 }), { minLength: 1, maxLength: 3 }),
    levels: fc.integer({ min: 0, max: 4 }),
  })
  .chain(({ base, seeds, levels }) => {
    const protocol = { ...structuredClone(base), seeds };
    const levelList = <T>(arb: (l: number) => fc.Arbitrary<T>) => fc.tuple(...Array.from({ length: levels }, (_, l) => arb(l)));
    const seedResult = (seed: number): fc.Arbitrary<SeedResult> =>
      fc.record({ seed: fc.constant(seed), pretrain: fc.record({ finalTrainLoss: nonNegative, wallTimeS: nonNegative }), levels: levelList(levelMetrics) });
    return fc.record({
      runId: fc.constant(runId(protocol)),
      protocol: fc.constant(protocol),
      dataset: fc.record({
        name: text.filter((s) => s.length > 0),
        subset: fc.boolean(),
        description: text,
        trainImages: fc.nat(60000),
        testImages: fc.nat(10000),
        files: fc.dictionary(text, hex64, { maxKeys: 3 }),
      }),
      environment: fc.record({
        prunecamVersion: text,
        gitCommit: fc.option(text, { nil: null }),
        node: text,
        tfjs: text,
        backend: text,
        backendVersion: text,
        cpu: text,
        os: text,
        gpu: fc.option(text, { nil: null }),
      }),
      startedAt: isoDate,
      finishedAt: isoDate,
      computeTimeS: nonNegative,
      seeds: fc.tuple(...seeds.map(seedResult)),
      aggregate: levelList(levelAggregate),
      correlation: fc.option(correlation, { nil: null }),
      artifacts: fc.constant([]),
    });
  });

/** 1-3 distinct artifact paths (some in a sub-folder) with random contents. */
export const artifactFilesArb: fc.Arbitrary<Record<string, Uint8Array>> = fc
  .uniqueArray(
    fc.tuple(fc.constantFrom('', 'figures/', 'seed-333/level-02/'), fc.stringMatching(/^[a-z0-9_-]{1,8}$/), fc.constantFrom('.csv', '.svg', '.json', '.png')).map(([dir, stem, ext]) => `${dir}${stem}${ext}`),
    { minLength: 1, maxLength: 3 },
  )
  .chain((names) => fc.tuple(...names.map(() => fc.uint8Array({ maxLength: 64 }))).map((contents) => Object.fromEntries(names.map((n, i) => [n, contents[i]]))));
