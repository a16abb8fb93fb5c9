// One heatmap source's localisation scores at one level: every metric's mean over the images,
// leaving out the images the caller excludes (non-finite heatmaps, PROTOCOL.md Part 2) and the
// images whose ink mask cannot be scored, and counting the all-zero heatmaps (which stay in the
// means: they score at chance by the metrics' own rules).
//
// Cost: 10,000 images x ~10 sources per level. The heatmaps are ranked once per chunk of images
// (ranking.ts) and the ranking is shared by every metric, rather than each rank metric sorting
// or selecting alone; chunks keep the ranking small enough to stay in cache. Each metric's sum
// still runs over the images in order, so the means are the per-metric ones to the bit.
import { LOCALISATION_METRIC_NAMES, type LocalisationMetricName } from '../../results/types.ts';
import { Ranking } from './ranking.ts';
import { LOCALISATION_METRICS } from './registry.ts';
import { checkBatch, inkCount, isAllZero, PIXELS, type LocalisationOptions } from './shared.ts';

export interface LocalisationScores {
  /** Mean of each metric over the scored images (NaN when no image was scored). */
  means: Record<LocalisationMetricName, number>;
  /** Images in the means. */
  scored: number;
  /** Every image's soft IoU (excluded ones too), for statistics over other subsets of images. */
  softIoU: Float64Array;
  /** All-zero heatmaps among the scored images. */
  zeroHeatmaps: number;
  /**
   * Images left out because their ink mask is empty (blank image) or covers all 784 pixels: the
   * rank metrics and AUC are undefined there. None in MNIST; counted so it cannot pass unseen.
   */
  degenerateMasks: number;
}

/** Images ranked and scored at a time (a ranking of 256 images is ~1.2 MB). */
const CHUNK = 256;

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
  const sums = LOCALISATION_METRIC_NAMES.map(() => 0);
  const ranking = new Ranking(Math.min(CHUNK, n));
  const softIoU = new Float64Array(n);
  for (let from = 0; from < n; from += CHUNK) {
    const m = Math.min(CHUNK, n - from);
    const h = heatmaps.subarray(from * PIXELS, (from + m) * PIXELS);
    const x = images.subarray(from * PIXELS, (from + m) * PIXELS);
    ranking.rank(h, x, m, options.maskThreshold);
    for (const [i, name] of LOCALISATION_METRIC_NAMES.entries()) {
      const perImage = LOCALISATION_METRICS[name](h, x, m, options, ranking);
      if (name === 'softIoU') softIoU.set(perImage, from);
      let sum = sums[i];
      for (let img = 0; img < m; img++) if (keep[from + img]) sum += perImage[img];
      sums[i] = sum;
    }
  }
  const means = {} as Record<LocalisationMetricName, number>;
  for (const [i, name] of LOCALISATION_METRIC_NAMES.entries()) means[name] = scored === 0 ? NaN : sums[i] / scored;
  return { means, scored, softIoU, zeroHeatmaps, degenerateMasks };
}
