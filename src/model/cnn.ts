import * as tf from '@tensorflow/tfjs';
import { allFiniteOnHeap } from '../backend/wasm/all-finite-simd.ts';
import { CONV_RELU_POOL, canConvReluPool, type ConvReluPoolAttrs } from '../backend/wasm/conv-relu-pool-simd.ts';

// The thesis CNN in tfjs layout (NHWC, conv HWIO, dense [in, out] with tfjs's (row, col,
// channel) flatten order). Plain functions of a parameter map rather than a tf.LayersModel:
// the training loop, the masks and Grad-CAM++ all need the raw tensors, and raw ops avoid the
// layers API's per-step overhead.

export const PARAM_NAMES = ['conv1.weight', 'conv1.bias', 'conv2.weight', 'conv2.bias', 'fc.weight', 'fc.bias'] as const;
export type ParamName = (typeof PARAM_NAMES)[number];
export const WEIGHT_NAMES = ['conv1.weight', 'conv2.weight', 'fc.weight'] as const;
export type WeightName = (typeof WEIGHT_NAMES)[number];

/** tfjs-layout shapes of the parameters. */
export const TF_SHAPES: Record<ParamName, number[]> = {
  'conv1.weight': [3, 3, 1, 4],
  'conv1.bias': [4],
  'conv2.weight': [3, 3, 4, 8],
  'conv2.bias': [8],
  'fc.weight': [200, 10],
  'fc.bias': [10],
};

/** PyTorch-layout shapes of the parameters. */
export const TORCH_SHAPES: Record<ParamName, number[]> = {
  'conv1.weight': [4, 1, 3, 3],
  'conv1.bias': [4],
  'conv2.weight': [8, 4, 3, 3],
  'conv2.bias': [8],
  'fc.weight': [10, 200],
  'fc.bias': [10],
};

/** Fan-in of each layer (for the init). */
export const FAN_IN: Record<'conv1' | 'conv2' | 'fc', number> = { conv1: 9, conv2: 36, fc: 200 };

export type Params = Record<ParamName, tf.Tensor>;

/** conv output size for a 'valid' convolution / pooling. */
export function convOut(size: number, kernel: number, stride = 1, pad = 0): number {
  return Math.floor((size + 2 * pad - kernel) / stride) + 1;
}

/** conv1 -> ReLU -> pool -> conv2 (pre-ReLU activations). Input x: [N, 28, 28, 1]. */
export function conv2Activations(p: Params, x: tf.Tensor4D): tf.Tensor4D {
  return tf.tidy(() => {
    const h1 = tf.maxPool(tf.relu(tf.add<tf.Tensor4D>(tf.conv2d(x, p['conv1.weight'] as tf.Tensor4D, 1, 'valid'), p['conv1.bias'])), 2, 2, 'valid');
    return tf.add(tf.conv2d(h1 as tf.Tensor4D, p['conv2.weight'] as tf.Tensor4D, 1, 'valid'), p['conv2.bias']) as tf.Tensor4D;
  });
}

/**
 * `conv2Activations`' values, bit for bit, where no gradient flows back through them (the explain
 * path: its G = d logit / d A is computed w.r.t. A only, in closed form or by tf.grad of the head
 * from A): where the backend has PrunecamConvReluPool (wasm), the first conv block (conv2d, add
 * the bias, relu, max-pool) as one kernel with the bias last (as in `forwardNoGrad`) and conv2 +
 * bias as its preRelu variant; else `conv2Activations`. Also `conv2Activations` when an input value
 * is not finite: there the shipped conv1 (prunecam's single-channel fold, whose zero filter taps
 * meet the input: 0 * Infinity = NaN) gives NaN (then 0 after the ReLU) next to it where the
 * kernel does not. Pinned by spec/explain/wasm-path.spec.ts.
 */
export function conv2ActivationsNoGrad(p: Params, x: tf.Tensor4D): tf.Tensor4D {
  return tf.tidy(() => {
    const filter = p['conv1.weight'] as tf.Tensor4D;
    if (!canConvReluPool(x, filter, 2) || !finiteOnHeap(x)) return conv2Activations(p, x);
    const block: ConvReluPoolAttrs = { pool: 2, biasLast: true };
    const h1 = (tf.engine().runKernel(CONV_RELU_POOL, { x, filter, bias: p['conv1.bias'] }, block as unknown as tf.NamedAttrMap) as tf.Tensor4D[])[1];
    const filter2 = p['conv2.weight'] as tf.Tensor4D;
    if (!canConvReluPool(h1, filter2, 1)) return tf.add(tf.conv2d(h1, filter2, 1, 'valid'), p['conv2.bias']) as tf.Tensor4D;
    const preRelu: ConvReluPoolAttrs = { pool: 1, biasLast: true, preRelu: true };
    return (tf.engine().runKernel(CONV_RELU_POOL, { x: h1, filter: filter2, bias: p['conv2.bias'] }, preRelu as unknown as tf.NamedAttrMap) as tf.Tensor4D[])[0];
  });
}

/** Whether every value of x (on the wasm backend's memory) is finite. */
function finiteOnHeap(x: tf.Tensor): boolean {
  const inPlace = allFiniteOnHeap(tf.backend(), x);
  if (inPlace !== null) return inPlace;
  const v = x.dataSync();
  for (let i = 0; i < v.length; i++) if (v[i] - v[i] !== 0) return false;
  return true;
}

/** The head from conv2's pre-ReLU activations to the logits. */
export function headFromConv2(p: Params, a: tf.Tensor4D): tf.Tensor2D {
  return tf.tidy(() => denseHead(p, tf.maxPool(tf.relu(a) as tf.Tensor4D, 2, 2, 'valid')));
}

/** The dense layer on conv2's pooled activations [N, 5, 5, 8]. */
function denseHead(p: Params, h2: tf.Tensor4D): tf.Tensor2D {
  const flat = tf.reshape(h2, [h2.shape[0], 200]) as tf.Tensor2D;
  return tf.add(tf.matMul(flat, p['fc.weight'] as tf.Tensor2D), p['fc.bias']) as tf.Tensor2D;
}

/** The full forward pass. Input x: [N, 28, 28, 1] (already normalised). */
export function forward(p: Params, x: tf.Tensor4D): tf.Tensor2D {
  return tf.tidy(() => headFromConv2(p, conv2Activations(p, x)));
}

/**
 * `forward`'s logits, bit for bit, for evaluation only (no gradient flows through it): each conv
 * block (conv2d, add the bias, relu, max-pool) as one kernel where the backend has it (wasm:
 * PrunecamConvReluPool with the bias last, src/backend/wasm/conv-relu-pool-simd.ts), else as
 * `forward` does. Pinned to `forward` by spec/backend/conv-relu-pool-simd.spec.ts.
 */
export function forwardNoGrad(p: Params, x: tf.Tensor4D): tf.Tensor2D {
  return tf.tidy(() => {
    const block = (input: tf.Tensor4D, layer: 'conv1' | 'conv2'): tf.Tensor4D => {
      const filter = p[`${layer}.weight`] as tf.Tensor4D;
      const bias = p[`${layer}.bias`];
      if (canConvReluPool(input, filter, 2)) {
        const attrs: ConvReluPoolAttrs = { pool: 2, biasLast: true };
        return (tf.engine().runKernel(CONV_RELU_POOL, { x: input, filter, bias }, attrs as unknown as tf.NamedAttrMap) as tf.Tensor4D[])[1];
      }
      return tf.maxPool(tf.relu(tf.add<tf.Tensor4D>(tf.conv2d(input, filter, 1, 'valid'), bias)), 2, 2, 'valid');
    };
    return denseHead(p, block(block(x, 'conv1'), 'conv2'));
  });
}

/**
 * forwardNoGrad's logits of m images (normalised pixels, [m, 28, 28, 1] row-major) as an array.
 * Read back outside tf.tidy: a tidy returning a typed array walks it element by element looking
 * for tensors (2.5 s of a level's deletion metric, profiled, for 10 logits per image).
 */
export function logitsNoGrad(p: Params, pixels: Float32Array, m: number): Float32Array {
  const logits = tf.tidy(() => forwardNoGrad(p, tf.tensor4d(pixels, [m, 28, 28, 1])));
  try {
    return logits.dataSync() as Float32Array;
  } finally {
    logits.dispose();
  }
}
