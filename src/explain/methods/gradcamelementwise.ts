import { checkShape, type Explainer } from '../cam.ts';

// Element-wise Grad-CAM (pytorch-grad-cam GradCAMElementWise.get_cam_image):
// cam = sum_k max(G_k ⊙ A_k, 0): the ReLU is per channel, before the channel sum.
// elementwiseCam's sum with term max(fround(G * A), 0), written out (no per-element call).
export const gradCamElementWise: Explainer = (g) => {
  checkShape(g);
  const { activations: A, gradients: G, channels: K } = g;
  const fr = Math.fround;
  const cams = new Float32Array(g.n * g.height * g.width);
  for (let q = 0, at = 0; q < cams.length; q++, at += K) {
    let sum = Math.max(fr(G[at] * A[at]), 0);
    for (let k = 1; k < K; k++) sum = fr(sum + Math.max(fr(G[at + k] * A[at + k]), 0));
    cams[q] = sum;
  }
  return cams;
};
