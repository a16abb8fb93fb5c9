// Relevance mass accuracy (Quantus RelevanceMassAccuracy): the share of the heatmap's total that
// lies on the ink, sum(a * s) / sum(a). An all-zero heatmap (0/0; NaN in Quantus) scores the ink
// fraction K / 784, what the tie rule gives the rank metrics: chance, not a failure.
import { checkBatch, PIXELS, type LocalisationMetric } from './shared.ts';

export const relevanceMass: LocalisationMetric = (heatmaps, images, n, { maskThreshold }) => {
  checkBatch('relevance mass', heatmaps, images, n);
  const out = new Float64Array(n);
  for (let img = 0; img < n; img++) {
    let onInk = 0;
    let total = 0;
    let ink = 0;
    let allZero = true;
    for (let i = img * PIXELS; i < (img + 1) * PIXELS; i++) {
      const a = heatmaps[i];
      total += a;
      if (a !== 0) allZero = false;
      if (images[i] > maskThreshold) {
        onInk += a;
        ink++;
      }
    }
    out[img] = allZero ? ink / PIXELS : onInk / total;
  }
  return out;
};
