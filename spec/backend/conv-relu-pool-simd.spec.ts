import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import * as tf from '@tensorflow/tfjs';
import { CONV_RELU_POOL, canConvReluPool, convReluPoolFits } from '../../src/backend/wasm/conv-relu-pool-simd.ts';
import { selectBackend } from '../../src/backend/select.ts';
import { on, runKernel, uniform } from './support.ts';

// PrunecamConvReluPool (wasm, WebAssembly SIMD) against what it replaces in the training step:
// the shipped FusedConv2D (bias, ReLU; through prunecam's single-channel fold) and MaxPool on
// the same backend. Same sums in the same order, so the same bits; a zero may differ in sign
// only (compared as equal below), which no later comparison or non-zero sum can see. It is
// also pinned to autodiff (equivalence.spec.ts) and PyTorch (the train-steps fixtures) through
// src/train/step.ts.

const bits = (a: Float32Array) => Array.from(a, (v) => (v === 0 ? 0 : new Uint32Array(Float32Array.of(v).buffer)[0]));

describe('PrunecamConvReluPool = maxPool(fused conv2d + bias + relu) on wasm, bit for bit', () => {
  it('property: one input channel, 4 or 8 output channels, filters 1-3 x 1-3, pools 1-3, odd and even sizes', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.record({ n: fc.integer({ min: 1, max: 3 }), h: fc.integer({ min: 3, max: 30 }), w: fc.integer({ min: 3, max: 30 }), kh: fc.integer({ min: 1, max: 3 }), kw: fc.integer({ min: 1, max: 3 }), co: fc.constantFrom(4, 8), pool: fc.integer({ min: 1, max: 3 }), seed: fc.nat() }),
        async ({ n, h, w, kh, kw, co, pool, seed }) => {
          fc.pre(h - kh + 1 >= pool && w - kw + 1 >= pool);
          const x = uniform(n * h * w, seed, -1, 2, 'cx');
          const filter = uniform(kh * kw * co, seed, -1, 1, 'cw');
          const bias = uniform(co, seed, -0.5, 0.5, 'cb');
          const tensors = () => ({ xt: tf.tensor4d(x, [n, h, w, 1]), wt: tf.tensor4d(filter, [kh, kw, 1, co]), bt: tf.tensor1d(bias) });
          const want = await on('wasm', () => {
            const { xt, wt, bt } = tensors();
            const z = tf.fused.conv2d({ x: xt, filter: wt, bias: bt, activation: 'relu', strides: 1, pad: 'valid' });
            return [z, tf.maxPool(z, pool, pool, 'valid')];
          });
          const got = await on('wasm', () => {
            const { xt, wt, bt } = tensors();
            expect(canConvReluPool(xt, wt, pool)).toBe(true);
            return runKernel(CONV_RELU_POOL, { x: xt, filter: wt, bias: bt }, { pool });
          });
          expect(got.map(bits)).toEqual(want.map(bits));
        },
      ),
      { numRuns: 40 },
    );
  });

  it('fits only one input channel and whole float32x4 vectors of output channels; cpu has no such kernel', async () => {
    expect(convReluPoolFits([2, 28, 28, 1], [3, 3, 1, 4], 2)).toBe(true);
    expect(convReluPoolFits([2, 13, 13, 4], [3, 3, 4, 8], 2)).toBe(false);
    expect(convReluPoolFits([2, 28, 28, 1], [3, 3, 1, 6], 2)).toBe(false);
    expect(convReluPoolFits([2, 3, 3, 1], [3, 3, 1, 4], 2)).toBe(false);
    await selectBackend('cpu');
    expect(canConvReluPool(tf.zeros([1, 28, 28, 1]), tf.zeros([3, 3, 1, 4]), 2)).toBe(false);
  });
});
