import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { writeFileAtomic } from '../store/atomic.ts';

// When a run folder was first started and each time it was resumed. The report's startedAt is
// the first start (a resumed run's numbers were produced over all of these sessions), not the
// time of the `prunecam run` that happened to finish it.

export const HISTORY_FILE = 'run-history.json';

export interface RunHistory {
  startedAt: string;
  resumedAt: string[];
}

/** Records a start at `now` in runDir: the first start, or (when one is recorded) a resume. */
export function recordStart(runDir: string, now: string): RunHistory {
  const path = join(runDir, HISTORY_FILE);
  let history: RunHistory = { startedAt: now, resumedAt: [] };
  if (existsSync(path)) {
    try {
      const old = JSON.parse(readFileSync(path, 'utf8')) as RunHistory;
      if (typeof old.startedAt === 'string' && Array.isArray(old.resumedAt)) history = { startedAt: old.startedAt, resumedAt: [...old.resumedAt, now] };
    } catch {
      // An unreadable history only loses the first start time: keep going with this one.
    }
  }
  writeFileAtomic(path, `${JSON.stringify(history, null, 2)}\n`);
  return history;
}
