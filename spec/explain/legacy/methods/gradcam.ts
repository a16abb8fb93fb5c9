import { spatialSums, weightedCam, type Explainer } from '../cam.ts';

// Grad-CAM (pytorch-grad-cam GradCAM): w_k = mean_ij G_kij (np.mean: float32 sum, then divide);
// cam = sum_k w_k A_k. With every G <= 0 the cam need not be 0: a negative weight times a
// negative pre-ReLU activation is positive.
export const gradCam: Explainer = (g) => {
  const hw = g.height * g.width;
  const sums = spatialSums(g, (grad) => grad);
  return weightedCam(g, sums.map((s) => Math.fround(s / hw)));
};
