import * as tf from '@tensorflow/tfjs';
import { CONV_RELU_POOL_GRAD, type ConvReluPoolGradAttrs } from '../backend/kernels/conv-relu-pool-grad.ts';
import { SOFTMAX_CROSS_ENTROPY } from '../backend/kernels/softmax-cross-entropy.ts';
import { CONV_RELU_POOL, canConvReluPool, type ConvReluPoolAttrs } from '../backend/wasm/conv-relu-pool-simd.ts';
import { DENSE_SOFTMAX_CROSS_ENTROPY, canDenseSoftmax } from '../backend/wasm/dense-softmax-simd.ts';
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

export interface LossAndGrads {
  loss: tf.Scalar;
  grads: Params;
}

/** The batch's labels: one-hot rows [N, 10], or int32 class indices [N] (no one-hot needed). */
export type Labels = tf.Tensor2D | tf.Tensor1D;

/**
 * One masked SGD step on a batch: loss before the update, gradients of every parameter, the
 * PyTorch SGD update, then w <- w * mask so a pruned weight is exactly 0 afterwards.
 * `x`: normalised [N, 28, 28, 1]. Consumes (disposes) `params`; not `x` or `labels`.
 */
export function trainStep(params: Params, x: tf.Tensor4D, labels: Labels, opt: Sgd, h: SgdHyper, masks: MaskTensors): StepResult {
  const { loss, grads } = lossAndGrads(params, x, labels);
  return { params: opt.step(params, grads, h, masks), loss };
}

/** Loss and gradients: the fused kernels where the backend has them, else tfjs autodiff. */
export function lossAndGrads(params: Params, x: tf.Tensor4D, labels: Labels): LossAndGrads {
  return hasFusedKernels() ? fusedLossAndGrads(params, x, labels) : autodiffLossAndGrads(params, x, labels);
}

/** Whether the active backend has prunecam's fused training kernels (cpu and wasm do once selected). */
export function hasFusedKernels(): boolean {
  const backend = tf.getBackend();
  return tf.getKernel(CONV_RELU_POOL_GRAD, backend) !== undefined && tf.getKernel(SOFTMAX_CROSS_ENTROPY, backend) !== undefined;
}

/** Loss and gradients by tfjs autodiff through the model's forward pass (any backend). */
export function autodiffLossAndGrads(params: Params, x: tf.Tensor4D, labels: Labels): LossAndGrads {
  const oneHot = labels.rank === 2 ? (labels as tf.Tensor2D) : (tf.oneHot(labels as tf.Tensor1D, 10) as tf.Tensor2D);
  const f = (...ps: tf.Tensor[]) => {
    const p = {} as Params;
    PARAM_NAMES.forEach((n, i) => (p[n] = ps[i]));
    return meanCrossEntropy(forward(p, x), oneHot);
  };
  const { value, grads } = tf.valueAndGrads(f)(PARAM_NAMES.map((n) => params[n]));
  if (oneHot !== labels) oneHot.dispose();
  const g = {} as Params;
  PARAM_NAMES.forEach((n, i) => (g[n] = grads[i]));
  return { loss: value as tf.Scalar, grads: g };
}

const POOL = 2;

/**
 * Loss and gradients with a hand-derived backward pass (the thesis CNN of src/model/cnn.ts,
 * the same function as `forward`): the forward with fused conv+bias+ReLU kernels, then one
 * kernel each for the loss and its logit gradient, the dense layer's three products, and each
 * conv block's backward (ReLU, max-pool and conv gradients together, see
 * src/backend/kernels/conv-relu-pool-grad.ts): 13 kernel launches where autodiff needs ~80
 * (fewer on wasm, where each conv block's forward, and the dense layer with the loss, run as one kernel).
 * Pinned to autodiff by spec/backend/equivalence.spec.ts and to PyTorch by the train-steps
 * fixtures.
 */
export function fusedLossAndGrads(p: Params, x: tf.Tensor4D, labels: Labels): LossAndGrads {
  return tf.tidy(() => {
    const n = x.shape[0];
    // Each conv block's forward [z, p]: one kernel where the backend has it (wasm: the same bits
    // as the fused conv2d and maxPool).
    const convBlock = (input: tf.Tensor4D, layer: 'conv1' | 'conv2'): [tf.Tensor4D, tf.Tensor4D] => {
      const filter = p[`${layer}.weight`] as tf.Tensor4D;
      const bias = p[`${layer}.bias`];
      if (canConvReluPool(input, filter, POOL)) {
        return tf.engine().runKernel(CONV_RELU_POOL, { x: input, filter, bias }, { pool: POOL } satisfies ConvReluPoolAttrs as unknown as tf.NamedAttrMap) as [tf.Tensor4D, tf.Tensor4D];
      }
      const z = tf.fused.conv2d({ x: input, filter, bias, activation: 'relu', strides: 1, pad: 'valid' });
      return [z, tf.maxPool(z, POOL, POOL, 'valid')];
    };
    const [z1, p1] = convBlock(x, 'conv1');
    const [z2, p2] = convBlock(p1, 'conv2');
    const flat = tf.reshape(p2, [n, -1]) as tf.Tensor2D;
    const fcW = p['fc.weight'] as tf.Tensor2D;
    // The dense layer, the loss and their gradients: one kernel where the backend has it (wasm:
    // the same bits as the separate kernels below).
    const dense = (): [tf.Scalar, tf.Tensor, tf.Tensor, tf.Tensor] => {
      if (canDenseSoftmax(labels)) {
        const [l, dW, dB, dFlat] = tf.engine().runKernel(DENSE_SOFTMAX_CROSS_ENTROPY, { x: flat, w: fcW, bias: p['fc.bias'], targets: labels }, {}) as tf.Tensor[];
        return [l as tf.Scalar, dW, dB, tf.reshape(dFlat, p2.shape)];
      }
      const logits = tf.fused.matMul({ a: flat, b: fcW, bias: p['fc.bias'] });
      const [l, dLogits] = tf.engine().runKernel(SOFTMAX_CROSS_ENTROPY, { logits, targets: labels }, {}) as [tf.Scalar, tf.Tensor2D];
      return [l, tf.matMul(flat, dLogits, true, false), tf.sum(dLogits, 0), tf.reshape(tf.matMul(dLogits, fcW, false, true), p2.shape)];
    };
    const [loss, dFcW, dFcB, dP2] = dense();

    // One conv block's backward: [dW, db] and, when asked, [.., dL/dx].
    const block = (dp: tf.Tensor, z: tf.Tensor, pooled: tf.Tensor, input: tf.Tensor, layer: 'conv1' | 'conv2', inputGrad: boolean) => {
      const attrs: ConvReluPoolGradAttrs = { pool: POOL, inputGrad };
      const inputs = { dp, z, p: pooled, x: input, filter: p[`${layer}.weight`] };
      return tf.engine().runKernel(CONV_RELU_POOL_GRAD, inputs, attrs as unknown as tf.NamedAttrMap) as tf.Tensor[];
    };
    const [dW2, dB2, dP1] = block(dP2, z2, p2, p1, 'conv2', true);
    const [dW1, dB1] = block(dP1, z1, p1, x, 'conv1', false);
    return {
      loss,
      grads: { 'conv1.weight': dW1, 'conv1.bias': dB1, 'conv2.weight': dW2, 'conv2.bias': dB2, 'fc.weight': dFcW, 'fc.bias': dFcB },
    };
  });
}
