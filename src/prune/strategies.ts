import { rng } from '../data/rng.ts';
import type { WeightName } from '../model/cnn.ts';
import type { WeightSet } from '../model/layout.ts';
import type { PruningConfig } from '../protocol/types.ts';
import type { Mask } from '../train/masks.ts';
import { pruneRandomGlobal } from './random-global.ts';
import { pruneSparseGlobal } from './sparse-global.ts';

/** What a pruning step sees: the level's trained weights and mask, and the run's seed and level. */
export interface PruneStep {
  weights: Pick<WeightSet, WeightName>;
  mask: Mask;
  fraction: number;
  layers: readonly WeightName[];
  seed: number;
  /** The level whose mask is pruned (the result is level + 1's mask). */
  level: number;
}

export type PruneStrategy = (step: PruneStep) => Mask;

// The one list of pruning rules, keyed by pruning.strategy. random_global's draws come from the
// stream (seed, 'prune-random', level), one per level, so a resumed run recomputes the same masks.
export const PRUNING_STRATEGIES: Readonly<Record<PruningConfig['strategy'], PruneStrategy>> = {
  sparse_global: (s) => pruneSparseGlobal(s.weights, s.mask, s.fraction, s.layers),
  random_global: (s) => pruneRandomGlobal(s.mask, s.fraction, rng(s.seed, 'prune-random', s.level), s.layers),
};
