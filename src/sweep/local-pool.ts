import { fork, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import type { WorkerMessage } from '../experiment/seeds.ts';
import type { SeedResult } from '../results/types.ts';
import type { WorkUnit } from './grid.ts';
import { advance, newClock, type SweepTracker } from './tracker.ts';

// The embedded default: units run in local worker processes (`prunecam _seed`, one per unit,
// at most `jobs` at a time), each writing its checkpoints straight into its run folder. A unit
// that fails (e.g. a NaN loss) is marked failed; the others go on. SIGINT/SIGTERM stop the
// pool: no further unit starts, the running workers get SIGTERM (each keeps its finished levels
// on disk), and the pool throws SweepInterruptedError so no partial report is written.

const BIN = join(import.meta.dirname, '..', '..', 'bin', 'prunecam.js');

export interface LocalPoolOptions {
  jobs: number;
  backend: string;
  dataDir?: string;
  /** The run folder of a unit (holding protocol.json). */
  runDir: (u: WorkUnit) => string;
  onChange?: (u: WorkUnit) => void;
}

/** The pool was stopped by a signal; the finished levels are in their run folders. */
export class SweepInterruptedError extends Error {
  override name = 'SweepInterruptedError';
}

export async function runUnitsLocally(units: WorkUnit[], tracker: SweepTracker, o: LocalPoolOptions): Promise<Map<string, SeedResult>> {
  const results = new Map<string, SeedResult>();
  const children = new Set<ChildProcess>();
  const queue = [...units];
  let stoppedBy: NodeJS.Signals | null = null;
  const stopAll = (signal: NodeJS.Signals) => {
    stoppedBy ??= signal;
    queue.length = 0;
    for (const c of children) c.kill('SIGTERM');
  };
  const onInt = () => stopAll('SIGINT');
  const onTerm = () => stopAll('SIGTERM');
  process.once('SIGINT', onInt);
  process.once('SIGTERM', onTerm);
  const runOne = (u: WorkUnit) =>
    new Promise<void>((resolve) => {
      const args = ['_seed', '--run-dir', o.runDir(u), '--seeds', String(u.seed), '--backend', o.backend];
      if (o.dataDir) args.push('--data-dir', o.dataDir);
      const child = fork(BIN, args, { stdio: ['ignore', 'ignore', 'pipe', 'ipc'] });
      children.add(child);
      let stderr = '';
      child.stderr?.on('data', (d: Buffer) => void (stderr = (stderr + d.toString()).slice(-4000)));
      tracker.set(u, { state: 'active', progress: { phase: 'starting' } });
      o.onChange?.(u);
      const clock = newClock();
      let failure: string | null = null;
      child.on('message', (m: WorkerMessage) => {
        if (m.type === 'event') {
          tracker.set(u, { progress: advance(tracker.get(u).progress, m.event, clock) });
          if (m.event.kind !== 'train') o.onChange?.(u);
        } else if (m.type === 'result') results.set(`${u.runId}-${u.seed}`, m.result);
        else if (m.type === 'error') failure = `${m.name && m.name !== 'Error' ? `${m.name}: ` : ''}${m.message}`;
      });
      child.on('exit', (code, signal) => {
        children.delete(child);
        const ok = code === 0 && results.has(`${u.runId}-${u.seed}`);
        const error = ok ? undefined : stoppedBy ? `interrupted by ${stoppedBy}` : (failure ?? `worker process exited with ${signal ?? `code ${code}`}${stderr ? `: ${stderr.trim().split('\n').at(-1)}` : ''}`);
        tracker.set(u, { state: ok ? 'done' : 'failed', error });
        o.onChange?.(u);
        resolve();
      });
    });
  try {
    await Promise.all(
      Array.from({ length: Math.max(1, Math.min(o.jobs, units.length)) }, async () => {
        for (let u = queue.shift(); u; u = queue.shift()) await runOne(u);
      }),
    );
  } finally {
    process.off('SIGINT', onInt);
    process.off('SIGTERM', onTerm);
  }
  if (stoppedBy) {
    const finished = results.size;
    throw new SweepInterruptedError(
      `stopped by ${stoppedBy} after ${finished} of ${units.length} seed(s) finished; every finished level is kept in its run folder, so running the same command again resumes where this stopped (no report was written)`,
    );
  }
  return results;
}
