import { describe, expect, it } from 'vitest';
import { aggregateSources } from '../../src/analysis/sources.ts';
import { methodMetricTable, formatMethodMetricTable } from '../../src/analysis/method-metric-table.ts';
import { pairedDifferences } from '../../src/analysis/paired-differences.ts';
import { aggregateCsv, levelsCsv, sourceAggregateRows, LEVELS_CSV_HEADER } from '../../src/experiment/csv.ts';
import { aggregateLevels } from '../../src/experiment/aggregate.ts';
import { THESIS } from '../../src/protocol/index.ts';
import type { HeatmapScores, LevelMetrics, SeedResult } from '../../src/results/types.ts';

// Part 2 reporting on hand-made predicates whose answers are known without the code under test:
// means, sds and t-intervals by hand (t(0.975, 1) = 12.706204736174698), exact linear series
// (r = 1), a quadratic one (r = 25/sqrt(645)), Holm by its definition.

const T975_1 = 12.706204736174698;

function scores(softIoU: number | null, deletionAuc: number | null, extra: Partial<HeatmapScores> = {}): HeatmapScores {
  return {
    localisation: { softIoU, pointingGame: 0.5, relevanceMass: 0.4, relevanceRank: 0.3, topKIntersection: 0.2, auc: 0.6 },
    softIoUNonZero: softIoU,
    deletionAuc,
    deletionExcluded: 0,
    heatmapMean: 0.2,
    heatmapStd: 0.1,
    zeroHeatmaps: 0,
    nonFiniteHeatmaps: 0,
    ...extra,
  };
}

function level(l: number, acc: number, methods: LevelMetrics['methods'], baselines: LevelMetrics['baselines'] = {}): LevelMetrics {
  return { level: l, remainingWeights: 2324 - l, density: (2324 - l) / 2324, cleanAccuracy: acc, noisyAccuracy: acc, meanIoU: methods?.gradcampp?.localisation.softIoU ?? 0.1, heatmapMean: 0.2, heatmapStd: 0.1, zeroHeatmaps: 0, nonFiniteHeatmaps: 0, methods, baselines, finalTrainLoss: 0.1, wallTimeS: 1 };
}

const seed = (s: number, levels: LevelMetrics[]): SeedResult => ({ seed: s, pretrain: { finalTrainLoss: 0.1, wallTimeS: 1 }, levels });

// Two seeds, two levels: gradcampp IoU 0.2/0.4 at level 0, 0.3/0.5 at level 1; randomcam 0.1 flat;
// randomcam's deletion AUC is null for seed 2 at level 1 (nothing scored).
const TWO_SEEDS = [
  seed(1, [level(0, 0.9, { gradcampp: scores(0.2, 0.3), randomcam: scores(0.1, 0.5) }, { uniform: scores(0.18, 0.45) }), level(1, 0.8, { gradcampp: scores(0.3, 0.2), randomcam: scores(0.1, 0.5) }, { uniform: scores(0.18, 0.45) })]),
  seed(2, [level(0, 0.7, { gradcampp: scores(0.4, 0.1), randomcam: scores(0.1, 0.4) }, { uniform: scores(0.18, 0.45) }), level(1, 0.6, { gradcampp: scores(0.5, 0.2), randomcam: scores(0.1, null) }, { uniform: scores(0.18, 0.45) })]),
];

describe('aggregates per method and baseline', () => {
  it('mean, sd, n and the t-interval over seeds; a null leaves the seed out of that n', () => {
    const agg = aggregateSources(TWO_SEEDS);
    expect(agg.map((a) => `${a.kind}:${a.name}`)).toEqual(['explainer:gradcampp', 'explainer:randomcam', 'baseline:uniform']);
    const pp0 = agg[0].levels[0].metrics.softIoU!;
    // values 0.2, 0.4: mean 0.3, sd sqrt(0.02) = 0.141421..., half-width t·sd/√2 = 12.7062·0.1
    expect(pp0.mean).toBeCloseTo(0.3, 12);
    expect(pp0.sd).toBeCloseTo(Math.SQRT2 / 10, 12);
    expect(pp0.n).toBe(2);
    expect(pp0.lo95).toBeCloseTo(0.3 - T975_1 * 0.1, 9);
    expect(pp0.hi95).toBeCloseTo(0.3 + T975_1 * 0.1, 9);
    const rnd1 = agg[1].levels[1].metrics.deletionAuc!;
    expect(rnd1).toEqual({ mean: 0.5, sd: 0, n: 1, lo95: null, hi95: null });
    expect(agg[2].levels[1].metrics.softIoU!.mean).toBeCloseTo(0.18, 12);
  });

  it('aggregate.csv: Part 1 rows unchanged in front, then a row per level and source with its kind', () => {
    const csv = aggregateCsv(aggregateLevels(TWO_SEEDS), sourceAggregateRows(TWO_SEEDS)).trim().split('\n');
    const header = csv[0].split(',');
    expect(header.slice(0, 4)).toEqual(['level', 'method', 'remainingWeights', 'density']);
    for (const col of ['softIoU_mean', 'softIoU_n', 'softIoU_lo95', 'deletionAuc_mean', 'deletionAuc_n', 'softIoUNonZero_mean', 'auc_hi95', 'kind']) expect(header).toContain(col);
    expect(csv).toHaveLength(1 + 2 + 2 * 3);
    const rows = csv.slice(1).map((l) => Object.fromEntries(header.map((h, i) => [h, l.split(',')[i]])));
    expect(rows.map((r) => `${r.level}:${r.method}:${r.kind}`)).toEqual(['0:gradcampp:part1', '1:gradcampp:part1', '0:gradcampp:explainer', '0:randomcam:explainer', '0:uniform:baseline', '1:gradcampp:explainer', '1:randomcam:explainer', '1:uniform:baseline']);
    expect(rows[0].softIoU_mean).toBe('');
    expect(Number(rows[2].softIoU_mean)).toBeCloseTo(0.3, 12);
    expect(rows[6]).toMatchObject({ deletionAuc_mean: '0.5', deletionAuc_n: '1', deletionAuc_lo95: '' });
    expect(rows[2].cleanAccuracy_mean).toBe('');
    expect(rows[2].remainingWeights).toBe('2324');
  });

  it('levels.csv: plain CSV, one row per seed, level and source', () => {
    const lines = levelsCsv(TWO_SEEDS.flatMap((s) => s.levels.map((m) => ({ seed: s.seed, metrics: m })))).trim().split('\n');
    expect(lines[0]).toBe(LEVELS_CSV_HEADER.join(','));
    expect(lines[0].startsWith('seed,level,method,kind,remainingWeights,density,cleanAccuracy,noisyAccuracy,finalTrainLoss,wallTimeS,softIoU,pointingGame,relevanceMass,relevanceRank,topKIntersection,auc,softIoUNonZero,deletionAuc,deletionExcluded,')).toBe(true);
    expect(lines).toHaveLength(1 + 2 * 2 * 3);
    const rows = lines.slice(1).map((l) => Object.fromEntries(lines[0].split(',').map((h, i) => [h, l.split(',')[i]])));
    expect(rows.map((r) => `${r.seed}:${r.level}:${r.method}`).slice(0, 4)).toEqual(['1:0:gradcampp', '1:0:randomcam', '1:0:uniform', '1:1:gradcampp']);
    expect(rows[11]).toMatchObject({ seed: '2', level: '1', method: 'uniform', kind: 'baseline', deletionAuc: '0.45' });
    expect(rows[10]).toMatchObject({ method: 'randomcam', deletionAuc: '', softIoU: '0.1' });
  });

  it('paired differences to RandomCAM: per seed the mean over levels, then the t-interval over seeds', () => {
    const d = pairedDifferences(TWO_SEEDS, ['softIoU', 'deletionAuc']);
    expect(d.map((x) => `${x.method}:${x.metric}`)).toEqual(['gradcampp:softIoU', 'gradcampp:deletionAuc']);
    // IoU: seed 1 (0.1 + 0.2)/2 = 0.15, seed 2 (0.3 + 0.4)/2 = 0.35 -> mean 0.25, sd sqrt(0.02)
    const iou = d[0];
    expect(iou.perSeed.map((p) => p.d)).toEqual([expect.closeTo(0.15, 12), expect.closeTo(0.35, 12)]);
    expect(iou.summary!.mean).toBeCloseTo(0.25, 12);
    expect(iou.summary!.lo95).toBeCloseTo(0.25 - T975_1 * 0.1, 9);
    // deletion: seed 1 (-0.2 - 0.3)/2 = -0.25; seed 2 only level 0 (RandomCAM null at 1): -0.3
    expect(d[1].perSeed.map((p) => p.d)).toEqual([expect.closeTo(-0.25, 12), expect.closeTo(-0.3, 12)]);
  });
});

describe('method x metric table', () => {
  // Four levels, three seeds with the same accuracy series x = 1..4 (scaled): gradcampp's IoU is
  // exactly linear in accuracy (r = 1), gradcam's falls linearly (r = -1), hirescam's is x² (rho = 1,
  // r = 25/sqrt(645)); randomcam constant (undefined).
  const acc = [0.1, 0.2, 0.3, 0.4];
  const seeds = [5, 6, 7].map((s, si) =>
    seed(s, acc.map((a, l) => level(l, a + si * 0.001, { gradcampp: scores(0.5 * (a + si * 0.001) + 0.1, 0.2), gradcam: scores(0.9 - (a + si * 0.001), 0.2), hirescam: scores(((l + 1) ** 2) / 100 + si * 0.001, 0.2), randomcam: scores(0.1, 0.2) }, { uniform: scores(0.18, 0.45), centre: scores(0.3 + l * 0.1, 0.2) }))),
  );
  const protocol = { ...structuredClone(THESIS), statistics: { bootstrapResamples: 200, minBootstrapSeeds: 3, bootstrapSeed: 1 } };
  const t = methodMetricTable({ seeds, protocol });
  const cell = (m: string, metric = 'softIoU') => t.cells.find((c) => c.method === m && c.metric === metric)!;

  it('r and rho of constructed series', () => {
    expect(cell('gradcampp').pearson!.r).toBeCloseTo(1, 12);
    expect(cell('gradcampp').spearman!.rho).toBeCloseTo(1, 12);
    expect(cell('gradcam').pearson!.r).toBeCloseTo(-1, 12);
    expect(cell('hirescam').spearman!.rho).toBeCloseTo(1, 12);
    // the per-level means of hirescam are (l+1)²/100 + 0.001 and of accuracy 0.1(l+1) + 0.001:
    expect(cell('hirescam').pearson!.r).toBeCloseTo(25 / Math.sqrt(645), 12);
    expect(cell('randomcam').pearson).toBeNull();
    expect(cell('randomcam').undefinedReason).toMatch(/constant/);
    expect(cell('gradcampp').levels).toBe(4);
  });

  it('per-seed r with its t-interval and the bootstrap with enough seeds', () => {
    const c = cell('gradcampp');
    expect(c.perSeed).toMatchObject({ n: 3 });
    expect(c.perSeed!.mean).toBeCloseTo(1, 12);
    expect(c.bootstrap!.lo95).toBeCloseTo(1, 9);
    expect(c.bootstrap!.resamples).toBe(200);
    const few = methodMetricTable({ seeds: seeds.slice(0, 2), protocol });
    expect(few.cells[0].bootstrap).toBeNull();
    expect(few.cells[0].bootstrapSkipped).toMatch(/at least 3/);
  });

  it('Holm over every cell of the table, one family per coefficient', () => {
    const defined = t.cells.filter((c) => c.pearson);
    expect(t.holmFamily.pearson).toBe(defined.length);
    // Holm by definition: sort ascending, p_(i) -> min(1, max_{j<=i} (m - j + 1) p_(j)) (1-based).
    const ps = defined.map((c) => c.pearson!.p);
    const order = ps.map((_, i) => i).sort((a, b) => ps[a] - ps[b]);
    let run = 0;
    const expected = new Array<number>(ps.length);
    order.forEach((idx, j) => {
      run = Math.max(run, Math.min(1, (ps.length - j) * ps[idx]));
      expected[idx] = run;
    });
    defined.forEach((c, i) => expect(c.pearson!.pHolm).toBeCloseTo(expected[i], 12));
    const hires = cell('hirescam');
    expect(hires.pearson!.pHolm).toBeGreaterThanOrEqual(hires.pearson!.p);
  });

  it('baseline scores beside each metric: level 0 and the mean over levels', () => {
    const centre = t.baselines.find((b) => b.baseline === 'centre' && b.metric === 'softIoU')!;
    expect(centre.level0).toBeCloseTo(0.3, 12);
    expect(centre.overLevels).toBeCloseTo(0.45, 12);
    expect(t.baselineNames).toEqual(['centre', 'uniform']);
  });

  it('prints as text, labelled descriptive, one row per metric and source', () => {
    const text = formatMethodMetricTable(t);
    expect(text).toContain('descriptive');
    expect(text).toMatch(/^softIoU\s+gradcampp\s+0\.15\d\s+0\.22\d\s+4\s+1\.000\s/m);
    expect(text).toMatch(/^softIoU\s+centre\s+0\.300\s+0\.450\s+—/m);
    expect(text.split('\n').filter((l) => /^(softIoU|deletionAuc)\s/.test(l))).toHaveLength(2 * 6);
  });
});
