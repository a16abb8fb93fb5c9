import { rng, type Rng } from '../data/rng.ts';
import { explainAll, type ExplainAllResult, type ExplainOptions } from '../explain/explain.ts';
import type { ParamName } from '../model/cnn.ts';
import type { WeightSet } from '../model/layout.ts';
import { disposeParams, drawInitParam, toTensors } from '../model/params.ts';
import type { ExplainerName, RandomisationStage } from '../results/types.ts';
import { applyMask, type Mask } from '../train/masks.ts';
import { rankMaps, rankSimilarityTo, type RankedMaps } from './similarity.ts';

// Cascading model-parameter randomisation (Adebayo et al. 2018; Quantus MPRT with
// layer_order="top_down"; PROTOCOL.md Part 2 "Controls"): re-draw fc's weight and bias from the
// D3 init, then additionally conv2's, then conv1's; after each stage recompute every explainer's
// heatmaps for the ORIGINAL model's target classes (Quantus keeps y fixed) and compare each with
// the unrandomised heatmap of the same image by Spearman rank correlation. An explainer whose
// heatmaps barely change explains the input, not the network.

const PIXELS = 784;

export const RANDOMISATION_STAGES = ['fc', 'conv2', 'conv1'] as const;
type Stage = (typeof RANDOMISATION_STAGES)[number];

/**
 * Re-draws one parameter. The default draws from the D3 init (model/params.ts drawInitParam);
 * a spec can pass the identity to check that an unchanged network gives similarity 1.
 */
export type ParamRedraw = (name: ParamName, current: Float32Array, r: Rng) => Float32Array;

const initRedraw: ParamRedraw = (name, _current, r) => drawInitParam(name, r);

/**
 * The weights after each stage, cumulative: [fc], [fc, conv2], [fc, conv2, conv1] re-drawn.
 * Each layer's weight, then bias, comes from its own stream (seed, 'randomisation', level,
 * layer), so a stage's draws do not depend on which other stages ran. The mask is re-applied: a
 * pruned weight stays 0.
 */
export function cascadeWeights(weights: WeightSet, mask: Mask, seed: number, level: number, redraw: ParamRedraw = initRedraw): WeightSet[] {
  let current = applyMask(weights, mask);
  return RANDOMISATION_STAGES.map((layer) => {
    const r = rng(seed, 'randomisation', level, layer);
    const next = { ...current };
    for (const name of [`${layer}.weight`, `${layer}.bias`] as const) next[name] = redraw(name, current[name], r);
    current = applyMask(next, mask);
    return current;
  });
}

export interface RandomisationOptions {
  /** The level's trained weights and its mask. */
  weights: WeightSet;
  mask: Mask;
  /** The run's seed and the level: name the re-draw streams (and RandomCAM's). */
  seed: number;
  level: number;
  /** The first N noisy, normalised test images (NHWC, N*784). */
  images: { data: Float32Array; n: number };
  methods: readonly ExplainerName[];
  /** The ORIGINAL (unrandomised) model's target class of each image. */
  targets: ArrayLike<number>;
  explain: Pick<ExplainOptions, 'alphaEps' | 'normEps' | 'batchSize'>;
  /** Example heatmaps to return per stage (the first k images); default 0. */
  examples?: number;
  redraw?: ParamRedraw;
}

/** Final heatmaps of the first k images, [k, 784] per method, for one stage ('original': unrandomised). */
export interface RandomisationExample {
  stage: 'original' | Stage;
  byMethod: Partial<Record<ExplainerName, Float32Array>>;
}

export interface RandomisationResult {
  /** Per stage and method: mean similarity over the images where it is defined (NaN when none is), n, and the undefined count. */
  stages: RandomisationStage[];
  examples: RandomisationExample[];
}

export function randomisationControl(o: RandomisationOptions): RandomisationResult {
  const k = Math.min(o.examples ?? 0, o.images.n);
  const options: ExplainOptions = { ...o.explain, targets: o.targets, random: { seed: o.seed, level: o.level } };
  const heatmaps = (w: WeightSet): ExplainAllResult => {
    const params = toTensors(w);
    try {
      return explainAll(params, o.images, o.methods, options);
    } finally {
      disposeParams(params);
    }
  };
  const original = heatmaps(applyMask(o.weights, o.mask));
  const examples: RandomisationExample[] = [{ stage: 'original', byMethod: firstMaps(original, k) }];
  // The unrandomised heatmaps are ranked once, for all three stages.
  const ranked = new Map<ExplainerName, RankedMaps | null>();
  for (const method of new Set(o.methods)) ranked.set(method, o.images.n > 0 ? rankMaps(original.byMethod[method]!.cams, o.images.n) : null);
  const stages = cascadeWeights(o.weights, o.mask, o.seed, o.level, o.redraw).map((w, s): RandomisationStage => {
    const randomised = heatmaps(w);
    examples.push({ stage: RANDOMISATION_STAGES[s], byMethod: firstMaps(randomised, k) });
    const similarity: RandomisationStage['similarity'] = {};
    for (const [method, before] of ranked) similarity[method] = compare(before, randomised.byMethod[method]!.cams, o.images.n);
    return { stage: RANDOMISATION_STAGES[s], similarity };
  });
  return { stages, examples };
}

/** Mean rank similarity of each unrandomised map (ranked) with its randomised one, over the images where it is defined. */
function compare(before: RankedMaps | null, after: Float32Array, n: number): { mean: number; n: number; undefinedCount: number } {
  let sum = 0;
  let defined = 0;
  for (let i = 0; i < n; i++) {
    const rho = rankSimilarityTo(before!, i, after, i * before!.pixels);
    if (rho === null) continue;
    sum += rho;
    defined++;
  }
  return { mean: defined > 0 ? sum / defined : NaN, n: defined, undefinedCount: n - defined };
}

function firstMaps(r: ExplainAllResult, k: number): Partial<Record<ExplainerName, Float32Array>> {
  const out: Partial<Record<ExplainerName, Float32Array>> = {};
  for (const [method, heat] of Object.entries(r.byMethod) as Array<[ExplainerName, { cams: Float32Array }]>) {
    out[method] = heat.cams.slice(0, k * PIXELS);
  }
  return out;
}
