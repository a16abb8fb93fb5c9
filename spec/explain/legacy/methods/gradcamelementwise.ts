import { elementwiseCam, type Explainer } from '../cam.ts';

// Element-wise Grad-CAM (pytorch-grad-cam GradCAMElementWise.get_cam_image):
// cam = sum_k max(G_k ⊙ A_k, 0): the ReLU is per channel, before the channel sum.
export const gradCamElementWise: Explainer = (g) => elementwiseCam(g, (grad, act) => Math.max(Math.fround(grad * act), 0));
