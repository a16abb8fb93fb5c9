import { activationSums, spatialSums, weightedCam, type Explainer } from '../cam.ts';

// XGrad-CAM (pytorch-grad-cam XGradCAM.get_cam_weights):
//   w_k = sum_ij (G_kij * A_kij) / (S_k + 1e-7) with S_k = sum_ij A_kij; cam = sum_k w_k A_k.
// The library divides each product before summing (not the sum once), and so does this. Its eps
// is a hard-coded 1e-7, not Grad-CAM++'s protocol field. As A is pre-ReLU, S_k can sit near
// -1e-7: a pole like Grad-CAM++'s, whose non-finite results the caller lists.
const EPS = Math.fround(1e-7);

export const xGradCam: Explainer = (g) => {
  const fr = Math.fround;
  const K = g.channels;
  const denom = activationSums(g).map((s) => fr(s + EPS));
  const weights = spatialSums(g, (grad, act, img, k) => fr(fr(grad * act) / denom[img * K + k]));
  return weightedCam(g, weights);
};
