import type { ExplainerName } from '../../../src/results/types.ts';
import type { Explainer } from './cam.ts';
import { gradCam } from './methods/gradcam.ts';
import { gradCamElementWise } from './methods/gradcamelementwise.ts';
import { gradCamPlusPlus } from './methods/gradcampp.ts';
import { hiResCam } from './methods/hirescam.ts';
import { layerCam } from './methods/layercam.ts';
import { randomCam } from './methods/randomcam.ts';
import { xGradCam } from './methods/xgradcam.ts';

// The one list of explainers (PROTOCOL.md Part 2). Adding one: a file in methods/, its name in
// EXPLAINER_NAMES (src/results/types.ts) and a line here; the Record type makes a missing entry
// a compile error. libraryClass is the pytorch-grad-cam class whose semantics it reproduces,
// the `method` of the reference fixtures.

export interface ExplainerEntry {
  libraryClass: string;
  cam: Explainer;
}

export const EXPLAINERS: Readonly<Record<ExplainerName, ExplainerEntry>> = {
  gradcampp: { libraryClass: 'GradCAMPlusPlus', cam: gradCamPlusPlus },
  gradcam: { libraryClass: 'GradCAM', cam: gradCam },
  hirescam: { libraryClass: 'HiResCAM', cam: hiResCam },
  xgradcam: { libraryClass: 'XGradCAM', cam: xGradCam },
  layercam: { libraryClass: 'LayerCAM', cam: layerCam },
  gradcamelementwise: { libraryClass: 'GradCAMElementWise', cam: gradCamElementWise },
  randomcam: { libraryClass: 'RandomCAM', cam: randomCam },
};

/** The registry name of a pytorch-grad-cam class, or null when no explainer reproduces it. */
export function explainerOfLibraryClass(libraryClass: string): ExplainerName | null {
  const hit = (Object.keys(EXPLAINERS) as ExplainerName[]).find((name) => EXPLAINERS[name].libraryClass === libraryClass);
  return hit ?? null;
}
