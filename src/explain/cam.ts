// The class activation map from a layer's activations A and gradients G = d logit_c / d A,
// as pytorch-grad-cam 1.4.6 computes it (PROTOCOL.md "Evaluation", steps 2-3), before any
// normalisation:
//   Grad-CAM++: S_k = sum_ij A_kij; alpha = G^2 / (2 G^2 + S_k * G^3 + eps) with G^3 = G^2 * G,
//               alpha = 0 where G == 0 exactly; w_k = sum_ij max(G, 0) * alpha
//   Grad-CAM:   w_k = mean_ij G
//   cam = ReLU(sum_k w_k A_k)
// The library runs this in numpy float32; every element-wise step here is rounded to float32
// (Math.fround) in the same order. Its sums over ij are numpy pairwise float32 sums; here they
// accumulate in float64 and round once, which is at least as accurate and differs from it by
// float32 rounding only.

export type CamMethod = 'gradcampp' | 'gradcam';

/** A and G for n images in tfjs NHWC layout: [n, height, width, channels], flat. */
export interface LayerGradients {
  activations: Float32Array;
  gradients: Float32Array;
  n: number;
  height: number;
  width: number;
  channels: number;
}

export interface RawCams {
  /** ReLU(sum_k w_k A_k): [n, height, width], flat. */
  cams: Float32Array;
  /**
   * Images whose cam has a non-finite value (a float32 overflow at the alpha pole, where
   * 2G^2 + S_k G^3 + eps is 0 or nearly so). The library would return NaN for them; here their
   * cam is set to all zeros and they are listed so a caller can report them.
   */
  nonFinite: number[];
}

/** Channel weights of every image, [n, channels] (float32). */
export function channelWeights(method: CamMethod, g: LayerGradients, alphaEps: number): Float32Array {
  checkShape(g);
  if (method === 'gradcampp' && !(alphaEps >= 0)) throw new RangeError(`cam: alphaEps must be >= 0, got ${alphaEps}`);
  const { activations: A, gradients: G, n, channels: K } = g;
  const hw = g.height * g.width;
  const fr = Math.fround;
  const eps = fr(alphaEps);
  const weights = new Float32Array(n * K);
  for (let img = 0; img < n; img++) {
    const base = img * hw * K;
    for (let k = 0; k < K; k++) {
      if (method === 'gradcam') {
        let sum = 0;
        for (let p = 0; p < hw; p++) sum += G[base + p * K + k];
        weights[img * K + k] = fr(fr(sum) / hw);
        continue;
      }
      let sumA = 0;
      for (let p = 0; p < hw; p++) sumA += A[base + p * K + k];
      const s = fr(sumA);
      let w = 0;
      for (let p = 0; p < hw; p++) {
        const grad = G[base + p * K + k];
        // alpha = 0 where G == 0 (np.where(grads != 0, aij, 0)); max(G, 0) = 0 there too, and
        // skipping avoids 0 * (0/eps) when eps = 0.
        if (grad === 0) continue;
        const g2 = fr(grad * grad);
        const g3 = fr(g2 * grad);
        const denom = fr(fr(fr(2 * g2) + fr(s * g3)) + eps);
        const alpha = fr(g2 / denom);
        // A negative gradient contributes max(G, 0) * alpha = 0 (NaN at an exact pole, as in numpy).
        w += grad > 0 ? fr(grad * alpha) : 0 * alpha;
      }
      weights[img * K + k] = fr(w);
    }
  }
  return weights;
}

/** cam = ReLU(sum_k w_k A_k) per image, [n, height, width]. */
export function weightedCams(method: CamMethod, g: LayerGradients, alphaEps: number): RawCams {
  const weights = channelWeights(method, g, alphaEps);
  const { activations: A, n, channels: K } = g;
  const hw = g.height * g.width;
  const fr = Math.fround;
  const cams = new Float32Array(n * hw);
  const nonFinite: number[] = [];
  for (let img = 0; img < n; img++) {
    let finite = true;
    for (let p = 0; p < hw; p++) {
      // numpy sums the channel axis (not contiguous) in order, in float32.
      let sum = 0;
      const at = (img * hw + p) * K;
      for (let k = 0; k < K; k++) sum = fr(sum + fr(weights[img * K + k] * A[at + k]));
      if (!Number.isFinite(sum)) finite = false;
      cams[img * hw + p] = sum > 0 ? sum : 0;
    }
    if (!finite) {
      cams.fill(0, img * hw, (img + 1) * hw);
      nonFinite.push(img);
    }
  }
  return { cams, nonFinite };
}

function checkShape(g: LayerGradients): void {
  const want = g.n * g.height * g.width * g.channels;
  if (g.activations.length !== want || g.gradients.length !== want) {
    throw new RangeError(
      `cam: activations (${g.activations.length}) and gradients (${g.gradients.length}) must both hold ` +
        `${g.n}x${g.height}x${g.width}x${g.channels} = ${want} values`,
    );
  }
}
