import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { parseBackendChoice, selectBackend, type BackendChoice } from '../backend/select.ts';
import { loadDataset, type Dataset } from '../data/sources.ts';
import { PARAM_NAMES, WEIGHT_NAMES } from '../model/cnn.ts';
import type { ProtocolConfig } from '../protocol/types.ts';
import { CheckpointError, checkpointPath, existingCheckpointPath, loadCheckpoint, type Checkpoint } from '../prune/checkpoint.ts';
import { nextMask, trainMasked } from '../prune/levels.ts';
import type { ReportPredicate } from '../report/types.ts';
import { verifyReport } from '../report/verify.ts';
import type { LevelMetrics, Provenance } from '../results/types.ts';
import { compareMetrics, CROSS_BACKEND, IDENTICAL, type MetricDifference, type Tolerances } from './compare-metrics.ts';
import { seedEvaluator } from './evaluate.ts';
import { currentProvenance } from './provenance.ts';

// `prunecam verify --recompute` and `--replay`: the signature proves a report was not changed
// after signing, not that its numbers follow from the run. These re-evaluate (or retrain) from
// the checkpoints with the evaluator `prunecam run` uses and compare with the signed numbers.

export class RecomputeError extends Error {
  override name = 'RecomputeError';
}

/** A signed report opened for recomputation: its run folder, protocol, data and the backend now active. */
export interface RecomputeContext {
  reportPath: string;
  runDir: string;
  predicate: ReportPredicate;
  config: ProtocolConfig;
  dataset: Dataset;
  current: Provenance;
}

export interface LevelCheck {
  seed: number;
  level: number;
  /** 'identical' on the backend and versions that produced the level, else 'cross-backend'. */
  mode: 'identical' | 'cross-backend';
  tolerances: Tolerances;
  differences: MetricDifference[];
  largest: { accuracy: number; other: number };
}

/**
 * Verifies the report (a recomputation of an unverified report proves nothing), loads its
 * protocol's data (checked against the digests it records) and selects the backend: `backend`,
 * else the one the report records.
 */
export async function openForRecompute(reportPath: string, o: { backend?: BackendChoice; dataDir?: string } = {}): Promise<RecomputeContext> {
  const v = verifyReport(reportPath);
  if (!v.ok || !v.predicate) throw new RecomputeError(`${reportPath} does not verify, so there is nothing to recompute against:\n  ${v.reasons.join('\n  ')}`);
  const predicate = v.predicate;
  if (predicate.schemaVersion === undefined) throw new RecomputeError(`${reportPath} is a schema version 1 report: its checkpoints and protocol predate recomputation`);
  const config = predicate.protocol;
  const dataset = loadDataset(config.dataset, o.dataDir);
  const changed = Object.keys(predicate.dataset.files).filter((f) => dataset.files[f] !== predicate.dataset.files[f]);
  if (changed.length) throw new RecomputeError(`the data loaded for ${config.dataset.name} differs from the report's (file(s) ${changed.join(', ')}); pass --data-dir with the run's data`);
  await selectBackend(o.backend ?? parseBackendChoice(predicate.environment.backend));
  return { reportPath, runDir: dirname(reportPath), predicate, config, dataset, current: await currentProvenance() };
}

/** The signed numbers of a seed's level; throws naming them when the report has none. */
export function reportedLevel(p: ReportPredicate, seed: number, level: number): LevelMetrics {
  const s = p.seeds.find((r) => r.seed === seed);
  if (!s) throw new RecomputeError(`the report has no seed ${seed} (it has ${p.seeds.map((r) => r.seed).join(', ')})`);
  const l = s.levels[level];
  if (!l) throw new RecomputeError(`the report has no level ${level} for seed ${seed} (it has 0..${s.levels.length - 1})`);
  return l;
}

/** Identical numbers are expected only from the same backend and versions that produced them. */
export function tolerancesFor(recorded: Provenance | undefined, current: Provenance): { mode: LevelCheck['mode']; tolerances: Tolerances } {
  const same = recorded !== undefined && recorded.backend === current.backend && recorded.backendVersion === current.backendVersion && recorded.trainingPath === current.trainingPath;
  return same ? { mode: 'identical', tolerances: IDENTICAL } : { mode: 'cross-backend', tolerances: CROSS_BACKEND };
}

function requireCheckpoint(ctx: RecomputeContext, seed: number, level: number | 'pretrain'): Checkpoint {
  const ck = loadCheckpoint(ctx.runDir, ctx.predicate.runId, seed, level);
  if (!ck) throw new CheckpointError(`checkpoint ${checkpointPath(ctx.runDir, seed, level)} is not present: recomputation needs the run's checkpoints`);
  return ck;
}

/** Seeds and levels to recompute: the report's, restricted to `seeds` and `levels` when given (each must exist). */
export function selection(p: ReportPredicate, seeds?: number[], levels?: number[]): Array<{ seed: number; levels: number[] }> {
  const chosen = seeds ?? p.seeds.map((s) => s.seed);
  return chosen.map((seed) => {
    const all = p.seeds.find((s) => s.seed === seed)?.levels.map((l) => l.level);
    if (!all) throw new RecomputeError(`--seeds: the report has no seed ${seed} (it has ${p.seeds.map((s) => s.seed).join(', ')})`);
    const bad = (levels ?? []).filter((l) => !all.includes(l));
    if (bad.length) throw new RecomputeError(`--levels: the report has no level ${bad.join(', ')} (it has 0..${all.length - 1})`);
    return { seed, levels: levels ?? all };
  });
}

/**
 * Re-evaluates the checkpointed weights of the chosen seeds and levels with the run's evaluator
 * and compares every number it returns with the report. Example PNGs go to a scratch folder:
 * the run folder's signed files are never rewritten.
 */
export async function recomputeLevels(ctx: RecomputeContext, seeds?: number[], levels?: number[], onCheck?: (c: LevelCheck) => void): Promise<LevelCheck[]> {
  const scratch = mkdtempSync(join(tmpdir(), 'prunecam-recompute-'));
  const checks: LevelCheck[] = [];
  try {
    for (const { seed, levels: ls } of selection(ctx.predicate, seeds, levels)) {
      const evaluate = seedEvaluator(ctx.config, ctx.dataset.test, seed, scratch);
      for (const level of ls) {
        const ck = requireCheckpoint(ctx, seed, level);
        const reported = reportedLevel(ctx.predicate, seed, level);
        const { mode, tolerances } = tolerancesFor(reported.provenance ?? ck.provenance, ctx.current);
        const c = compareMetrics(reported, await evaluate(ck.weights, level, ck.mask!), tolerances);
        const check: LevelCheck = { seed, level, mode, tolerances, ...c };
        onCheck?.(check);
        checks.push(check);
      }
    }
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
  return checks;
}

/** Largest |difference| between two weight sets. */
function weightDeviation(a: Checkpoint['weights'], b: Checkpoint['weights']): number {
  let worst = 0;
  for (const n of PARAM_NAMES) a[n].forEach((v, i) => (worst = Math.max(worst, Math.abs(v - b[n][i]))));
  return worst;
}

/**
 * Retrains one level from the checkpoints it depends on (pretraining's weights, and the mask
 * that follows from the level before) and compares the weights, the final training loss and
 * the evaluation with the checkpoint and the report.
 */
export async function replayLevel(ctx: RecomputeContext, seed: number, level: number): Promise<LevelCheck> {
  const reported = reportedLevel(ctx.predicate, seed, level);
  const pre = requireCheckpoint(ctx, seed, 'pretrain');
  const ck = requireCheckpoint(ctx, seed, level);
  if (level > 0) {
    const prev = requireCheckpoint(ctx, seed, level - 1);
    const want = nextMask(ctx.config, prev.weights, prev.mask!, seed, level - 1);
    const bad = WEIGHT_NAMES.find((n) => want[n].some((v, i) => v !== ck.mask![n][i]));
    if (bad) throw new RecomputeError(`checkpoint ${existingCheckpointPath(ctx.runDir, seed, level) ?? checkpointPath(ctx.runDir, seed, level)}: its ${bad} mask does not follow from level ${level - 1}'s weights`);
  }
  const trained = trainMasked({ config: ctx.config, train: ctx.dataset.train, seed }, pre.weights, ck.mask!, level);
  const scratch = mkdtempSync(join(tmpdir(), 'prunecam-replay-'));
  try {
    const ev = await seedEvaluator(ctx.config, ctx.dataset.test, seed, scratch)(trained.weights, level, ck.mask!);
    const { mode, tolerances } = tolerancesFor(reported.provenance ?? ck.provenance, ctx.current);
    // The weights are compared through their largest deviation, held to the metrics' tolerance.
    const recomputed = { weightsMaxDeviation: weightDeviation(trained.weights, ck.weights), finalTrainLoss: trained.epochLosses.at(-1), ...ev };
    return { seed, level, mode, tolerances, ...compareMetrics({ ...reported, weightsMaxDeviation: 0 }, recomputed, tolerances) };
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}
