import { activationSums, checkShape, weightedCam, type Explainer } from '../cam.ts';

// XGrad-CAM (pytorch-grad-cam XGradCAM.get_cam_weights):
//   w_k = sum_ij (G_kij * A_kij) / (S_k + 1e-7) with S_k = sum_ij A_kij; cam = sum_k w_k A_k.
// The library divides each product before summing (not the sum once), and so does this. Its eps
// is a hard-coded 1e-7, not Grad-CAM++'s protocol field. As A is pre-ReLU, S_k can sit near
// -1e-7: a pole like Grad-CAM++'s, whose non-finite results the caller lists.
// The sum is activationSums' (float64, pixels ascending, one rounding), written out.
const EPS = Math.fround(1e-7);

export const xGradCam: Explainer = (g) => {
  checkShape(g);
  const fr = Math.fround;
  const { activations: A, gradients: G, n, channels: K } = g;
  const hw = g.height * g.width;
  const denom = activationSums(g).map((s) => fr(s + EPS));
  const weights = new Float32Array(n * K);
  const acc = new Float64Array(K);
  for (let img = 0, at = 0; img < n; img++) {
    acc.fill(0);
    const sb = img * K;
    for (let p = 0; p < hw; p++) for (let k = 0; k < K; k++, at++) acc[k] += fr(fr(G[at] * A[at]) / denom[sb + k]);
    for (let k = 0; k < K; k++) weights[sb + k] = fr(acc[k]);
  }
  return weightedCam(g, weights);
};
