// ROC AUC of the heatmap as a score for the ink (Quantus AUC via scikit-learn roc_auc_score):
// the Mann-Whitney U / (|ink| * |background|), an ink-background tie counting 1/2. Computed
// from the two groups sorted separately and merged, O(784 log 784) per image, rather than the
// O(|ink| * |background|) pair count. An all-zero heatmap ties every pair: 0.5.
import { checkBatch, PIXELS, type LocalisationMetric } from './shared.ts';

const ink = new Float32Array(PIXELS);
const background = new Float32Array(PIXELS);

export const auc: LocalisationMetric = (heatmaps, images, n, { maskThreshold }) => {
  checkBatch('AUC', heatmaps, images, n);
  const out = new Float64Array(n);
  for (let img = 0; img < n; img++) {
    let nInk = 0;
    let nBg = 0;
    for (let i = img * PIXELS; i < (img + 1) * PIXELS; i++) {
      if (images[i] > maskThreshold) ink[nInk++] = heatmaps[i];
      else background[nBg++] = heatmaps[i];
    }
    // One class empty (a blank or an all-ink image): the ROC curve is undefined.
    out[img] = nInk === 0 || nBg === 0 ? NaN : mannWhitney(ink.subarray(0, nInk).sort(), background.subarray(0, nBg).sort()) / (nInk * nBg);
  }
  return out;
};

/** U: over ink values, the background values below plus half those equal (both sorted ascending). */
function mannWhitney(inkSorted: Float32Array, bgSorted: Float32Array): number {
  let u = 0;
  let below = 0; // background values < the current ink value
  let equalEnd = 0; // background values <= the current ink value
  for (let i = 0; i < inkSorted.length; i++) {
    const v = inkSorted[i];
    while (below < bgSorted.length && bgSorted[below] < v) below++;
    if (equalEnd < below) equalEnd = below;
    while (equalEnd < bgSorted.length && bgSorted[equalEnd] <= v) equalEnd++;
    u += below + (equalEnd - below) / 2;
  }
  return u;
}
