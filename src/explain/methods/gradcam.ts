import { checkShape, weightedCam, type Explainer } from '../cam.ts';

// Grad-CAM (pytorch-grad-cam GradCAM): w_k = mean_ij G_kij (np.mean: float32 sum, then divide);
// cam = sum_k w_k A_k. With every G <= 0 the cam need not be 0: a negative weight times a
// negative pre-ReLU activation is positive. The sum is activationSums' (float64, pixels ascending,
// one rounding), written out.
export const gradCam: Explainer = (g) => {
  checkShape(g);
  const { gradients: G, n, channels: K } = g;
  const hw = g.height * g.width;
  const weights = new Float32Array(n * K);
  const acc = new Float64Array(K);
  for (let img = 0, at = 0; img < n; img++) {
    acc.fill(0);
    for (let p = 0; p < hw; p++) for (let k = 0; k < K; k++, at++) acc[k] += G[at];
    for (let k = 0; k < K; k++) weights[img * K + k] = Math.fround(Math.fround(acc[k]) / hw);
  }
  return weightedCam(g, weights);
};
