import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { noisyBatchMaker } from '../data/batches.ts';
import { MissingDataError } from '../data/errors.ts';
import { loadDataset, type Dataset } from '../data/sources.ts';
import { seedEvaluator, type EvaluationTimings } from '../experiment/evaluate.ts';
import { initWeights } from '../model/params.ts';
import { withOverrides } from '../protocol/resolve.ts';
import type { ProtocolConfig } from '../protocol/types.ts';
import { trainMasked, type Evaluation } from '../prune/levels.ts';
import { pruneSparseGlobal } from '../prune/sparse-global.ts';
import { onesMask } from '../train/masks.ts';

// What a user waits for: one pruning level of a protocol, through exactly the code `prunecam
// run` runs per level (src/prune/levels.ts trainMasked, then src/experiment/evaluate.ts's
// seed evaluator): retrain W ⊙ M for the protocol's retraining epochs on the training set
// (noisy batches, masked SGD), then clean accuracy, Grad-CAM++ of the noisy test set (noisy
// accuracy from its logits), soft IoU, heatmap statistics and the example PNG. Compare with
// /work/shared/bench/torch_reference_level.py.
//
// The start weights are the seed's initial weights (not pretrained: pretraining is ten more
// epochs and changes nothing in the work a level does) under the first pruning step's mask (20%
// of the weights pruned by the protocol's rule), so the sparse kernels see a realistic mask.
// The one-off set-up (the seed's noisy test copy and both normalised test sets, the training
// split's batch tables and WebAssembly pixel loop) is timed apart, as `setup_s`: a run pays it once per seed or process,
// not per level.

export interface LevelBenchResult {
  dataset: string;
  /** True when the data is not the protocol's full dataset (the embedded MNIST subset). */
  subset: boolean;
  trainImages: number;
  testImages: number;
  epochs: number;
  setupS: number;
  trainS: number;
  evalS: number;
  explainS: number;
  metricsS: number;
  /** trainS + evalS + explainS + metricsS. */
  levelS: number;
  /**
   * What Part 2 adds to a level's evaluation: the full evaluation (every explainer and baseline,
   * the localisation and deletion metrics, and the randomisation control, which runs at every
   * fifth level: timed at one such level, so this is the per-level upper bound) minus the
   * Grad-CAM++-only evaluation of level_s. Null when the protocol selects no Part 2 work.
   */
  part2S: number | null;
  evaluation: Evaluation;
  finalTrainLoss: number;
}

/** Loads the protocol's dataset, falling back to the embedded MNIST subset (labelled as such) when MNIST is missing. */
export function levelBenchData(config: ProtocolConfig, dataDir?: string): { config: ProtocolConfig; dataset: Dataset } {
  try {
    return { config, dataset: loadDataset(config.dataset, dataDir) };
  } catch (e) {
    if (!(e instanceof MissingDataError) || config.dataset.name !== 'mnist') throw e;
    const fallback = withOverrides(config, { dataset: { name: 'mnist-embedded' } }, 'bench: fallback to mnist-embedded');
    return { config: fallback, dataset: loadDataset(fallback.dataset) };
  }
}

/** Runs one level (level 1 of seed `seed`) of `config` on `dataset` on the active backend. */
/**
 * The protocol restricted to Part 1 (Grad-CAM++, soft IoU): what level_s times, so it compares
 * with torch_reference_level.py, which does the thesis's level only.
 */
function part1Only(config: ProtocolConfig): ProtocolConfig {
  return withOverrides(config, { explain: { methods: ['gradcampp'], baselines: [] }, metrics: { deletion: { images: 0 } }, controls: { randomisation: { images: 0 } } }, 'bench: Part 1 only');
}

function hasPart2(config: ProtocolConfig): boolean {
  return config.explain.methods.some((m) => m !== 'gradcampp') || config.explain.baselines.length > 0 || config.metrics.deletion.images > 0 || config.controls.randomisation.images > 0;
}

export function runLevelBench(full: ProtocolConfig, dataset: Dataset, seed = full.seeds[0]): LevelBenchResult {
  const config = part1Only(full);
  const level = 1;
  const start = initWeights(seed);
  const layers = config.pruning.layers.map((l) => `${l}.weight` as const);
  const mask = pruneSparseGlobal(start, onesMask(), config.pruning.fraction, layers);
  const dir = mkdtempSync(join(tmpdir(), 'prunecam-bench-'));
  try {
    let t = performance.now();
    const timings: EvaluationTimings = { evalS: 0, explainS: 0, metricsS: 0 };
    const evaluate = seedEvaluator(config, dataset.test, seed, dir, timings);
    // The training split's batch tables and pixel loop, made once per split and process.
    noisyBatchMaker(dataset.train, config.data.noise, config.data.normalize, config.training.optimizer.batchSize);
    const setupS = (performance.now() - t) / 1000;

    t = performance.now();
    const trained = trainMasked({ config, seed, train: dataset.train }, start, mask, level);
    const trainS = (performance.now() - t) / 1000;
    const evaluation = evaluate(trained.weights, level, mask);
    const part1EvalS = timings.evalS + timings.explainS + timings.metricsS;

    let part2S: number | null = null;
    if (hasPart2(full)) {
      // Level 0 is a randomisation level (every fifth from 0): the upper bound per level.
      const fullTimings: EvaluationTimings = { evalS: 0, explainS: 0, metricsS: 0 };
      const evaluateFull = seedEvaluator(full, dataset.test, seed, dir, fullTimings);
      evaluateFull(trained.weights, 0, mask);
      part2S = fullTimings.evalS + fullTimings.explainS + fullTimings.metricsS - part1EvalS;
    }
    return {
      dataset: dataset.name,
      subset: dataset.subset,
      trainImages: dataset.train.n,
      testImages: dataset.test.n,
      epochs: config.training.retrain.reduce((s, r) => s + r.epochs, 0),
      setupS,
      trainS,
      ...timings,
      levelS: trainS + timings.evalS + timings.explainS + timings.metricsS,
      part2S,
      evaluation,
      finalTrainLoss: trained.epochLosses.at(-1) ?? NaN,
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
