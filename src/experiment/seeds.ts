import { fork } from 'node:child_process';
import { join } from 'node:path';
import { loadDataset, type Dataset } from '../data/sources.ts';
import { runSeed, type SeedEvent } from '../prune/levels.ts';
import type { ProtocolConfig } from '../protocol/types.ts';
import type { SeedResult } from '../results/types.ts';
import { seedEvaluator } from './evaluate.ts';
import { currentProvenance } from './provenance.ts';

export interface SeedJob {
  config: ProtocolConfig;
  runId: string;
  runDir: string;
  dataDir?: string;
  backend: string;
}

/** Runs seeds one after another in this process. */
export async function runSeedsHere(job: SeedJob, seeds: number[], dataset: Dataset, onEvent: (seed: number, e: SeedEvent) => void): Promise<SeedResult[]> {
  const out: SeedResult[] = [];
  const provenance = await currentProvenance();
  for (const seed of seeds) {
    out.push(
      await runSeed({
        config: job.config,
        runId: job.runId,
        runDir: job.runDir,
        seed,
        train: dataset.train,
        evaluate: seedEvaluator(job.config, dataset.test, seed, job.runDir),
        provenance,
        onEvent: (e) => onEvent(seed, e),
      }),
    );
  }
  return out;
}

/** Messages a seed worker process sends to its parent. */
export type WorkerMessage = { type: 'event'; seed: number; event: SeedEvent } | { type: 'result'; result: SeedResult } | { type: 'error'; message: string; name: string };

const BIN = join(import.meta.dirname, '..', '..', 'bin', 'prunecam.js');

/**
 * Runs seeds in `jobs` worker processes (tfjs backends are per process, and each wasm instance
 * is single-threaded, so processes are how both cores get used). Seeds are dealt round-robin;
 * each worker runs its seeds in order and reports events and results over IPC.
 */
export async function runSeedsInWorkers(job: SeedJob, seeds: number[], jobs: number, onEvent: (seed: number, e: SeedEvent) => void): Promise<SeedResult[]> {
  const groups: number[][] = Array.from({ length: Math.min(jobs, seeds.length) }, () => []);
  seeds.forEach((s, i) => groups[i % groups.length].push(s));
  const results = new Map<number, SeedResult>();
  const children = new Set<ReturnType<typeof fork>>();
  const stopAll = () => {
    for (const c of children) c.kill('SIGTERM');
  };
  process.once('SIGINT', stopAll);
  process.once('SIGTERM', stopAll);
  try {
    await Promise.all(
      groups.map(
        (group) =>
          new Promise<void>((resolve, reject) => {
            const args = ['_seed', '--run-dir', job.runDir, '--seeds', group.join(','), '--backend', job.backend];
            if (job.dataDir) args.push('--data-dir', job.dataDir);
            const child = fork(BIN, args, { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
            children.add(child);
            let failure: Error | null = null;
            child.on('message', (m: WorkerMessage) => {
              if (m.type === 'event') onEvent(m.seed, m.event);
              else if (m.type === 'result') results.set(m.result.seed, m.result);
              else if (m.type === 'error') {
                failure = new Error(m.message);
                failure.name = m.name;
              }
            });
            child.on('exit', (code, signal) => {
              children.delete(child);
              if (failure) reject(failure);
              else if (code !== 0) reject(new Error(`seed worker for seed(s) ${group.join(',')} exited with ${signal ?? `code ${code}`}`));
              else resolve();
            });
          }),
      ),
    );
  } catch (e) {
    stopAll();
    throw e;
  } finally {
    process.off('SIGINT', stopAll);
    process.off('SIGTERM', stopAll);
  }
  return seeds.map((s) => {
    const r = results.get(s);
    if (!r) throw new Error(`seed worker sent no result for seed ${s}`);
    return r;
  });
}

/** The worker side: loads the data and runs its seeds, reporting to the parent. */
export async function seedWorkerMain(job: SeedJob, seeds: number[]): Promise<void> {
  const send = (m: WorkerMessage) => process.send?.(m);
  // A parent that dies (SIGKILL, a lost machine) closes the channel: stop rather than run on
  // unseen. (The listener keeps the channel referenced, so it is removed when the work is done.)
  const orphaned = () => process.exit(1);
  process.once('disconnect', orphaned);
  try {
    const dataset = loadDataset(job.config.dataset, job.dataDir);
    const results = await runSeedsHere(job, seeds, dataset, (seed, event) => send({ type: 'event', seed, event }));
    for (const result of results) send({ type: 'result', result });
  } catch (e) {
    const err = e as Error;
    send({ type: 'error', message: err.message, name: err.name });
    throw e;
  } finally {
    process.off('disconnect', orphaned);
  }
}
