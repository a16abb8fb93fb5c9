import { Queue, QueueEvents, type Job } from 'bullmq';
import type { Compat } from './compat.ts';
import { describeCompat, queueName } from './compat.ts';
import { unitKey, unitsOf, type SweepPlan, type WorkUnit } from './grid.ts';
import { saveSweepRecord, type Connected, type SeedJobData, type SeedJobResult, type SweepRecord } from './redis.ts';
import type { SweepTracker, UnitProgress, UnitState } from './tracker.ts';

// The coordinator's queue side: records the sweep, puts one BullMQ job per unit on the queue
// of its cell's compatibility key (job id <run id>-<seed>, so re-submitting a sweep adds
// nothing twice and picks up finished work), then follows the jobs: BullMQ progress events for
// the live view, Job.waitUntilFinished for each outcome. Retries (attempts, exponential
// backoff) and stalled-job detection are BullMQ's.

export interface EnqueueOptions {
  attempts: number;
  backoffMs: number;
  onChange?: (u: WorkUnit) => void;
  log: (line: string) => void;
}

export function sweepRecord(plan: SweepPlan, compats: Compat[]): SweepRecord {
  return { id: plan.id, name: plan.name, createdAt: new Date().toISOString(), cells: plan.cells.map((c, i) => ({ ...c, compat: compats[i], queue: queueName(compats[i]) })) };
}

/** BullMQ's job states as a unit's. */
export function unitState(s: string): UnitState {
  if (s === 'completed') return 'done';
  if (s === 'failed') return 'failed';
  if (s === 'active') return 'active';
  return 'waiting';
}

export function isProgress(p: unknown): p is UnitProgress {
  return typeof p === 'object' && p !== null && 'levelsDone' in p && 'stepsDone' in p;
}

export async function runOnQueue(plan: SweepPlan, compats: Compat[], c: Connected, tracker: SweepTracker, o: EnqueueOptions): Promise<Map<string, SeedJobResult>> {
  const record = sweepRecord(plan, compats);
  await saveSweepRecord(c.redis, record);
  const queues = new Map<string, { queue: Queue<SeedJobData, SeedJobResult>; events: QueueEvents }>();
  for (const cell of record.cells) {
    if (!queues.has(cell.queue)) {
      const events = new QueueEvents(cell.queue, { connection: c.options });
      events.on('error', () => {});
      queues.set(cell.queue, { queue: new Queue<SeedJobData, SeedJobResult>(cell.queue, { connection: c.options }), events });
    }
  }
  const jobOf = new Map<string, { job: Job<SeedJobData, SeedJobResult>; events: QueueEvents; queue: Queue<SeedJobData, SeedJobResult> }>();
  try {
    for (const u of unitsOf(plan)) {
      const cell = record.cells[u.cell];
      const { queue, events } = queues.get(cell.queue)!;
      const id = unitKey(u);
      let job = (await queue.getJob(id)) as Job<SeedJobData, SeedJobResult> | undefined;
      if (job && (await job.getState()) === 'failed') {
        o.log(`seed ${u.seed} of run ${u.runId.slice(0, 12)} failed before (${job.failedReason}); retrying it`);
        await job.retry('failed', { resetAttemptsMade: true, resetAttemptsStarted: true });
      }
      job ??= await queue.add('seed', { sweepId: plan.id, runId: u.runId, seed: u.seed, protocol: cell.config, compat: cell.compat }, {
        jobId: id,
        attempts: o.attempts,
        backoff: { type: 'exponential', delay: o.backoffMs },
        removeOnComplete: false,
        removeOnFail: false,
      });
      jobOf.set(id, { job, events, queue });
    }
    o.log(`queued ${jobOf.size} seed job(s) on ${queues.size} queue(s): ${[...queues.keys()].join(', ')}`);
    // What a worker must match to serve each queue (workers print the same at start).
    for (const name of queues.keys()) o.log(`  ${name}  ${describeCompat(record.cells.find((c) => c.queue === name)!.compat)}`);

    for (const { events } of queues.values()) {
      events.on('progress', ({ jobId, data }) => {
        const u = tracker.units.get(jobId);
        if (u && isProgress(data) && u.state !== 'done' && u.state !== 'failed') {
          tracker.set(u, { state: 'active', progress: data });
          o.onChange?.(u);
        }
      });
      events.on('active', ({ jobId }) => {
        const u = tracker.units.get(jobId);
        if (u && u.state === 'waiting') {
          tracker.set(u, { state: 'active' });
          o.onChange?.(u);
        }
      });
    }
    // Refresh states now and then (a retried job goes back to waiting; progress of a job already running).
    const refresh = setInterval(() => {
      for (const [id, { queue }] of jobOf) {
        const u = tracker.units.get(id)!;
        if (u.state === 'done' || u.state === 'failed') continue;
        void queue
          .getJob(id)
          .then(async (j) => {
            if (!j) return;
            const s = unitState(await j.getState());
            const cur = tracker.units.get(id)!;
            if (cur.state === 'done' || cur.state === 'failed' || s === 'done' || s === 'failed') return;
            tracker.set(cur, { state: s, ...(isProgress(j.progress) ? { progress: j.progress } : {}) });
          })
          .catch(() => {});
      }
    }, 2000);
    const results = new Map<string, SeedJobResult>();
    try {
      await Promise.all(
        [...jobOf].map(async ([id, { job, events }]) => {
          const u = tracker.units.get(id)!;
          try {
            const r = (await job.waitUntilFinished(events)) as SeedJobResult;
            results.set(id, r);
            tracker.set(u, { state: 'done', progress: { levelsDone: u.progress.levels, stepsDone: u.progress.levels + 1, phase: 'done' } });
          } catch (e) {
            tracker.set(u, { state: 'failed', error: (e as Error).message });
          }
          o.onChange?.(u);
        }),
      );
    } finally {
      clearInterval(refresh);
    }
    return results;
  } finally {
    for (const { queue, events } of queues.values()) {
      await events.close();
      await queue.close();
    }
  }
}
