import * as tf from '@tensorflow/tfjs';
import { conv2Activations, headFromConv2, type Params } from '../../../src/model/cnn.ts';
import type { ExplainConfig } from '../../../src/protocol/types.ts';
import { EXPLAINER_NAMES, type ExplainerName } from '../../../src/results/types.ts';
import { argmaxRows } from '../../../src/metrics/argmax.ts';
import type { ExplainerContext, LayerGradients } from './cam.ts';
import { minMaxNormalize } from './normalize.ts';
import { EXPLAINERS } from './registry.ts';
import { resizeLinear } from './resize.ts';

// Batched heatmaps of every selected explainer on conv2's pre-ReLU output, with
// pytorch-grad-cam 1.4.6's semantics (PROTOCOL.md Part 1 steps 1-5, Part 2 "Explainers"):
//   target c = arg-max of the raw logits (ties to the lowest index) unless given;
//   A and G = d logit_c / d A are computed ONCE per batch and shared by all explainers: the
//   selected logits are summed over the batch and one gradient taken; images never interact,
//   so each image's slice is its own gradient;
//   raw cam from the explainer (registry.ts); cam_small = N(ReLU(cam)); result = N(resize(cam_small))
//   with OpenCV's INTER_LINEAR.
// Only tfjs does the forward pass and the gradient with respect to A (tf.grad of the head),
// which needs no filter gradient, so the wasm backend (no Conv2DBackpropFilter) works. The rest
// runs on the read-back float32 arrays.
//
// Non-finite heatmaps (PROTOCOL.md Part 2): where an explainer's pole or an overflow makes a
// heatmap non-finite, it is kept as the library would return it (NaN) and its index listed in
// nonFinite, so the caller can leave it out of its means and count it.

const IMAGE = 28;
const CLASSES = 10;

export type ExplainOptions = Pick<ExplainConfig, 'alphaEps' | 'normEps' | 'batchSize'> & {
  /** Explicit target class per image (integers 0..9); default the arg-max of the logits. */
  targets?: ArrayLike<number>;
  /** The run's seed and pruning level: required by RandomCAM's seeded stream. */
  random?: { seed: number; level: number };
};

/** Images: a [N, 28, 28, 1] tensor, or N*784 normalised float32 values in NHWC order. */
export type ExplainInput = tf.Tensor4D | { data: Float32Array; n: number };

export interface MethodHeatmaps {
  /** Final heatmaps N(resize(N(ReLU(cam)))), [N, 28, 28], values in [0, 1] (NaN for nonFinite images). */
  cams: Float32Array;
  /** N(ReLU(cam)) before the resize, [N, 11, 11]. */
  camSmall: Float32Array;
  /** Indices (ascending) of images whose heatmap is not finite; leave them out of means. */
  nonFinite: number[];
}

export interface ExplainAllResult {
  n: number;
  /** The class every method explains, per image. */
  targets: Int32Array;
  /** Raw logits, [N, 10]. */
  logits: Float32Array;
  byMethod: Partial<Record<ExplainerName, MethodHeatmaps>>;
}

/** Heatmaps of every method in `methods` for every image, batch by batch. */
export function explainAll(params: Params, input: ExplainInput, methods: readonly ExplainerName[], options: ExplainOptions): ExplainAllResult {
  const n = input instanceof tf.Tensor ? checkTensor(input) : checkArray(input);
  if (!Number.isInteger(options.batchSize) || options.batchSize < 1) {
    throw new RangeError(`explain: batchSize must be a positive integer, got ${options.batchSize}`);
  }
  const selected = checkMethods(methods);
  const given = options.targets === undefined ? null : checkTargets(options.targets, n);

  const out: ExplainAllResult = { n, targets: new Int32Array(n), logits: new Float32Array(n * CLASSES), byMethod: {} };
  const parts = new Map<ExplainerName, { cams: Float32Array[]; small: Float32Array[]; nonFinite: number[] }>(selected.map((m) => [m, { cams: [], small: [], nonFinite: [] }]));
  for (let start = 0; start < n; start += options.batchSize) {
    const count = Math.min(options.batchSize, n - start);
    const layer = layerGradients(params, sliceImages(input, start, count), count, given?.subarray(start, start + count) ?? null);
    out.targets.set(layer.targets, start);
    out.logits.set(layer.logits, start * CLASSES);
    const ctx: ExplainerContext = { alphaEps: options.alphaEps, firstImage: start, random: options.random };
    for (const method of selected) {
      const heat = postProcess(EXPLAINERS[method].cam(layer.g, ctx), layer.g, options.normEps);
      const acc = parts.get(method)!;
      acc.cams.push(heat.cams);
      acc.small.push(heat.camSmall);
      for (const i of heat.nonFinite) acc.nonFinite.push(start + i);
    }
  }
  for (const [method, acc] of parts) out.byMethod[method] = { cams: concat(acc.cams), camSmall: concat(acc.small), nonFinite: acc.nonFinite };
  return out;
}

/** cam_small = N(ReLU(cam)), cams = N(resize(cam_small)), and the images that are not finite. */
function postProcess(raw: Float32Array, g: LayerGradients, normEps: number): MethodHeatmaps {
  const { n, height, width } = g;
  if (height !== width) throw new Error(`explain: conv2 map is ${height}x${width}, expected a square map`);
  // np.maximum(cam, 0): NaN stays NaN (a plain `v > 0 ? v : 0` would hide it as 0).
  const camSmall = minMaxNormalize(raw.map((v) => (v < 0 ? 0 : v)), n, height * width, normEps);
  const cams = minMaxNormalize(resizeLinear(camSmall, n, height, IMAGE), n, IMAGE * IMAGE, normEps);
  const nonFinite: number[] = [];
  const px = IMAGE * IMAGE;
  for (let img = 0; img < n; img++) {
    // +-inf in the ReLU'd cam becomes NaN in N (inf - inf, inf / inf), so the final map shows every
    // case; -inf alone is clipped by the ReLU exactly as in the library and leaves a finite map.
    for (let p = img * px; p < (img + 1) * px; p++) {
      if (!Number.isFinite(cams[p])) {
        nonFinite.push(img);
        break;
      }
    }
  }
  return { cams, camSmall, nonFinite };
}

/**
 * conv2's pre-ReLU activations A, G = d logit_c / d A, the logits and the targets, read back to
 * float32 arrays. Disposes x. The arrays are read outside tf.tidy, which walks whatever it
 * returns element by element (seconds for 10,000 images' activations).
 */
function layerGradients(params: Params, x: tf.Tensor4D, count: number, given: Int32Array | null): { g: LayerGradients; logits: Float32Array; targets: Int32Array } {
  let a: tf.Tensor4D | null = null;
  let grad: tf.Tensor | null = null;
  try {
    a = conv2Activations(params, x);
    const logitsT = headFromConv2(params, a);
    const logits = logitsT.dataSync() as Float32Array;
    logitsT.dispose();
    const targets = given ? Int32Array.from(given) : argmaxRows(logits, CLASSES);
    const act = a;
    grad = tf.tidy(() => {
      const select = tf.cast(tf.oneHot(tf.tensor1d(targets, 'int32'), CLASSES), 'float32');
      // Sum of each image's target logit: its gradient w.r.t. A is each image's own d logit_c / d A.
      return tf.grad((v: tf.Tensor) => tf.sum(tf.mul(headFromConv2(params, v as tf.Tensor4D), select)))(act);
    });
    const [, height, width, channels] = a.shape;
    return {
      g: { activations: a.dataSync() as Float32Array, gradients: grad.dataSync() as Float32Array, n: count, height, width, channels },
      logits,
      targets,
    };
  } finally {
    x.dispose();
    a?.dispose();
    grad?.dispose();
  }
}

/** A new [count, 28, 28, 1] tensor of images start..start+count-1 (the caller disposes it). */
function sliceImages(input: ExplainInput, start: number, count: number): tf.Tensor4D {
  if (input instanceof tf.Tensor) return tf.slice(input, [start, 0, 0, 0], [count, IMAGE, IMAGE, 1]);
  const px = IMAGE * IMAGE;
  return tf.tensor4d(input.data.subarray(start * px, (start + count) * px), [count, IMAGE, IMAGE, 1]);
}

function checkMethods(methods: readonly ExplainerName[]): ExplainerName[] {
  for (const m of methods) {
    if (!(EXPLAINER_NAMES as readonly string[]).includes(m)) throw new RangeError(`explain: unknown method '${String(m)}' (known: ${EXPLAINER_NAMES.join(', ')})`);
  }
  return [...new Set(methods)];
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
