// Soft IoU (thesis eq. 2.8, PROTOCOL.md Part 1) in the localisation metrics' shape. It keeps its
// Part 1 definition: scored against the clean image itself, not the ink mask, and an all-zero
// heatmap scores 0.
import { softIoUOfImage } from '../iou.ts';
import { checkBatch, PIXELS, type LocalisationMetric } from './shared.ts';

export const softIoU: LocalisationMetric = (heatmaps, images, n) => {
  checkBatch('soft IoU', heatmaps, images, n);
  const out = new Float64Array(n);
  for (let img = 0; img < n; img++) out[img] = softIoUOfImage(heatmaps, images, img * PIXELS, PIXELS);
  return out;
};
