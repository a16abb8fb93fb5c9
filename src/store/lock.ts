import { closeSync, openSync, readFileSync, rmSync, writeSync } from 'node:fs';
import { join } from 'node:path';

export class RunLockedError extends Error {
  override name = 'RunLockedError';
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    // EPERM: the process exists but belongs to someone else.
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Takes the run folder's lock (run.lock holding the owner's pid), created with O_EXCL so two
 * processes cannot both win. A lock whose pid is gone (a killed run) is taken over. Returns the
 * release function.
 */
export function acquireRunLock(runDir: string): () => void {
  const path = join(runDir, 'run.lock');
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const fd = openSync(path, 'wx');
      writeSync(fd, `${process.pid}\n`);
      closeSync(fd);
      let released = false;
      const release = () => {
        if (released) return;
        released = true;
        try {
          if (readFileSync(path, 'utf8').trim() === String(process.pid)) rmSync(path);
        } catch {
          // already gone
        }
      };
      process.once('exit', release);
      return release;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      let owner = NaN;
      try {
        owner = Number.parseInt(readFileSync(path, 'utf8'), 10);
      } catch {
        // vanished between open and read: retry
      }
      if (Number.isInteger(owner) && owner > 0 && owner !== process.pid && alive(owner)) {
        throw new RunLockedError(`run folder ${runDir} is in use by process ${owner} (lock file ${path}); wait for it to finish or stop it`);
      }
      rmSync(path, { force: true }); // stale: its process is gone
    }
  }
  throw new RunLockedError(`could not take the lock ${path}`);
}
