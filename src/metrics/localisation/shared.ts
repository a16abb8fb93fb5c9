// What the localisation metrics (PROTOCOL.md Part 2, Quantus 0.6.0 semantics) have in common:
// one call signature, the ink mask, the all-zero test and the tie rule by expectation.
// The metrics run over 10,000 images x ~10 heatmap sources per level, so every helper works on
// one image in place, with module-level scratch buffers instead of per-image allocation (the
// harness is single-threaded, so sharing them between calls is safe).
import { PIXELS } from '../../data/sources.ts';
import type { MetricsConfig } from '../../protocol/types.ts';
import type { Ranking } from './ranking.ts';
import { floatKeys, largestKey } from './sort-keys.ts';

export { PIXELS };

export type LocalisationOptions = Pick<MetricsConfig, 'maskThreshold' | 'topK'>;

/**
 * One localisation metric: n heatmaps and the n clean images ([n * 784] each, the same pixel
 * order; images in [0, 1]) -> one score per image. Heatmap values are not range-checked: a
 * non-finite heatmap gives an unspecified (possibly NaN) score, and the scorer leaves it out.
 * `ranking`, optional: the same n heatmaps already ranked against the same images' ink
 * (ranking.ts), shared by the scorer among the metrics; a metric that sorts or selects reads it
 * instead, with the same result to the bit. Without it, each metric computes alone.
 */
export type LocalisationMetric = (heatmaps: Float32Array, images: Float32Array, n: number, options: LocalisationOptions, ranking?: Ranking) => Float64Array;

/** Throws unless both arrays hold exactly n images of 784 pixels. */
export function checkBatch(what: string, heatmaps: Float32Array, images: Float32Array, n: number): void {
  if (!Number.isInteger(n) || n < 0) throw new RangeError(`${what}: image count must be a whole number, got ${n}`);
  if (heatmaps.length !== n * PIXELS) throw new RangeError(`${what}: ${heatmaps.length} heatmap values for ${n} images of ${PIXELS} pixels`);
  if (images.length !== n * PIXELS) throw new RangeError(`${what}: ${images.length} image values for ${n} images of ${PIXELS} pixels`);
}

/** K = the ink pixels (clean value > maskThreshold) of the image starting at `start`. */
export function inkCount(images: Float32Array, start: number, maskThreshold: number): number {
  let k = 0;
  for (let i = start; i < start + PIXELS; i++) if (images[i] > maskThreshold) k++;
  return k;
}

/** True when every value of the heatmap starting at `start` is exactly 0 (-0 included). */
export function isAllZero(heatmaps: Float32Array, start: number): boolean {
  for (let i = start; i < start + PIXELS; i++) if (heatmaps[i] !== 0) return false;
  return true;
}

const keys = new Uint32Array(PIXELS);
const scratch = new Uint32Array(PIXELS);

/**
 * The expected fraction of ink among the `cut` highest heatmap values when the pixels tied at
 * the cut-off are ordered uniformly at random (PROTOCOL.md's tie rule): with v the cut-th
 * largest value, G pixels above v and T equal to it, the m = cut - G open slots hold
 * m * (ink among the T) / T ink pixels on average. Pointing game (cut 1), relevance rank
 * (cut K) and top-k intersection (cut k) are this one quantity. An all-zero heatmap ties all
 * 784 pixels, so it scores the ink fraction K / 784 without a special case.
 */
export function expectedInkInTop(heatmaps: Float32Array, images: Float32Array, start: number, cut: number, maskThreshold: number): number {
  if (!Number.isInteger(cut) || cut < 1 || cut > PIXELS) throw new RangeError(`localisation: cut-off must be a whole number in 1..${PIXELS}, got ${cut}`);
  floatKeys(heatmaps, start, PIXELS, keys);
  const v = cutoffKey(cut);
  let above = 0;
  let inkAbove = 0;
  let tied = 0;
  let inkTied = 0;
  for (let i = 0; i < PIXELS; i++) {
    const k = keys[i];
    const ink = images[start + i] > maskThreshold ? 1 : 0;
    if (k > v) {
      above++;
      inkAbove += ink;
    } else if (k === v) {
      tied++;
      inkTied += ink;
    }
  }
  return (inkAbove + ((cut - above) * inkTied) / tied) / cut;
}

/** The cut-th largest of `keys`: a linear scan for the maximum, else a radix selection. */
function cutoffKey(cut: number): number {
  if (cut === 1) {
    let max = 0;
    for (let i = 0; i < PIXELS; i++) if (keys[i] > max) max = keys[i];
    return max;
  }
  return largestKey(keys, PIXELS, cut, scratch);
}
