import type { ProtocolConfig } from '../protocol/types.ts';

// The report: the predicate of the signed in-toto statement. The run loop fills it; the report
// module validates, signs, verifies, audits and diffs it.

export const PREDICATE_TYPE = 'https://prunecam.dev/report/v1';

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
   * value overflowed) and was therefore zeroed rather than reported as NaN.
   */
  nonFiniteHeatmaps: number;
  /** Mean training loss of the level's last epoch. */
  finalTrainLoss: number;
  /** Seconds spent on this level (training + evaluation). */
  wallTimeS: number;
}

export interface SeedResult {
  seed: number;
  /** Pretraining (W_start) summary. */
  pretrain: { finalTrainLoss: number; wallTimeS: number };
  levels: LevelMetrics[];
}

export interface MeanStd {
  mean: number;
  std: number;
}

/** Per-level aggregate over seeds (std: sample standard deviation, 0 for one seed). */
export interface LevelAggregate {
  level: number;
  remainingWeights: number;
  density: number;
  cleanAccuracy: MeanStd;
  noisyAccuracy: MeanStd;
  meanIoU: MeanStd;
  heatmapStd: MeanStd;
  heatmapMean: MeanStd;
  zeroHeatmaps: MeanStd;
  nonFiniteHeatmaps: MeanStd;
}

export interface Correlation {
  /** Pearson r with the two-sided Student-t p-value (n-2 degrees of freedom). */
  pearson: { r: number; p: number; df: number };
  spearman: { rho: number; p: number };
  kendall: { tau: number; p: number; method: 'exact' | 'asymptotic' };
  n: number;
}

export interface DatasetIdentity {
  name: string;
  /** True when the data is a subset of the named dataset (e.g. mnist-embedded). */
  subset: boolean;
  description: string;
  trainImages: number;
  testImages: number;
  /** sha256 of each source file (or of the embedded package's data), by file name. */
  files: Record<string, string>;
}

export interface Environment {
  prunecamVersion: string;
  gitCommit: string | null;
  node: string;
  tfjs: string;
  backend: string;
  backendVersion: string;
  cpu: string;
  os: string;
  gpu: string | null;
}

export interface ArtifactDigest {
  /** Path relative to the run folder. */
  name: string;
  sha256: string;
  /**
   * True when a published copy of the run may leave the file out (the large per-level
   * checkpoints): verify then checks it only when it is present. A required artifact
   * (optional: false) must be present.
   */
  optional: boolean;
}

export interface ReportPredicate {
  runId: string;
  protocol: ProtocolConfig;
  dataset: DatasetIdentity;
  environment: Environment;
  startedAt: string;
  finishedAt: string;
  /** Sum of the levels' and pretrainings' wall times over seeds (compute time, not elapsed). */
  computeTimeS: number;
  seeds: SeedResult[];
  aggregate: LevelAggregate[];
  /** Mean clean accuracy vs mean IoU across levels. */
  correlation: Correlation | null;
  artifacts: ArtifactDigest[];
}
