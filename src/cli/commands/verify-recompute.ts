// The `--recompute` and `--replay` halves of `prunecam verify`: run the comparison and print it.
import { cpus } from 'node:os';
import type { BackendChoice } from '../../backend/select.ts';
import type { MetricDifference } from '../../experiment/compare-metrics.ts';
import { openForRecompute, recomputeLevels, replayLevel, selection, type LevelCheck } from '../../experiment/recompute.ts';
import { recomputeInWorkers } from '../../experiment/recompute-workers.ts';
import { UsageError } from '../args.ts';

export interface RecomputeCliOptions {
  backend?: BackendChoice;
  dataDir?: string;
  seeds?: number[];
  levels?: number[];
  jobs?: number;
}

const show = (v: unknown) => (typeof v === 'number' ? String(v) : JSON.stringify(v));

function describeDifference(c: LevelCheck, d: MetricDifference): string {
  const bound = c.mode === 'identical' ? 'must be identical on the backend that produced it' : `tolerance ±${d.tolerance}`;
  return `seed ${c.seed} level ${c.level} ${d.metric}: report ${show(d.reported)}, recomputed ${show(d.recomputed)} (${bound})`;
}

function describeTolerances(c: LevelCheck): string {
  if (c.mode === 'identical') return 'identical (same backend and versions as the run)';
  return `within tolerance on another backend or version (accuracies ±${c.tolerances.accuracy * 100} pp, other numbers ±${c.tolerances.other}); largest deviation: accuracy ${c.largest.accuracy.toExponential(2)}, other ${c.largest.other.toExponential(2)}`;
}

function line(c: LevelCheck): string {
  return c.differences.length ? `  seed ${c.seed} level ${c.level}: DIFFERS in ${c.differences.length} number(s), first ${c.differences[0].metric}` : `  seed ${c.seed} level ${c.level}: ${describeTolerances(c)}`;
}

/** Prints the outcome of a set of checks; 0 when all matched, else 1 naming the first difference. */
function conclude(what: string, checks: LevelCheck[]): number {
  const bad = checks.find((c) => c.differences.length);
  if (bad) {
    console.error(`FAILED ${what}: ${describeDifference(bad, bad.differences[0])}`);
    return 1;
  }
  console.log(`OK ${what}: ${checks.length} level(s) match the report`);
  return 0;
}

export async function runRecompute(reportPath: string, o: RecomputeCliOptions): Promise<number> {
  const ctx = await openForRecompute(reportPath, o);
  const chosen = selection(ctx.predicate, o.seeds, o.levels);
  const jobs = Math.max(1, Math.min(o.jobs ?? 1, chosen.length, cpus().length));
  console.log(`recomputing ${chosen.reduce((n, s) => n + s.levels.length, 0)} level(s) of ${chosen.length} seed(s) on ${ctx.current.backend} (${ctx.current.backendVersion}, ${ctx.current.trainingPath} training path)${jobs > 1 ? ` in ${jobs} processes` : ''}`);
  const print = (c: LevelCheck) => console.log(line(c));
  const checks =
    jobs > 1
      ? await recomputeInWorkers(reportPath, chosen.map((s) => s.seed), jobs, { backend: ctx.current.backend as BackendChoice, dataDir: o.dataDir, levels: o.levels }, print)
      : await recomputeLevels(ctx, o.seeds, o.levels, print);
  return conclude('recompute', checks);
}

/** Parses SEED:LEVEL. */
export function parseReplay(v: string): { seed: number; level: number } {
  const m = /^(\d+):(\d+)$/.exec(v);
  if (!m) throw new UsageError(`--replay must be SEED:LEVEL, e.g. 333:4, got '${v}'`);
  return { seed: Number(m[1]), level: Number(m[2]) };
}

export async function runReplay(reportPath: string, at: { seed: number; level: number }, o: RecomputeCliOptions): Promise<number> {
  const ctx = await openForRecompute(reportPath, o);
  console.log(`replaying seed ${at.seed} level ${at.level} on ${ctx.current.backend} (${ctx.current.backendVersion}, ${ctx.current.trainingPath} training path)`);
  const check = await replayLevel(ctx, at.seed, at.level);
  console.log(line(check));
  return conclude('replay', [check]);
}
