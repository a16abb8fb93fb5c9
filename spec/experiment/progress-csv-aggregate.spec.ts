import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { mean as ssMean, sampleStandardDeviation } from 'simple-statistics';
import { aggregateLevels, meanStd } from '../../src/experiment/aggregate.ts';
import { writeLevelsCsv } from '../../src/experiment/csv.ts';
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
  it('one row per seed and level, sorted, under a header and a note naming the run', () => {
    const path = join(mkdtempSync(join(tmpdir(), 'prunecam-csv-')), 'levels.csv');
    writeLevelsCsv(path, [{ seed: 2, metrics: metrics(0, 0.5) }, { seed: 1, metrics: metrics(1, 0.25) }, { seed: 1, metrics: metrics(0, 0.75) }], 'run X; dataset mnist-embedded (SUBSET)');
    const lines = readFileSync(path, 'utf8').trim().split('\n');
    expect(lines[0]).toBe('# run X; dataset mnist-embedded (SUBSET)');
    expect(lines[1].split(',').slice(0, 6)).toEqual(['seed', 'level', 'remainingWeights', 'density', 'cleanAccuracy', 'noisyAccuracy']);
    expect(lines.slice(2).map((l) => l.split(',').slice(0, 2).join(','))).toEqual(['1,0', '1,1', '2,0']);
    expect(lines[2].split(',')[4]).toBe('0.75');
  });
});

describe('aggregation over seeds', () => {
  it('property: mean and sample std agree with simple-statistics', () => {
    fc.assert(
      fc.property(fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { minLength: 2, maxLength: 6 }), (xs) => {
        const m = meanStd(xs);
        expect(m.mean).toBeCloseTo(ssMean(xs), 12);
        expect(m.std).toBeCloseTo(sampleStandardDeviation(xs), 12);
      }),
    );
    expect(meanStd([0.3])).toEqual({ mean: 0.3, std: 0 });
  });

  it('aggregates each level over seeds', () => {
    const seeds: SeedResult[] = [1, 2, 3].map((s) => ({ seed: s, pretrain: { finalTrainLoss: 0.1, wallTimeS: 1 }, levels: [metrics(0, 0.9 + s / 100), metrics(1, 0.8)] }));
    const agg = aggregateLevels(seeds);
    expect(agg).toHaveLength(2);
    expect(agg[0].cleanAccuracy.mean).toBeCloseTo(0.92, 12);
    expect(agg[0].cleanAccuracy.std).toBeCloseTo(0.01, 12);
    expect(agg[1].cleanAccuracy.mean).toBeCloseTo(0.8, 12);
    expect(agg[1].cleanAccuracy.std).toBeCloseTo(0, 12);
    expect(agg[1].remainingWeights).toBe(2323);
  });
});
