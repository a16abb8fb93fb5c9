import { mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { RunHistory } from '../experiment/history.ts';
import { finishRun } from '../experiment/run.ts';
import type { Progress } from '../experiment/progress.ts';
import type { DatasetIdentity, Environment } from '../report/types.ts';
import type { SeedResult } from '../results/types.ts';
import { acquireRunLock } from '../store/lock.ts';
import { writeFileAtomic } from '../store/atomic.ts';
import { unitKey, type SweepPlan } from './grid.ts';
import type { CellOutcome } from './summary.ts';
import type { SweepTracker } from './tracker.ts';

// The coordinator's last step, for local and queued sweeps alike: every cell whose seeds all
// finished becomes a run folder with its signed report (signed here, with the user's key);
// a cell with a failed seed is reported as failed, the others are still written.

export interface UnitOutput {
  result: SeedResult;
  environment: Environment;
  dataset: DatasetIdentity;
}

export interface CollectOptions {
  out: string;
  key?: string;
  startedAt: string;
  progress: Progress;
  /** Files of a unit to put into its run folder first (queued sweeps: the checkpoints from Redis). */
  filesOf?: (runId: string, seed: number) => Promise<Map<string, Buffer>>;
  /**
   * Each run folder's first start and resumes (run-history.json, recorded by a local sweep when it
   * starts work on the folder); a run without one is dated `startedAt`.
   */
  histories?: ReadonlyMap<string, RunHistory>;
  /** The caller already holds the run folders' locks. */
  locked?: boolean;
}

export function runDirOf(out: string, runId: string): string {
  return join(out, runId);
}

export function writeProtocol(runDir: string, config: unknown): void {
  mkdirSync(runDir, { recursive: true });
  writeFileAtomic(join(runDir, 'protocol.json'), `${JSON.stringify(config, null, 2)}\n`);
}

export async function collectCells(plan: SweepPlan, tracker: SweepTracker, outputs: Map<string, UnitOutput>, o: CollectOptions): Promise<CellOutcome[]> {
  const cells: CellOutcome[] = [];
  for (const cell of plan.cells) {
    const units = cell.config.seeds.map((seed) => tracker.get({ runId: cell.runId, seed }));
    const errors = units.filter((u) => u.state === 'failed').map((u) => `seed ${u.seed}: ${u.error ?? 'failed'}`);
    const ready = units.every((u) => u.state === 'done' && outputs.has(unitKey(u)));
    if (!ready) {
      cells.push({ cell: cell.index, status: errors.length ? 'failed' : 'pending', errors });
      continue;
    }
    const runDir = runDirOf(o.out, cell.runId);
    mkdirSync(runDir, { recursive: true });
    const release = o.locked ? () => {} : acquireRunLock(runDir);
    try {
      writeProtocol(runDir, cell.config);
      if (o.filesOf) {
        for (const seed of cell.config.seeds) {
          for (const [path, bytes] of await o.filesOf(cell.runId, seed)) {
            mkdirSync(dirname(join(runDir, path)), { recursive: true });
            writeFileAtomic(join(runDir, path), bytes);
          }
        }
      }
      const outs = cell.config.seeds.map((seed) => outputs.get(unitKey({ runId: cell.runId, seed }))!);
      const outcome = await finishRun({
        runDir,
        runId: cell.runId,
        config: cell.config,
        dataset: outs[0].dataset,
        seeds: outs.map((x) => x.result),
        history: o.histories?.get(cell.runId) ?? { startedAt: o.startedAt },
        environment: outs[0].environment,
        key: o.key,
        progress: o.progress,
      });
      cells.push({ cell: cell.index, status: 'done', outcome, errors: [] });
    } catch (e) {
      cells.push({ cell: cell.index, status: 'failed', errors: [`report: ${(e as Error).message}`] });
    } finally {
      release();
    }
  }
  return cells;
}
