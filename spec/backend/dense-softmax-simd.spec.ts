import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import * as tf from '@tensorflow/tfjs';
import { SOFTMAX_CROSS_ENTROPY } from '../../src/backend/kernels/softmax-cross-entropy.ts';
import { DENSE_SOFTMAX_CROSS_ENTROPY, canDenseSoftmax } from '../../src/backend/wasm/dense-softmax-simd.ts';
import { selectBackend } from '../../src/backend/select.ts';
import { on, runKernel, sparse, uniform } from './support.ts';

// PrunecamDenseSoftmaxCrossEntropy (wasm, WebAssembly SIMD) against the kernels it replaces in
// the training step, on the same backend: fused matMul (+ bias), PrunecamSoftmaxCrossEntropy,
// matMul(x, dl, transposeA), sum(dl, 0), matMul(dl, W, transposeB). Same products, summed in
// the same order, so the same bits. Also pinned to autodiff (equivalence.spec.ts) and PyTorch
// (the train-steps fixtures) through src/train/step.ts.

const bits = (a: Float32Array) => Array.from(a, (v) => (v === 0 ? 0 : new Uint32Array(Float32Array.of(v).buffer)[0]));

describe('PrunecamDenseSoftmaxCrossEntropy = the separate dense, loss and gradient kernels on wasm, bit for bit', () => {
  it('property: batch 1-40, 1-60 features, 2-13 classes (every 4/2/1 split of the rows), index and one-hot targets', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.record({ n: fc.integer({ min: 1, max: 40 }), f: fc.integer({ min: 1, max: 60 }), c: fc.integer({ min: 2, max: 13 }), oneHot: fc.boolean(), seed: fc.nat() }),
        async ({ n, f, c, oneHot, seed }) => {
          const x = sparse(n * f, seed, 0.5, 0, 3, 'dx'); // like pooled ReLU activations
          const w = uniform(f * c, seed, -0.5, 0.5, 'dw');
          const b = uniform(c, seed, -0.5, 0.5, 'db');
          const labels = Int32Array.from(uniform(n, seed, 0, c, 'dy'), Math.floor);
          const tensors = () => {
            const idx = tf.tensor1d(labels, 'int32');
            return { xt: tf.tensor2d(x, [n, f]), wt: tf.tensor2d(w, [f, c]), bt: tf.tensor1d(b), y: oneHot ? tf.oneHot(idx, c) : idx };
          };
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
          expect(got.map(bits)).toEqual(want.map(bits));
        },
      ),
      { numRuns: 40 },
    );
  });

  it('is not available on cpu (the step uses the separate kernels there)', async () => {
    await selectBackend('cpu');
    expect(canDenseSoftmax(tf.tensor1d([1], 'int32'))).toBe(false);
  });
});
