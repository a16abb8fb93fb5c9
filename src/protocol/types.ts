import type { BaselineName, ExplainerName } from '../results/types.ts';

// The experiment's parameters, one object per concern (OpenLTH style). Every choice that
// PROTOCOL.md marks D# is a named field here, so a user can change it and the report records it.

/** One row of a learning-rate table: `epochs` consecutive epochs at rate `lr`. */
export interface LrStep {
  epochs: number;
  lr: number;
}

export type DatasetName = 'mnist' | 'mnist-embedded' | 'fashion-mnist';

export interface DatasetConfig {
  name: DatasetName;
  /** Use only the first N training images (null: all). */
  trainLimit: number | null;
  /** Use only the first N test images (null: all). */
  testLimit: number | null;
}

/** D1: noise on exactly-zero pixels, k/scale with integer k uniform in 0..maxInt. */
export interface NoiseConfig {
  enabled: boolean;
  maxInt: number;
  scale: number;
}

/** D2: x <- (x - mean) / std, applied after the noise. */
export interface NormalizeConfig {
  mean: number;
  std: number;
}

export interface DataConfig {
  noise: NoiseConfig;
  normalize: NormalizeConfig;
}

export interface ModelConfig {
  /** D3: OpenLTH kaiming_normal: weights N(0, 2/fan_in), biases U(+-1/sqrt(fan_in)). */
  init: 'kaiming_normal';
}

export interface OptimizerConfig {
  momentum: number;
  weightDecay: number;
  batchSize: number;
}

export interface TrainingConfig {
  optimizer: OptimizerConfig;
  /** D4: pretraining from the seeded init; its final weights are W_start. */
  pretrain: LrStep[];
  /** Retraining at every level, from W_start under the level's mask, fresh optimizer. */
  retrain: LrStep[];
}

export interface PruningConfig {
  /** sparse_global: OpenLTH's global magnitude rule; random_global: the same counts, drawn at random (Part 2 control). */
  strategy: 'sparse_global' | 'random_global';
  fraction: number;
  levels: number;
  layers: Array<'conv1' | 'conv2' | 'fc'>;
}

export interface ExplainConfig {
  /** Part 2: the explainers to run (Grad-CAM++ always feeds Part 1's IoU and the thesis claims). */
  methods: ExplainerName[];
  /** Part 2: model-free baseline heatmaps scored beside the explainers. */
  baselines: BaselineName[];
  /** The cam's layer: conv2's output before its ReLU, bias included. */
  targetLayer: 'conv2';
  /** Stabiliser in the Grad-CAM++ alpha denominator. */
  alphaEps: number;
  /** Stabiliser of the per-image min-max normalisation. */
  normEps: number;
  /** Resize rule from 11x11 to 28x28. */
  resize: 'opencv-linear';
  /** Example heatmaps saved as PNG per level and seed. */
  examples: number;
  /** Images per Grad-CAM++ batch. */
  batchSize: number;
}

/** Part 2 metrics beside soft IoU (PROTOCOL.md "Localisation metrics", "Faithfulness"). */
export interface MetricsConfig {
  /** The clean digit's ink: pixels > maskThreshold. */
  maskThreshold: number;
  /** k of the top-k intersection (78 = 10% of 784 pixels). */
  topK: number;
  deletion: {
    /** Deletion curves on the first N test images (0: none). */
    images: number;
    /** T: pixels removed in T equal steps. */
    steps: number;
  };
}

/** Part 2 controls. */
export interface ControlsConfig {
  randomisation: {
    /** Levels at which to run cascading parameter randomisation; null: every fifth level (0, 5, 10, ...). */
    levels: number[] | null;
    /** On the first N test images (0: the control is off). */
    images: number;
  };
}

/** Part 2 "Statistics for claims". */
export interface StatisticsConfig {
  /** Resamples of the seed list for the percentile bootstrap. */
  bootstrapResamples: number;
  /** Fewer seeds than this: bootstrap-based claims are inconclusive. */
  minBootstrapSeeds: number;
  /** Seed of the bootstrap's stream. */
  bootstrapSeed: number;
}

export interface ProtocolConfig {
  name: string;
  seeds: number[];
  dataset: DatasetConfig;
  data: DataConfig;
  model: ModelConfig;
  training: TrainingConfig;
  pruning: PruningConfig;
  explain: ExplainConfig;
  metrics: MetricsConfig;
  controls: ControlsConfig;
  statistics: StatisticsConfig;
}
