import type { ProtocolConfig } from '../protocol/types.ts';
import type { Correlation, LevelAggregate, SeedResult } from '../results/types.ts';

// The domain types (a seed's per-level metrics, aggregates, correlations) live in src/results;
// they are re-exported here for the report's readers.
export type { Correlation, LevelAggregate, LevelMetrics, MeanStd, Provenance, SeedResult, SeedSummary } from '../results/types.ts';

// The report: the predicate of the signed in-toto statement. The run loop fills it; the report
// module validates, signs, verifies, audits and diffs it.

export const PREDICATE_TYPE = 'https://prunecam.dev/report/v1';

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

/**
 * Version of the predicate's layout. 1 (absent): reports before provenance; 2: adds
 * `schemaVersion`, per-level `provenance` and `resumedAt`. Older versions still verify.
 */
export const REPORT_SCHEMA_VERSION = 2;

export interface ReportPredicate {
  /** Absent in version-1 reports. */
  schemaVersion?: number;
  runId: string;
  protocol: ProtocolConfig;
  dataset: DatasetIdentity;
  environment: Environment;
  /** When the run folder's first `prunecam run` started. */
  startedAt: string;
  /** When each later `prunecam run` resumed it (absent in version-1 reports). */
  resumedAt?: string[];
  finishedAt: string;
  /** Sum of the levels' and pretrainings' wall times over seeds (compute time, not elapsed). */
  computeTimeS: number;
  seeds: SeedResult[];
  aggregate: LevelAggregate[];
  /** Mean clean accuracy vs mean IoU across levels. */
  correlation: Correlation | null;
  artifacts: ArtifactDigest[];
}
