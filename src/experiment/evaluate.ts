import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { noisyTestSet } from '../data/batches.ts';
import { normalize } from '../data/noise.ts';
import { PIXELS, type Split } from '../data/sources.ts';
import { explain } from '../explain/gradcampp.ts';
import { forward } from '../model/cnn.ts';
import type { WeightSet } from '../model/layout.ts';
import { disposeParams, toTensors } from '../model/params.ts';
import { accuracy } from '../metrics/accuracy.ts';
import { argmaxRows } from '../metrics/argmax.ts';
import { heatmapSummary, meanSoftIoU } from '../metrics/iou.ts';
import type { ProtocolConfig } from '../protocol/types.ts';
import type { Evaluation } from '../prune/levels.ts';
import { writeExamplesPng } from '../report/png.ts';

/** Logits of normalised images, in batches (no gradient, no tensor kept). */
function logitsOf(weights: WeightSet, x: Float32Array, n: number, batch: number): Float32Array {
  const params = toTensors(weights);
  const out = new Float32Array(n * 10);
  try {
    for (let s = 0; s < n; s += batch) {
      const m = Math.min(batch, n - s);
      const l = tf.tidy(() => forward(params, tf.tensor4d(x.subarray(s * PIXELS, (s + m) * PIXELS), [m, 28, 28, 1])).dataSync());
      out.set(l, s * 10);
    }
  } finally {
    disposeParams(params);
  }
  return out;
}

/**
 * Seconds spent per part of the evaluations (accumulated; `prunecam bench` reads them):
 * evalS the clean test set's forward pass (its noisy accuracy comes from the Grad-CAM++ forward),
 * explainS Grad-CAM++ of the noisy test set, metricsS the scores (accuracies, soft IoU, heatmap
 * statistics) and the example PNG.
 */
export interface EvaluationTimings {
  evalS: number;
  explainS: number;
  metricsS: number;
}

/**
 * The evaluator of one seed: clean and noisy accuracy on the test set, Grad-CAM++ heatmaps of
 * every noisy test image scored by soft IoU against the clean (un-normalised) image, heatmap
 * statistics, and an example PNG per level. The seed's fixed noisy test copy and both normalised
 * sets are made once, not per level.
 */
export function seedEvaluator(config: ProtocolConfig, test: Split, seed: number, runDir: string, timings?: EvaluationTimings): (w: WeightSet, level: number) => Evaluation {
  const noisy = noisyTestSet(test, seed, config.data.noise);
  const cleanX = normalize(test.images, config.data.normalize);
  const noisyX = normalize(noisy.images, config.data.normalize);
  const { batchSize } = config.explain;
  return (weights, level) => {
    let t = performance.now();
    const lap = (part: keyof EvaluationTimings) => {
      const now = performance.now();
      if (timings) timings[part] += (now - t) / 1000;
      t = now;
    };
    const cleanLogits = logitsOf(weights, cleanX, test.n, batchSize);
    lap('evalS');
    const params = toTensors(weights);
    let cams;
    try {
      cams = explain(params, { data: noisyX, n: test.n }, config.explain);
    } finally {
      disposeParams(params);
    }
    lap('explainS');
    const summary = heatmapSummary(cams.cams, PIXELS);
    const k = Math.min(config.explain.examples, test.n);
    if (k > 0) {
      const predicted = argmaxRows(cams.logits, 10);
      const examples = Array.from({ length: k }, (_, i) => ({
        clean: test.images.subarray(i * PIXELS, (i + 1) * PIXELS),
        noisy: noisy.images.subarray(i * PIXELS, (i + 1) * PIXELS),
        heatmap: cams.cams.subarray(i * PIXELS, (i + 1) * PIXELS),
        label: test.labels[i],
        predicted: predicted[i],
      }));
      writeExamplesPng(join(runDir, exampleFile(seed, level)), examples);
    }
    const evaluation: Evaluation = {
      cleanAccuracy: accuracy(cleanLogits, test.labels),
      noisyAccuracy: accuracy(cams.logits, test.labels),
      meanIoU: meanSoftIoU(cams.cams, test.images, PIXELS),
      heatmapMean: summary.mean,
      heatmapStd: summary.std,
      zeroHeatmaps: summary.zeroHeatmaps,
      nonFiniteHeatmaps: cams.nonFinite.length,
    };
    lap('metricsS');
    return evaluation;
  };
}

/** Example heatmaps of a seed and level, relative to the run folder. */
export function exampleFile(seed: number, level: number): string {
  return `examples/seed-${seed}-level-${String(level).padStart(2, '0')}.png`;
}
