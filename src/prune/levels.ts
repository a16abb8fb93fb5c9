import { WEIGHT_NAMES } from '../model/cnn.ts';
import type { WeightSet } from '../model/layout.ts';
import { disposeParams, fromTensors, initWeights, toTensors } from '../model/params.ts';
import type { Split } from '../data/sources.ts';
import { epochsOf } from '../protocol/resolve.ts';
import type { ProtocolConfig } from '../protocol/types.ts';
import type { LevelMetrics, SeedResult } from '../results/types.ts';
import { applyMask, countOnes, maskTensors, onesMask, type Mask } from '../train/masks.ts';
import { trainPhase, type PhaseProgress } from '../train/phase.ts';
import { CheckpointError, loadCheckpoint, saveCheckpoint } from './checkpoint.ts';
import { pruneSparseGlobal } from './sparse-global.ts';

/** The metrics a level's evaluation produces (the loop adds level, weights, loss and time). */
export type Evaluation = Pick<LevelMetrics, 'cleanAccuracy' | 'noisyAccuracy' | 'meanIoU' | 'heatmapMean' | 'heatmapStd' | 'zeroHeatmaps' | 'nonFiniteHeatmaps'>;

export type SeedEvent =
  | { kind: 'train'; level: number | 'pretrain'; progress: PhaseProgress }
  | { kind: 'evaluate'; level: number }
  | { kind: 'level-done'; level: number; metrics: LevelMetrics; resumed: boolean }
  | { kind: 'pretrain-done'; resumed: boolean; finalTrainLoss: number };

export interface SeedRunOptions {
  config: ProtocolConfig;
  runId: string;
  runDir: string;
  seed: number;
  train: Split;
  /** Evaluates trained, masked weights at a level (accuracy, Grad-CAM++ IoU, ...). */
  evaluate: (weights: WeightSet, level: number) => Promise<Evaluation> | Evaluation;
  onEvent?: (e: SeedEvent) => void;
}

const TOTAL_WEIGHTS = 2324;

function sameMask(a: Mask, b: Mask): boolean {
  return WEIGHT_NAMES.every((n) => a[n].length === b[n].length && a[n].every((v, i) => v === b[n][i]));
}

/** Trains one phase from `start` under `mask`; returns trained weights (pruned entries 0). Also `prunecam bench`'s level. */
export function trainMasked(o: Pick<SeedRunOptions, 'config' | 'seed' | 'train' | 'onEvent'>, start: WeightSet, mask: Mask, level: number | 'pretrain'): { weights: WeightSet; epochLosses: number[] } {
  const t = o.config.training;
  const params = toTensors(applyMask(start, mask));
  const masks = maskTensors(mask);
  try {
    const r = trainPhase(params, {
      config: o.config,
      train: o.train,
      seed: o.seed,
      level,
      lrTable: level === 'pretrain' ? t.pretrain : t.retrain,
      firstEpoch: level === 'pretrain' ? 1 : epochsOf(t.pretrain) + 1,
      masks,
      onProgress: (progress) => o.onEvent?.({ kind: 'train', level, progress }),
    });
    const weights = fromTensors(r.params);
    disposeParams(r.params);
    return { weights, epochLosses: r.epochLosses };
  } finally {
    disposeParams(masks);
  }
}

/**
 * One seed of the experiment: pretraining (D4) to W_start, then for each level L: train
 * W_start ⊙ M_L with a fresh optimizer, evaluate, checkpoint, and M_{L+1} = prune(trained, M_L).
 * Levels whose checkpoint exists are skipped (their mask is checked against the recomputed one),
 * so a killed run continues where it stopped and ends with the same numbers.
 */
export async function runSeed(o: SeedRunOptions): Promise<SeedResult> {
  const { config, runDir, runId, seed } = o;
  let pre = loadCheckpoint(runDir, runId, seed, 'pretrain');
  const preResumed = pre !== null;
  if (!pre) {
    const t0 = performance.now();
    const r = trainMasked(o, initWeights(seed), onesMask(), 'pretrain');
    pre = { format: 'prunecam-checkpoint/v1', runId, seed, level: 'pretrain', weights: r.weights, mask: null, metrics: null, epochLosses: r.epochLosses, wallTimeS: (performance.now() - t0) / 1000 };
    saveCheckpoint(runDir, pre);
  }
  const finalPretrainLoss = pre.epochLosses.at(-1) ?? NaN;
  o.onEvent?.({ kind: 'pretrain-done', resumed: preResumed, finalTrainLoss: finalPretrainLoss });
  const wStart = pre.weights;

  const levels: LevelMetrics[] = [];
  let mask = onesMask();
  for (let level = 0; level < config.pruning.levels; level++) {
    let ck = loadCheckpoint(runDir, runId, seed, level);
    const resumed = ck !== null;
    if (ck) {
      if (!ck.mask || !sameMask(ck.mask, mask)) {
        throw new CheckpointError(`checkpoint of seed ${seed} level ${level} has a mask that does not follow from level ${level - 1}; delete ${runDir}/seed-${seed} from that level on`);
      }
    } else {
      const t0 = performance.now();
      const r = trainMasked(o, wStart, mask, level);
      o.onEvent?.({ kind: 'evaluate', level });
      const ev = await o.evaluate(r.weights, level);
      const remaining = countOnes(mask);
      const metrics: LevelMetrics = {
        level,
        remainingWeights: remaining,
        density: remaining / TOTAL_WEIGHTS,
        ...ev,
        finalTrainLoss: r.epochLosses.at(-1) ?? NaN,
        wallTimeS: (performance.now() - t0) / 1000,
      };
      ck = { format: 'prunecam-checkpoint/v1', runId, seed, level, weights: r.weights, mask, metrics, epochLosses: r.epochLosses, wallTimeS: metrics.wallTimeS };
      saveCheckpoint(runDir, ck);
    }
    levels.push(ck.metrics!);
    o.onEvent?.({ kind: 'level-done', level, metrics: ck.metrics!, resumed });
    if (level < config.pruning.levels - 1) mask = pruneSparseGlobal(ck.weights, mask, config.pruning.fraction, config.pruning.layers.map((l) => `${l}.weight` as const));
  }
  return { seed, pretrain: { finalTrainLoss: finalPretrainLoss, wallTimeS: pre.wallTimeS }, levels };
}
