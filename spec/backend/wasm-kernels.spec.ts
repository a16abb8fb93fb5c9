import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import * as tf from '@tensorflow/tfjs';
import { expectClose } from '../support/fixtures.ts';
import { on, runKernel, shapesOn, sparse, uniform } from './support.ts';

// Every kernel prunecam registers for the wasm backend (src/backend/wasm-extras.ts) against the
// cpu backend's own kernel for the same op, an independent implementation, on random shapes.
//
// Tolerance: abs 1e-4 + rel 1e-4. Inputs are in [-1, 1] and each output is a float32 sum of at
// most a few hundred products, accumulated in a different order on the two backends (XNNPACK
// SIMD lanes vs. the cpu kernel's loop), so results differ by float32 round-off: observed
// below 1e-5. A wrong tap, channel, window or padding offset gives errors of order 0.1.

const TOL = { abs: 1e-4, rel: 1e-4 };
const RUNS = { numRuns: 30 };

async function bothBackends(f: () => tf.Tensor | tf.Tensor[], what: string): Promise<void> {
  const want = await on('cpu', f);
  const got = await on('wasm', f);
  expect(await shapesOn('wasm', f)).toEqual(await shapesOn('cpu', f));
  want.forEach((w, i) => expectClose(got[i], w, TOL, `${what} output ${i}`));
}

const size = (s: number[]) => s.reduce((a, b) => a * b, 1);
const t4 = (values: Float32Array, shape: number[]) => tf.tensor4d(values, shape as [number, number, number, number]);

describe('wasm Conv2DBackpropFilter (missing from tfjs-backend-wasm) matches cpu', () => {
  it('property: kernel 3, stride 1, valid padding, sparse dy', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.record({ n: fc.integer({ min: 1, max: 3 }), h: fc.integer({ min: 3, max: 9 }), w: fc.integer({ min: 3, max: 9 }), ci: fc.integer({ min: 1, max: 4 }), co: fc.integer({ min: 1, max: 4 }), seed: fc.nat() }),
        async ({ n, h, w, ci, co, seed }) => {
          const xShape = [n, h, w, ci];
          const dyShape = [n, h - 2, w - 2, co];
          const x = uniform(size(xShape), seed, -1, 1, 'x');
          const dy = sparse(size(dyShape), seed, 0.7, -1, 1, 'dy');
          await bothBackends(
            () => runKernel('Conv2DBackpropFilter', { x: t4(x, xShape), dy: t4(dy, dyShape) }, { strides: 1, pad: 'valid', dataFormat: 'NHWC', filterShape: [3, 3, ci, co] }),
            'dW',
          );
        },
      ),
      RUNS,
    );
  });

  it('property: kernels 1-3, strides 1-2, valid and same padding', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.record({ n: fc.integer({ min: 1, max: 2 }), h: fc.integer({ min: 3, max: 8 }), w: fc.integer({ min: 3, max: 8 }), ci: fc.integer({ min: 1, max: 3 }), co: fc.integer({ min: 1, max: 3 }), k: fc.integer({ min: 1, max: 3 }), stride: fc.integer({ min: 1, max: 2 }), pad: fc.constantFrom('valid' as const, 'same' as const), seed: fc.nat() }),
        async ({ n, h, w, ci, co, k, stride, pad }) => {
          const xShape = [n, h, w, ci];
          const info = tf.backend_util.computeConv2DInfo(xShape as [number, number, number, number], [k, k, ci, co], stride, 1, pad);
          const x = uniform(size(xShape), n * 1000 + h, -1, 1, 'x2');
          const dy = sparse(size(info.outShape), w * 1000 + k, 0.5, -1, 1, 'dy2');
          await bothBackends(
            () => runKernel('Conv2DBackpropFilter', { x: t4(x, xShape), dy: t4(dy, info.outShape) }, { strides: stride, pad, dataFormat: 'NHWC', filterShape: [k, k, ci, co] }),
            'dW',
          );
        },
      ),
      RUNS,
    );
  });

  it('makes tf.grad of a conv work on wasm (the filter gradient runs through it)', async () => {
    const x = uniform(2 * 6 * 6 * 2, 1, -1, 1, 'gx');
    const w = uniform(3 * 3 * 2 * 3, 1, -1, 1, 'gw');
    await bothBackends(() => tf.grad((f: tf.Tensor) => tf.sum(tf.square(tf.conv2d(t4(x, [2, 6, 6, 2]), f as tf.Tensor4D, 1, 'valid'))))(t4(w, [3, 3, 2, 3])), 'grad');
  });
});

describe('wasm Conv2DBackpropInput (XNNPACK convolution at stride 1, JS scatter otherwise) matches cpu', () => {
  it('property: kernels 1-3, strides 1-2, valid and same padding', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.record({ n: fc.integer({ min: 1, max: 3 }), h: fc.integer({ min: 3, max: 9 }), w: fc.integer({ min: 3, max: 9 }), ci: fc.integer({ min: 1, max: 4 }), co: fc.integer({ min: 1, max: 4 }), k: fc.integer({ min: 1, max: 3 }), stride: fc.integer({ min: 1, max: 2 }), pad: fc.constantFrom('valid' as const, 'same' as const), seed: fc.nat() }),
        async ({ n, h, w, ci, co, k, stride, pad, seed }) => {
          const xShape = [n, h, w, ci] as [number, number, number, number];
          const info = tf.backend_util.computeConv2DInfo(xShape, [k, k, ci, co], stride, 1, pad);
          const dy = sparse(size(info.outShape), seed, 0.5, -1, 1, 'bdy');
          const filter = uniform(k * k * ci * co, seed, -1, 1, 'bw');
          await bothBackends(() => tf.conv2dTranspose(t4(dy, info.outShape), t4(filter, [k, k, ci, co]), xShape, stride, pad), 'dX');
        },
      ),
      RUNS,
    );
  });
});

describe('wasm MaxPoolGrad (one JS pass) matches cpu', () => {
  it('property: 2x2 stride 2 valid (the fast path), windows with ties and zeros', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.record({ n: fc.integer({ min: 1, max: 3 }), h: fc.integer({ min: 2, max: 9 }), w: fc.integer({ min: 2, max: 9 }), c: fc.integer({ min: 1, max: 4 }), seed: fc.nat() }),
        async ({ n, h, w, c, seed }) => {
          const shape = [n, h, w, c];
          // ReLU'd and coarsely rounded, so windows often tie (the first maximum must win).
          const x = uniform(size(shape), seed, -1, 1, 'px').map((v) => Math.max(0, Math.round(v * 4) / 4));
          const f = () => {
            const xt = t4(x, shape);
            const p = tf.maxPool(xt, 2, 2, 'valid');
            const dy = tf.tensor(sparse(size(p.shape), seed, 0.3, -1, 1, 'pdy'), p.shape);
            return runKernel('MaxPoolGrad', { dy, input: xt, output: p }, { filterSize: 2, strides: 2, pad: 'valid' });
          };
          await bothBackends(f, 'dX');
        },
      ),
      RUNS,
    );
  });

  it('property: other windows, strides and padding (the general path)', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.record({ h: fc.integer({ min: 3, max: 8 }), w: fc.integer({ min: 3, max: 8 }), k: fc.integer({ min: 2, max: 3 }), stride: fc.integer({ min: 1, max: 2 }), pad: fc.constantFrom('valid' as const, 'same' as const), seed: fc.nat() }),
        async ({ h, w, k, stride, pad, seed }) => {
          const shape = [2, h, w, 2];
          const x = uniform(size(shape), seed, -1, 1, 'gx').map((v) => Math.round(v * 4) / 4);
          const f = () => {
            const xt = t4(x, shape);
            const p = tf.maxPool(xt, k, stride, pad);
            const dy = tf.tensor(uniform(size(p.shape), seed, -1, 1, 'gdy'), p.shape);
            return runKernel('MaxPoolGrad', { dy, input: xt, output: p }, { filterSize: k, strides: stride, pad });
          };
          await bothBackends(f, 'dX');
        },
      ),
      RUNS,
    );
  });
});

describe('wasm Conv2D / FusedConv2D on one input channel (column pairs folded into channels) match cpu', () => {
  it('property: even and odd widths, kernel heights 1-3, widths 1-3, with and without bias and ReLU', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.record({ n: fc.integer({ min: 1, max: 3 }), h: fc.integer({ min: 3, max: 9 }), w: fc.integer({ min: 3, max: 10 }), kh: fc.integer({ min: 1, max: 3 }), kw: fc.integer({ min: 1, max: 3 }), co: fc.integer({ min: 1, max: 5 }), fused: fc.boolean(), seed: fc.nat() }),
        async ({ n, h, w, kh, kw, co, fused, seed }) => {
          const x = uniform(n * h * w, seed, -1, 1, 'cx');
          const filter = uniform(kh * kw * co, seed, -1, 1, 'cw');
          const bias = uniform(co, seed, -1, 1, 'cb');
          const f = () => {
            const args = { x: t4(x, [n, h, w, 1]), filter: t4(filter, [kh, kw, 1, co]), strides: 1 as const, pad: 'valid' as const };
            return fused ? tf.fused.conv2d({ ...args, bias: tf.tensor1d(bias), activation: 'relu' }) : tf.conv2d(args.x, args.filter, 1, 'valid');
          };
          await bothBackends(f, 'conv');
        },
      ),
      RUNS,
    );
  });
});

describe('wasm Add of a bias vector and transposed matrix products match cpu', () => {
  it('property: [.., C] + [C] in either order, and other broadcasts', async () => {
    await fc.assert(
      fc.asyncProperty(fc.record({ rows: fc.integer({ min: 1, max: 40 }), c: fc.integer({ min: 1, max: 40 }), biasFirst: fc.boolean(), seed: fc.nat() }), async ({ rows, c, biasFirst, seed }) => {
        const x = uniform(rows * c, seed, -1, 1, 'ax');
        const b = uniform(c, seed, -1, 1, 'ab');
        await bothBackends(() => {
          const xt = tf.tensor2d(x, [rows, c]);
          const bt = tf.tensor1d(b);
          return [biasFirst ? tf.add(bt, xt) : tf.add(xt, bt), tf.add(xt, tf.reshape(bt, [1, c])), tf.add(xt, xt)];
        }, 'add');
      }),
      RUNS,
    );
  });

  it('property: matMul and fused matMul with every transpose combination', async () => {
    await fc.assert(
      fc.asyncProperty(fc.record({ m: fc.integer({ min: 1, max: 12 }), k: fc.integer({ min: 1, max: 12 }), n: fc.integer({ min: 1, max: 12 }), ta: fc.boolean(), tb: fc.boolean(), seed: fc.nat() }), async ({ m, k, n, ta, tb, seed }) => {
        const a = uniform(m * k, seed, -1, 1, 'ma');
        const b = uniform(k * n, seed, -1, 1, 'mb');
        const bias = uniform(n, seed, -1, 1, 'mbias');
        await bothBackends(() => {
          const at = tf.tensor2d(a, ta ? [k, m] : [m, k]);
          const bt = tf.tensor2d(b, tb ? [n, k] : [k, n]);
          return [tf.matMul(at, bt, ta, tb), tf.fused.matMul({ a: at, b: bt, transposeA: ta, transposeB: tb, bias: tf.tensor1d(bias), activation: 'relu' })];
        }, 'matMul');
      }),
      RUNS,
    );
  });
});
