import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import * as tf from '@tensorflow/tfjs';
import { CONV_RELU_POOL, canConvReluPool, convReluPoolFits, convReluPoolLayout, type ConvReluPoolGeometry, type ConvReluPoolLayout } from '../../src/backend/wasm/conv-relu-pool-simd.ts';
import { selectBackend } from '../../src/backend/select.ts';
import { loadMnistEmbedded } from '../../src/data/sources.ts';
import { forward, forwardNoGrad, WEIGHT_NAMES } from '../../src/model/cnn.ts';
import type { WeightSet } from '../../src/model/layout.ts';
import { initWeights, toTensors } from '../../src/model/params.ts';
import { rng } from '../../src/data/rng.ts';
import { on, runKernel, sparse, uniform } from './support.ts';

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

interface Case extends ConvReluPoolGeometry {
  n: number;
  x: Float32Array;
  filter: Float32Array;
  bias: Float32Array;
}

/**
 * [z, p] from tf.fused.conv2d (relu) + tf.maxPool (or, biasLast, from tf.conv2d, tf.add, tf.relu
 * and tf.maxPool as src/model/cnn.ts does), and from the kernel with each given layout.
 */
async function both(k: Case, layouts: Array<Partial<ConvReluPoolLayout>>, biasLast = false): Promise<{ want: Float32Array[]; got: Float32Array[][] }> {
  const tensors = () => ({ xt: tf.tensor4d(k.x, [k.n, k.h, k.w, k.ci]), wt: tf.tensor4d(k.filter, [k.kh, k.kw, k.ci, k.co]), bt: tf.tensor1d(k.bias) });
  const want = await on('wasm', () => {
    const { xt, wt, bt } = tensors();
    const z = biasLast ? tf.relu(tf.add<tf.Tensor4D>(tf.conv2d(xt, wt, 1, 'valid'), bt)) : tf.fused.conv2d({ x: xt, filter: wt, bias: bt, activation: 'relu', strides: 1, pad: 'valid' });
    return [z, tf.maxPool(z, k.pool, k.pool, 'valid')];
  });
  const got: Float32Array[][] = [];
  for (const layout of layouts) {
    got.push(
      await on('wasm', () => {
        const { xt, wt, bt } = tensors();
        expect(canConvReluPool(xt, wt, k.pool)).toBe(true);
        return runKernel(CONV_RELU_POOL, { x: xt, filter: wt, bias: bt }, { pool: k.pool, biasLast, ...layout });
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

/** `a` with a few entries replaced (index -> value). */
const poke = (a: Float32Array, at: Record<number, number>) => {
  const out = Float32Array.from(a);
  for (const [i, v] of Object.entries(at)) out[Number(i)] = v;
  return out;
};

describe('biasLast: PrunecamConvReluPool = maxPool(relu(conv2d + bias)) as src/model/cnn.ts computes it, bit for bit', () => {
  it('property: 1-5 input channels, 4 or 8 output channels, filters 1-3 x 1-3, pools 1-3, every layout', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.record({ n: fc.integer({ min: 1, max: 3 }), h: fc.integer({ min: 3, max: 20 }), w: fc.integer({ min: 3, max: 20 }), ci: fc.integer({ min: 1, max: 5 }), kh: fc.integer({ min: 1, max: 3 }), kw: fc.integer({ min: 1, max: 3 }), co: fc.constantFrom(4, 8), pool: fc.integer({ min: 1, max: 3 }), seed: fc.nat() }),
        async ({ n, h, w, ci, kh, kw, co, pool, seed }) => {
          fc.pre(h - kh + 1 >= pool && w - kw + 1 >= pool);
          const k: Case = { n, h, w, ci, kh, kw, co, pool, x: sparse(n * h * w * ci, seed, 0.3, -1, 2, 'lx'), filter: sparse(kh * kw * ci * co, seed, 0.2, -1, 1, 'lw'), bias: sparse(co, seed, 0.2, -0.5, 0.5, 'lb') };
          const { want, got } = await both(k, LAYOUTS, true);
          for (const g of got) expect(g.map(raw)).toEqual(want.map(raw));
        },
      ),
      { numRuns: 30 },
    );
  });

  // The shipped path turns a NaN sum into 0 (its conv2d's and bias add's output clamps give
  // -Infinity, which tf.relu zeroes); the kernel's pmax(0, acc + b) does the same.
  for (const ci of [1, 4]) {
    const [n, h, w, kh, kw, co, pool] = [2, 10, 12, 3, 3, 8, 2];
    const x0 = ci === 1 ? uniform(n * h * w, 31, -1, 2, 'lnx') : sparse(n * h * w * ci, 31, 0.75, -1, 2, 'lnx');
    const f0 = uniform(kh * kw * ci * co, 31, -1, 1, 'lnw', ci);
    const b0 = uniform(co, 31, -0.5, 0.5, 'lnb');
    const cases: Array<[string, Float32Array, Float32Array, Float32Array]> = [
      ['products overflowing float32', x0.map((v) => v * 1e30), f0.map((v) => v * 1e28), b0],
      ['sums overflowing to +Infinity only', x0.map((v) => Math.abs(v) * 1e38), f0.map((v) => Math.abs(v) * 10), b0],
      ['NaN, +Infinity and -Infinity in the bias', x0, f0, poke(b0, { 0: NaN, 1: Infinity, 2: -Infinity, 5: NaN })],
      ['NaN and +-Infinity filter taps', x0, poke(f0, { 1: NaN, 6: Infinity, 19: -Infinity }), b0],
    ];
    if (ci > 1) cases.push(['NaN, +Infinity and -Infinity pixels', poke(x0, { 5: NaN, 130: Infinity, 371: -Infinity, 600: Infinity }), f0, b0]);
    for (const [name, x, filter, bias] of cases) {
      it(`Ci = ${ci}: ${name}`, async () => {
        const { want, got } = await both({ n, h, w, ci, kh, kw, co, pool, x, filter, bias }, [{ cols: 1, filterInLocals: true }, { cols: 4, filterInLocals: false }], true);
        expect(want[0].some((v) => !Number.isFinite(v)) || name.includes('NaN')).toBe(true);
        for (const g of got) expect(g.map(raw)).toEqual(want.map(raw));
      });
    }
  }
});

describe('forwardNoGrad = forward, bit for bit (logits)', () => {
  const images = loadMnistEmbedded().test;
  const N = 64;
  // Normalised digits, then uniform noise in [-1, 3): both signs, no exact zeros.
  const digits = Float32Array.from(images.images.subarray(0, N * 784), (v) => (v - 0.1307) / 0.3081);
  const noise = uniform(N * 784, 41, -1, 3, 'fx');
  /** initWeights(seed) with about 30% of every weight tensor pruned to exactly 0. */
  const pruned = (seed: number): WeightSet => {
    const w = initWeights(seed);
    const r = rng(seed, 'spec', 'forward-mask');
    for (const name of WEIGHT_NAMES) w[name] = w[name].map((v) => (r.next() < 0.3 ? 0 : v));
    return w;
  };
  const weightCases: Array<[string, WeightSet]> = [
    ['initialised weights, 30% pruned', pruned(333)],
    ['large weights (sums overflow to +-Infinity)', Object.fromEntries(Object.entries(pruned(334)).map(([k, v]) => [k, k.startsWith('conv') ? v.map((x) => x * 1e19) : v])) as WeightSet],
    ['NaN and +-Infinity in the conv biases and taps', { ...pruned(335), 'conv1.bias': Float32Array.of(NaN, 0.1, Infinity, -0.1), 'conv2.bias': Float32Array.of(0, -Infinity, 0.2, NaN, 0, 0, Infinity, 0), 'conv2.weight': poke(pruned(335)['conv2.weight'], { 7: NaN, 100: Infinity, 200: -Infinity }) }],
  ];
  for (const [name, weights] of weightCases) {
    it(`wasm: ${name}`, async () => {
      for (const x of [digits, noise]) {
        const logits = await on('wasm', () => {
          const params = toTensors(weights);
          const xt = tf.tensor4d(x, [N, 28, 28, 1]);
          return [forward(params, xt), forwardNoGrad(params, xt)];
        });
        expect(raw(logits[1])).toEqual(raw(logits[0]));
      }
    });
  }

  it('cpu: no such kernel, the same ops as forward', async () => {
    const logits = await on('cpu', () => {
      const params = toTensors(weightCases[0][1]);
      const xt = tf.tensor4d(digits, [N, 28, 28, 1]);
      return [forward(params, xt), forwardNoGrad(params, xt)];
    });
    expect(raw(logits[1])).toEqual(raw(logits[0]));
  });
});
