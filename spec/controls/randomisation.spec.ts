import { beforeAll, describe, expect, it } from 'vitest';
import { cascadeWeights, randomisationControl, type RandomisationOptions } from '../../src/controls/randomisation.ts';
import { rng } from '../../src/data/rng.ts';
import { PARAM_NAMES, WEIGHT_NAMES } from '../../src/model/cnn.ts';
import type { WeightSet } from '../../src/model/layout.ts';
import { drawInitParam, initWeights } from '../../src/model/params.ts';
import { EXPLAINER_NAMES } from '../../src/results/types.ts';
import { onesMask, type Mask } from '../../src/train/masks.ts';
import { specBackend } from '../support/backend.ts';

const N = 6;
const images = { data: Float32Array.from({ length: N * 784 }, (_, i) => ((i * 7919) % 997) / 400 - 0.4), n: N };
const explain = { alphaEps: 1e-6, normEps: 1e-7, batchSize: 4 };

/** A mask pruning every third weight, so "pruned stays 0" can be checked. */
function thirdsMask(): Mask {
  const m = onesMask();
  for (const n of WEIGHT_NAMES) m[n].forEach((_, i) => (m[n][i] = i % 3 === 0 ? 0 : 1));
  return m;
}

function options(over: Partial<RandomisationOptions> = {}): RandomisationOptions {
  return { weights: initWeights(21), mask: thirdsMask(), seed: 21, level: 5, images, methods: EXPLAINER_NAMES, targets: [0, 1, 2, 3, 4, 5], explain, ...over };
}

const changed = (a: WeightSet, b: WeightSet) => PARAM_NAMES.filter((n) => a[n].some((v, i) => v !== b[n][i]));

describe('cascading parameter randomisation: the weights', () => {
  const w = initWeights(3);
  const mask = thirdsMask();
  const [fc, conv2, conv1] = cascadeWeights(w, mask, 3, 10);
  const masked = cascadeWeights(w, mask, 3, 10, (_n, cur) => cur)[0]; // identity: w ⊙ mask

  it('stages are cumulative: fc, then + conv2, then + conv1', () => {
    expect(changed(masked, fc)).toEqual(['fc.weight', 'fc.bias']);
    expect(changed(fc, conv2)).toEqual(['conv2.weight', 'conv2.bias']);
    expect(changed(conv2, conv1)).toEqual(['conv1.weight', 'conv1.bias']);
    expect(changed(masked, conv1)).toEqual([...PARAM_NAMES]);
  });

  it('draws each layer from the D3 init with the stream (seed, "randomisation", level, layer); pruned weights stay 0', () => {
    const r = rng(3, 'randomisation', 10, 'conv2');
    const weight = drawInitParam('conv2.weight', r);
    const bias = drawInitParam('conv2.bias', r);
    expect(conv1['conv2.weight']).toEqual(weight.map((v, i) => (mask['conv2.weight'][i] ? v : 0)));
    expect(conv1['conv2.bias']).toEqual(bias);
    for (const n of WEIGHT_NAMES) conv1[n].forEach((v, i) => mask[n][i] === 0 && expect(v).toBe(0));
  });
});

describe('cascading parameter randomisation: similarities', () => {
  beforeAll(async () => {
    await specBackend();
  });

  it('is 1 for every method when the network is unchanged; constant maps are counted undefined', () => {
    const weights = initWeights(21);
    for (let f = 0; f < 200; f++) weights['fc.weight'][f * 10 + 4] = 0; // class 4: G = 0 -> all-zero gradient maps
    const out = randomisationControl(options({ weights, targets: [0, 4, 2, 4, 1, 3], redraw: (_n, cur) => cur, examples: N }));
    expect(out.stages.map((s) => s.stage)).toEqual(['fc', 'conv2', 'conv1']);
    for (const method of EXPLAINER_NAMES) {
      const maps = out.examples[0].byMethod[method]!;
      const constant = [...Array(N).keys()].filter((i) => maps.subarray(i * 784, (i + 1) * 784).every((v) => v === maps[i * 784]));
      // Class 4 (images 1 and 3) has G = 0: every gradient method's map is all zero. RandomCAM
      // ignores G; its maps are constant only where its random cam is <= 0 everywhere.
      if (method !== 'randomcam') expect(constant).toEqual(expect.arrayContaining([1, 3]));
      for (const stage of out.stages) {
        const s = stage.similarity[method]!;
        expect([s.n, s.undefinedCount]).toEqual([N - constant.length, constant.length]);
        expect(s.mean).toBeCloseTo(1, 12);
      }
    }
    expect(out.examples.map((e) => e.stage)).toEqual(['original', 'fc', 'conv2', 'conv1']);
    expect(out.examples[0].byMethod.gradcam).toHaveLength(N * 784);
    expect(out.examples[3].byMethod.gradcam).toEqual(out.examples[0].byMethod.gradcam);
  });

  it('drops below 1 once the network is randomised, and is deterministic for a seed', () => {
    const a = randomisationControl(options({ methods: ['gradcam', 'gradcampp'] }));
    const b = randomisationControl(options({ methods: ['gradcam', 'gradcampp'] }));
    expect(b).toEqual(a);
    const last = a.stages[2].similarity.gradcam!;
    expect(last.n + last.undefinedCount).toBe(N);
    expect(last.mean).toBeLessThan(0.95);
    const other = randomisationControl(options({ methods: ['gradcam', 'gradcampp'], seed: 22 }));
    expect(other.stages.map((s) => s.similarity.gradcam!.mean)).not.toEqual(a.stages.map((s) => s.similarity.gradcam!.mean));
  });
});
