import { fork } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { Queue, Worker, type Job } from 'bullmq';
import { backendInfo, selectBackend, type BackendChoice } from '../backend/select.ts';
import { loadDataset } from '../data/sources.ts';
import { describeEnvironment } from '../experiment/environment.ts';
import { exampleFile } from '../experiment/examples.ts';
import { datasetIdentity } from '../experiment/run.ts';
import type { WorkerMessage } from '../experiment/seeds.ts';
import { checkpointPath } from '../prune/checkpoint.ts';
import { isCheckpointFile } from '../prune/checkpoint-file.ts';
import type { SeedResult } from '../results/types.ts';
import type { DatasetName } from '../protocol/types.ts';
import { compatKey, describeCompat, queueName, servableCompats, type Compat } from './compat.ts';
import { connect, loadUnitFiles, storeUnitFile, type SeedJobData, type SeedJobResult } from './redis.ts';
import { advance, initialProgress, newClock, type UnitProgress } from './tracker.ts';

// `prunecam worker`: takes seed jobs from the queues of the compatibility keys it can serve and
// runs each in a child process (`prunecam _seed`, so this process stays free to renew BullMQ's
// job lock while the child trains). Every finished level's checkpoint (and example PNG) goes to
// Redis before the level counts as done; a job restarted after its worker died downloads them
// and continues from the last stored level. Retries, backoff and stalled-job detection are
// BullMQ's. Workers never see a signing key.

const BIN = join(import.meta.dirname, '..', '..', 'bin', 'prunecam.js');

export interface WorkerOptions {
  url: string;
  concurrency: number;
  exitWhenIdle: boolean;
  backend: BackendChoice;
  dataDir?: string;
  /** Serve only these datasets (default: every one this machine can load). */
  datasets?: DatasetName[];
  /** BullMQ lockDuration (and stalled-check interval): how soon a dead worker's job is taken over. */
  lockMs: number;
  log: (line: string) => void;
}

/** Runs one unit in a child process; stores each new level's files as soon as the child reports it. */
async function processJob(job: Job<SeedJobData>, o: WorkerOptions, store: (path: string, bytes: Buffer) => Promise<void>, stored: Map<string, Buffer>): Promise<SeedResult> {
  const d = job.data;
  const root = mkdtempSync(join(tmpdir(), `prunecam-worker-${process.pid}-`));
  const runDir = join(root, d.runId);
  mkdirSync(runDir, { recursive: true });
  try {
    writeFileSync(join(runDir, 'protocol.json'), `${JSON.stringify(d.protocol, null, 2)}\n`);
    for (const [path, bytes] of stored) {
      mkdirSync(dirname(join(runDir, path)), { recursive: true });
      writeFileSync(join(runDir, path), bytes);
    }
    const resumedLevels = [...stored.keys()].filter(isCheckpointFile).length;
    if (resumedLevels) o.log(`job ${job.id} (attempt ${job.attemptsMade + 1}): resuming seed ${d.seed} of run ${d.runId.slice(0, 12)} from ${resumedLevels} stored checkpoint(s)`);
    else o.log(`job ${job.id}: seed ${d.seed} of run ${d.runId.slice(0, 12)}`);

    let progress: UnitProgress = initialProgress(d.protocol.pruning.levels);
    const clock = newClock();
    let lastSent = 0;
    let chain: Promise<unknown> = Promise.resolve();
    const later = (f: () => Promise<unknown>) => (chain = chain.then(f));
    const upload = (path: string) =>
      later(async () => {
        const full = join(runDir, path);
        if (existsSync(full)) await store(path, readFileSync(full));
      });
    const args = ['_seed', '--run-dir', runDir, '--seeds', String(d.seed), '--backend', d.compat.backend];
    if (o.dataDir) args.push('--data-dir', o.dataDir);
    const child = fork(BIN, args, { stdio: ['ignore', 'ignore', 'pipe', 'ipc'] });
    let stderr = '';
    child.stderr?.on('data', (b: Buffer) => void (stderr = (stderr + b.toString()).slice(-4000)));
    let result: SeedResult | null = null;
    let failure: string | null = null;
    child.on('message', (m: WorkerMessage) => {
      if (m.type === 'event') {
        const e = m.event;
        progress = advance(progress, e, clock);
        if (e.kind === 'pretrain-done' && !e.resumed) upload(relative(checkpointPath('', d.seed, 'pretrain')));
        if (e.kind === 'level-done' && !e.resumed) {
          upload(exampleFile(d.seed, e.level));
          upload(relative(checkpointPath('', d.seed, e.level)));
        }
        if (e.kind !== 'train' || Date.now() - lastSent > 2000) {
          lastSent = Date.now();
          const snapshot = progress;
          // After the level's files: a reader that sees "level N done" finds its checkpoint.
          later(() => job.updateProgress(snapshot as unknown as object).catch(() => {}));
        }
      } else if (m.type === 'result') result = m.result;
      else if (m.type === 'error') failure = `${m.name && m.name !== 'Error' ? `${m.name}: ` : ''}${m.message}`;
    });
    const onSignal = () => child.kill('SIGTERM');
    process.once('SIGTERM', onSignal);
    const exit = await new Promise<{ code: number | null; signal: string | null }>((resolve) => child.on('exit', (code, signal) => resolve({ code, signal })));
    process.off('SIGTERM', onSignal);
    await chain;
    if (result && exit.code === 0) return result;
    throw new Error(failure ?? `seed process exited with ${exit.signal ?? `code ${exit.code}`}${stderr ? `: ${stderr.trim().split('\n').at(-1)}` : ''}`);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}

const relative = (p: string) => p.replace(/^\/+/, '');

/** Removes the temporary folders of workers that were killed (their pid is gone): their levels are in Redis. */
function removeStaleTempDirs(): void {
  for (const name of readdirSync(tmpdir())) {
    const m = /^prunecam-worker-(\d+)-/.exec(name);
    if (!m) continue;
    try {
      process.kill(Number(m[1]), 0);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ESRCH') rmSync(join(tmpdir(), name), { recursive: true, force: true });
    }
  }
}

/** Runs until stopped (SIGINT/SIGTERM) or, with exitWhenIdle, until its queues have no work left. */
export async function runWorker(o: WorkerOptions): Promise<number> {
  const c = await connect(o.url);
  removeStaleTempDirs();
  const backend = await selectBackend(o.backend);
  const environment = describeEnvironment(await backendInfo());
  const { compats, missing } = servableCompats(backend, o.dataDir, o.datasets);
  const me = `${hostname()}:${process.pid}`;
  o.log(`worker ${me} on ${c.conn.display}, concurrency ${o.concurrency}, serving ${compats.length} queue(s):`);
  for (const k of compats) o.log(`  ${queueName(k)}  ${describeCompat(k)}`);
  for (const m of missing) o.log(`  (not served: ${m})`);
  if (!compats.length) {
    c.redis.disconnect();
    throw new Error('this machine can load no dataset, so it can serve no queue');
  }
  const datasets = new Map<string, ReturnType<typeof datasetIdentity>>();
  let busy = 0;
  const workers: Worker[] = [];
  const queues: Queue[] = [];
  for (const k of compats) {
    const name = queueName(k);
    queues.push(new Queue(name, { connection: c.options }));
    const w = new Worker<SeedJobData, SeedJobResult>(
      name,
      async (job) => {
        busy++;
        try {
          const d = job.data;
          if (compatKey(d.compat) !== compatKey(k as Compat)) throw new Error(`job ${job.id} needs ${describeCompat(d.compat)}; this worker serves ${describeCompat(k)}`);
          const dsKey = JSON.stringify(d.protocol.dataset);
          if (!datasets.has(dsKey)) datasets.set(dsKey, datasetIdentity(loadDataset(d.protocol.dataset, o.dataDir)));
          const stored = await loadUnitFiles(c.redis, d.runId, d.seed);
          const result = await processJob(job, o, (path, bytes) => storeUnitFile(c.redis, d.runId, d.seed, path, bytes), stored);
          o.log(`job ${job.id}: done`);
          return { result, environment, dataset: datasets.get(dsKey)!, worker: me };
        } catch (e) {
          o.log(`job ${job.id}: attempt ${job.attemptsMade + 1} failed: ${(e as Error).message}`);
          throw e;
        } finally {
          busy--;
        }
      },
      { connection: c.options, concurrency: o.concurrency, lockDuration: o.lockMs, stalledInterval: o.lockMs, maxStalledCount: 3 },
    );
    w.on('error', (e) => o.log(`worker error: ${e.message}`));
    workers.push(w);
  }
  let stop: () => void = () => {};
  const stopped = new Promise<void>((r) => (stop = r));
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  let idleChecks = 0;
  const idleTimer = o.exitWhenIdle
    ? setInterval(() => {
        void Promise.all(queues.map((q) => q.getJobCounts('waiting', 'active', 'delayed', 'prioritized', 'waiting-children')))
          .then((counts) => {
            const pending = counts.reduce((s, cnt) => s + Object.values(cnt).reduce((a, b) => a + b, 0), 0);
            idleChecks = pending === 0 && busy === 0 ? idleChecks + 1 : 0;
            if (idleChecks >= 2) stop();
          })
          .catch(() => {});
      }, 1000)
    : null;
  await stopped;
  if (idleTimer) clearInterval(idleTimer);
  o.log(o.exitWhenIdle && idleChecks >= 2 ? `worker ${me}: no work left, exiting` : `worker ${me}: stopping`);
  await Promise.all(workers.map((w) => w.close(true)));
  await Promise.all(queues.map((q) => q.close()));
  c.redis.disconnect();
  return 0;
}
