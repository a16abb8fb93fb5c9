import { Queue, type Job } from 'bullmq';
import type { SweepPlan } from './grid.ts';
import { unitKey } from './grid.ts';
import { isProgress, unitState } from './queue.ts';
import { loadSweepRecords, type Connected, type SeedJobResult, type SweepRecord } from './redis.ts';
import { initialProgress, renderStatus, SweepTracker, type UnitStatus } from './tracker.ts';

// `prunecam sweep status`: the sweeps recorded in Redis, each unit's state read from its BullMQ
// job (read-only: it takes no lock and changes nothing).

export interface SweepSnapshot {
  record: SweepRecord;
  plan: SweepPlan;
  tracker: SweepTracker;
  /** Return values of the completed jobs, by unit key. */
  results: Map<string, SeedJobResult>;
}

export function planOf(record: SweepRecord): SweepPlan {
  return { id: record.id, name: record.name, cells: record.cells };
}

export async function snapshot(c: Connected, idPrefix?: string): Promise<SweepSnapshot[]> {
  const records = await loadSweepRecords(c.redis, idPrefix);
  const queues = new Map<string, Queue>();
  const out: SweepSnapshot[] = [];
  try {
    for (const record of records) {
      const plan = planOf(record);
      const tracker = new SweepTracker(plan);
      const results = new Map<string, SeedJobResult>();
      for (const cell of record.cells) {
        let q = queues.get(cell.queue);
        if (!q) queues.set(cell.queue, (q = new Queue(cell.queue, { connection: c.options })));
        for (const seed of cell.config.seeds) {
          const id = unitKey({ runId: cell.runId, seed });
          const job = (await q.getJob(id)) as Job<unknown, SeedJobResult> | undefined;
          if (!job) continue;
          const state = unitState(await job.getState());
          const progress = isProgress(job.progress) ? job.progress : initialProgress(cell.config.pruning.levels);
          const u = tracker.set({ runId: cell.runId, seed }, { state, progress, error: state === 'failed' ? job.failedReason : undefined });
          if (state === 'done') {
            tracker.set(u, { progress: { levelsDone: u.progress.levels, stepsDone: u.progress.levels + 1 } });
            if (job.returnvalue) results.set(id, job.returnvalue);
          }
        }
      }
      out.push({ record, plan, tracker, results });
    }
  } finally {
    for (const q of queues.values()) await q.close();
  }
  return out;
}

export function renderSnapshot(s: SweepSnapshot): string {
  return renderStatus(s.plan, [...s.tracker.units.values()] as UnitStatus[]);
}
