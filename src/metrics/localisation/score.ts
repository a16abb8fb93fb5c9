// One heatmap source's localisation scores at one level: every metric's mean over the images,
// leaving out the images the caller excludes (non-finite heatmaps, PROTOCOL.md Part 2) and the
// images whose ink mask cannot be scored, and counting the all-zero heatmaps (which stay in the
// means: they score at chance by the metrics' own rules).
import { LOCALISATION_METRIC_NAMES, type LocalisationMetricName } from '../../results/types.ts';
import { LOCALISATION_METRICS } from './registry.ts';
import { checkBatch, inkCount, isAllZero, PIXELS, type LocalisationOptions } from './shared.ts';

export interface LocalisationScores {
  /** Mean of each metric over the scored images (NaN when no image was scored). */
  means: Record<LocalisationMetricName, number>;
  /** Images in the means. */
  scored: number;
  /** All-zero heatmaps among the scored images. */
  zeroHeatmaps: number;
  /**
   * Images left out because their ink mask is empty (blank image) or covers all 784 pixels: the
   * rank metrics and AUC are undefined there. None in MNIST; counted so it cannot pass unseen.
   */
  degenerateMasks: number;
}

export function scoreLocalisation(
  heatmaps: Float32Array,
  images: Float32Array,
  n: number,
  options: LocalisationOptions,
  exclude: ReadonlySet<number> = new Set(),
): LocalisationScores {
  checkBatch('localisation scores', heatmaps, images, n);
  const keep = new Uint8Array(n);
  let scored = 0;
  let zeroHeatmaps = 0;
  let degenerateMasks = 0;
  for (let img = 0; img < n; img++) {
    if (exclude.has(img)) continue;
    const k = inkCount(images, img * PIXELS, options.maskThreshold);
    if (k === 0 || k === PIXELS) {
      degenerateMasks++;
      continue;
    }
    keep[img] = 1;
    scored++;
    if (isAllZero(heatmaps, img * PIXELS)) zeroHeatmaps++;
  }
  const means = {} as Record<LocalisationMetricName, number>;
  for (const name of LOCALISATION_METRIC_NAMES) {
    const perImage = LOCALISATION_METRICS[name](heatmaps, images, n, options);
    let sum = 0;
    for (let img = 0; img < n; img++) if (keep[img]) sum += perImage[img];
    means[name] = scored === 0 ? NaN : sum / scored;
  }
  return { means, scored, zeroHeatmaps, degenerateMasks };
}
