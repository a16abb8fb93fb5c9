// ROC AUC of the heatmap as a score for the ink (Quantus AUC via scikit-learn roc_auc_score):
// the Mann-Whitney U / (|ink| * |background|), an ink-background tie counting 1/2. Computed
// from the two groups sorted separately (radix sort of order-preserving keys) and merged, rather
// than the O(|ink| * |background|) pair count (or, given the scorer's shared ranking, one pass
// over its tie groups). An all-zero heatmap ties every pair: 0.5.
import { checkBatch, PIXELS, type LocalisationMetric } from './shared.ts';
import { floatKeys, radixSort } from './sort-keys.ts';

const keys = new Uint32Array(PIXELS);
const ink = new Uint32Array(PIXELS);
const background = new Uint32Array(PIXELS);
const tmp = new Uint32Array(PIXELS);

export const auc: LocalisationMetric = (heatmaps, images, n, { maskThreshold }, ranking) => {
  checkBatch('AUC', heatmaps, images, n);
  const out = new Float64Array(n);
  if (ranking) {
    // Over the shared ascending order, U is one pass over the tie groups (Ranking.mannWhitney).
    ranking.check('AUC', n, maskThreshold);
    for (let img = 0; img < n; img++) {
      const nInk = ranking.inkCount(img);
      const nBg = PIXELS - nInk;
      out[img] = nInk === 0 || nBg === 0 ? NaN : ranking.mannWhitney(img) / (nInk * nBg);
    }
    return out;
  }
  for (let img = 0; img < n; img++) {
    const start = img * PIXELS;
    floatKeys(heatmaps, start, PIXELS, keys);
    let nInk = 0;
    let nBg = 0;
    for (let i = 0; i < PIXELS; i++) {
      if (images[start + i] > maskThreshold) ink[nInk++] = keys[i];
      else background[nBg++] = keys[i];
    }
    // One class empty (a blank or an all-ink image): the ROC curve is undefined.
    if (nInk === 0 || nBg === 0) {
      out[img] = NaN;
      continue;
    }
    radixSort(ink, nInk, tmp);
    radixSort(background, nBg, tmp);
    out[img] = mannWhitney(nInk, nBg) / (nInk * nBg);
  }
  return out;
};

/** U: over the ink keys, the background keys below plus half those equal (both sorted ascending). */
function mannWhitney(nInk: number, nBg: number): number {
  let u = 0;
  let below = 0; // background keys < the current ink key
  let equalEnd = 0; // background keys <= the current ink key
  for (let i = 0; i < nInk; i++) {
    const v = ink[i];
    while (below < nBg && background[below] < v) below++;
    if (equalEnd < below) equalEnd = below;
    while (equalEnd < nBg && background[equalEnd] <= v) equalEnd++;
    u += below + (equalEnd - below) / 2;
  }
  return u;
}
