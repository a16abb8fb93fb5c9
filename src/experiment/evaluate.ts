import { join } from 'node:path';
import { noisyTestSet } from '../data/batches.ts';
import { normalize } from '../data/noise.ts';
import { PIXELS, type Split } from '../data/sources.ts';
import { BASELINES } from '../baselines/registry.ts';
import { randomisationControl } from '../controls/randomisation.ts';
import { explainAll } from '../explain/explain.ts';
import { logitsNoGrad } from '../model/cnn.ts';
import type { WeightSet } from '../model/layout.ts';
import { disposeParams, toTensors } from '../model/params.ts';
import { accuracy } from '../metrics/accuracy.ts';
import { argmaxRows } from '../metrics/argmax.ts';
import { deletionScores, type DeletionResult } from '../metrics/deletion.ts';
import type { ProtocolConfig } from '../protocol/types.ts';
import type { Evaluation } from '../prune/levels.ts';
import { EXPLAINER_NAMES, type ExplainerName, type HeatmapScores } from '../results/types.ts';
import type { Mask } from '../train/masks.ts';
import { exampleFile, hasExample } from './examples.ts';
import { randomisationLevels, scoreHeatmaps } from './score-heatmaps.ts';
import { writeExamplesPng, writeMethodsGridPng } from '../render/png.ts';

/** Logits of normalised images, in batches (no gradient, no tensor kept). */
function logitsOf(weights: WeightSet, x: Float32Array, n: number, batch: number): Float32Array {
  const params = toTensors(weights);
  const out = new Float32Array(n * 10);
  try {
    for (let s = 0; s < n; s += batch) {
      const m = Math.min(batch, n - s);
      const l = logitsNoGrad(params, x.subarray(s * PIXELS, (s + m) * PIXELS), m);
      out.set(l, s * 10);
    }
  } finally {
    disposeParams(params);
  }
  return out;
}

/** A level whose Part 1 metrics cannot be defined (every heatmap non-finite): stopping beats a NaN in the report. */
export class UndefinedLevelMetricError extends Error {
  override name = 'UndefinedLevelMetricError';
}

/** Explainers to run: the protocol's, Grad-CAM++ always (Part 1 rests on it), in registry order. */
function methodsOf(config: ProtocolConfig): ExplainerName[] {
  const chosen = new Set<ExplainerName>([...config.explain.methods, 'gradcampp']);
  return EXPLAINER_NAMES.filter((m) => chosen.has(m));
}

/**
 * Seconds spent per part of the evaluations (accumulated; `prunecam bench` reads them):
 * evalS the clean test set's forward pass (the noisy accuracy comes from the explainers' forward),
 * explainS every explainer's heatmaps of the noisy test set and the deletion curves, metricsS the
 * scores, the example PNGs and the randomisation control.
 */
export interface EvaluationTimings {
  evalS: number;
  explainS: number;
  metricsS: number;
}

/**
 * The evaluator of one seed: clean and noisy accuracy on the test set; every explainer's
 * heatmaps of every noisy test image (A and G computed once per batch) and the model-free
 * baselines, each scored by the localisation metrics against the clean (un-normalised) image and
 * by deletion AUC on the first images; the randomisation control at its levels; an example PNG
 * at the levels and seeds src/experiment/examples.ts selects. Grad-CAM++'s scores also fill Part 1's fields. The seed's fixed noisy test copy and
 * both normalised sets are made once, not per level.
 */
export function seedEvaluator(config: ProtocolConfig, test: Split, seed: number, runDir: string, timings?: EvaluationTimings): (w: WeightSet, level: number, mask: Mask) => Evaluation {
  const noisy = noisyTestSet(test, seed, config.data.noise);
  const cleanX = normalize(test.images, config.data.normalize);
  const noisyX = normalize(noisy.images, config.data.normalize);
  const { batchSize } = config.explain;
  const methods = methodsOf(config);
  const baselineMaps = config.explain.baselines.map((b) => ({ name: b, maps: BASELINES[b](test.n, noisy.images) }));
  const deletionN = Math.min(config.metrics.deletion.images, test.n);
  const randomisationAt = new Set(randomisationLevels(config.pruning.levels, config.controls.randomisation.levels));
  const randomisationN = Math.min(config.controls.randomisation.images, test.n);
  return (weights, level, mask) => {
    let t = performance.now();
    const lap = (part: keyof EvaluationTimings) => {
      const now = performance.now();
      if (timings) timings[part] += (now - t) / 1000;
      t = now;
    };
    const cleanLogits = logitsOf(weights, cleanX, test.n, batchSize);
    lap('evalS');
    const params = toTensors(weights);
    let all;
    let deletion: DeletionResult[] = [];
    try {
      all = explainAll(params, { data: noisyX, n: test.n }, methods, { ...config.explain, random: { seed, level } });
      if (deletionN > 0) {
        const first = (maps: Float32Array) => maps.subarray(0, deletionN * PIXELS);
        const sources = [...methods.map((m) => first(all!.byMethod[m]!.cams)), ...baselineMaps.map((b) => first(b.maps))];
        deletion = deletionScores(params, noisy.images.subarray(0, deletionN * PIXELS), all.targets.subarray(0, deletionN), sources, {
          deletion: config.metrics.deletion,
          normalize: config.data.normalize,
        });
      }
    } finally {
      disposeParams(params);
    }
    lap('explainS');
    const scored: Record<string, HeatmapScores> = {};
    [...methods.map((m) => ({ name: m as string, maps: all.byMethod[m]!.cams, nonFinite: all.byMethod[m]!.nonFinite })), ...baselineMaps.map((b) => ({ ...b, nonFinite: [] }))].forEach(
      (src, i) => {
        scored[src.name] = scoreHeatmaps(src.maps, test.images, test.n, src.nonFinite, config.metrics, deletion[i] ?? null);
      },
    );
    const camsPP = all.byMethod.gradcampp!;
    const k = Math.min(config.explain.examples, test.n);
    if (k > 0 && hasExample(config, seed, level)) {
      const predicted = argmaxRows(all.logits, 10);
      const examples = Array.from({ length: k }, (_, i) => ({
        clean: test.images.subarray(i * PIXELS, (i + 1) * PIXELS),
        noisy: noisy.images.subarray(i * PIXELS, (i + 1) * PIXELS),
        heatmap: camsPP.cams.subarray(i * PIXELS, (i + 1) * PIXELS).map((v) => (Number.isFinite(v) ? v : 0)),
        label: test.labels[i],
        predicted: predicted[i],
      }));
      writeExamplesPng(join(runDir, exampleFile(seed, level)), examples);
    }
    // Every method's and baseline's heatmaps side by side, for the protocol's first seed at the randomisation levels.
    const gridRows = Math.min(METHOD_GRID_IMAGES, test.n);
    if (seed === config.seeds[0] && randomisationAt.has(level) && gridRows > 0) {
      const img = (maps: Float32Array, i: number) => maps.subarray(i * PIXELS, (i + 1) * PIXELS);
      writeMethodsGridPng(
        join(runDir, methodsExampleFile(seed, level)),
        Array.from({ length: gridRows }, (_, i) => ({
          noisy: img(noisy.images, i),
          heatmaps: [...methods.map((m) => img(all.byMethod[m]!.cams, i)), ...baselineMaps.map((b) => img(b.maps, i))],
        })),
      );
    }
    const randomisation =
      randomisationAt.has(level) && randomisationN > 0
        ? randomisationControl({
            weights,
            mask,
            seed,
            level,
            images: { data: noisyX.subarray(0, randomisationN * PIXELS), n: randomisationN },
            methods,
            targets: all.targets.subarray(0, randomisationN),
            explain: config.explain,
          }).stages.map((st) => ({
            stage: st.stage,
            // JSON has no NaN: a stage where no image's similarity is defined says null.
            similarity: Object.fromEntries(Object.entries(st.similarity).map(([m, v]) => [m, { ...v, mean: Number.isNaN(v.mean) ? null : v.mean }])),
          }))
        : undefined;
    const pp = scored.gradcampp;
    if (pp.localisation.softIoU === null) {
      throw new UndefinedLevelMetricError(
        `seed ${seed} level ${level}: no Grad-CAM++ heatmap could be scored (${pp.nonFiniteHeatmaps} of ${test.n} are not finite), so Part 1's mean IoU is undefined; ` +
          `the network's activations likely overflow float32 (check data.normalize and the learning rates). The run stops here; finished levels are kept on disk.`,
      );
    }
    const evaluation: Evaluation = {
      cleanAccuracy: accuracy(cleanLogits, test.labels),
      noisyAccuracy: accuracy(all.logits, test.labels),
      meanIoU: pp.localisation.softIoU,
      heatmapMean: pp.heatmapMean ?? NaN,
      heatmapStd: pp.heatmapStd ?? NaN,
      zeroHeatmaps: pp.zeroHeatmaps,
      nonFiniteHeatmaps: pp.nonFiniteHeatmaps,
      methods: Object.fromEntries(methods.map((m) => [m, scored[m]])),
      baselines: Object.fromEntries(baselineMaps.map((b) => [b.name, scored[b.name]])),
      ...(randomisation ? { randomisation } : {}),
    };
    lap('metricsS');
    return evaluation;
  };
}

/** Images (rows) of the every-method example grid. */
export const METHOD_GRID_IMAGES = 4;

/** The every-method example grid of a seed and level, relative to the run folder. */
export function methodsExampleFile(seed: number, level: number): string {
  return `examples/methods-seed-${seed}-level-${String(level).padStart(2, '0')}.png`;
}
