// The work the rank metrics (pointing game, relevance rank, top-k intersection, AUC) have in
// common, done once per image: the heatmap's pixels ordered by value (radix argsort of the
// order-preserving keys), the tie groups of that order and the ink count below each position.
// The scorer prepares one Ranking per chunk of images and hands it to every metric; each metric
// then reads its score in O(1) (the cut-off metrics) or O(tie groups) (AUC) instead of sorting
// or selecting on its own. Called without a Ranking, every metric still computes alone (the
// fixtures and the properties call them that way); spec/metrics/localisation-ranking.spec.ts
// checks that both paths give the same floats. rank() runs as WebAssembly (ranking-wasm.ts)
// where that compiles, else as the JS loop below; the same spec checks that both give the
// same integers.
import { PIXELS } from '../../data/sources.ts';
import { wasmRanking, type WasmRanking } from './ranking-wasm.ts';
import { floatKeys, radixOrder } from './sort-keys.ts';

const keys = new Uint32Array(PIXELS);
const order = new Int32Array(PIXELS);
const tmp = new Int32Array(PIXELS);

/**
 * Up to `capacity` images ranked by heatmap value, reusable: rank() overwrites it. Positions
 * are in ascending key order (floatKeys: -0 and +0 tie; NaN keys sort above +Infinity, or
 * below -Infinity for a negative NaN, as in the metrics' standalone path).
 */
export class Ranking {
  /** Images ranked by the last rank() call. */
  n = 0;
  /** The ink threshold the ink counts were taken with. */
  maskThreshold = NaN;
  /** [capacity * 784]: per image and sorted position j, the first position of j's tie group. */
  readonly groupStart: Uint16Array;
  /** [capacity * 784]: per image and sorted position j, one past the last position of j's tie group. */
  readonly groupEnd: Uint16Array;
  /** [capacity * 785]: per image, the ink pixels among sorted positions 0 .. j-1 (j = 0 .. 784). */
  readonly inkBelow: Uint16Array;
  /** Which implementation rank() runs: 'wasm' unless it was turned off or does not compile. */
  readonly engine: 'wasm' | 'js';
  private readonly wasm: WasmRanking | null;

  /** `wasm: false` forces the JS loop (the spec compares the two). */
  constructor(readonly capacity: number, options: { wasm?: boolean } = {}) {
    if (!Number.isInteger(capacity) || capacity < 0) throw new RangeError(`ranking: capacity must be a whole number >= 0, got ${capacity}`);
    this.groupStart = new Uint16Array(capacity * PIXELS);
    this.groupEnd = new Uint16Array(capacity * PIXELS);
    this.inkBelow = new Uint16Array(capacity * (PIXELS + 1));
    this.wasm = options.wasm === false ? null : wasmRanking();
    this.engine = this.wasm ? 'wasm' : 'js';
  }

  /** Ranks the n (<= capacity) heatmaps [n * 784] against the ink (> maskThreshold) of the n images. */
  rank(heatmaps: Float32Array, images: Float32Array, n: number, maskThreshold: number): this {
    if (!Number.isInteger(n) || n < 0 || n > this.capacity) throw new RangeError(`ranking: ${n} images for a capacity of ${this.capacity}`);
    if (heatmaps.length < n * PIXELS || images.length < n * PIXELS) throw new RangeError(`ranking: fewer than ${n} images of ${PIXELS} pixels`);
    if (this.wasm) this.wasm(heatmaps, images, n, maskThreshold, this.groupStart, this.groupEnd, this.inkBelow);
    else this.rankJs(heatmaps, images, n, maskThreshold);
    this.n = n;
    this.maskThreshold = maskThreshold;
    return this;
  }

  /** rank()'s per-image work in JS: the fallback, and the reference the wasm path is checked against. */
  private rankJs(heatmaps: Float32Array, images: Float32Array, n: number, maskThreshold: number): void {
    const { groupStart, groupEnd, inkBelow } = this;
    for (let img = 0; img < n; img++) {
      const start = img * PIXELS;
      floatKeys(heatmaps, start, PIXELS, keys);
      radixOrder(keys, PIXELS, order, tmp);
      const inkAt = img * (PIXELS + 1);
      let first = 0;
      let previous = keys[order[0]];
      let ink = 0;
      inkBelow[inkAt] = 0;
      for (let j = 0; j < PIXELS; j++) {
        const pixel = order[j];
        const k = keys[pixel];
        if (k !== previous) {
          first = j;
          previous = k;
        }
        groupStart[start + j] = first;
        if (images[start + pixel] > maskThreshold) ink++;
        inkBelow[inkAt + j + 1] = ink;
      }
      let end = PIXELS;
      for (let j = PIXELS - 1; j >= 0; j--) {
        groupEnd[start + j] = end;
        if (groupStart[start + j] === j) end = j;
      }
    }
  }

  /** Throws unless this ranking holds the metric's n images under its mask threshold. */
  check(what: string, n: number, maskThreshold: number): void {
    if (this.n !== n) throw new RangeError(`${what}: the shared ranking holds ${this.n} images, not ${n}`);
    if (!Object.is(this.maskThreshold, maskThreshold)) throw new RangeError(`${what}: the shared ranking used mask threshold ${this.maskThreshold}, not ${maskThreshold}`);
  }

  /** K, the ink pixels of image img. */
  inkCount(img: number): number {
    return this.inkBelow[img * (PIXELS + 1) + PIXELS];
  }

  /**
   * expectedInkInTop (shared.ts) of image img from the ranking: the cut-th largest value sits
   * at sorted position 784 - cut; its tie group [lo, hi) gives G = 784 - hi pixels above and
   * T = hi - lo tied, and the ink counts come from inkBelow. The same integers enter the same
   * expression, so the result is the standalone one to the bit.
   */
  expectedInkInTop(img: number, cut: number): number {
    if (!Number.isInteger(cut) || cut < 1 || cut > PIXELS) throw new RangeError(`localisation: cut-off must be a whole number in 1..${PIXELS}, got ${cut}`);
    const at = img * PIXELS + (PIXELS - cut);
    const lo = this.groupStart[at];
    const hi = this.groupEnd[at];
    const inkAt = img * (PIXELS + 1);
    const inkHi = this.inkBelow[inkAt + hi];
    const above = PIXELS - hi;
    const inkAbove = this.inkBelow[inkAt + PIXELS] - inkHi;
    const tied = hi - lo;
    const inkTied = inkHi - this.inkBelow[inkAt + lo];
    return (inkAbove + ((cut - above) * inkTied) / tied) / cut;
  }

  /**
   * The Mann-Whitney U of image img (auc.ts): per tie group with a ink and b background pixels,
   * each ink pixel beats the background below the group and ties the group's b. Every term is a
   * whole or half number below 2^53, so the sum is exact in any order: the standalone U.
   */
  mannWhitney(img: number): number {
    const start = img * PIXELS;
    const inkAt = img * (PIXELS + 1);
    let u = 0;
    let backgroundBelow = 0;
    let j = 0;
    while (j < PIXELS) {
      const end = this.groupEnd[start + j];
      const ink = this.inkBelow[inkAt + end] - this.inkBelow[inkAt + j];
      const background = end - j - ink;
      if (ink > 0) u += ink * (backgroundBelow + background / 2);
      backgroundBelow += background;
      j = end;
    }
    return u;
  }
}
