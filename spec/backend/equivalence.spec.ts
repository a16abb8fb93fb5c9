import { describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { PARAM_NAMES, WEIGHT_NAMES, type Params } from '../../src/model/cnn.ts';
import { applyMask, maskTensors, onesMask, type Mask } from '../../src/train/masks.ts';
import { disposeParams, fromTensors, initWeights, toTensors } from '../../src/model/params.ts';
import type { WeightSet } from '../../src/model/layout.ts';
import { rng } from '../../src/data/rng.ts';
import { Sgd } from '../../src/train/sgd.ts';
import { autodiffLossAndGrads, fusedLossAndGrads, hasFusedKernels, trainStep } from '../../src/train/step.ts';
import { selectBackend } from '../../src/backend/select.ts';
import { expectClose } from '../support/fixtures.ts';
import type { Backend } from './support.ts';

// The same masked training on the cpu and the wasm backend, and the fused training path
// (hand-derived backward, src/train/step.ts) against tfjs autodiff through src/model/cnn.ts.
//
// Tolerance abs 1e-5 + rel 1e-4 (the train-steps fixtures' own). The backends compute the
// same float32 network with different summation orders (XNNPACK's SIMD lanes and folded conv1,
// JS float64 accumulators, the cpu kernels' loops): per-op differences are float32 round-off,
// ~1e-7 relative, and five SGD steps at lr 0.01 do not amplify them (observed: losses within
// 2.4e-7, weights within 3e-8, gradients within ~1e-6; printed by the last test). A wrong
// gradient term changes a weight by lr*|g| ~ 1e-3 per step.

const STEPS = 5;
const BATCH = 16;
const TOL = { abs: 1e-5, rel: 1e-4 };
const HYPER = { lr: 0.01, momentum: 0.9, weightDecay: 1e-4 };

/** MNIST-like batches: about 60% background (0 before normalisation), the rest uniform. */
function batches(seed: number): Array<{ x: Float32Array; labels: Int32Array }> {
  const r = rng(seed, 'spec', 'equivalence');
  return Array.from({ length: STEPS }, () => {
    const x = new Float32Array(BATCH * 784).map(() => ((r.next() < 0.6 ? 0 : r.next()) - 0.1307) / 0.3081);
    const labels = new Int32Array(BATCH).map(() => r.int(10));
    return { x, labels };
  });
}

/** A mask pruning about 30% of every layer's weights. */
function mask(seed: number): Mask {
  const r = rng(seed, 'spec', 'mask');
  const m = onesMask();
  for (const n of WEIGHT_NAMES) m[n] = m[n].map(() => (r.next() < 0.3 ? 0 : 1));
  return m;
}

interface Trained {
  losses: number[];
  weights: WeightSet;
}

async function train(backend: Backend, seed: number, labelsAs: 'one-hot' | 'indices' = 'one-hot'): Promise<Trained> {
  await selectBackend(backend);
  const m = mask(seed);
  const masks = maskTensors(m);
  let params = toTensors(applyMask(initWeights(seed), m));
  const sgd = new Sgd();
  const losses: number[] = [];
  for (const b of batches(seed)) {
    const x = tf.tensor4d(b.x, [BATCH, 28, 28, 1]);
    const idx = tf.tensor1d(b.labels, 'int32');
    const y = labelsAs === 'indices' ? idx : (tf.oneHot(idx, 10) as tf.Tensor2D);
    const r = trainStep(params, x, y, sgd, HYPER, masks);
    params = r.params;
    losses.push(r.loss.dataSync()[0]);
    tf.dispose([x, idx, y, r.loss]);
  }
  const weights = fromTensors(params);
  disposeParams(params);
  disposeParams(masks);
  sgd.dispose();
  return { losses, weights };
}

const worst = { loss: 0, weight: 0, gradient: 0 };

function expectSameTraining(got: Trained, want: Trained, what: string): void {
  worst.loss = Math.max(worst.loss, expectClose(got.losses, want.losses, TOL, `${what} losses`));
  for (const n of PARAM_NAMES) worst.weight = Math.max(worst.weight, expectClose(got.weights[n], want.weights[n], TOL, `${what} ${n}`));
}

describe('cpu and wasm train the same network', () => {
  for (const seed of [1, 2]) {
    it(`seed ${seed}: ${STEPS} masked SGD steps of batch ${BATCH}: same losses and weights; pruned weights stay exactly 0`, async () => {
      const cpu = await train('cpu', seed);
      const wasm = await train('wasm', seed);
      expectSameTraining(wasm, cpu, 'wasm vs cpu');
      // Training moved the weights (the comparison is not of two untouched copies).
      const init = applyMask(initWeights(seed), mask(seed));
      expect(Math.max(...wasm.weights['conv1.weight'].map((v, i) => Math.abs(v - init['conv1.weight'][i])))).toBeGreaterThan(1e-4);
      const m = mask(seed);
      for (const n of WEIGHT_NAMES) wasm.weights[n].forEach((v, i) => m[n][i] === 0 && expect(v === 0, `${n}[${i}] = ${v}`).toBe(true));
    });
  }

  it('labels as int32 class indices train exactly like one-hot rows (wasm)', async () => {
    const oneHot = await train('wasm', 3, 'one-hot');
    const indices = await train('wasm', 3, 'indices');
    expectSameTraining(indices, oneHot, 'indices vs one-hot');
  });
});

describe('the fused training path equals tfjs autodiff through the model', () => {
  for (const backend of ['cpu', 'wasm'] as const) {
    it(`${backend}: loss and all six gradients, masked weights, MNIST-like inputs`, async () => {
      await selectBackend(backend);
      expect(hasFusedKernels()).toBe(true);
      for (const seed of [4, 5, 6]) {
        const b = batches(seed)[0];
        const params: Params = toTensors(applyMask(initWeights(seed), mask(seed)));
        const x = tf.tensor4d(b.x, [BATCH, 28, 28, 1]);
        const y = tf.oneHot(tf.tensor1d(b.labels, 'int32'), 10) as tf.Tensor2D;
        const fused = fusedLossAndGrads(params, x, y);
        const auto = autodiffLossAndGrads(params, x, y);
        worst.loss = Math.max(worst.loss, expectClose(fused.loss.dataSync(), auto.loss.dataSync(), TOL, `seed ${seed} loss`));
        for (const n of PARAM_NAMES) worst.gradient = Math.max(worst.gradient, expectClose(fused.grads[n].dataSync(), auto.grads[n].dataSync(), TOL, `seed ${seed} d${n}`));
        tf.dispose([x, y, fused.loss, auto.loss, ...Object.values(fused.grads), ...Object.values(auto.grads)]);
        disposeParams(params);
      }
    });
  }
});

describe('deviations', () => {
  it('reports the largest', () => {
    console.log(`equivalence: largest |diff| loss ${worst.loss.toExponential(2)}, weight ${worst.weight.toExponential(2)}, gradient ${worst.gradient.toExponential(2)}`);
  });
});
