import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import * as tf from '@tensorflow/tfjs';
import { CONV_RELU_POOL_GRAD } from '../../src/backend/kernels/conv-relu-pool-grad.ts';
import { SGD_MOMENTUM, SGD_MOMENTUM_ALL } from '../../src/backend/kernels/sgd-momentum.ts';
import { SOFTMAX_CROSS_ENTROPY } from '../../src/backend/kernels/softmax-cross-entropy.ts';
import { expectClose } from '../support/fixtures.ts';
import { on, runKernel, uniform, type Backend } from './support.ts';

// prunecam's fused training kernels (the same JS on cpu and wasm) against what they replace,
// computed independently: tfjs autodiff through the composed standard ops on the cpu backend,
// tf.losses.softmaxCrossEntropy, and the SGD rule worked by hand.
//
// Tolerance abs 1e-5 + rel 1e-4: inputs in [-1, 1]; the kernels accumulate in float64 and the
// autodiff reference in float32 (tfjs kernels), so results differ by float32 round-off of sums
// of at most a few hundred terms (observed < 1e-6). A wrong window, tap or sign is order 0.1.

const TOL = { abs: 1e-5, rel: 1e-4 };
const BACKENDS: Backend[] = ['cpu', 'wasm'];
const size = (s: number[]) => s.reduce((a, b) => a * b, 1);

describe('PrunecamConvReluPoolGrad: one conv block backward = autodiff of maxPool(relu(conv2d(x, W) + b))', () => {
  it('property: dW, db and dL/dx on random blocks (kernels 1-3, pools 2-3, 1-3 input and 1-4 output channels)', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.record({ n: fc.integer({ min: 1, max: 3 }), h: fc.integer({ min: 4, max: 12 }), w: fc.integer({ min: 4, max: 12 }), ci: fc.integer({ min: 1, max: 3 }), co: fc.integer({ min: 1, max: 4 }), k: fc.integer({ min: 1, max: 3 }), pool: fc.integer({ min: 2, max: 3 }), ties: fc.boolean(), seed: fc.nat() }),
        async ({ n, h, w, ci, co, k, pool, ties, seed }) => {
          fc.pre(h - k + 1 >= pool && w - k + 1 >= pool);
          const xShape: [number, number, number, number] = [n, h, w, ci];
          const fShape: [number, number, number, number] = [k, k, ci, co];
          // With `ties`, values on a 1/4 grid: conv sums are exact, so pooling windows often tie
          // and the first maximum (row-major) must be the one that gets the gradient.
          const grid = (v: Float32Array) => (ties ? v.map((e) => Math.round(e * 4) / 4) : v);
          const x = grid(uniform(size(xShape), seed, -1, 1, 'x'));
          const filter = grid(uniform(size(fShape), seed, -1, 1, 'w'));
          // A bias around 0 leaves roughly half the activations dead (ReLU gradient 0).
          const bias = grid(uniform(co, seed, -0.5, 0.5, 'b'));
          const tensors = () => {
            const xt = tf.tensor4d(x, xShape);
            const wt = tf.tensor4d(filter, fShape);
            const bt = tf.tensor1d(bias);
            const z = tf.relu(tf.add(tf.conv2d(xt, wt, 1, 'valid'), bt)) as tf.Tensor4D;
            const p = tf.maxPool(z, pool, pool, 'valid');
            const dp = tf.tensor(uniform(size(p.shape), seed, -1, 1, 'dp'), p.shape);
            return { xt, wt, bt, z, p, dp };
          };
          const [dW, db, dx] = await on('cpu', () => {
            const { xt, wt, bt, dp } = tensors();
            const block = (xv: tf.Tensor, wv: tf.Tensor, bv: tf.Tensor) =>
              tf.sum(tf.mul(dp, tf.maxPool(tf.relu(tf.add(tf.conv2d(xv as tf.Tensor4D, wv as tf.Tensor4D, 1, 'valid'), bv)) as tf.Tensor4D, pool, pool, 'valid')));
            const [gx, gw, gb] = tf.grads(block)([xt, wt, bt]);
            return [gw, gb, gx];
          });
          for (const backend of BACKENDS) {
            for (const inputGrad of [true, false]) {
              const got = await on(backend, () => {
                const { xt, wt, z, p, dp } = tensors();
                return runKernel(CONV_RELU_POOL_GRAD, { dp, z, p, x: xt, filter: wt }, { pool, inputGrad });
              });
              expect(got).toHaveLength(inputGrad ? 3 : 2);
              expectClose(got[0], dW, TOL, `${backend} dW`);
              expectClose(got[1], db, TOL, `${backend} db`);
              if (inputGrad) expectClose(got[2], dx, TOL, `${backend} dx`);
            }
          }
        },
      ),
      { numRuns: 25 },
    );
  });

  it('rejects shapes that are not a valid stride-1 conv followed by the pool, naming them', async () => {
    await on('cpu', () => {
      const z = tf.zeros([1, 4, 4, 2]);
      const p = tf.zeros([1, 2, 2, 2]);
      expect(() => runKernel(CONV_RELU_POOL_GRAD, { dp: p, z, p, x: tf.zeros([1, 5, 5, 1]), filter: tf.zeros([3, 3, 1, 2]) }, { pool: 2, inputGrad: false })).toThrow(
        /x \[1,5,5,1\], filter \[3,3,1,2\] do not fit a valid stride-1 conv followed by a 2x2 max-pool/,
      );
      return [];
    });
  });
});

describe('PrunecamSoftmaxCrossEntropy = tf.losses.softmaxCrossEntropy (mean) and its logit gradient', () => {
  it('property: one-hot (float32 and int32) and class-index targets give the same loss and gradient', async () => {
    await fc.assert(
      fc.asyncProperty(fc.record({ n: fc.integer({ min: 1, max: 20 }), c: fc.integer({ min: 2, max: 12 }), scale: fc.constantFrom(1, 10, 60), seed: fc.nat() }), async ({ n, c, scale, seed }) => {
        // Large logits (x60) check the max-shift: exp would overflow float32 without it.
        const logits = uniform(n * c, seed, -scale, scale, 'l');
        const labels = Int32Array.from(uniform(n, seed, 0, c, 'y'), Math.floor);
        const [wantLoss, wantGrad] = await on('cpu', () => {
          const l = tf.tensor2d(logits, [n, c]);
          const y = tf.oneHot(tf.tensor1d(labels, 'int32'), c);
          const loss = (v: tf.Tensor) => tf.losses.softmaxCrossEntropy(y, v);
          return [loss(l), tf.grad(loss)(l)];
        });
        for (const backend of BACKENDS) {
          for (const form of ['float one-hot', 'int one-hot', 'indices'] as const) {
            const got = await on(backend, () => {
              const idx = tf.tensor1d(labels, 'int32');
              const targets = form === 'indices' ? idx : form === 'int one-hot' ? tf.oneHot(idx, c) : tf.cast(tf.oneHot(idx, c), 'float32');
              return runKernel(SOFTMAX_CROSS_ENTROPY, { logits: tf.tensor2d(logits, [n, c]), targets }, {});
            });
            expectClose(got[0], wantLoss, TOL, `${backend} ${form} loss`);
            expectClose(got[1], wantGrad, TOL, `${backend} ${form} gradient`);
          }
        }
      }),
      { numRuns: 20 },
    );
  });

  it('soft targets: loss = lse(l) - sum y*l per row, worked by hand', async () => {
    // Row [0, ln 3] with targets [0.5, 0.5]: lse = ln 4; loss = ln 4 - ln(3)/2; softmax = [1/4, 3/4],
    // gradient = softmax*sum(y) - y = [-1/4, 1/4] (one row, so no averaging).
    for (const backend of BACKENDS) {
      const [loss, grad] = await on(backend, () => runKernel(SOFTMAX_CROSS_ENTROPY, { logits: tf.tensor2d([0, Math.log(3)], [1, 2]), targets: tf.tensor2d([0.5, 0.5], [1, 2]) }, {}));
      expectClose(loss, [Math.log(4) - Math.log(3) / 2], { abs: 1e-6, rel: 0 }, `${backend} loss`);
      expectClose(grad, [-0.25, 0.25], { abs: 1e-6, rel: 0 }, `${backend} gradient`);
    }
  });

  it('rejects a class index outside [0, C)', async () => {
    await on('cpu', () => {
      expect(() => runKernel(SOFTMAX_CROSS_ENTROPY, { logits: tf.zeros([2, 3]), targets: tf.tensor1d([0, 3], 'int32') }, {})).toThrow(/class index 3 at row 1 is outside \[0, 3\)/);
      return [];
    });
  });
});

describe('PrunecamSgdMomentum: one PyTorch SGD step and the mask, by hand', () => {
  // lr 0.01, momentum 0.9, weight decay 1e-4. Element 0: d = 0.5 + 1e-4*1 = 0.5001,
  // buf = 0.9*0.2 + 0.5001 = 0.6801, w = 1 - 0.01*0.6801 = 0.993199. Element 1 (zero buffer,
  // i.e. PyTorch's first step, buf = d): d = 0.25 + 1e-4*(-2) = 0.2498 = buf,
  // w = -2 - 0.002498 = -2.002498, or 0 when masked.
  const attrs = { lr: 0.01, momentum: 0.9, weightDecay: 1e-4 };
  const inputs = () => ({ w: tf.tensor1d([1, -2]), g: tf.tensor1d([0.5, 0.25]), buf: tf.tensor1d([0.2, 0]) });
  for (const backend of BACKENDS) {
    it(`${backend}: without and with a mask`, async () => {
      const [w, buf] = await on(backend, () => runKernel(SGD_MOMENTUM, inputs(), attrs));
      expectClose(w, [0.993199, -2.002498], { abs: 1e-6, rel: 0 }, 'w');
      expectClose(buf, [0.6801, 0.2498], { abs: 1e-6, rel: 0 }, 'buf');
      const [masked] = await on(backend, () => runKernel(SGD_MOMENTUM, { ...inputs(), mask: tf.tensor1d([1, 0]) }, attrs));
      expectClose(masked, [0.993199, 0], { abs: 1e-6, rel: 0 }, 'masked w');
      expect(masked[1] === 0).toBe(true);
    });
  }

  it('rejects a gradient of another shape', async () => {
    await on('cpu', () => {
      expect(() => runKernel(SGD_MOMENTUM, { ...inputs(), g: tf.tensor1d([1, 2, 3]) }, attrs)).toThrow(/g has shape \[3\], the parameter \[2\]/);
      return [];
    });
  });
});

describe('PrunecamSgdMomentumAll: every parameter in one launch = PrunecamSgdMomentum per parameter, bit for bit', () => {
  it('property: 1-6 parameters of random shapes, some masked (cpu and wasm)', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(fc.record({ size: fc.integer({ min: 1, max: 50 }), masked: fc.boolean() }), { minLength: 1, maxLength: 6 }), fc.nat(), async (params, seed) => {
        const attrs = { lr: 0.01, momentum: 0.9, weightDecay: 1e-4 };
        const values = params.map(({ size: n, masked }, i) => ({
          w: uniform(n, seed, -1, 1, 'sw', i),
          g: uniform(n, seed, -1, 1, 'sg', i),
          buf: uniform(n, seed, -1, 1, 'sb', i),
          mask: masked ? uniform(n, seed, 0, 1, 'sm', i).map((v) => (v < 0.3 ? 0 : 1)) : null,
        }));
        for (const backend of BACKENDS) {
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
          const bits = (a: Float32Array) => Array.from(new Uint32Array(a.buffer, a.byteOffset, a.length));
          expect(all.map(bits), backend).toEqual(one.map(bits));
        }
      }),
      { numRuns: 25 },
    );
  });
});
