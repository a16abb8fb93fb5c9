import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadDataset } from '../../src/data/sources.ts';
import { seedEvaluator, UndefinedLevelMetricError } from '../../src/experiment/evaluate.ts';
import { initWeights } from '../../src/model/params.ts';
import { resolveProtocolObject } from '../../src/protocol/resolve.ts';
import { onesMask } from '../../src/train/masks.ts';
import { specBackend } from '../support/backend.ts';
import { errorOf } from '../support/errors.ts';

// A level whose every Grad-CAM++ heatmap is non-finite has no Part 1 mean IoU: the evaluator
// stops with an error naming seed and level, rather than writing NaN (JSON cannot carry it) or a
// mean over nothing.
describe('level evaluation with non-finite heatmaps', () => {
  beforeAll(async () => {
    await specBackend();
  });
  const config = resolveProtocolObject({
    extends: 'smoke',
    dataset: { name: 'mnist-embedded', trainLimit: 100, testLimit: 20 },
    explain: { methods: ['gradcampp'], baselines: [], examples: 0 },
    metrics: { deletion: { images: 0 } },
    controls: { randomisation: { images: 0 } },
  });
  it('an overflowing network stops the level with an error naming seed, level and the count', () => {
    const data = loadDataset(config.dataset);
    const w = initWeights(333);
    // NaN output weights: every logit, every gradient and so every heatmap is NaN.
    w['fc.weight'] = w['fc.weight'].map(() => NaN);
    const evaluate = seedEvaluator(config, data.test, 333, mkdtempSync(join(tmpdir(), 'prunecam-nonfinite-')));
    const err = errorOf(() => evaluate(w, 2, onesMask()));
    expect(err).toBeInstanceOf(UndefinedLevelMetricError);
    expect(err.message).toMatch(/seed 333 level 2: no Grad-CAM\+\+ heatmap could be scored \(20 of 20 are not finite\)/);
  });
  it('finite weights evaluate normally (the guard does not fire)', () => {
    const data = loadDataset(config.dataset);
    const evaluate = seedEvaluator(config, data.test, 333, mkdtempSync(join(tmpdir(), 'prunecam-nonfinite-')));
    const ev = evaluate(initWeights(333), 0, onesMask());
    expect(ev.nonFiniteHeatmaps).toBe(0);
    expect(ev.meanIoU).toBeGreaterThan(0);
  });
});
