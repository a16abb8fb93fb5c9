import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { aggregateLevels } from '../../../src/experiment/aggregate.ts';
import { THESIS } from '../../../src/protocol/builtin.ts';
import { runId } from '../../../src/protocol/resolve.ts';
import type { ProtocolConfig } from '../../../src/protocol/types.ts';
import type { ArtifactDigest, Correlation, DatasetIdentity, LevelMetrics, ReportPredicate } from '../../../src/report/types.ts';

// Fabricated, schema-valid report predicates for the report specs. Nothing here computes a
// metric: every value is chosen by the spec that uses it.

/** Remaining weights per level 0..25 without ties: PROTOCOL.md's table. */
export const THESIS_REMAINING = [2324, 1858, 1485, 1187, 948, 757, 604, 482, 384, 306, 243, 193, 153, 121, 95, 75, 59, 46, 35, 27, 20, 15, 11, 7, 4, 2];

export interface LevelValues {
  cleanAccuracy: number;
  noisyAccuracy: number;
  meanIoU: number;
  heatmapStd: number;
}

const lerp = (a: number, b: number, t: number) => a + (b - a) * t;

/**
 * A thesis-like curve that meets every claim of golden/thesis-claims.json: level 0 at the
 * thesis values, IoU rising to 0.236 at level 10 (the peak), accuracy and IoU held to level 17,
 * then collapsing.
 */
export function thesisLikeLevel(level: number): LevelValues {
  const clean = level <= 17 ? 0.9817 - 0.0002 * level : lerp(0.9783, 0.3, (level - 17) / 8);
  const iou = level <= 10 ? lerp(0.179, 0.236, level / 10) : level <= 17 ? lerp(0.236, 0.2, (level - 10) / 7) : lerp(0.2, 0.05, (level - 17) / 8);
  const std = level <= 10 ? lerp(0.218, 0.252, level / 10) : level <= 17 ? 0.25 : lerp(0.25, 0.1, (level - 17) / 8);
  return { cleanAccuracy: clean, noisyAccuracy: clean + 0.0001, meanIoU: iou, heatmapStd: std };
}

export const THESIS_LIKE_CORRELATION: Correlation = {
  pearson: { r: 0.96, p: 1e-14, df: 24 },
  spearman: { rho: 0.9, p: 1e-9 },
  kendall: { tau: 0.75, p: 1e-7, method: 'exact' },
  n: 26,
};

export interface FabricateOptions {
  protocol?: ProtocolConfig;
  /** Number of levels in the report (default: the protocol's). */
  levels?: number;
  values?: (level: number) => LevelValues;
  correlation?: Correlation | null;
  dataset?: Partial<DatasetIdentity>;
  artifacts?: ArtifactDigest[];
}

export function fabricatePredicate(opts: FabricateOptions = {}): ReportPredicate {
  const protocol = structuredClone(opts.protocol ?? THESIS);
  const n = opts.levels ?? protocol.pruning.levels;
  const values = opts.values ?? thesisLikeLevel;
  const levelMetrics = (level: number): LevelMetrics => {
    const v = values(level);
    return {
      level,
      remainingWeights: THESIS_REMAINING[level],
      density: THESIS_REMAINING[level] / 2324,
      cleanAccuracy: v.cleanAccuracy,
      noisyAccuracy: v.noisyAccuracy,
      meanIoU: v.meanIoU,
      heatmapMean: 0.3,
      heatmapStd: v.heatmapStd,
      zeroHeatmaps: 0,
      nonFiniteHeatmaps: 0,
      finalTrainLoss: 0.05,
      wallTimeS: 1.5,
    };
  };
  const levels = Array.from({ length: n }, (_, l) => levelMetrics(l));
  // Every seed gets the same values: each aggregate mean is the level value, sd 0.
  const seeds = protocol.seeds.map((seed) => ({ seed, pretrain: { finalTrainLoss: 0.1, wallTimeS: 10 }, levels: structuredClone(levels) }));
  return {
    runId: runId(protocol),
    protocol,
    dataset: {
      name: 'mnist',
      subset: false,
      description: 'MNIST (fabricated for a spec)',
      trainImages: 60000,
      testImages: 10000,
      files: { 't10k-images-idx3-ubyte.gz': 'a'.repeat(64) },
      ...opts.dataset,
    },
    environment: {
      prunecamVersion: '0.1.0',
      gitCommit: null,
      node: 'v20.0.0',
      tfjs: '4.22.0',
      backend: 'cpu',
      backendVersion: '4.22.0',
      cpu: 'fabricated',
      os: 'linux',
      gpu: null,
    },
    startedAt: '2025-01-01T00:00:00.000Z',
    finishedAt: '2025-01-01T01:00:00.000Z',
    computeTimeS: 3600,
    seeds,
    aggregate: aggregateLevels(seeds),
    correlation: opts.correlation === undefined ? (n === 26 ? THESIS_LIKE_CORRELATION : null) : opts.correlation,
    artifacts: opts.artifacts ?? [],
  };
}

/** A fresh temporary folder, removed by the returned cleanup. */
export function tempDir(prefix = 'prunecam-report-'): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/** Writes files (relative path -> content) under dir, creating folders. */
export function writeFiles(dir: string, files: Record<string, string | Uint8Array>): void {
  for (const [name, content] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, name)), { recursive: true });
    writeFileSync(join(dir, name), content);
  }
}
