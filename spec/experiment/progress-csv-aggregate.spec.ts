import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { mean as ssMean, sampleStandardDeviation } from 'simple-statistics';
import { aggregateLevels, summariseLevels } from '../../src/experiment/aggregate.ts';
import { aggregateCsv, writeLevelsCsv } from '../../src/experiment/csv.ts';
import { summarise } from '../../src/statistics/summary.ts';
import { createProgress } from '../../src/experiment/progress.ts';
import type { LevelMetrics, SeedResult } from '../../src/report/types.ts';

function metrics(level: number, acc: number): LevelMetrics {
  return { level, remainingWeights: 2324 - level, density: (2324 - level) / 2324, cleanAccuracy: acc, noisyAccuracy: acc, meanIoU: acc / 4, heatmapMean: 0.2, heatmapStd: 0.2, zeroHeatmaps: 0, nonFiniteHeatmaps: 0, finalTrainLoss: 0.1, wallTimeS: 1 };
}

/** A stream stand-in that records what is written. */
function sink(isTTY: boolean) {
  const chunks: string[] = [];
  return { chunks, stream: { isTTY, write: (s: string) => chunks.push(s) } as unknown as NodeJS.WriteStream };
}

describe('progress', () => {
  const plan = { seeds: [1, 2], levels: 3, pretrainEpochs: 2, retrainEpochs: 2 };
  const trainEvent = { kind: 'train' as const, level: 1, progress: { epoch: 1, epochsTotal: 2, step: 10, stepsTotal: 20, imagesPerS: 1234 } };

  it('without a terminal: one plain line per finished level, no live bars or escape codes', () => {
    const { chunks, stream } = sink(false);
    const p = createProgress(plan, stream);
    p.event(1, trainEvent);
    p.event(1, { kind: 'level-done', level: 0, metrics: metrics(0, 0.9817), resumed: false });
    p.event(2, { kind: 'level-done', level: 0, metrics: metrics(0, 0.5), resumed: true });
    p.done();
    const text = chunks.join('');
    expect(text).not.toMatch(/\x1b\[/);
    expect(text.trim().split('\n')).toHaveLength(2);
    expect(text).toMatch(/^seed 1 level  0 .* acc 98\.17%/m);
    expect(text).toMatch(/^seed 2 level  0 \(checkpoint\)/m);
  });

  it('on a terminal: a live bar per seed with level, epoch, images/s and ETA', () => {
    const { chunks, stream } = sink(true);
    const p = createProgress(plan, stream);
    p.event(1, trainEvent);
    const text = chunks.join('');
    expect(text).toMatch(/seed 1 \[#+\.+\] level 1\/2 epoch 1\/2 1234 img\/s ETA \d\d:\d\d/);
    expect(text).toContain('seed 2: waiting');
    expect(text).toContain('\x1b[2K');
  });
});

describe('levels.csv', () => {
  it('plain CSV: a header, then one row per seed and level, sorted; Part 1 fields as Grad-CAM++ scores when a level has no Part 2 scores', () => {
    const path = join(mkdtempSync(join(tmpdir(), 'prunecam-csv-')), 'levels.csv');
    writeLevelsCsv(path, [{ seed: 2, metrics: metrics(0, 0.5) }, { seed: 1, metrics: metrics(1, 0.25) }, { seed: 1, metrics: { ...metrics(0, 0.75), nonFiniteHeatmaps: 3 } }]);
    const lines = readFileSync(path, 'utf8').trim().split('\n');
    expect(lines[0]).toBe('seed,level,method,kind,remainingWeights,density,cleanAccuracy,noisyAccuracy,finalTrainLoss,wallTimeS,softIoU,pointingGame,relevanceMass,relevanceRank,topKIntersection,auc,softIoUNonZero,deletionAuc,deletionExcluded,heatmapMean,heatmapStd,zeroHeatmaps,nonFiniteHeatmaps');
    expect(lines.slice(1).map((l) => l.split(',').slice(0, 4).join(','))).toEqual(['1,0,gradcampp,explainer', '1,1,gradcampp,explainer', '2,0,gradcampp,explainer']);
    const header = lines[0].split(',');
    const row = Object.fromEntries(header.map((h, i) => [h, lines[1].split(',')[i]]));
    expect(row).toMatchObject({ cleanAccuracy: '0.75', softIoU: String(0.75 / 4), nonFiniteHeatmaps: '3', pointingGame: '' });
  });
});

describe('aggregate.csv', () => {
  it('one row per level with mean, sd, n and the 95% interval of every metric', () => {
    const seeds: SeedResult[] = [1, 2, 3].map((s) => ({ seed: s, pretrain: { finalTrainLoss: 0.1, wallTimeS: 1 }, levels: [metrics(0, 0.9 + s / 100), metrics(1, 0.8)] }));
    const lines = aggregateCsv(aggregateLevels(seeds)).trim().split('\n');
    const header = lines[0].split(',');
    expect(header.slice(0, 9)).toEqual(['level', 'method', 'remainingWeights', 'density', 'cleanAccuracy_mean', 'cleanAccuracy_sd', 'cleanAccuracy_n', 'cleanAccuracy_lo95', 'cleanAccuracy_hi95']);
    expect(lines).toHaveLength(3);
    const row0 = Object.fromEntries(header.map((h, i) => [h, lines[1].split(',')[i]]));
    expect(row0).toMatchObject({ level: '0', method: 'gradcampp', cleanAccuracy_n: '3' });
    // mean 0.92, sd 0.01, half-width t(0.975, 2)·0.01/√3 with t(0.975, 2) = 0.95/sqrt(2·0.975·0.025).
    const half = (0.95 / Math.sqrt(2 * 0.975 * 0.025)) * (0.01 / Math.sqrt(3));
    expect(Number(row0.cleanAccuracy_mean)).toBeCloseTo(0.92, 12);
    expect(Number(row0.cleanAccuracy_sd)).toBeCloseTo(0.01, 12);
    expect(Number(row0.cleanAccuracy_lo95)).toBeCloseTo(0.92 - half, 12);
    expect(Number(row0.cleanAccuracy_hi95)).toBeCloseTo(0.92 + half, 12);
  });
  it('one seed: empty interval cells', () => {
    const lines = aggregateCsv(aggregateLevels([{ seed: 1, pretrain: { finalTrainLoss: 0.1, wallTimeS: 1 }, levels: [metrics(0, 0.9)] }])).trim().split('\n');
    const header = lines[0].split(',');
    const row = lines[1].split(',');
    expect(row[header.indexOf('meanIoU_lo95')]).toBe('');
    expect(row[header.indexOf('meanIoU_n')]).toBe('1');
  });
});

describe('aggregation over seeds', () => {
  it('property: mean and sample sd agree with simple-statistics', () => {
    fc.assert(
      fc.property(fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { minLength: 2, maxLength: 6 }), (xs) => {
        const m = summarise(xs);
        expect(m.mean).toBeCloseTo(ssMean(xs), 12);
        expect(m.sd).toBeCloseTo(sampleStandardDeviation(xs), 12);
        expect(m.n).toBe(xs.length);
      }),
    );
  });

  it('summariseLevels turns any per-seed quantity into one summary per level', () => {
    const seeds: SeedResult[] = [1, 2].map((s) => ({ seed: s, pretrain: { finalTrainLoss: 0.1, wallTimeS: 1 }, levels: [metrics(0, 0.5 + s / 10), metrics(1, 0.2)] }));
    const iouOverAcc = summariseLevels(seeds, (m) => m.meanIoU / m.cleanAccuracy);
    expect(iouOverAcc.map((x) => x.mean)).toEqual([0.25, 0.25]);
    expect(iouOverAcc[0].n).toBe(2);
  });

  it('aggregates each level over seeds', () => {
    const seeds: SeedResult[] = [1, 2, 3].map((s) => ({ seed: s, pretrain: { finalTrainLoss: 0.1, wallTimeS: 1 }, levels: [metrics(0, 0.9 + s / 100), metrics(1, 0.8)] }));
    const agg = aggregateLevels(seeds);
    expect(agg).toHaveLength(2);
    expect(agg[0].cleanAccuracy.mean).toBeCloseTo(0.92, 12);
    expect(agg[0].cleanAccuracy.sd).toBeCloseTo(0.01, 12);
    expect(agg[0].cleanAccuracy.n).toBe(3);
    expect(agg[1].cleanAccuracy.mean).toBeCloseTo(0.8, 12);
    expect(agg[1].cleanAccuracy.sd).toBeCloseTo(0, 12);
    expect(agg[1].cleanAccuracy.lo95).toBeCloseTo(0.8, 12);
    expect(agg[1].remainingWeights).toBe(2323);
  });
});
