import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { noisyBatchMaker } from '../data/batches.ts';
import { MissingDataError } from '../data/errors.ts';
import { loadDataset, type Dataset } from '../data/sources.ts';
import { seedEvaluator, type EvaluationTimings } from '../experiment/evaluate.ts';
import { initWeights } from '../model/params.ts';
import type { WeightSet } from '../model/layout.ts';
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
  /** The Part-2 explainers and metrics of a level; null until they exist (see LEVEL_PART2). */
  part2S: number | null;
  evaluation: Evaluation;
  finalTrainLoss: number;
}

/**
 * Hook for Part 2 of the protocol (the further explainers, baselines and metrics of
 * config.explain.methods / config.metrics): when a function that evaluates them for a level
 * exists, set it here and `prunecam bench` reports its time as level_part2_s.
 */
export const LEVEL_PART2: { run: ((config: ProtocolConfig, dataset: Dataset, weights: WeightSet, seed: number, level: number) => unknown) | null } = { run: null };

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
export function runLevelBench(config: ProtocolConfig, dataset: Dataset, seed = config.seeds[0]): LevelBenchResult {
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
    const evaluation = evaluate(trained.weights, level);

    let part2S: number | null = null;
    if (LEVEL_PART2.run) {
      t = performance.now();
      LEVEL_PART2.run(config, dataset, trained.weights, seed, level);
      part2S = (performance.now() - t) / 1000;
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
