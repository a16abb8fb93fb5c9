import { activationSums, checkShape, weightedCam, type Explainer } from '../cam.ts';

// Grad-CAM++ (pytorch-grad-cam GradCAMPlusPlus, PROTOCOL.md Part 1 step 2), the thesis's method:
//   S_k = sum_ij A_kij; alpha = G^2 / (2 G^2 + S_k G^3 + eps) with G^3 = G^2 * G;
//   alpha = 0 where G == 0 exactly; w_k = sum_ij max(G, 0) * alpha; cam = sum_k w_k A_k.
// alpha has a pole where 2 G^2 + S_k G^3 + eps is 0; the library then returns inf/NaN, and so
// does this (the batched entry point lists such images instead of hiding them).
// The spatial sum of w_k is activationSums' (float64, pixels in ascending order, one rounding),
// written out as one loop over the NHWC data.
export const gradCamPlusPlus: Explainer = (g, ctx) => {
  if (!(ctx.alphaEps >= 0)) throw new RangeError(`cam: alphaEps must be >= 0, got ${ctx.alphaEps}`);
  checkShape(g);
  const fr = Math.fround;
  const eps = fr(ctx.alphaEps);
  const S = activationSums(g);
  const { gradients: G, n, channels: K } = g;
  const hw = g.height * g.width;
  const weights = new Float32Array(n * K);
  const acc = new Float64Array(K);
  const term = (grad: number, k: number, sb: number): number => {
    const g2 = fr(grad * grad);
    const g3 = fr(g2 * grad);
    const alpha = fr(g2 / fr(fr(fr(2 * g2) + fr(S[sb + k] * g3)) + eps));
    // max(G, 0) * alpha: 0 for a negative gradient, NaN at an exact pole (as numpy: 0 * inf).
    return grad > 0 ? fr(grad * alpha) : 0 * alpha;
  };
  const nz = g.nonzero;
  for (let img = 0; img < n; img++) {
    acc.fill(0);
    const sb = img * K;
    if (nz) {
      // Only the nonzero G, each channel's in ascending pixel order: the same sums.
      for (let j = nz.offsets[img]; j < nz.offsets[img + 1]; j++) {
        const at = nz.index[j];
        const k = at % K;
        acc[k] += term(G[at], k, sb);
      }
    } else {
      let at = img * hw * K;
      for (let p = 0; p < hw; p++) {
        for (let k = 0; k < K; k++, at++) {
          const grad = G[at];
          // np.where(grads != 0, aij, 0): max(G, 0) is 0 there too, and skipping avoids 0 * (0/eps) when eps = 0.
          if (grad !== 0) acc[k] += term(grad, k, sb);
        }
      }
    }
    for (let k = 0; k < K; k++) weights[sb + k] = fr(acc[k]);
  }
  return weightedCam(g, weights);
};
