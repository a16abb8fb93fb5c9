import { describe, expect, it } from 'vitest';
import { rng } from '../../src/data/rng.ts';
import { TF_SHAPES, WEIGHT_NAMES } from '../../src/model/cnn.ts';
import type { WeightSet } from '../../src/model/layout.ts';
import { PRUNING_STRATEGIES, type PruneStep } from '../../src/prune/strategies.ts';
import { countOnes, onesMask, type Mask } from '../../src/train/masks.ts';

// PROTOCOL.md Part 1 "Pruning": remaining weights per level 0..25 without ties.
const SCHEDULE = [2324, 1858, 1485, 1187, 948, 757, 604, 482, 384, 306, 243, 193, 153, 121, 95, 75, 59, 46, 35, 27, 20, 15, 11, 7, 4, 2];

/** Distinct magnitudes growing with the flat position, so magnitude pruning takes the first weights. */
function rampWeights(): Pick<WeightSet, (typeof WEIGHT_NAMES)[number]> {
  const out = {} as WeightSet;
  let at = 0;
  for (const n of WEIGHT_NAMES) {
    const size = TF_SHAPES[n].reduce((a, b) => a * b, 1);
    out[n] = Float32Array.from({ length: size }, () => (at++ + 1) / 4096);
  }
  return out;
}

const step = (mask: Mask, seed: number, level: number, over: Partial<PruneStep> = {}): Mask =>
  PRUNING_STRATEGIES.random_global({ weights: rampWeights(), mask, fraction: 0.2, layers: WEIGHT_NAMES, seed, level, ...over });

function run(seed: number): Mask[] {
  const masks = [onesMask()];
  for (let level = 0; level < SCHEDULE.length - 1; level++) masks.push(step(masks[level], seed, level));
  return masks;
}

const flat = (m: Mask) => WEIGHT_NAMES.flatMap((n) => Array.from(m[n]));

describe('random_global pruning control', () => {
  it('leaves the sparse_global no-tie schedule of remaining weights over 25 prunings', () => {
    expect(run(333).map(countOnes)).toEqual(SCHEDULE);
  });

  it('keeps pruned weights pruned', () => {
    const masks = run(334);
    for (let l = 1; l < masks.length; l++) {
      const [before, after] = [flat(masks[l - 1]), flat(masks[l])];
      after.forEach((v, i) => expect(v <= before[i]).toBe(true));
    }
  });

  it('is deterministic from (seed, level) and differs between seeds and levels', () => {
    expect(run(5).map(flat)).toEqual(run(5).map(flat));
    expect(flat(step(onesMask(), 5, 0))).not.toEqual(flat(step(onesMask(), 6, 0)));
    expect(flat(step(onesMask(), 5, 0))).not.toEqual(flat(step(onesMask(), 5, 1)));
    expect(flat(step(onesMask(), 5, 0))).toEqual(flat(PRUNING_STRATEGIES.random_global({ weights: rampWeights(), mask: onesMask(), fraction: 0.2, layers: WEIGHT_NAMES, seed: 5, level: 0 })));
    // The draws come from the stream (seed, 'prune-random', level), not from the weights.
    const scrambled = rampWeights();
    scrambled['fc.weight'].reverse();
    expect(flat(step(onesMask(), 5, 0, { weights: scrambled }))).toEqual(flat(step(onesMask(), 5, 0)));
    expect(rng(5, 'prune-random', 0).next()).toBe(rng(5, 'prune-random', 0).next());
  });

  it('removes the same number as magnitude pruning but not the same weights', () => {
    const random = step(onesMask(), 7, 0);
    const magnitude = PRUNING_STRATEGIES.sparse_global({ weights: rampWeights(), mask: onesMask(), fraction: 0.2, layers: WEIGHT_NAMES, seed: 7, level: 0 });
    expect(countOnes(random)).toBe(countOnes(magnitude));
    // Magnitude pruning takes the 466 smallest: all of conv1 (36) and conv2 (288) and fc's first 142.
    expect(magnitude['conv1.weight'].every((v) => v === 0)).toBe(true);
    expect(flat(random)).not.toEqual(flat(magnitude));
    expect(random['conv1.weight'].some((v) => v === 1)).toBe(true);
  });

  it('draws uniformly over all three tensors together', () => {
    // 466 of 2324 removed: fc holds 2000/2324 of the weights, so about 401 of the removed
    // (hypergeometric sd ~ 6.7); 6 sd either way fails a per-tensor or ordered draw.
    const m = step(onesMask(), 11, 0);
    const removedFc = 2000 - m['fc.weight'].reduce((a, b) => a + b, 0);
    expect(Math.abs(removedFc - 466 * (2000 / 2324))).toBeLessThan(6 * 6.7);
  });

  it('prunes only the given layers, and refuses when too few weights remain', () => {
    const m = step(onesMask(), 3, 0, { layers: ['fc.weight'] });
    expect(countOnes(m)).toBe(1858);
    expect(m['conv1.weight'].every((v) => v === 1) && m['conv2.weight'].every((v) => v === 1)).toBe(true);
    const one = onesMask();
    for (const n of WEIGHT_NAMES) one[n].fill(0);
    one['fc.weight'][0] = 1;
    expect(() => step(one, 3, 0)).toThrow(/cannot prune: 1 weights remain/);
  });
});
