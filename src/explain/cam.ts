// What every explainer shares: the layer's activations A and gradients G = d logit_c / d A,
// and the two ways pytorch-grad-cam 1.4.6 turns them into a cam, before any ReLU or
// normalisation (PROTOCOL.md Part 2 "Explainers"):
//   channel-weighted (BaseCAM.get_cam_image): cam = sum_k w_k A_k, w_k from get_cam_weights;
//   element-wise (HiResCAM, LayerCAM, GradCAMElementWise): cam = sum_k f(G_k, A_k).
// The library runs this in numpy float32; every element-wise step is rounded to float32
// (Math.fround) in the same order. numpy sums the channel axis (not contiguous) in order, one
// float32 add at a time, and that is reproduced exactly. Its sums over ij are pairwise float32
// sums; here they accumulate in float64 and round once, which is at least as accurate and
// differs from numpy's by float32 rounding only.

/** A and G for n images in tfjs NHWC layout: [n, height, width, channels], flat. */
export interface LayerGradients {
  activations: Float32Array;
  gradients: Float32Array;
  n: number;
  height: number;
  width: number;
  channels: number;
  /**
   * Optional, when the producer knows it: the index into `gradients` of every nonzero G, image
   * after image (image i's are index[offsets[i]] .. index[offsets[i + 1] - 1]), each channel's in
   * ascending order. Explainers that skip G == 0 may walk this instead of the whole array.
   */
  nonzero?: { index: Int32Array; offsets: Int32Array };
}

/** What an explainer may need besides A and G. */
export interface ExplainerContext {
  /** Grad-CAM++'s alpha stabiliser (protocol explain.alphaEps). */
  alphaEps: number;
  /** Index of the batch's first image in the whole input, so per-image random streams do not depend on the batch size. */
  firstImage: number;
  /** The run's seed and pruning level, for explainers that draw random numbers (RandomCAM). */
  random?: { seed: number; level: number };
}

/** An explainer: the raw cam [n, height, width] (pre-ReLU, float32) of a batch. */
export type Explainer = (g: LayerGradients, ctx: ExplainerContext) => Float32Array;

export function checkShape(g: LayerGradients): void {
  const want = g.n * g.height * g.width * g.channels;
  if (g.activations.length !== want || g.gradients.length !== want) {
    throw new RangeError(
      `cam: activations (${g.activations.length}) and gradients (${g.gradients.length}) must both hold ` +
        `${g.n}x${g.height}x${g.width}x${g.channels} = ${want} values`,
    );
  }
}

/**
 * S_k = sum_ij A_kij per image and channel (Grad-CAM++'s and XGrad-CAM's denominators). The
 * spatial sums of get_cam_weights all follow this convention: a pixel-major walk (NHWC order)
 * with one float64 accumulator per channel, so each channel adds its pixels in ascending order,
 * rounded to float32 once.
 */
export function activationSums(g: LayerGradients): Float32Array {
  checkShape(g);
  const { activations: A, n, channels: K } = g;
  const hw = g.height * g.width;
  const out = new Float32Array(n * K);
  const acc = new Float64Array(K);
  for (let img = 0; img < n; img++) {
    acc.fill(0);
    let at = img * hw * K;
    for (let p = 0; p < hw; p++) {
      for (let k = 0; k < K; k++, at++) acc[k] += A[at];
    }
    for (let k = 0; k < K; k++) out[img * K + k] = Math.fround(acc[k]);
  }
  return out;
}

/** cam = sum_k w_k A_k per pixel from channel weights w [n, channels]. */
export function weightedCam(g: LayerGradients, weights: Float32Array): Float32Array {
  checkShape(g);
  if (weights.length !== g.n * g.channels) throw new RangeError(`cam: ${weights.length} channel weights for ${g.n}x${g.channels}`);
  const { activations: A, n, channels: K } = g;
  const hw = g.height * g.width;
  const fr = Math.fround;
  const cams = new Float32Array(n * hw);
  // As elementwiseCam with term fround(w_k * A_k), without the per-element call.
  for (let img = 0; img < n; img++) {
    const wb = img * K;
    for (let p = 0; p < hw; p++) {
      const at = (img * hw + p) * K;
      let sum = fr(weights[wb] * A[at]);
      for (let k = 1; k < K; k++) sum = fr(sum + fr(weights[wb + k] * A[at + k]));
      cams[img * hw + p] = sum;
    }
  }
  return cams;
}

/** cam = sum_k term(G_kij, A_kij) per pixel, [n, height, width]; `term` returns float32 values. */
export function elementwiseCam(g: LayerGradients, term: (grad: number, act: number, img: number, k: number) => number): Float32Array {
  checkShape(g);
  const { activations: A, gradients: G, n, channels: K } = g;
  const hw = g.height * g.width;
  const fr = Math.fround;
  const cams = new Float32Array(n * hw);
  for (let img = 0; img < n; img++) {
    for (let p = 0; p < hw; p++) {
      const at = (img * hw + p) * K;
      let sum = term(G[at], A[at], img, 0);
      for (let k = 1; k < K; k++) sum = fr(sum + term(G[at + k], A[at + k], img, k));
      cams[img * hw + p] = sum;
    }
  }
  return cams;
}
