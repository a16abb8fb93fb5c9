import { closeSync, fsyncSync, mkdirSync, openSync, renameSync, rmSync, writeSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { basename, dirname, join } from 'node:path';

// The one atomic file writer of the project (run files, checkpoints, CSV, the signed report).

/**
 * Name of a temporary file of `target` (a base name): hidden, process- and call-unique, so two
 * writers of one target (threads, worker processes, a resumed run) never share a temp file.
 */
export function tempNameFor(target: string): string {
  return `.${target}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
}

const TEMP_NAME = /^\..+\.\d+\.[0-9a-f]{8}\.tmp$/;

/**
 * True when `name` (a base name) has the shape of writeFileAtomic's temporary files, which a
 * crash can leave behind: listings of a run folder skip them.
 */
export function isTempFile(name: string): boolean {
  return TEMP_NAME.test(name);
}

/**
 * Writes `path` so that a reader sees the old file or the complete new one, never a torn
 * write: the bytes go to a temporary file in the same folder (same file system, so rename is
 * atomic), are flushed to disk, then renamed over the target. Creates the parent folder. On
 * error the temporary file is removed and the target is left as it was.
 */
export function writeFileAtomic(path: string, data: string | Uint8Array, mode = 0o644): void {
  const dir = dirname(path);
  mkdirSync(dir, { recursive: true });
  const tmp = join(dir, tempNameFor(basename(path)));
  // 'wx': a leftover file of that (random) name is never reused.
  const fd = openSync(tmp, 'wx', mode);
  try {
    writeSync(fd, typeof data === 'string' ? Buffer.from(data, 'utf8') : data);
    fsyncSync(fd);
  } catch (e) {
    closeSync(fd);
    rmSync(tmp, { force: true });
    throw e;
  }
  closeSync(fd);
  try {
    renameSync(tmp, path);
  } catch (e) {
    rmSync(tmp, { force: true });
    throw e;
  }
}
