import { elementwiseCam, type Explainer } from '../cam.ts';

// LayerCAM (pytorch-grad-cam LayerCAM.get_cam_image): cam = sum_k max(G_k, 0) ⊙ A_k.
export const layerCam: Explainer = (g) => elementwiseCam(g, (grad, act) => Math.fround(Math.max(grad, 0) * act));
