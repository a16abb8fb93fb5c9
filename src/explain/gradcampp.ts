import * as tf from '@tensorflow/tfjs';
import { conv2Activations, headFromConv2, type Params } from '../model/cnn.ts';
import type { ExplainConfig } from '../protocol/types.ts';
import { argmaxRows } from '../metrics/argmax.ts';
import { weightedCams, type CamMethod } from './cam.ts';
import { minMaxNormalize } from './normalize.ts';
import { resizeLinear } from './resize.ts';

// Batched Grad-CAM++ / Grad-CAM on conv2's pre-ReLU output, with pytorch-grad-cam 1.4.6's
// semantics (PROTOCOL.md "Evaluation", steps 1-5):
//   target c = arg-max of the raw logits (ties to the lowest index) unless given;
//   G = d logit_c / d A per image: the selected logits are summed over the batch and one
//   gradient taken; images never interact, so each image's slice is its own gradient;
//   cam = ReLU(sum_k w_k A_k) (cam.ts); result = N(resize(N(cam))) with OpenCV's INTER_LINEAR.
// Only tfjs does the forward pass and the gradient with respect to A (tf.grad of the head),
// which needs no filter gradient, so the wasm backend (no Conv2DBackpropFilter) works. The rest
// runs on the read-back float32 arrays.

const IMAGE = 28;
const CLASSES = 10;

export type ExplainOptions = Pick<ExplainConfig, 'alphaEps' | 'normEps' | 'batchSize'> & {
  /** Default: Grad-CAM++. */
  method?: CamMethod;
  /** Explicit target class per image (integers 0..9); default the arg-max of the logits. */
  targets?: ArrayLike<number>;
};

/** Images: a [N, 28, 28, 1] tensor, or N*784 normalised float32 values in NHWC order. */
export type ExplainInput = tf.Tensor4D | { data: Float32Array; n: number };

export interface ExplainResult {
  n: number;
  /** Final heatmaps N(resize(N(cam))), [N, 28, 28], values in [0, 1]. */
  cams: Float32Array;
  /** N(cam) before the resize, [N, 11, 11]. */
  camSmall: Float32Array;
  /** The class each heatmap explains. */
  targets: Int32Array;
  /** Raw logits, [N, 10]. */
  logits: Float32Array;
  /** Indices of images whose cam overflowed at the alpha pole; their heatmaps are all zero. */
  nonFinite: number[];
}

/** Grad-CAM++ (or Grad-CAM, by options.method) heatmaps for every image, batch by batch. */
export function explain(params: Params, input: ExplainInput, options: ExplainOptions): ExplainResult {
  const n = input instanceof tf.Tensor ? checkTensor(input) : checkArray(input);
  if (!Number.isInteger(options.batchSize) || options.batchSize < 1) {
    throw new RangeError(`explain: batchSize must be a positive integer, got ${options.batchSize}`);
  }
  const method = options.method ?? 'gradcampp';
  if (method !== 'gradcampp' && method !== 'gradcam') {
    throw new RangeError(`explain: unknown method '${String(method)}' (expected 'gradcampp' or 'gradcam')`);
  }
  const given = options.targets === undefined ? null : checkTargets(options.targets, n);

  const out: ExplainResult = {
    n,
    cams: new Float32Array(n * IMAGE * IMAGE),
    camSmall: new Float32Array(0),
    targets: new Int32Array(n),
    logits: new Float32Array(n * CLASSES),
    nonFinite: [],
  };
  const smallParts: Float32Array[] = [];
  for (let start = 0; start < n; start += options.batchSize) {
    const count = Math.min(options.batchSize, n - start);
    const batch = explainBatch(params, sliceImages(input, start, count), count, method, given?.subarray(start, start + count) ?? null, options);
    out.cams.set(batch.cams, start * IMAGE * IMAGE);
    out.targets.set(batch.targets, start);
    out.logits.set(batch.logits, start * CLASSES);
    for (const i of batch.nonFinite) out.nonFinite.push(start + i);
    smallParts.push(batch.camSmall);
  }
  out.camSmall = concat(smallParts);
  return out;
}

interface BatchResult {
  cams: Float32Array;
  camSmall: Float32Array;
  targets: Int32Array;
  logits: Float32Array;
  nonFinite: number[];
}

function explainBatch(
  params: Params,
  x: tf.Tensor4D,
  count: number,
  method: CamMethod,
  given: Int32Array | null,
  options: ExplainOptions,
): BatchResult {
  const { activations, gradients, logits, targets, shape } = layerGradients(params, x, given);
  const [, height, width, channels] = shape;
  if (height !== width) throw new Error(`explain: conv2 map is ${height}x${width}, expected a square map`);
  const raw = weightedCams(method, { activations, gradients, n: count, height, width, channels }, options.alphaEps);
  const camSmall = minMaxNormalize(raw.cams, count, height * width, options.normEps);
  const cams = minMaxNormalize(resizeLinear(camSmall, count, height, IMAGE), count, IMAGE * IMAGE, options.normEps);
  return { cams, camSmall, targets, logits, nonFinite: raw.nonFinite };
}

/**
 * conv2's pre-ReLU activations A, G = d logit_c / d A, the logits and the targets, read back to
 * float32 arrays. Disposes x. The arrays are read outside tf.tidy, which walks whatever it
 * returns element by element (seconds for 10,000 images' activations).
 */
function layerGradients(params: Params, x: tf.Tensor4D, given: Int32Array | null) {
  let a: tf.Tensor4D | null = null;
  let g: tf.Tensor | null = null;
  try {
    a = conv2Activations(params, x);
    const logitsT = headFromConv2(params, a);
    const logits = logitsT.dataSync() as Float32Array;
    logitsT.dispose();
    const targets = given ? Int32Array.from(given) : argmaxRows(logits, CLASSES);
    const act = a;
    g = tf.tidy(() => {
      const select = tf.cast(tf.oneHot(tf.tensor1d(targets, 'int32'), CLASSES), 'float32');
      // Sum of each image's target logit: its gradient w.r.t. A is each image's own d logit_c / d A.
      return tf.grad((v: tf.Tensor) => tf.sum(tf.mul(headFromConv2(params, v as tf.Tensor4D), select)))(act);
    });
    return { activations: a.dataSync() as Float32Array, gradients: g.dataSync() as Float32Array, logits, targets, shape: a.shape };
  } finally {
    x.dispose();
    a?.dispose();
    g?.dispose();
  }
}

/** A new [count, 28, 28, 1] tensor of images start..start+count-1 (the caller disposes it). */
function sliceImages(input: ExplainInput, start: number, count: number): tf.Tensor4D {
  if (input instanceof tf.Tensor) return tf.slice(input, [start, 0, 0, 0], [count, IMAGE, IMAGE, 1]);
  const px = IMAGE * IMAGE;
  return tf.tensor4d(input.data.subarray(start * px, (start + count) * px), [count, IMAGE, IMAGE, 1]);
}

function checkTensor(x: tf.Tensor4D): number {
  const [n, h, w, c] = x.shape;
  if (x.rank !== 4 || h !== IMAGE || w !== IMAGE || c !== 1) {
    throw new RangeError(`explain: images must be [N, 28, 28, 1] (NHWC), got [${x.shape.join(', ')}]`);
  }
  return n;
}

function checkArray(input: { data: Float32Array; n: number }): number {
  if (!Number.isInteger(input.n) || input.n < 0) throw new RangeError(`explain: image count must be a non-negative integer, got ${input.n}`);
  if (input.data.length !== input.n * IMAGE * IMAGE) {
    throw new RangeError(`explain: expected ${input.n}x28x28 = ${input.n * IMAGE * IMAGE} values, got ${input.data.length}`);
  }
  return input.n;
}

function checkTargets(targets: ArrayLike<number>, n: number): Int32Array {
  if (targets.length !== n) throw new RangeError(`explain: ${targets.length} target classes for ${n} images`);
  for (let i = 0; i < n; i++) {
    const t = targets[i];
    if (!Number.isInteger(t) || t < 0 || t >= CLASSES) throw new RangeError(`explain: target ${i} is ${t}, expected an integer in 0..${CLASSES - 1}`);
  }
  return Int32Array.from(targets);
}

function concat(parts: Float32Array[]): Float32Array {
  const out = new Float32Array(parts.reduce((s, p) => s + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}
