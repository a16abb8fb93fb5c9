import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { PARAM_NAMES, WEIGHT_NAMES } from '../../src/model/cnn.ts';
import { paramTorchToTf, weightsFromTorchJson, type TorchTensorJson } from '../../src/model/layout.ts';
import { disposeParams, fromTensors, toTensors } from '../../src/model/params.ts';
import { Sgd } from '../../src/train/sgd.ts';
import { autodiffLossAndGrads, trainStep } from '../../src/train/step.ts';
import { maskTensors, type Mask } from '../../src/train/masks.ts';
import { expectClose, fixturesOfKind } from '../support/fixtures.ts';
import { specBackend } from '../support/backend.ts';

const fixtures = fixturesOfKind('train-steps');
// Both training paths: the fused kernels (cpu, wasm) and tfjs autodiff, which is what the
// tensorflow/GPU backend uses; autodiff runs here on the spec backend so CI covers it too.
const PATHS = ['fused', 'autodiff'] as const;
const worst = { fused: { loss: 0, weights: 0 }, autodiff: { loss: 0, weights: 0 } };

interface Batch {
  inputs: TorchTensorJson;
  labels: number[];
}

describe('train-steps fixtures (torch.optim.SGD reference)', () => {
  beforeAll(async () => {
    await specBackend();
  });
  it('has at least one fixture', () => expect(fixtures.length).toBeGreaterThan(0));
  afterAll(() => {
    for (const p of PATHS) console.log(`train-steps (${p}): largest |diff| loss ${worst[p].loss.toExponential(2)}, weights ${worst[p].weights.toExponential(2)}`);
  });
  for (const fx of fixtures) for (const path of PATHS) {
    it(`${fx.file} (${path} training path)`, () => {
      const opt = fx.optimizer as { lr: number; momentum: number; weight_decay: number; dampening: number; nesterov: boolean };
      expect(opt.dampening, 'dampening other than 0 is not PyTorch-SGD semantics we implement').toBe(0);
      expect(opt.nesterov).toBe(false);
      const fxMasks = fx.masks as Record<string, TorchTensorJson>;
      const mask = {} as Mask;
      for (const n of WEIGHT_NAMES) mask[n] = Uint8Array.from(paramTorchToTf(n, fxMasks[n].data));
      const masks = maskTensors(mask);
      let params = toTensors(weightsFromTorchJson(fx.model as Record<string, TorchTensorJson>));
      const sgd = new Sgd();
      const losses: number[] = [];
      for (const b of fx.batches as Batch[]) {
        const n = b.inputs.shape[0];
        const x = tf.tensor4d(b.inputs.data, [n, 28, 28, 1]);
        const y = tf.oneHot(tf.tensor1d(b.labels, 'int32'), 10) as tf.Tensor2D;
        const h = { lr: opt.lr, momentum: opt.momentum, weightDecay: opt.weight_decay };
        let r;
        if (path === 'fused') r = trainStep(params, x, y, sgd, h, masks);
        else {
          const { loss, grads } = autodiffLossAndGrads(params, x, y);
          r = { params: sgd.step(params, grads, h, masks), loss };
        }
        params = r.params;
        losses.push(r.loss.dataSync()[0]);
        tf.dispose([x, y, r.loss]);
      }
      const after = fromTensors(params);
      disposeParams(params);
      disposeParams(masks);
      sgd.dispose();
      const want = fx.want as { losses: number[]; model_after: Record<string, TorchTensorJson> };
      worst[path].loss = Math.max(worst[path].loss, expectClose(losses, want.losses, fx.tolerance, 'losses'));
      const wantW = weightsFromTorchJson(want.model_after);
      for (const n of PARAM_NAMES) worst[path].weights = Math.max(worst[path].weights, expectClose(after[n], wantW[n], fx.tolerance, n));
      // A pruned weight is exactly 0 after every step.
      // (-0 from w*0 counts as 0: it is numerically zero in every later product.)
      for (const n of WEIGHT_NAMES) after[n].forEach((v, i) => mask[n][i] === 0 && expect(v === 0, `${n}[${i}] = ${v}`).toBe(true));
    });
  }
});
