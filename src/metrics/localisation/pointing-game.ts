// Pointing game (Quantus PointingGame): does the heatmap's maximum lie on the ink? With several
// maxima, the expected hit over a random choice among them (ink maxima / maxima) instead of
// Quantus's "any maximum on ink", which favours flat heatmaps (an all-zero map would score 1).
import { checkBatch, expectedInkInTop, PIXELS, type LocalisationMetric } from './shared.ts';

export const pointingGame: LocalisationMetric = (heatmaps, images, n, { maskThreshold }, ranking) => {
  checkBatch('pointing game', heatmaps, images, n);
  const out = new Float64Array(n);
  if (ranking) {
    ranking.check('pointing game', n, maskThreshold);
    for (let img = 0; img < n; img++) out[img] = ranking.expectedInkInTop(img, 1);
    return out;
  }
  for (let img = 0; img < n; img++) out[img] = expectedInkInTop(heatmaps, images, img * PIXELS, 1, maskThreshold);
  return out;
};
