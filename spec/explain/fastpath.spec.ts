import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { autodiffGradients, closedFormGradients, explainAll, type ExplainOptions } from '../../src/explain/explain.ts';
import { minMaxNormalize } from '../../src/explain/normalize.ts';
import { resizeLinear } from '../../src/explain/resize.ts';
import { disposeParams, toTensors } from '../../src/model/params.ts';
import { rng } from '../../src/data/rng.ts';
import { EXPLAINER_NAMES } from '../../src/results/types.ts';
import { specBackend } from '../support/backend.ts';
import { firstDiff, stressImages, stressWeights } from './bitwise-support.ts';

// The fast explain path against the general one: the closed-form gradient against tf.grad of
// the head, and the fused post-processing against the separate steps; bit for bit, NaN equal to
// NaN, +0 and -0 told apart. (During the change, the whole explainAll was also compared bit for
// bit with the previous implementation; the thesis rerun reproduced all 780 per-level values.)

const ALL = [...EXPLAINER_NAMES];
let backend = '';

const weights = (seed: number, scale: number, pruned: number) => stressWeights(seed, scale, pruned, 'fastpath');
const images = (seed: number, n: number, quantised: boolean) => stressImages(seed, n, quantised, 'fastpath');

describe('fast explain path vs the general path', () => {
  let tensorsBefore = 0;
  beforeAll(async () => {
    backend = await specBackend();
    tensorsBefore = tf.memory().numTensors;
  });
  afterAll(() => {
    expect(tf.memory().numTensors).toBe(tensorsBefore);
  });

  it('closed-form G equals tf.grad of the head bit for bit on synthetic activations with ties and signed zeros', () => {
    if (backend !== 'wasm') return; // the closed form reproduces the wasm kernels; elsewhere only the fixtures' tolerances apply
    for (let seed = 0; seed < 20; seed++) {
      const r = rng(seed, 'fastpath-act');
      const n = 7;
      // Few levels around 0: ties between positive values and between zeros in most windows.
      const A = Float32Array.from({ length: n * 11 * 11 * 8 }, () => [-1, -0, 0, 0.5, 1, 1, 2][Math.floor(r.next() * 7)]);
      const w = weights(seed, 1, 0.4);
      const targets = Int32Array.from({ length: n }, () => Math.floor(r.next() * 10));
      const p = toTensors(w);
      const a = tf.tensor4d(A, [n, 11, 11, 8]);
      try {
        const want = autodiffGradients(p, a, targets);
        const got = closedFormGradients(A, n, 11, 11, 8, p['fc.weight'].dataSync() as Float32Array, targets);
        expect(got).not.toBeNull();
        expect(firstDiff(got!.gradients, want), `seed ${seed}`).toBeNull();
        // The nonzero list: exactly the nonzero G, each channel's in ascending order.
        const { index, offsets } = got!.nonzero;
        for (let img = 0; img < n; img++) {
          const listed = Array.from(index.subarray(offsets[img], offsets[img + 1]));
          const nonzero = [];
          for (let i = img * 968; i < (img + 1) * 968; i++) if (want[i] !== 0) nonzero.push(i);
          expect([...listed].sort((x, y) => x - y)).toEqual(nonzero);
          for (let k = 0; k < 8; k++) {
            const ch = listed.filter((i) => i % 8 === k);
            expect(ch).toEqual([...ch].sort((x, y) => x - y));
          }
        }
      } finally {
        a.dispose();
        disposeParams(p);
      }
    }
  });

  // The fused post-processing against the separate, golden-pinned steps (minMaxNormalize, and
  // resizeLinear pinned to cv2.resize): final map = N(resize(cam_small)) bit for bit, NaN equal
  // to NaN, for every method on pruned, scaled models, with and without explicit targets.
  const postProcessCases: Array<{ scale: number; pruned: number; quantised: boolean; options: ExplainOptions }> = [];
  for (const scale of [0.05, 1, 4]) for (const pruned of [0, 0.5, 0.95]) for (const quantised of [false, true]) {
    postProcessCases.push({ scale, pruned, quantised, options: { alphaEps: 1e-6, normEps: 1e-7, batchSize: 37, random: { seed: 3, level: 1 } } });
  }
  postProcessCases.push({ scale: 1, pruned: 0.5, quantised: false, options: { alphaEps: 0, normEps: 1e-7, batchSize: 16, targets: Array.from({ length: 100 }, (_, i) => (i * 7) % 10), random: { seed: 1, level: 0 } } });
  it('fused post-processing equals minMaxNormalize(resizeLinear(cam_small)) bit for bit (all methods)', () => {
    postProcessCases.forEach(({ scale, pruned, quantised, options }, seed) => {
      const p = toTensors(weights(seed, scale, pruned));
      try {
        const n = 100;
        const r = explainAll(p, { data: images(seed, n, quantised), n }, ALL, options);
        for (const m of ALL) {
          const { camSmall, cams } = r.byMethod[m]!;
          const want = minMaxNormalize(resizeLinear(camSmall, n, 11, 28), n, 784, options.normEps);
          expect(firstDiff(cams, want), `scale ${scale} pruned ${pruned} quantised ${quantised} ${m}`).toBeNull();
        }
      } finally {
        disposeParams(p);
      }
    });
  });
});
