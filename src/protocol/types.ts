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
  strategy: 'sparse_global';
  fraction: number;
  levels: number;
  layers: Array<'conv1' | 'conv2' | 'fc'>;
}

export interface ExplainConfig {
  method: 'gradcampp' | 'gradcam';
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

export interface ProtocolConfig {
  name: string;
  seeds: number[];
  dataset: DatasetConfig;
  data: DataConfig;
  model: ModelConfig;
  training: TrainingConfig;
  pruning: PruningConfig;
  explain: ExplainConfig;
}
