import * as tf from '@tensorflow/tfjs';
import { WEIGHT_NAMES } from '../model/cnn.ts';
import { paramTorchToTf, weightsFromTorchJson, type TorchTensorJson } from '../model/layout.ts';
import type { WeightSet } from '../model/layout.ts';
import { disposeParams, fromTensors, toTensors } from '../model/params.ts';
import { maskTensors, type Mask } from './masks.ts';
import { Sgd } from './sgd.ts';
import { autodiffLossAndGrads, trainStep } from './step.ts';

// Replays a `train-steps` reference case (fixtures/reference, FORMAT.md): masked SGD steps from
// the fixture's model on its batches, by the fused training kernels or by tfjs autodiff (what a
// tensorflow/GPU backend uses). Shared by the reference spec and `prunecam regress`.

export type TrainingPath = 'fused' | 'autodiff';

export interface TrainStepsCase {
  model: Record<string, TorchTensorJson>;
  masks: Record<string, TorchTensorJson>;
  batches: Array<{ inputs: TorchTensorJson; labels: number[] }>;
  optimizer: { lr: number; momentum: number; weight_decay: number; dampening?: number; nesterov?: boolean };
}

export interface TrainStepsReplay {
  /** The loss before each step's update. */
  losses: number[];
  /** Weights after the last step (tfjs layout). */
  after: WeightSet;
  /** The fixture's mask in tfjs layout. */
  mask: Mask;
}

export function replayTrainSteps(fx: TrainStepsCase, path: TrainingPath = 'fused'): TrainStepsReplay {
  const mask = {} as Mask;
  for (const n of WEIGHT_NAMES) mask[n] = Uint8Array.from(paramTorchToTf(n, fx.masks[n].data));
  const masks = maskTensors(mask);
  let params = toTensors(weightsFromTorchJson(fx.model));
  const sgd = new Sgd();
  const h = { lr: fx.optimizer.lr, momentum: fx.optimizer.momentum, weightDecay: fx.optimizer.weight_decay };
  const losses: number[] = [];
  for (const b of fx.batches) {
    const n = b.inputs.shape[0];
    const x = tf.tensor4d(b.inputs.data, [n, 28, 28, 1]);
    const y = tf.oneHot(tf.tensor1d(b.labels, 'int32'), 10) as tf.Tensor2D;
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
  return { losses, after, mask };
}
