import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import * as tf from '@tensorflow/tfjs';
import { CONV_RELU_POOL, canConvReluPool, convReluPoolFits, convReluPoolLayout, type ConvReluPoolLayout } from '../../src/backend/wasm/conv-relu-pool-simd.ts';
import { selectBackend } from '../../src/backend/select.ts';
import { on, runKernel, sparse } from './support.ts';

// PrunecamConvReluPool (wasm, WebAssembly SIMD) against what it replaces in the training step:
// the shipped FusedConv2D (bias, ReLU) and MaxPool on the same backend. Same sums in the same
// order, so the same bits. With one input channel the shipped kernel runs through prunecam's
// single-channel fold, whose zero taps can flip the sign of a zero (compared as equal there),
// which no later comparison or non-zero sum can see; with more channels every bit is compared.
// Every layout (pixels per block, filter in locals or memory) must give the same bits. It is
// also pinned to autodiff (equivalence.spec.ts) and PyTorch (the train-steps fixtures) through
// src/train/step.ts; non-finite inputs are in non-finite.spec.ts.

const raw = (a: Float32Array) => Array.from(new Uint32Array(Float32Array.from(a).buffer));
const zerosAsOne = (a: Float32Array) => Array.from(a, (v) => (v === 0 ? 0 : new Uint32Array(Float32Array.of(v).buffer)[0]));

interface Case {
  n: number;
  h: number;
  w: number;
  ci: number;
  kh: number;
  kw: number;
  co: number;
  pool: number;
  x: Float32Array;
  filter: Float32Array;
  bias: Float32Array;
}

/** [z, p] from tf.fused.conv2d (relu) + tf.maxPool, and from the kernel with each given layout (attrs). */
async function both(k: Case, layouts: Array<Partial<ConvReluPoolLayout>>): Promise<{ want: Float32Array[]; got: Float32Array[][] }> {
  const tensors = () => ({ xt: tf.tensor4d(k.x, [k.n, k.h, k.w, k.ci]), wt: tf.tensor4d(k.filter, [k.kh, k.kw, k.ci, k.co]), bt: tf.tensor1d(k.bias) });
  const want = await on('wasm', () => {
    const { xt, wt, bt } = tensors();
    const z = tf.fused.conv2d({ x: xt, filter: wt, bias: bt, activation: 'relu', strides: 1, pad: 'valid' });
    return [z, tf.maxPool(z, k.pool, k.pool, 'valid')];
  });
  const got: Float32Array[][] = [];
  for (const layout of layouts) {
    got.push(
      await on('wasm', () => {
        const { xt, wt, bt } = tensors();
        expect(canConvReluPool(xt, wt, k.pool)).toBe(true);
        return runKernel(CONV_RELU_POOL, { x: xt, filter: wt, bias: bt }, { pool: k.pool, ...layout });
      }),
    );
  }
  return { want, got };
}

const LAYOUTS: Array<Partial<ConvReluPoolLayout>> = [{}, { cols: 1, filterInLocals: true }, { cols: 3, filterInLocals: true }, { cols: 1, filterInLocals: false }, { cols: 4, filterInLocals: false }, { cols: 7, filterInLocals: false }];

describe('PrunecamConvReluPool = maxPool(fused conv2d + bias + relu) on wasm, bit for bit', () => {
  it('property: 1-5 input channels, 4 or 8 output channels, filters 1-3 x 1-3, pools 1-3, odd and even sizes, every layout', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.record({ n: fc.integer({ min: 1, max: 3 }), h: fc.integer({ min: 3, max: 20 }), w: fc.integer({ min: 3, max: 20 }), ci: fc.integer({ min: 1, max: 5 }), kh: fc.integer({ min: 1, max: 3 }), kw: fc.integer({ min: 1, max: 3 }), co: fc.constantFrom(4, 8), pool: fc.integer({ min: 1, max: 3 }), seed: fc.nat() }),
        async ({ n, h, w, ci, kh, kw, co, pool, seed }) => {
          fc.pre(h - kh + 1 >= pool && w - kw + 1 >= pool);
          // Exact zeros (ReLU'd inputs, pruned taps) and negative values in all three.
          const k: Case = { n, h, w, ci, kh, kw, co, pool, x: sparse(n * h * w * ci, seed, 0.3, -1, 2, 'cx'), filter: sparse(kh * kw * ci * co, seed, 0.2, -1, 1, 'cw'), bias: sparse(co, seed, 0.2, -0.5, 0.5, 'cb') };
          const { want, got } = await both(k, LAYOUTS);
          const bits = ci === 1 ? zerosAsOne : raw;
          for (const g of got) expect(g.map(bits)).toEqual(want.map(bits));
        },
      ),
      { numRuns: 40 },
    );
  });

  it("conv2 of the thesis CNN (x [32,13,13,4], filter [3,3,4,8]): every bit, for pooled-ReLU inputs and for signed ones", async () => {
    const [n, h, w, ci, kh, kw, co, pool] = [32, 13, 13, 4, 3, 3, 8, 2];
    expect(convReluPoolLayout({ h, w, ci, kh, kw, co, pool })).toEqual({ cols: 4, filterInLocals: false });
    for (const [seed, lo] of [[21, 0], [22, -2]]) {
      const k: Case = { n, h, w, ci, kh, kw, co, pool, x: sparse(n * h * w * ci, seed, 0.5, lo, 2, 'c2x'), filter: sparse(kh * kw * ci * co, seed, 0.3, -0.4, 0.4, 'c2w'), bias: sparse(co, seed, 0.25, -0.1, 0.1, 'c2b') };
      const { want, got } = await both(k, LAYOUTS);
      expect(want[0].some((v) => v === 0) && want[0].some((v) => v > 0)).toBe(true);
      for (const g of got) expect(g.map(raw)).toEqual(want.map(raw));
    }
  });

  it('fits NHWC inputs whose channels match the filter, and whole float32x4 vectors of output channels; cpu has no such kernel', async () => {
    expect(convReluPoolFits([2, 28, 28, 1], [3, 3, 1, 4], 2)).toBe(true);
    expect(convReluPoolFits([2, 13, 13, 4], [3, 3, 4, 8], 2)).toBe(true);
    expect(convReluPoolFits([2, 13, 13, 4], [3, 3, 2, 8], 2)).toBe(false);
    expect(convReluPoolFits([2, 28, 28, 1], [3, 3, 1, 6], 2)).toBe(false);
    expect(convReluPoolFits([2, 3, 3, 1], [3, 3, 1, 4], 2)).toBe(false);
    await selectBackend('cpu');
    expect(canConvReluPool(tf.zeros([1, 28, 28, 1]), tf.zeros([3, 3, 1, 4]), 2)).toBe(false);
    expect(canConvReluPool(tf.zeros([1, 13, 13, 4]), tf.zeros([3, 3, 4, 8]), 2)).toBe(false);
  });
});
