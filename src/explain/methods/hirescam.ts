import { checkShape, type Explainer } from '../cam.ts';

// HiResCAM (pytorch-grad-cam HiResCAM.get_cam_image): cam = sum_k G_k ⊙ A_k, no spatial pooling
// of the gradient. elementwiseCam's sum with term fround(G * A), written out (no per-element call).
export const hiResCam: Explainer = (g) => {
  checkShape(g);
  const { activations: A, gradients: G, channels: K } = g;
  const fr = Math.fround;
  const cams = new Float32Array(g.n * g.height * g.width);
  for (let q = 0, at = 0; q < cams.length; q++, at += K) {
    let sum = fr(G[at] * A[at]);
    for (let k = 1; k < K; k++) sum = fr(sum + fr(G[at + k] * A[at + k]));
    cams[q] = sum;
  }
  return cams;
};
