// Heatmap quality metrics (PROTOCOL.md "Evaluation"): the soft IoU of thesis eq. 2.8 between a
// heatmap h and the clean image x, both in [0, 1], and a summary of the heatmap values.
// Sums accumulate in float64.

/**
 * Soft IoU of each image: sum_p min(h, x) / sum_p max(h, x).
 * Defined as 0 when both maps are all zero (0/0): a blank heatmap explains nothing, so it earns
 * no overlap credit even against a blank image. (MNIST has no blank images, so this only
 * guards the definition.)
 * heatmaps and images: n images of `pixels` values each, in the same pixel order.
 */
export function softIoU(heatmaps: ArrayLike<number>, images: ArrayLike<number>, pixels: number): Float64Array {
  if (!Number.isInteger(pixels) || pixels < 1) throw new RangeError(`IoU: pixels per image must be a positive integer, got ${pixels}`);
  if (heatmaps.length !== images.length) {
    throw new RangeError(`IoU: ${heatmaps.length} heatmap values but ${images.length} image values`);
  }
  if (heatmaps.length % pixels !== 0) throw new RangeError(`IoU: ${heatmaps.length} values do not form images of ${pixels} pixels`);
  const n = heatmaps.length / pixels;
  const out = new Float64Array(n);
  for (let img = 0; img < n; img++) {
    for (let i = img * pixels; i < (img + 1) * pixels; i++) {
      const h = heatmaps[i];
      const x = images[i];
      if (!(h >= 0 && h <= 1) || !(x >= 0 && x <= 1)) {
        throw new RangeError(`IoU: image ${img}, pixel ${i - img * pixels}: heatmap ${h} and image ${x} must both lie in [0, 1]`);
      }
    }
    out[img] = softIoUOfImage(heatmaps, images, img * pixels, pixels);
  }
  return out;
}

/**
 * The soft IoU of the one image at [start, start + pixels), unchecked: the caller has validated
 * the values (softIoU) or accepts NaN for a non-finite heatmap (the localisation metrics, whose
 * scorer leaves such images out).
 */
export function softIoUOfImage(heatmaps: ArrayLike<number>, images: ArrayLike<number>, start: number, pixels: number): number {
  let inter = 0;
  let union = 0;
  for (let i = start; i < start + pixels; i++) {
    const h = heatmaps[i];
    const x = images[i];
    inter += Math.min(h, x);
    union += Math.max(h, x);
  }
  return union === 0 ? 0 : inter / union;
}

/** The level's score: the mean soft IoU over all images. */
export function meanSoftIoU(heatmaps: ArrayLike<number>, images: ArrayLike<number>, pixels: number): number {
  const ious = softIoU(heatmaps, images, pixels);
  if (ious.length === 0) throw new RangeError('IoU: no images');
  let sum = 0;
  for (const v of ious) sum += v;
  return sum / ious.length;
}

export interface HeatmapSummary {
  /** Mean of every pixel value of every heatmap. */
  mean: number;
  /**
   * Population standard deviation (divisor = number of values, not number - 1) over every pixel
   * of every heatmap pooled together, as numpy's default np.std(heatmaps) would compute it.
   */
  std: number;
  /** Heatmaps whose every pixel is exactly 0. */
  zeroHeatmaps: number;
  images: number;
}

export function heatmapSummary(heatmaps: ArrayLike<number>, pixels: number): HeatmapSummary {
  if (!Number.isInteger(pixels) || pixels < 1) throw new RangeError(`heatmap summary: pixels per image must be a positive integer, got ${pixels}`);
  if (heatmaps.length === 0 || heatmaps.length % pixels !== 0) {
    throw new RangeError(`heatmap summary: ${heatmaps.length} values do not form one or more images of ${pixels} pixels`);
  }
  const n = heatmaps.length / pixels;
  let sum = 0;
  let zero = 0;
  for (let img = 0; img < n; img++) {
    let allZero = true;
    for (let i = img * pixels; i < (img + 1) * pixels; i++) {
      const v = heatmaps[i];
      if (!Number.isFinite(v)) throw new RangeError(`heatmap summary: image ${img} has a non-finite value ${v}`);
      sum += v;
      if (v !== 0) allZero = false;
    }
    if (allZero) zero++;
  }
  const mean = sum / heatmaps.length;
  // Two passes (mean first) keep the variance accurate when the std is small next to the mean.
  let squares = 0;
  for (let i = 0; i < heatmaps.length; i++) squares += (heatmaps[i] - mean) ** 2;
  return { mean, std: Math.sqrt(squares / heatmaps.length), zeroHeatmaps: zero, images: n };
}
