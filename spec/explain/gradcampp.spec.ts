import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import * as tf from '@tensorflow/tfjs';
import { explain, type ExplainOptions, type ExplainResult } from '../../src/explain/gradcampp.ts';
import { resizeLinear } from '../../src/explain/resize.ts';
import { forward, PARAM_NAMES } from '../../src/model/cnn.ts';
import { disposeParams, initWeights, toTensors } from '../../src/model/params.ts';
import type { WeightSet } from '../../src/model/layout.ts';
import { rng } from '../../src/data/rng.ts';
import { specBackend } from '../support/backend.ts';

const OPTIONS: ExplainOptions = { method: 'gradcampp', alphaEps: 1e-6, normEps: 1e-7, batchSize: 1000 };

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

function run(w: WeightSet, data: Float32Array, n: number, options: Partial<ExplainOptions> = {}): ExplainResult {
  const p = toTensors(w);
  try {
    return explain(p, { data, n }, { ...OPTIONS, ...options });
  } finally {
    disposeParams(p);
  }
}

const model = fc.record({ seed: fc.integer({ min: 0, max: 1e6 }), scale: fc.constantFrom(0.05, 1, 4), pruned: fc.constantFrom(0, 0.5, 0.95), n: fc.integer({ min: 1, max: 5 }) });

describe('Grad-CAM++ on random small models (properties)', () => {
  let tensorsBefore = 0;
  beforeAll(async () => {
    await specBackend();
    tensorsBefore = tf.memory().numTensors;
  });
  afterAll(() => {
    expect(tf.memory().numTensors).toBe(tensorsBefore); // explain() leaks no tensors
  });

  it('heatmaps lie in [0, 1] with min 0, max ~1 unless all zero, never NaN', () => {
    fc.assert(
      fc.property(model, fc.constantFrom<'gradcampp' | 'gradcam'>('gradcampp', 'gradcam'), ({ seed, scale, pruned, n }, method) => {
        const out = run(weights(seed, scale, pruned), images(seed, n), n, { method });
        expect(out.nonFinite).toEqual([]);
        for (let i = 0; i < n; i++) {
          const small = out.camSmall.subarray(i * 121, (i + 1) * 121);
          const cam = out.cams.subarray(i * 784, (i + 1) * 784);
          for (const map of [small, cam]) {
            expect(map.every((v) => v >= 0 && v <= 1)).toBe(true);
            expect(Math.min(...map)).toBe(0);
          }
          const smallZero = small.every((v) => v === 0);
          if (smallZero) expect(cam.every((v) => v === 0)).toBe(true);
          // The final N divides by (range + 1e-7), so its max is 1 to within 1e-6 whenever the
          // resized map's range is not tiny; that range comes from resizing camSmall.
          const resized = resizeLinear(Float32Array.from(small), 1, 11, 28);
          const range = Math.max(...resized) - Math.min(...resized);
          if (range >= 0.1) expect(Math.abs(Math.max(...cam) - 1)).toBeLessThanOrEqual(1e-6);
        }
      }),
      { numRuns: 30 },
    );
  });

  it('targets are the arg-max of the forward pass logits; the logits match forward()', () => {
    fc.assert(
      fc.property(model, ({ seed, scale, pruned, n }) => {
        const w = weights(seed, scale, pruned);
        const data = images(seed, n);
        const out = run(w, data, n);
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

  it('explains every image on its own: batch size and input form do not matter', () => {
    fc.assert(
      fc.property(model, ({ seed, scale, pruned, n }) => {
        const w = weights(seed, scale, pruned);
        const data = images(seed, n);
        const whole = run(w, data, n, { batchSize: 1000 });
        const single = run(w, data, n, { batchSize: 1 });
        expect(Array.from(single.targets)).toEqual(Array.from(whole.targets));
        let worst = 0;
        for (let i = 0; i < whole.cams.length; i++) worst = Math.max(worst, Math.abs(single.cams[i] - whole.cams[i]));
        expect(worst).toBeLessThanOrEqual(1e-5);
        const p = toTensors(w);
        const x = tf.tensor4d(data, [n, 28, 28, 1]);
        const fromTensor = explain(p, x, { ...OPTIONS, batchSize: 2 });
        x.dispose();
        disposeParams(p);
        expect(Array.from(fromTensor.cams)).toEqual(Array.from(run(w, data, n, { batchSize: 2 }).cams));
      }),
      { numRuns: 10 },
    );
  });

  it('uses given target classes', () => {
    const w = weights(7, 1, 0);
    const out = run(w, images(7, 4), 4, { targets: [3, 3, 9, 0] });
    expect(Array.from(out.targets)).toEqual([3, 3, 9, 0]);
  });

  it('returns all-zero heatmaps, not NaN, when the target class has no live fc weights', () => {
    const w = weights(11, 1, 0);
    for (let f = 0; f < 200; f++) w['fc.weight'][f * 10 + 4] = 0; // tfjs dense layout [200, 10]
    const out = run(w, images(11, 3), 3, { targets: [4, 4, 4] });
    expect(out.cams.every((v) => v === 0)).toBe(true);
    expect(out.camSmall.every((v) => v === 0)).toBe(true);
  });

  it('rejects bad input with a message naming the problem', () => {
    const w = weights(1, 1, 0);
    expect(() => run(w, new Float32Array(700), 1)).toThrow(/expected 1x28x28 = 784 values, got 700/);
    expect(() => run(w, images(1, 2), 2, { targets: [1] })).toThrow(/1 target classes for 2 images/);
    expect(() => run(w, images(1, 1), 1, { targets: [10] })).toThrow(/target 0 is 10/);
    expect(() => run(w, images(1, 1), 1, { batchSize: 0 })).toThrow(/batchSize must be a positive integer/);
    const p = toTensors(w);
    const x = tf.zeros([1, 28, 28, 3]) as tf.Tensor4D;
    expect(() => explain(p, x, OPTIONS)).toThrow(/must be \[N, 28, 28, 1\]/);
    x.dispose();
    disposeParams(p);
  });
});
