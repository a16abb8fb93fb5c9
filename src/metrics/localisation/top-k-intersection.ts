// Top-k intersection (Quantus TopKIntersection, k = metrics.topK): the fraction of the k highest
// heatmap pixels that lie on the ink, ties at the cut-off by expectation.
import { checkBatch, expectedInkInTop, PIXELS, type LocalisationMetric } from './shared.ts';

export const topKIntersection: LocalisationMetric = (heatmaps, images, n, { maskThreshold, topK }, ranking) => {
  checkBatch('top-k intersection', heatmaps, images, n);
  const out = new Float64Array(n);
  if (ranking) {
    ranking.check('top-k intersection', n, maskThreshold);
    for (let img = 0; img < n; img++) out[img] = ranking.expectedInkInTop(img, topK);
    return out;
  }
  for (let img = 0; img < n; img++) out[img] = expectedInkInTop(heatmaps, images, img * PIXELS, topK, maskThreshold);
  return out;
};
