// A model-free heatmap source (PROTOCOL.md Part 2 "Model-free baselines"): what a metric gives
// for free, with no network involved. Same signature for all, so the caller scores them like
// explainers.

export const PIXELS = 784;

/** n noisy test images in [0, 1] (un-normalised, [n, 784]) -> n heatmaps in [0, 1], [n, 784]. */
export type Baseline = (n: number, noisyImages: Float32Array) => Float32Array;

export function checkImages(what: string, n: number, images: Float32Array): void {
  if (!Number.isInteger(n) || n < 0) throw new RangeError(`${what}: image count must be a non-negative integer, got ${n}`);
  if (images.length !== n * PIXELS) throw new RangeError(`${what}: expected ${n}x784 = ${n * PIXELS} values, got ${images.length}`);
}
