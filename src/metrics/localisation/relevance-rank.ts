// Relevance rank accuracy (Quantus RelevanceRankAccuracy): the fraction of the K highest heatmap
// pixels that lie on the ink, K = the ink pixel count, ties at the cut-off by expectation.
import { checkBatch, expectedInkInTop, inkCount, PIXELS, type LocalisationMetric } from './shared.ts';

export const relevanceRank: LocalisationMetric = (heatmaps, images, n, { maskThreshold }, ranking) => {
  checkBatch('relevance rank', heatmaps, images, n);
  const out = new Float64Array(n);
  if (ranking) {
    ranking.check('relevance rank', n, maskThreshold);
    for (let img = 0; img < n; img++) {
      const k = ranking.inkCount(img);
      out[img] = k === 0 ? NaN : ranking.expectedInkInTop(img, k);
    }
    return out;
  }
  for (let img = 0; img < n; img++) {
    const start = img * PIXELS;
    const k = inkCount(images, start, maskThreshold);
    // A blank image has no rank to check (0/0); the scorer leaves blank images out.
    out[img] = k === 0 ? NaN : expectedInkInTop(heatmaps, images, start, k, maskThreshold);
  }
  return out;
};
