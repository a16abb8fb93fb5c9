import { existsSync, readFileSync } from 'node:fs';
import { gunzipSync, gzipSync } from 'node:zlib';

// How a checkpoint is stored on disk. New checkpoints are the gzip of their JSON
// (level-XX.ckpt.json.gz): gzip shrinks a dense level about 2x and a late, sparse one about 9x,
// which is what keeps a published 20-seed x 27-level folder small. Folders written before that
// hold plain level-XX.ckpt.json, which every reader still accepts; when both exist the .gz wins.
// The gzip is deterministic (no file name, mtime 0, fixed level and OS byte): the same
// checkpoint always gives the same bytes, hence the same artifact sha256.

/** Suffix of a plain (older) checkpoint file. */
export const PLAIN_CHECKPOINT_SUFFIX = '.ckpt.json';
/** Suffix of a compressed checkpoint file, what new checkpoints are written as. */
export const GZIP_CHECKPOINT_SUFFIX = '.ckpt.json.gz';

/** True for a checkpoint file name or path, plain or compressed. */
export function isCheckpointFile(path: string): boolean {
  return path.endsWith(PLAIN_CHECKPOINT_SUFFIX) || path.endsWith(GZIP_CHECKPOINT_SUFFIX);
}

/** gzip's OS header byte for Unix: zlib writes its build platform's, so it is pinned for identical bytes everywhere. */
const OS_UNIX = 3;

/** The deterministic gzip of a checkpoint's JSON bytes. */
export function gzipCheckpoint(json: string | Uint8Array): Buffer {
  // node's gzip writes no file name and mtime 0.
  const gz = gzipSync(json, { level: 9 });
  gz[9] = OS_UNIX;
  return gz;
}

/** The file a checkpoint with plain path `plainPath` (…ckpt.json) is read from: its .gz, else itself, else null. */
export function findCheckpointFile(plainPath: string): string | null {
  const gz = `${plainPath}.gz`;
  if (existsSync(gz)) return gz;
  return existsSync(plainPath) ? plainPath : null;
}

/**
 * The JSON bytes of a checkpoint file, gunzipped when it is a .gz. Read and gzip errors (a
 * truncated or corrupt file) are thrown as they come: the caller names the file.
 */
export function readCheckpointBytes(path: string): Buffer {
  const bytes = readFileSync(path);
  if (!path.endsWith('.gz')) return bytes;
  try {
    return gunzipSync(bytes);
  } catch (e) {
    throw new Error(`not a complete gzip file: ${(e as Error).message}`);
  }
}
