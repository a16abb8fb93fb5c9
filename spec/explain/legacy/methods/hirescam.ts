import { elementwiseCam, type Explainer } from '../cam.ts';

// HiResCAM (pytorch-grad-cam HiResCAM.get_cam_image): cam = sum_k G_k ⊙ A_k, no spatial pooling
// of the gradient.
export const hiResCam: Explainer = (g) => elementwiseCam(g, (grad, act) => Math.fround(grad * act));
