import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import * as tf from '@tensorflow/tfjs';
import { explainAll, type ExplainAllResult, type ExplainOptions } from '../../src/explain/explain.ts';
import { resizeLinear } from '../../src/explain/resize.ts';
import { forward, PARAM_NAMES } from '../../src/model/cnn.ts';
import { disposeParams, initWeights, toTensors } from '../../src/model/params.ts';
import type { WeightSet } from '../../src/model/layout.ts';
import { rng } from '../../src/data/rng.ts';
import { EXPLAINER_NAMES, type ExplainerName } from '../../src/results/types.ts';
import { specBackend } from '../support/backend.ts';

const OPTIONS: ExplainOptions = { alphaEps: 1e-6, normEps: 1e-7, batchSize: 1000, random: { seed: 9, level: 2 } };
const ALL = [...EXPLAINER_NAMES];

/** Seeded weights, scaled and with a fraction of every weight tensor zeroed (as pruning does). */
function weights(seed: number, scale: number, pruned: number): WeightSet {
  const w = initWeights(seed);
  const r = rng(seed, 'spec-prune');
  for (const name of PARAM_NAMES) {
    w[name] = w[name].map((v) => (name.endsWith('.weight') && r.next() < pruned ? 0 : v * scale));
  }
  return w;
}

function images(seed: number, n: number): Float32Array {
  const r = rng(seed, 'spec-images');
  return Float32Array.from({ length: n * 784 }, () => r.next() * 3 - 0.5);
}

function run(w: WeightSet, data: Float32Array, n: number, options: Partial<ExplainOptions> = {}, methods: readonly ExplainerName[] = ALL): ExplainAllResult {
  const p = toTensors(w);
  try {
    return explainAll(p, { data, n }, methods, { ...OPTIONS, ...options });
  } finally {
    disposeParams(p);
  }
}

const model = fc.record({ seed: fc.integer({ min: 0, max: 1e6 }), scale: fc.constantFrom(0.05, 1, 4), pruned: fc.constantFrom(0, 0.5, 0.95), n: fc.integer({ min: 1, max: 5 }) });

const GRADIENT_METHODS = ALL.filter((m) => m !== 'randomcam');

describe('explainAll on random small models (properties)', () => {
  let tensorsBefore = 0;
  beforeAll(async () => {
    await specBackend();
    tensorsBefore = tf.memory().numTensors;
  });
  afterAll(() => {
    expect(tf.memory().numTensors).toBe(tensorsBefore); // explainAll() leaks no tensors
  });

  it('every method gives heatmaps in [0, 1] with min 0, max ~1 unless all zero', () => {
    fc.assert(
      fc.property(model, ({ seed, scale, pruned, n }) => {
        const out = run(weights(seed, scale, pruned), images(seed, n), n);
        expect(Object.keys(out.byMethod).sort()).toEqual([...ALL].sort());
        for (const method of ALL) {
          const heat = out.byMethod[method]!;
          expect(heat.nonFinite).toEqual([]);
          for (let i = 0; i < n; i++) {
            const small = heat.camSmall.subarray(i * 121, (i + 1) * 121);
            const cam = heat.cams.subarray(i * 784, (i + 1) * 784);
            for (const map of [small, cam]) {
              expect(map.every((v) => v >= 0 && v <= 1)).toBe(true);
              expect(Math.min(...map)).toBe(0);
            }
            if (small.every((v) => v === 0)) expect(cam.every((v) => v === 0)).toBe(true);
            // The final N divides by (range + 1e-7), so its max is 1 to within 1e-6 whenever the
            // resized map's range is not tiny; that range comes from resizing camSmall.
            const resized = resizeLinear(Float32Array.from(small), 1, 11, 28);
            const range = Math.max(...resized) - Math.min(...resized);
            if (range >= 0.1) expect(Math.abs(Math.max(...cam) - 1)).toBeLessThanOrEqual(1e-6);
          }
        }
      }),
      { numRuns: 20 },
    );
  });

  it('targets are the arg-max of the forward pass logits; the logits match forward()', () => {
    fc.assert(
      fc.property(model, ({ seed, scale, pruned, n }) => {
        const w = weights(seed, scale, pruned);
        const data = images(seed, n);
        const out = run(w, data, n, {}, ['gradcam']);
        const p = toTensors(w);
        const logits = tf.tidy(() => forward(p, tf.tensor4d(data, [n, 28, 28, 1])).dataSync());
        disposeParams(p);
        for (let i = 0; i < n; i++) {
          const row = Array.from(logits.subarray(i * 10, (i + 1) * 10));
          expect(out.targets[i]).toBe(row.indexOf(Math.max(...row))); // indexOf: first maximum
          for (let c = 0; c < 10; c++) expect(out.logits[i * 10 + c]).toBeCloseTo(row[c], 5);
        }
      }),
      { numRuns: 15 },
    );
  });

  it('explains every image on its own: batch size, input form and the other methods selected do not matter', () => {
    fc.assert(
      fc.property(model, fc.constantFrom(...ALL), ({ seed, scale, pruned, n }, method) => {
        const w = weights(seed, scale, pruned);
        const data = images(seed, n);
        const whole = run(w, data, n, { batchSize: 1000 });
        const single = run(w, data, n, { batchSize: 1 }, [method]);
        expect(Array.from(single.targets)).toEqual(Array.from(whole.targets));
        const [a, b] = [whole.byMethod[method]!.cams, single.byMethod[method]!.cams];
        let worst = 0;
        for (let i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs(a[i] - b[i]));
        expect(worst).toBeLessThanOrEqual(1e-5);
        const p = toTensors(w);
        const x = tf.tensor4d(data, [n, 28, 28, 1]);
        const fromTensor = explainAll(p, x, [method], { ...OPTIONS, batchSize: 2 });
        x.dispose();
        disposeParams(p);
        expect(Array.from(fromTensor.byMethod[method]!.cams)).toEqual(Array.from(run(w, data, n, { batchSize: 2 }, [method]).byMethod[method]!.cams));
      }),
      { numRuns: 10 },
    );
  });

  it('uses given target classes', () => {
    const w = weights(7, 1, 0);
    const out = run(w, images(7, 4), 4, { targets: [3, 3, 9, 0] });
    expect(Array.from(out.targets)).toEqual([3, 3, 9, 0]);
  });

  it('RandomCAM depends on (seed, level, image index) only', () => {
    const data = images(3, 3);
    const a = run(weights(3, 1, 0), data, 3, {}, ['randomcam']).byMethod.randomcam!;
    const otherLevel = run(weights(3, 1, 0), data, 3, { random: { seed: 9, level: 3 } }, ['randomcam']).byMethod.randomcam!;
    expect(Array.from(otherLevel.camSmall)).not.toEqual(Array.from(a.camSmall));
    expect(() => run(weights(3, 1, 0), data, 3, { random: undefined }, ['randomcam'])).toThrow(/seed and level/);
  });

  it('returns all-zero heatmaps when the target class has no live fc weights (G = 0)', () => {
    const w = weights(11, 1, 0);
    for (let f = 0; f < 200; f++) w['fc.weight'][f * 10 + 4] = 0; // tfjs dense layout [200, 10]
    const out = run(w, images(11, 3), 3, { targets: [4, 4, 4] }, GRADIENT_METHODS);
    for (const method of GRADIENT_METHODS) {
      expect(out.byMethod[method]!.cams.every((v) => v === 0)).toBe(true);
      expect(out.byMethod[method]!.camSmall.every((v) => v === 0)).toBe(true);
      expect(out.byMethod[method]!.nonFinite).toEqual([]);
    }
  });

  it('lists a non-finite heatmap per method and keeps its NaN values instead of zeroing them', () => {
    // conv2's weights 0 and channel 0's bias 1e30: A_0 = 1e30 everywhere (the other channels 0).
    // fc reads channel 0 into class 3 with weight 1e30, so G_0 = 1e30 at the pooled maxima and
    // Grad-CAM's w_0 * A_0 ~ 2e29 * 1e30 overflows float32 to inf; N(inf) = inf/inf = NaN.
    // RandomCAM's |w_0| < 1 keeps w_0 * 1e30 finite: a constant map, normalised to zeros.
    const w = weights(2, 1, 0);
    w['conv2.weight'].fill(0);
    w['conv2.bias'].fill(0);
    w['conv2.bias'][0] = 1e30;
    w['fc.weight'].fill(0);
    for (let f = 0; f < 200; f += 8) w['fc.weight'][f * 10 + 3] = 1e30; // feature (row, col, channel 0)
    const out = run(w, images(2, 2), 2, { targets: [3, 3] }, ['gradcam', 'randomcam']);
    expect(out.byMethod.gradcam!.nonFinite).toEqual([0, 1]);
    expect(out.byMethod.gradcam!.cams.some((v) => Number.isNaN(v))).toBe(true);
    expect(out.byMethod.randomcam!.nonFinite).toEqual([]);
    expect(out.byMethod.randomcam!.cams.every((v) => v === 0)).toBe(true);
  });

  it('rejects bad input with a message naming the problem', () => {
    const w = weights(1, 1, 0);
    expect(() => run(w, new Float32Array(700), 1)).toThrow(/expected 1x28x28 = 784 values, got 700/);
    expect(() => run(w, images(1, 2), 2, { targets: [1] })).toThrow(/1 target classes for 2 images/);
    expect(() => run(w, images(1, 1), 1, { targets: [10] })).toThrow(/target 0 is 10/);
    expect(() => run(w, images(1, 1), 1, { batchSize: 0 })).toThrow(/batchSize must be a positive integer/);
    expect(() => run(w, images(1, 1), 1, {}, ['scorecam' as ExplainerName])).toThrow(/unknown method 'scorecam'/);
    const p = toTensors(w);
    const x = tf.zeros([1, 28, 28, 3]) as tf.Tensor4D;
    expect(() => explainAll(p, x, ALL, OPTIONS)).toThrow(/must be \[N, 28, 28, 1\]/);
    x.dispose();
    disposeParams(p);
  });
});
