import type { Rng } from '../data/rng.ts';
import { WEIGHT_NAMES, type WeightName } from '../model/cnn.ts';
import { countOnes, type Mask } from '../train/masks.ts';

/**
 * The random-pruning control (PROTOCOL.md Part 2 "Controls", pruning.strategy random_global):
 * remove n = ceil(fraction*r) + 1 weights, r = ones in the mask, which is what sparse_global
 * removes when no magnitudes tie, so the remaining counts follow the same schedule (2324, 1858,
 * 1485, ...) and only the choice of weights differs. They are drawn uniformly without
 * replacement among the unpruned weights of `layers` together (a partial Fisher-Yates shuffle
 * over their positions, in WEIGHT_NAMES order), from the stream `r`. Masks only shrink; biases
 * are never prunable. The weights' values play no part.
 */
export function pruneRandomGlobal(mask: Mask, fraction: number, r: Rng, layers: readonly WeightName[] = WEIGHT_NAMES): Mask {
  const remaining = countOnes(mask);
  const k = Math.ceil(fraction * remaining);
  const candidates: Array<[WeightName, number]> = [];
  for (const name of WEIGHT_NAMES) {
    if (!layers.includes(name)) continue;
    mask[name].forEach((keep, i) => {
      if (keep) candidates.push([name, i]);
    });
  }
  // The same limit as sparse_global, whose threshold index k must exist among the candidates.
  if (k >= candidates.length) {
    throw new RangeError(`cannot prune: ${remaining} weights remain and the rule would remove ${k + 1} of ${candidates.length}`);
  }
  const next = {} as Mask;
  for (const name of WEIGHT_NAMES) next[name] = Uint8Array.from(mask[name]);
  for (let j = 0; j <= k; j++) {
    const pick = j + r.int(candidates.length - j);
    [candidates[j], candidates[pick]] = [candidates[pick], candidates[j]];
    const [name, i] = candidates[j];
    next[name][i] = 0;
  }
  return next;
}
