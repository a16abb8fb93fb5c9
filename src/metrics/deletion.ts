// Deletion faithfulness (PROTOCOL.md Part 2 "Faithfulness: deletion"): remove the pixels a
// heatmap ranks highest, T equal steps at a time, and follow the model's softmax probability of
// the target class. A low area under that curve means the heatmap found the pixels the network
// needs.
//
// Cost: one level scores ~10 heatmap sources x 1000 images x 17 steps. Every perturbed image of
// every source is written into one reusable batch buffer and the forward pass runs on large
// batches, so the work is a few hundred tfjs calls rather than ~170,000. Two rows of every curve
// do not depend on the heatmap and are computed once for all sources: t = 0 (the unperturbed
// image) and t = T (every pixel deleted: the same all-zero image for every image). Each
// heatmap's deletion order is a radix argsort (sort-keys.ts), not a comparison sort.
import { PIXELS } from '../data/sources.ts';
import { normalize } from '../data/noise.ts';
import { logitsNoGrad, type Params } from '../model/cnn.ts';
import type { MetricsConfig, NormalizeConfig } from '../protocol/types.ts';
import { isAllZero } from './localisation/shared.ts';
import { floatKeys, radixOrder } from './localisation/sort-keys.ts';

const CLASSES = 10;

export interface DeletionOptions {
  /** metrics.deletion: the first `images` images (all of them if fewer), T = `steps`. */
  deletion: MetricsConfig['deletion'];
  /** D2, applied to each perturbed [0, 1] image before the forward pass. */
  normalize: NormalizeConfig;
  /** Perturbed images per forward call (memory vs. call overhead). */
  batchSize?: number;
}

/** One heatmap source's deletion scores. */
export interface DeletionResult {
  /** p_0 .. p_T of each scored image, row-major [N, T + 1]; NaN rows for images left out. */
  curves: Float32Array;
  /** Deletion AUC of each image; NaN for images left out. */
  auc: Float64Array;
  /** Mean AUC over the scored images; null when none was scored. */
  meanAuc: number | null;
  /** All-zero heatmaps: no order to test, left out and counted. */
  zeroHeatmaps: number;
  /** Heatmaps with a non-finite value: left out of every mean (PROTOCOL.md Part 2) and counted. */
  nonFiniteHeatmaps: number;
}

/**
 * Deletion curves of several heatmap sources at once on the first N images.
 * inputs: the noisy test images in [0, 1] (NOT normalised), [n * 784]; targets: the class of
 * each image (the explainers' target, arg-max of the raw logits); sources: each a heatmap per
 * image, [n * 784]. Returns one result per source, in order.
 */
export function deletionScores(
  params: Params,
  inputs: Float32Array,
  targets: ArrayLike<number>,
  sources: readonly Float32Array[],
  options: DeletionOptions,
): DeletionResult[] {
  const { steps: T } = options.deletion;
  const batchSize = options.batchSize ?? 2048;
  if (!Number.isInteger(T) || T < 1) throw new RangeError(`deletion: steps must be a whole number >= 1, got ${T}`);
  if (!Number.isInteger(batchSize) || batchSize < 1) throw new RangeError(`deletion: batchSize must be a whole number >= 1, got ${batchSize}`);
  if (inputs.length % PIXELS !== 0) throw new RangeError(`deletion: ${inputs.length} input values do not form images of ${PIXELS} pixels`);
  const N = Math.min(options.deletion.images, inputs.length / PIXELS);
  if (!Number.isInteger(N) || N < 0) throw new RangeError(`deletion: images must be a whole number >= 0, got ${options.deletion.images}`);
  if (targets.length < N) throw new RangeError(`deletion: ${targets.length} targets for ${N} images`);
  for (let i = 0; i < N; i++) {
    if (!Number.isInteger(targets[i]) || targets[i] < 0 || targets[i] >= CLASSES) throw new RangeError(`deletion: target ${i} is ${targets[i]}, expected a class 0..${CLASSES - 1}`);
  }
  for (const [s, h] of sources.entries()) {
    if (h.length !== inputs.length) throw new RangeError(`deletion: source ${s} has ${h.length} heatmap values for ${inputs.length} input values`);
  }

  // normalise(x_t) = normalise(x) with the deleted pixels at normalise(0): D2 is element-wise,
  // so each image is normalised once and deletion writes one constant.
  const x = normalize(inputs.subarray(0, N * PIXELS), options.normalize);
  const deleted = normalize(new Float32Array(1), options.normalize)[0];
  const counts = Array.from({ length: T + 1 }, (_, t) => Math.floor((t * PIXELS) / T));

  const results = sources.map(() => newResult(N, T));
  const runner = new BatchRunner(params, batchSize);

  // Shared rows: t = 0 per image, and one all-deleted image for t = T.
  const unperturbed = new Float32Array(N * CLASSES);
  for (let i = 0; i < N; i++) runner.push(x.subarray(i * PIXELS, (i + 1) * PIXELS), unperturbed, i * CLASSES);
  const allDeleted = new Float32Array(CLASSES);
  runner.push(new Float32Array(PIXELS).fill(deleted), allDeleted, 0);

  // Heatmap rows: t = 1 .. T-1 of every scored image of every source, as logits [.., T+1, 10].
  const logits = sources.map(() => new Float32Array(N * (T + 1) * CLASSES));
  const scored = sources.map(() => new Uint8Array(N));
  const order = new Int32Array(PIXELS);
  const work = new Float32Array(PIXELS);
  for (const [s, heatmaps] of sources.entries()) {
    for (let i = 0; i < N; i++) {
      const h = heatmaps.subarray(i * PIXELS, (i + 1) * PIXELS);
      if (!allFinite(h)) {
        results[s].nonFiniteHeatmaps++;
        continue;
      }
      if (isAllZero(heatmaps, i * PIXELS)) {
        results[s].zeroHeatmaps++;
        continue;
      }
      scored[s][i] = 1;
      deletionOrder(h, order);
      work.set(x.subarray(i * PIXELS, (i + 1) * PIXELS));
      for (let t = 1; t < T; t++) {
        for (let j = counts[t - 1]; j < counts[t]; j++) work[order[j]] = deleted;
        runner.push(work, logits[s], (i * (T + 1) + t) * CLASSES);
      }
    }
  }
  runner.flush();

  for (const [s, r] of results.entries()) {
    for (let i = 0; i < N; i++) {
      if (!scored[s][i]) continue;
      const c = targets[i];
      const row = i * (T + 1);
      r.curves[row] = softmaxAt(unperturbed, i * CLASSES, c);
      for (let t = 1; t < T; t++) r.curves[row + t] = softmaxAt(logits[s], (row + t) * CLASSES, c);
      r.curves[row + T] = softmaxAt(allDeleted, 0, c);
      r.auc[i] = trapezoid(r.curves, row, T);
    }
    finishMean(r, N);
  }
  return results;
}

function newResult(n: number, steps: number): DeletionResult {
  return { curves: new Float32Array(n * (steps + 1)).fill(NaN), auc: new Float64Array(n).fill(NaN), meanAuc: null, zeroHeatmaps: 0, nonFiniteHeatmaps: 0 };
}

function finishMean(r: DeletionResult, n: number): void {
  let sum = 0;
  let scored = 0;
  for (let i = 0; i < n; i++) {
    if (Number.isNaN(r.auc[i])) continue;
    sum += r.auc[i];
    scored++;
  }
  r.meanAuc = scored === 0 ? null : sum / scored;
}

function allFinite(h: Float32Array): boolean {
  for (let i = 0; i < h.length; i++) if (!Number.isFinite(h[i])) return false;
  return true;
}

const MAX_RADIX = 1024; // floatKeys' limit
const orderKeys = new Uint32Array(MAX_RADIX);
const orderTmp = new Int32Array(MAX_RADIX);

/**
 * Pixel indices by heatmap value, descending, ties by lower flat index (np.argsort(-h,
 * kind='stable')), for the first out.length values of a finite h (-0 ties +0). A stable radix
 * argsort of the complemented order-preserving keys: the same order as the comparison sort
 * (values descending, then index), which it falls back to beyond 1024 values.
 */
export function deletionOrder(h: Float32Array, out: Int32Array): Int32Array {
  const count = out.length;
  if (count > MAX_RADIX) {
    for (let i = 0; i < count; i++) out[i] = i;
    return out.sort((a, b) => h[b] - h[a] || a - b);
  }
  floatKeys(h, 0, count, orderKeys);
  for (let i = 0; i < count; i++) orderKeys[i] = ~orderKeys[i] >>> 0;
  radixOrder(orderKeys, count, out, orderTmp);
  return out;
}

/** (1/T) * sum_{t<T} (p_t + p_{t+1}) / 2 over curve values [start, start + T]. */
function trapezoid(curve: Float32Array, start: number, T: number): number {
  let sum = 0;
  for (let t = 0; t < T; t++) sum += (curve[start + t] + curve[start + t + 1]) / 2;
  return sum / T;
}

/** softmax(logits[start .. start+10))[c], shifted by the maximum so exp cannot overflow. */
export function softmaxAt(logits: Float32Array, start: number, c: number): number {
  let max = -Infinity;
  for (let j = 0; j < CLASSES; j++) max = Math.max(max, logits[start + j]);
  let sum = 0;
  for (let j = 0; j < CLASSES; j++) sum += Math.exp(logits[start + j] - max);
  return Math.fround(Math.exp(logits[start + c] - max) / sum);
}

/**
 * Collects normalised images into one reusable buffer and runs the forward pass when it is
 * full; each row's logits go to the (array, offset) it was pushed with.
 */
class BatchRunner {
  private readonly buffer: Float32Array;
  private readonly outs: Float32Array[];
  private readonly ats: Int32Array;
  private rows = 0;

  constructor(
    private readonly params: Params,
    private readonly batchSize: number,
  ) {
    this.buffer = new Float32Array(batchSize * PIXELS);
    this.outs = new Array<Float32Array>(batchSize);
    this.ats = new Int32Array(batchSize);
  }

  push(image: Float32Array, out: Float32Array, at: number): void {
    this.buffer.set(image, this.rows * PIXELS);
    this.outs[this.rows] = out;
    this.ats[this.rows] = at;
    if (++this.rows === this.batchSize) this.flush();
  }

  flush(): void {
    const m = this.rows;
    if (m === 0) return;
    const logits = logitsNoGrad(this.params, this.buffer.subarray(0, m * PIXELS), m);
    for (let r = 0; r < m; r++) this.outs[r].set(logits.subarray(r * CLASSES, (r + 1) * CLASSES), this.ats[r]);
    this.rows = 0;
  }
}
