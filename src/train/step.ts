import * as tf from '@tensorflow/tfjs';
import { forward, PARAM_NAMES, type ParamName, type Params } from '../model/cnn.ts';
import { meanCrossEntropy } from './loss.ts';
import { Sgd, type SgdHyper } from './sgd.ts';

/** Masks of the prunable weights as tensors in tfjs layout (1 keeps, 0 prunes). */
export type MaskTensors = Partial<Record<ParamName, tf.Tensor>>;

export interface StepResult {
  params: Params;
  /** The batch's loss before the update, still on the device (read back in bulk, not per step). */
  loss: tf.Scalar;
}

/**
 * One masked SGD step on a batch: loss before the update, gradients of every parameter, the
 * PyTorch SGD update, then w <- w * mask so a pruned weight is exactly 0 afterwards.
 * `x`: normalised [N, 28, 28, 1]; `oneHot`: [N, 10]. Consumes (disposes) `params`.
 */
export function trainStep(params: Params, x: tf.Tensor4D, oneHot: tf.Tensor2D, opt: Sgd, h: SgdHyper, masks: MaskTensors): StepResult {
  const names = PARAM_NAMES;
  const f = (...ps: tf.Tensor[]) => {
    const p = {} as Params;
    names.forEach((n, i) => (p[n] = ps[i]));
    return meanCrossEntropy(forward(p, x), oneHot);
  };
  const { value, grads } = tf.valueAndGrads(f)(names.map((n) => params[n]));
  const g = {} as Params;
  names.forEach((n, i) => (g[n] = grads[i]));
  return { params: opt.step(params, g, h, masks), loss: value as tf.Scalar };
}
