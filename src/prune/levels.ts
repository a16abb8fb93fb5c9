import { WEIGHT_NAMES } from '../model/cnn.ts';
import type { WeightSet } from '../model/layout.ts';
import { disposeParams, fromTensors, initWeights, toTensors } from '../model/params.ts';
import type { Split } from '../data/sources.ts';
import { epochsOf } from '../protocol/resolve.ts';
import type { ProtocolConfig } from '../protocol/types.ts';
import type { LevelMetrics, Provenance, SeedResult } from '../results/types.ts';
import { applyMask, countOnes, maskTensors, onesMask, type Mask } from '../train/masks.ts';
import { trainPhase, type PhaseProgress } from '../train/phase.ts';
import { CHECKPOINT_FORMAT, CheckpointError, loadCheckpoint, saveCheckpoint } from './checkpoint.ts';
import { PRUNING_STRATEGIES } from './strategies.ts';

/** The metrics a level's evaluation produces (the loop adds level, weights, loss and time). */
export type Evaluation = Pick<LevelMetrics, 'cleanAccuracy' | 'noisyAccuracy' | 'meanIoU' | 'heatmapMean' | 'heatmapStd' | 'zeroHeatmaps' | 'nonFiniteHeatmaps' | 'methods' | 'baselines' | 'randomisation'>;

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
  evaluate: (weights: WeightSet, level: number, mask: Mask) => Promise<Evaluation> | Evaluation;
  /** Recorded in each new checkpoint (the run checks existing ones against it before starting). */
  provenance: Provenance;
  onEvent?: (e: SeedEvent) => void;
}

const TOTAL_WEIGHTS = 2324;

function sameMask(a: Mask, b: Mask): boolean {
  return WEIGHT_NAMES.every((n) => a[n].length === b[n].length && a[n].every((v, i) => v === b[n][i]));
}

/** The mask of the level after the one trained to `weights` under `mask` (also used by `verify --replay`). */
export function nextMask(config: ProtocolConfig, weights: WeightSet, mask: Mask, seed: number, level: number): Mask {
  const layers = config.pruning.layers.map((l) => `${l}.weight` as const);
  return PRUNING_STRATEGIES[config.pruning.strategy]({ weights, mask, fraction: config.pruning.fraction, layers, seed, level });
}

/** Trains one phase from `start` under `mask`; returns trained weights (pruned entries 0). Also used by `verify --replay` and `prunecam bench`. */
export function trainMasked(o: Pick<SeedRunOptions, 'config' | 'train' | 'seed' | 'onEvent'>, start: WeightSet, mask: Mask, level: number | 'pretrain'): { weights: WeightSet; epochLosses: number[] } {
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
    pre = { format: CHECKPOINT_FORMAT, runId, seed, level: 'pretrain', weights: r.weights, mask: null, metrics: null, epochLosses: r.epochLosses, wallTimeS: (performance.now() - t0) / 1000, provenance: o.provenance };
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
      const ev = await o.evaluate(r.weights, level, mask);
      const remaining = countOnes(mask);
      const metrics: LevelMetrics = {
        level,
        remainingWeights: remaining,
        density: remaining / TOTAL_WEIGHTS,
        ...ev,
        finalTrainLoss: r.epochLosses.at(-1) ?? NaN,
        wallTimeS: (performance.now() - t0) / 1000,
      };
      ck = { format: CHECKPOINT_FORMAT, runId, seed, level, weights: r.weights, mask, metrics, epochLosses: r.epochLosses, wallTimeS: metrics.wallTimeS, provenance: o.provenance };
      saveCheckpoint(runDir, ck);
    }
    const done: LevelMetrics = { ...ck.metrics!, provenance: ck.provenance };
    levels.push(done);
    o.onEvent?.({ kind: 'level-done', level, metrics: done, resumed });
    if (level < config.pruning.levels - 1) mask = nextMask(config, ck.weights, mask, seed, level);
  }
  return { seed, pretrain: { finalTrainLoss: finalPretrainLoss, wallTimeS: pre.wallTimeS }, levels };
}
