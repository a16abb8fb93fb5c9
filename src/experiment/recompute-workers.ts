import { fork } from 'node:child_process';
import { join } from 'node:path';
import type { BackendChoice } from '../backend/select.ts';
import { openForRecompute, recomputeLevels, RecomputeError, type LevelCheck } from './recompute.ts';

// `verify --recompute --jobs N`: seeds are dealt round-robin to N worker processes (a tfjs
// backend is per process and wasm is single-threaded), each running `prunecam _recompute`.

export type RecomputeMessage = { type: 'check'; check: LevelCheck } | { type: 'error'; name: string; message: string };

const BIN = join(import.meta.dirname, '..', '..', 'bin', 'prunecam.js');

export interface WorkerOptions {
  backend: BackendChoice;
  dataDir?: string;
  levels?: number[];
}

/** Recomputes `seeds` in `jobs` processes; each level's check is passed to `onCheck` as it arrives. */
export async function recomputeInWorkers(reportPath: string, seeds: number[], jobs: number, o: WorkerOptions, onCheck: (c: LevelCheck) => void): Promise<LevelCheck[]> {
  const groups: number[][] = Array.from({ length: Math.min(jobs, seeds.length) }, () => []);
  seeds.forEach((s, i) => groups[i % groups.length].push(s));
  const checks: LevelCheck[] = [];
  const children = new Set<ReturnType<typeof fork>>();
  try {
    await Promise.all(
      groups.map(
        (group) =>
          new Promise<void>((resolve, reject) => {
            const args = ['_recompute', reportPath, '--seeds', group.join(','), '--backend', o.backend];
            if (o.levels) args.push('--levels', o.levels.join(','));
            if (o.dataDir) args.push('--data-dir', o.dataDir);
            const child = fork(BIN, args, { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
            children.add(child);
            let failure: Error | null = null;
            child.on('message', (m: RecomputeMessage) => {
              if (m.type === 'check') {
                checks.push(m.check);
                onCheck(m.check);
              } else {
                failure = new RecomputeError(m.message);
                failure.name = m.name;
              }
            });
            child.on('exit', (code, signal) => {
              children.delete(child);
              if (failure) reject(failure);
              else if (code !== 0) reject(new RecomputeError(`recompute worker for seed(s) ${group.join(',')} exited with ${signal ?? `code ${code}`}`));
              else resolve();
            });
          }),
      ),
    );
  } finally {
    for (const c of children) c.kill('SIGTERM');
  }
  // Workers finish in any order; report in the order of the seeds asked for.
  return checks.sort((a, b) => seeds.indexOf(a.seed) - seeds.indexOf(b.seed) || a.level - b.level);
}

/** The worker side: recomputes its seeds and sends each check to the parent. */
export async function recomputeWorkerMain(reportPath: string, seeds: number[], o: WorkerOptions): Promise<void> {
  const send = (m: RecomputeMessage) => process.send?.(m);
  try {
    const ctx = await openForRecompute(reportPath, o);
    await recomputeLevels(ctx, seeds, o.levels, (check) => send({ type: 'check', check }));
  } catch (e) {
    const err = e as Error;
    send({ type: 'error', name: err.name, message: err.message });
    throw e;
  }
}
