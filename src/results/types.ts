import type { SeedSummary } from '../statistics/summary.ts';

// What an experiment produces: a seed's metrics at each pruning level, their aggregates over
// seeds and the correlations across levels. The run loop fills these; the report signs them.

/** One seed's metrics at one pruning level. */
export interface LevelMetrics {
  level: number;
  remainingWeights: number;
  /** remainingWeights / 2324 */
  density: number;
  cleanAccuracy: number;
  noisyAccuracy: number;
  /** Mean soft IoU of the noisy test images' heatmaps with the clean images. */
  meanIoU: number;
  heatmapMean: number;
  heatmapStd: number;
  zeroHeatmaps: number;
  /**
   * Images whose Grad-CAM++ heatmap was not finite (the alpha denominator hit its pole, or a
   * value overflowed): left out of every mean and counted (PROTOCOL.md Part 2), not zeroed.
   */
  nonFiniteHeatmaps: number;
  /**
   * Part 2 (PROTOCOL.md): every explainer's and baseline's scores at this level, keyed by name.
   * Absent in reports written before Part 2. Grad-CAM++'s entry repeats the Part 1 fields above.
   */
  methods?: Partial<Record<ExplainerName, HeatmapScores>>;
  baselines?: Partial<Record<BaselineName, HeatmapScores>>;
  /** Cascading model-parameter randomisation, at the levels of controls.randomisation.levels. */
  randomisation?: RandomisationStage[];
  /** Mean training loss of the level's last epoch. */
  finalTrainLoss: number;
  /** What produced this level (absent in reports of schema version 1). */
  provenance?: Provenance;
  /** Seconds spent on this level (training + evaluation). */
  wallTimeS: number;
}

export interface SeedResult {
  seed: number;
  /** Pretraining (W_start) summary. */
  pretrain: { finalTrainLoss: number; wallTimeS: number };
  levels: LevelMetrics[];
}

/** A metric summarised over seeds: mean, sample sd, n and the 95% t-interval (src/statistics/summary.ts). */
export type { SeedSummary } from '../statistics/summary.ts';

/** The aggregate of reports written before PROTOCOL.md Part 2 (no n, no interval); still readable. */
export interface MeanStd {
  mean: number;
  std: number;
}

/** Per-level aggregate over seeds: every metric as a SeedSummary. */
export interface LevelAggregate {
  level: number;
  remainingWeights: number;
  density: number;
  cleanAccuracy: SeedSummary;
  noisyAccuracy: SeedSummary;
  meanIoU: SeedSummary;
  heatmapStd: SeedSummary;
  heatmapMean: SeedSummary;
  zeroHeatmaps: SeedSummary;
  nonFiniteHeatmaps: SeedSummary;
}

/** The level metrics every aggregate row summarises (the Part 1 columns). */
export const AGGREGATED_METRICS = ['cleanAccuracy', 'noisyAccuracy', 'meanIoU', 'heatmapStd', 'heatmapMean', 'zeroHeatmaps', 'nonFiniteHeatmaps'] as const;
export type AggregatedMetric = (typeof AGGREGATED_METRICS)[number];

export interface Correlation {
  /** Pearson r with the two-sided Student-t p-value (n-2 degrees of freedom). */
  pearson: { r: number; p: number; df: number };
  spearman: { rho: number; p: number };
  kendall: { tau: number; p: number; method: 'exact' | 'asymptotic' };
  n: number;
}


/** The explainers of PROTOCOL.md Part 2 (pytorch-grad-cam class names in src/explain). */
export const EXPLAINER_NAMES = ['gradcampp', 'gradcam', 'hirescam', 'xgradcam', 'layercam', 'gradcamelementwise', 'randomcam'] as const;
export type ExplainerName = (typeof EXPLAINER_NAMES)[number];

/** Model-free heatmaps: what a metric gives for free (PROTOCOL.md Part 2). */
export const BASELINE_NAMES = ['input', 'centre', 'uniform'] as const;
export type BaselineName = (typeof BASELINE_NAMES)[number];

/** Per-image localisation metrics (Quantus 0.6.0 semantics, PROTOCOL.md Part 2), soft IoU first. */
export const LOCALISATION_METRIC_NAMES = ['softIoU', 'pointingGame', 'relevanceMass', 'relevanceRank', 'topKIntersection', 'auc'] as const;
export type LocalisationMetricName = (typeof LOCALISATION_METRIC_NAMES)[number];

/** One heatmap source's scores (an explainer or a baseline) for one seed at one level. */
export interface HeatmapScores {
  /** Mean over the test images of each localisation metric; non-finite heatmaps left out (null: no image scored). */
  localisation: Record<LocalisationMetricName, number | null>;
  /**
   * Mean soft IoU over the finite heatmaps that are not all zero (an all-zero heatmap scores 0
   * in `localisation.softIoU`); null when there is none. Absent in reports written before it.
   */
  softIoUNonZero: number | null;
  /** Mean deletion AUC over the first metrics.deletion.images images (all-zero maps left out); null when none was scored. */
  deletionAuc: number | null;
  /** Images left out of the deletion mean (all-zero heatmaps). */
  deletionExcluded: number;
  /** Over the finite heatmaps' pixels (null: none was finite). */
  heatmapMean: number | null;
  heatmapStd: number | null;
  zeroHeatmaps: number;
  /** Images whose heatmap was not finite: left out of every mean of this source and counted. */
  nonFiniteHeatmaps: number;
}

/** One stage of cascading randomisation: fc, then + conv2, then + conv1 (cumulative). */
export interface RandomisationStage {
  stage: 'fc' | 'conv2' | 'conv1';
  /** Per explainer: mean Spearman similarity to the unrandomised heatmaps, over the images where it is defined. */
  similarity: Partial<Record<ExplainerName, { mean: number | null; n: number; undefinedCount: number }>>;
}

/** The training path: prunecam's fused kernels (cpu, wasm) or tfjs autodiff (e.g. tensorflow/GPU). */
export type TrainingPath = 'fused' | 'autodiff';

/**
 * What produced a level's numbers. Recorded in its checkpoint and in the report, so a resumed
 * run cannot silently mix backends or training paths (their float results differ).
 */
export interface Provenance {
  /** The tfjs backend that ran: 'tensorflow', 'wasm' or 'cpu'. */
  backend: string;
  /** tfjs and backend package versions, e.g. "tfjs 4.22.0, tfjs-backend-wasm 4.22.0". */
  backendVersion: string;
  trainingPath: TrainingPath;
  prunecamVersion: string;
  /** HEAD commit, suffixed -dirty with uncommitted changes; null outside a git checkout. */
  gitCommit: string | null;
}
