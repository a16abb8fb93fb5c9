import { describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { CONV_RELU_POOL_GRAD } from '../../src/backend/kernels/conv-relu-pool-grad.ts';
import { SGD_MOMENTUM, SGD_MOMENTUM_ALL } from '../../src/backend/kernels/sgd-momentum.ts';
import { SOFTMAX_CROSS_ENTROPY } from '../../src/backend/kernels/softmax-cross-entropy.ts';
import { CONV_RELU_POOL, canConvReluPool } from '../../src/backend/wasm/conv-relu-pool-simd.ts';
import { DENSE_SOFTMAX_CROSS_ENTROPY, canDenseSoftmax } from '../../src/backend/wasm/dense-softmax-simd.ts';
import { selectBackend } from '../../src/backend/select.ts';
import { loadDataset } from '../../src/data/sources.ts';
import { initWeights, toTensors, disposeParams } from '../../src/model/params.ts';
import { resolveProtocolObject } from '../../src/protocol/index.ts';
import { maskTensors, onesMask } from '../../src/train/masks.ts';
import { NonFiniteLossError, trainPhase } from '../../src/train/phase.ts';
import { on, runKernel, sparse, uniform } from './support.ts';

// The speed-up kernels on non-finite data: NaN, +-Infinity and values whose products overflow
// float32. Each must give NaN / +-Infinity exactly where the path it replaced does (the shipped
// tfjs kernels on wasm, or the JS loop of the cpu backend), and the same bits elsewhere; a
// kernel that turns NaN into a finite value hides a diverging run (the training phase must stop
// with NonFiniteLossError, see the end-to-end case at the bottom).
//
// Note on ReLU: the shipped XNNPACK convolution's ReLU is a signed integer max of the float bits
// with 0: +Infinity and a positive NaN stay, -Infinity and a negative NaN (Infinity - Infinity
// on x86, what an overflowing sum gives) become 0. PrunecamConvReluPool does the same; with a
// float max it kept those NaN, conv2's ReLU zeroed them and the run trained a dead network
// (finite loss ~2.30) instead of stopping. Non-finite *pixels* are left out: prunecam's
// single-channel fold (src/backend/wasm/single-channel-conv.ts) multiplies each pixel by the
// folded filter's zero taps too, so a NaN/Infinity pixel also poisons a neighbouring column
// there (0 * Infinity = NaN) — an artefact of the fold, not a property of the convolution.

/** Each value as a class: 'NaN', 'Infinity', '-Infinity', or its float32 bits (zeros as 0: their sign is not compared). */
const classes = (a: Float32Array) => Array.from(a, (v) => (Number.isNaN(v) ? 'NaN' : !Number.isFinite(v) ? String(v) : v === 0 ? 0 : new Uint32Array(Float32Array.of(v).buffer)[0]));
const nonFinite = (a: Float32Array[]) => a.some((t) => t.some((v) => !Number.isFinite(v)));

/** `a` with a few entries replaced (index -> value). */
const poke = (a: Float32Array, at: Record<number, number>) => {
  const out = Float32Array.from(a);
  for (const [i, v] of Object.entries(at)) out[Number(i)] = v;
  return out;
};

describe('PrunecamConvReluPool propagates non-finite values as the shipped FusedConv2D (relu) + MaxPool do', () => {
  // Ci = 1 (conv1, through the fold on the shipped side) and Ci = 4 (conv2, no fold: non-finite pixels too).
  for (const ci of [1, 4]) {
    const [n, h, w, kh, kw, co, pool] = [2, 10, 12, 3, 3, 4, 2];
    // Ci = 4: mostly zero pixels (as after ReLU and pooling), so that some of the 36-term sums
    // overflow to one sign only (with both, Infinity - Infinity gives NaN and ReLU a 0).
    const x0 = ci === 1 ? uniform(n * h * w, 11, -1, 2, 'nf-cx') : sparse(n * h * w * ci, 11, 0.75, -1, 2, 'nf-cx', ci);
    const f0 = ci === 1 ? uniform(kh * kw * co, 11, -1, 1, 'nf-cw') : uniform(kh * kw * ci * co, 11, -1, 1, 'nf-cw', ci);
    const b0 = ci === 1 ? uniform(co, 11, -0.5, 0.5, 'nf-cb') : uniform(co, 11, -0.5, 0.5, 'nf-cb', ci);
    const cases: Array<[string, Float32Array, Float32Array, Float32Array]> = [
      ['products overflowing float32 (x ~ 1e30, W ~ 1e28: sums of +-Infinity)', x0.map((v) => v * 1e30), f0.map((v) => v * 1e28), b0],
      ['sums overflowing to +Infinity only', x0.map((v) => Math.abs(v) * 1e38), f0.map((v) => Math.abs(v) * 10), b0],
      ['sums overflowing to -Infinity only', x0.map((v) => Math.abs(v) * 1e38), f0.map((v) => -Math.abs(v) * 10), b0],
      ['NaN, +Infinity and -Infinity in the bias', x0, f0, Float32Array.of(NaN, Infinity, -Infinity, 0.25)],
      ['NaN and +-Infinity filter taps', x0, poke(f0, { 1: NaN, 6: Infinity, 19: -Infinity }), b0],
    ];
    if (ci > 1) {
      cases.push(['NaN, +Infinity and -Infinity pixels', poke(x0, { 5: NaN, 130: Infinity, 371: -Infinity, 600: Infinity }), f0, b0]);
      cases.push(['+Infinity and -Infinity pixels', poke(x0, { 130: Infinity, 371: -Infinity, 600: Infinity, 601: -Infinity }), f0, b0]);
    }
    for (const [name, x, filter, bias] of cases) {
      it(`Ci = ${ci}: ${name}`, async () => {
        const tensors = () => ({ xt: tf.tensor4d(x, [n, h, w, ci]), wt: tf.tensor4d(filter, [kh, kw, ci, co]), bt: tf.tensor1d(bias) });
        const want = await on('wasm', () => {
          const { xt, wt, bt } = tensors();
          const z = tf.fused.conv2d({ x: xt, filter: wt, bias: bt, activation: 'relu', strides: 1, pad: 'valid' });
          return [z, tf.maxPool(z, pool, pool, 'valid')];
        });
        for (const layout of [{ cols: 1, filterInLocals: true }, { cols: 4, filterInLocals: false }]) {
          const got = await on('wasm', () => {
            const { xt, wt, bt } = tensors();
            expect(canConvReluPool(xt, wt, pool)).toBe(true);
            return runKernel(CONV_RELU_POOL, { x: xt, filter: wt, bias: bt }, { pool, ...layout });
          });
          expect(nonFinite(want) || name.includes('-Infinity only')).toBe(true);
          // Known difference, not yet matched: a pool window holding a NaN (only from a NaN pixel,
          // bias or tap, never from overflow) gives NaN here and -Infinity from XNNPACK's max-pool
          // (its pmax chain and output clamp). Such cases compare z only.
          const nanWindow = name.startsWith('NaN');
          expect((nanWindow ? got.slice(0, 1) : got).map(classes)).toEqual((nanWindow ? want.slice(0, 1) : want).map(classes));
        }
      });
    }
  }
});

describe('PrunecamDenseSoftmaxCrossEntropy propagates non-finite values as the separate kernels do', () => {
  const [n, f, c] = [6, 10, 5];
  const x0 = uniform(n * f, 12, 0, 3, 'nf-dx');
  const w0 = uniform(f * c, 12, -0.5, 0.5, 'nf-dw');
  const b0 = uniform(c, 12, -0.5, 0.5, 'nf-db');
  const labels = Int32Array.from(uniform(n, 12, 0, c, 'nf-dy'), Math.floor);
  const cases: Array<[string, Float32Array, Float32Array, Float32Array]> = [
    ['logits overflowing float32 (x ~ 1e30, W ~ 1e28)', x0.map((v) => v * 1e30), w0.map((v) => v * 1e28), b0],
    ['huge finite logits (softmax saturates, loss ~ 1e30)', x0.map((v) => v * 1e20), w0.map((v) => v * 1e10), b0],
    ['NaN and +Infinity features', poke(x0, { 3: NaN, 25: Infinity }), w0, b0],
    ['-Infinity feature', poke(x0, { 41: -Infinity }), w0, b0],
    ['NaN, +Infinity and -Infinity in the bias', x0, w0, Float32Array.of(NaN, 0, 0, 0, 0)],
    ['+Infinity and -Infinity in the bias', x0, w0, Float32Array.of(0, Infinity, 0, -Infinity, 0)],
    ['NaN and +-Infinity weights', x0, poke(w0, { 2: NaN, 13: Infinity, 34: -Infinity }), b0],
  ];
  for (const [name, x, wv, b] of cases) {
    it(name, async () => {
      const tensors = () => ({ xt: tf.tensor2d(x, [n, f]), wt: tf.tensor2d(wv, [f, c]), bt: tf.tensor1d(b), y: tf.tensor1d(labels, 'int32') });
      const want = await on('wasm', () => {
        const { xt, wt, bt, y } = tensors();
        const logits = tf.fused.matMul({ a: xt, b: wt, bias: bt });
        const [loss, dl] = runKernel(SOFTMAX_CROSS_ENTROPY, { logits, targets: y }, {}) as tf.Tensor[];
        return [loss, tf.matMul(xt, dl, true, false), tf.sum(dl, 0), tf.matMul(dl, wt, false, true)];
      });
      const got = await on('wasm', () => {
        const { xt, wt, bt, y } = tensors();
        expect(canDenseSoftmax(y)).toBe(true);
        return runKernel(DENSE_SOFTMAX_CROSS_ENTROPY, { x: xt, w: wt, bias: bt, targets: y }, {});
      });
      expect(got.map(classes)).toEqual(want.map(classes));
      if (nonFinite([x, wv, b]) || name.startsWith('logits overflowing')) expect(Number.isFinite(got[0][0])).toBe(false);
    });
  }
});

describe('PrunecamConvReluPoolGrad (WebAssembly SIMD loop on wasm) = the JS loop (cpu) on non-finite values', () => {
  // conv2 geometry: [n, 12, 12, 4] -> 3x3 conv to 8 channels -> 2x2 pool.
  const [n, h, w, ci, kh, kw, ch, pool] = [2, 12, 12, 4, 3, 3, 8, 2];
  const [zh, zw] = [h - kh + 1, w - kw + 1];
  const x0 = uniform(n * h * w * ci, 13, 0, 2, 'nf-gx');
  const f0 = uniform(kh * kw * ci * ch, 13, -1, 1, 'nf-gw');
  const z0 = uniform(n * zh * zw * ch, 13, -1, 2, 'nf-gz').map((v) => Math.max(v, 0));
  const dp0 = uniform(n * (zh / pool) * (zw / pool) * ch, 13, -1, 1, 'nf-gdp');
  const cases: Array<[string, Float32Array, Float32Array, Float32Array, Float32Array]> = [
    ['products overflowing float32 (x ~ 1e30, dp ~ 1e28, W ~ 1e28)', x0.map((v) => v * 1e30), f0.map((v) => v * 1e28), z0, dp0.map((v) => v * 1e28)],
    ['NaN and +-Infinity upstream gradients', x0, f0, z0, poke(dp0, { 0: NaN, 9: Infinity, 50: -Infinity })],
    ['NaN and +-Infinity inputs', poke(x0, { 0: NaN, 5: Infinity, 300: -Infinity, 301: NaN }), f0, z0, dp0],
    ['+Infinity activations (pooled maxima)', x0, f0, poke(z0, { 0: Infinity, 8: Infinity, 200: Infinity }), dp0],
    ['NaN and +-Infinity filter taps', x0, poke(f0, { 1: NaN, 40: Infinity, 100: -Infinity }), z0, dp0],
  ];
  for (const [name, x, filter, z, dp] of cases) {
    it(name, async () => {
      const run = async (backend: 'cpu' | 'wasm') =>
        on(backend, () => {
          const zt = tf.tensor4d(z, [n, zh, zw, ch]);
          const inputs = { dp: tf.tensor4d(dp, [n, zh / pool, zw / pool, ch]), z: zt, p: tf.maxPool(zt, pool, pool, 'valid'), x: tf.tensor4d(x, [n, h, w, ci]), filter: tf.tensor4d(filter, [kh, kw, ci, ch]) };
          return runKernel(CONV_RELU_POOL_GRAD, inputs, { pool, inputGrad: true });
        });
      const want = await run('cpu');
      const got = await run('wasm');
      if (!name.startsWith('+Infinity activations')) expect(nonFinite(want)).toBe(true);
      expect(got.map(classes)).toEqual(want.map(classes));
    });
  }
});

describe('PrunecamSgdMomentumAll = PrunecamSgdMomentum per parameter on non-finite values', () => {
  it('NaN, +-Infinity and overflowing gradients, weights and buffers (cpu and wasm)', async () => {
    const attrs = { lr: 0.01, momentum: 0.9, weightDecay: 5e-4 };
    const m = 12;
    const values = [
      { w: uniform(m, 14, -1, 1, 'nf-sw0'), g: poke(uniform(m, 14, -1, 1, 'nf-sg0'), { 0: NaN, 1: Infinity, 2: -Infinity, 3: 3e38 }), buf: uniform(m, 14, -1, 1, 'nf-sb0'), mask: null },
      { w: poke(uniform(m, 14, -1, 1, 'nf-sw1'), { 4: Infinity, 5: NaN, 6: 3e38 }), g: uniform(m, 14, -1, 1, 'nf-sg1').map((v) => v * 1e30), buf: poke(uniform(m, 14, -1, 1, 'nf-sb1'), { 7: -Infinity, 8: 3e38 }), mask: Float32Array.from({ length: m }, (_, i) => (i % 3 === 0 ? 0 : 1)) },
    ];
    for (const backend of ['cpu', 'wasm'] as const) {
      const one = await on(backend, () => {
        const outs = values.map((v) => runKernel(SGD_MOMENTUM, { w: tf.tensor1d(v.w), g: tf.tensor1d(v.g), buf: tf.tensor1d(v.buf), ...(v.mask ? { mask: tf.tensor1d(v.mask) } : {}) }, attrs) as tf.Tensor[]);
        return [...outs.map((o) => o[0]), ...outs.map((o) => o[1])];
      });
      const all = await on(backend, () => {
        const inputs: tf.NamedTensorMap = {};
        values.forEach((v, i) => {
          Object.assign(inputs, { [`w${i}`]: tf.tensor1d(v.w), [`g${i}`]: tf.tensor1d(v.g), [`buf${i}`]: tf.tensor1d(v.buf) });
          if (v.mask) inputs[`mask${i}`] = tf.tensor1d(v.mask);
        });
        return runKernel(SGD_MOMENTUM_ALL, inputs, { ...attrs, count: values.length });
      });
      expect(nonFinite(one), backend).toBe(true);
      expect(all.map(classes), backend).toEqual(one.map(classes));
    }
  });
});

describe('a diverging run on wasm stops with NonFiniteLossError (normalisation std 1e-30)', () => {
  it('trainPhase on 96 embedded MNIST images: the loss becomes NaN at step 2 of epoch 1', async () => {
    await selectBackend('wasm');
    const config = resolveProtocolObject({ extends: 'smoke', data: { normalize: { mean: 0.1307, std: 1e-30 } }, training: { optimizer: { batchSize: 32 } } });
    const train = loadDataset({ ...config.dataset, name: 'mnist-embedded', trainLimit: 96, testLimit: 10 }).train;
    const masks = maskTensors(onesMask());
    let err: unknown;
    try {
      const out = trainPhase(toTensors(initWeights(333)), { config, train, seed: 333, level: 'pretrain', lrTable: [{ epochs: 1, lr: 0.01 }], firstEpoch: 1, masks });
      disposeParams(out.params);
    } catch (e) {
      err = e;
    }
    disposeParams(masks);
    expect(err).toBeInstanceOf(NonFiniteLossError);
    expect((err as NonFiniteLossError).step).toBe(2);
    expect(Number.isNaN((err as NonFiniteLossError).loss)).toBe(true);
  });
});
