import { checkShape, type Explainer } from '../cam.ts';

// LayerCAM (pytorch-grad-cam LayerCAM.get_cam_image): cam = sum_k max(G_k, 0) ⊙ A_k.
// elementwiseCam's sum with term fround(max(G, 0) * A), written out (no per-element call).
export const layerCam: Explainer = (g) => {
  checkShape(g);
  const { activations: A, gradients: G, channels: K } = g;
  const fr = Math.fround;
  const cams = new Float32Array(g.n * g.height * g.width);
  for (let q = 0, at = 0; q < cams.length; q++, at += K) {
    let sum = fr(Math.max(G[at], 0) * A[at]);
    for (let k = 1; k < K; k++) sum = fr(sum + fr(Math.max(G[at + k], 0) * A[at + k]));
    cams[q] = sum;
  }
  return cams;
};
