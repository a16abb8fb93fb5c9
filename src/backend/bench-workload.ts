import * as tf from '@tensorflow/tfjs';
import { rng } from '../data/rng.ts';
import { explainAll } from '../explain/explain.ts';
import { initWeights, toTensors, disposeParams } from '../model/params.ts';
import { THESIS } from '../protocol/builtin.ts';
import { Sgd, type SgdHyper } from '../train/sgd.ts';
import { trainStep } from '../train/step.ts';

// The workload of /work/shared/bench/torch_reference_bench.py, so the two numbers compare:
// the thesis CNN, SGD (lr 0.01, momentum 0.9, weight decay 1e-4) at batch 128 on synthetic
// uniform [0, 1) 28x28 images with uniform labels; 10 warm-up steps, then one pass over the
// images timed; then Grad-CAM++ of the trained net over the same images in batches of 1,000
// (forward, gradient, CAM, both min-max normalisations and the resize to 28x28).
// Timing ends on a read-back of the last result, so no queued work escapes the clock.

const IMAGE_PIXELS = 28 * 28;
const CLASSES = 10;

export interface BenchOptions {
  /** Images in the timed pass (and in the Grad-CAM++ pass). */
  images: number;
  batch: number;
  warmupSteps: number;
  /** Seed of the synthetic data and the initial weights. */
  seed: number;
  /** Grad-CAM++ batch size. */
  explainBatch: number;
  /**
   * Untimed Grad-CAM++ passes over the images before the timed one, as the training pass has its
   * warm-up steps. The explain kernels are assembled and compiled at their first use, and V8
   * moves a WebAssembly function to its optimising compiler only after it has run a while: in
   * one process (under node --cpu-prof), passes over 25,600 images (batch 1000) ran at 26,000,
   * 36,000, 42,000, 52,000, 51,000 and 54,000 images/s. A run explains 10,000 test images at every one of 26 levels, so
   * all but its first level see the later speed; the default times the second pass.
   */
  explainWarmupPasses: number;
}

export const BENCH_DEFAULTS: BenchOptions = { images: 25_600, batch: 128, warmupSteps: 10, seed: 0, explainBatch: 1000, explainWarmupPasses: 1 };

export interface BenchResult {
  trainImagesPerS: number;
  gradcamppImagesPerS: number;
  /** Loss of the last timed step (a sanity check that training ran). */
  lastLoss: number;
}

const HYPER: SgdHyper = { lr: 0.01, momentum: 0.9, weightDecay: 1e-4 };

/** Options that may be 0. */
const ZERO_ALLOWED = new Set(['warmupSteps', 'seed', 'explainWarmupPasses']);

/** Runs the workload on the active backend. */
export async function runBench(o: BenchOptions): Promise<BenchResult> {
  for (const [k, v] of Object.entries(o)) {
    if (!Number.isInteger(v) || v < (ZERO_ALLOWED.has(k) ? 0 : 1)) throw new RangeError(`bench: ${k} must be a whole number${ZERO_ALLOWED.has(k) ? '' : ' >= 1'}, got ${v}`);
  }
  const data = syntheticImages(o.images, o.seed);
  const labels = syntheticLabels(o.images, o.seed);
  let params = toTensors(initWeights(o.seed));
  const sgd = new Sgd();
  try {
    // One step on images [start, start + count): the batch is uploaded inside the step, as in
    // a real epoch. Labels go in as int32 class indices (no one-hot per step).
    const step = (start: number, count: number): tf.Scalar => {
      const x = tf.tensor4d(data.subarray(start * IMAGE_PIXELS, (start + count) * IMAGE_PIXELS), [count, 28, 28, 1]);
      const y = tf.tensor1d(labels.subarray(start, start + count), 'int32');
      const r = trainStep(params, x, y, sgd, HYPER, {});
      params = r.params;
      x.dispose();
      y.dispose();
      return r.loss;
    };
    for (let i = 0; i < o.warmupSteps; i++) {
      const start = (i * o.batch) % o.images;
      step(start, Math.min(o.batch, o.images - start)).dispose();
    }
    await params['fc.bias'].data();

    let t = performance.now();
    let last: tf.Scalar | null = null;
    for (let start = 0; start < o.images; start += o.batch) {
      last?.dispose();
      last = step(start, Math.min(o.batch, o.images - start));
    }
    const lastLoss = (await (last as tf.Scalar).data())[0];
    const trainSeconds = (performance.now() - t) / 1000;
    last?.dispose();

    for (let pass = 0; pass < o.explainWarmupPasses; pass++) explainAll(params, { data, n: o.images }, ['gradcampp'], { ...THESIS.explain, batchSize: o.explainBatch });
    t = performance.now();
    const cams = explainAll(params, { data, n: o.images }, ['gradcampp'], { ...THESIS.explain, batchSize: o.explainBatch }).byMethod.gradcampp!;
    if (cams.cams.length !== o.images * IMAGE_PIXELS) throw new Error(`bench: Grad-CAM++ returned ${cams.cams.length / IMAGE_PIXELS} heatmaps for ${o.images} images`);
    const camSeconds = (performance.now() - t) / 1000;

    return { trainImagesPerS: o.images / trainSeconds, gradcamppImagesPerS: o.images / camSeconds, lastLoss };
  } finally {
    disposeParams(params);
    sgd.dispose();
  }
}

function syntheticImages(n: number, seed: number): Float32Array {
  const r = rng(seed, 'bench', 'images');
  const out = new Float32Array(n * IMAGE_PIXELS);
  for (let i = 0; i < out.length; i++) out[i] = r.next();
  return out;
}

function syntheticLabels(n: number, seed: number): Int32Array {
  const r = rng(seed, 'bench', 'labels');
  const out = new Int32Array(n);
  for (let i = 0; i < n; i++) out[i] = r.int(CLASSES);
  return out;
}
