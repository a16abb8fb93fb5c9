// Downloads data files from a list of mirrors, trusting nothing a mirror sends until its SHA-256
// matches: each file is streamed into a temp file next to its destination, hashed on the way,
// and renamed into place only when the sum is right, so a failed or damaged download never
// leaves a partial file under the real name.
import { createHash, randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, open, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { sha256File } from './checksums.ts';
import { DataError } from './errors.ts';

/** Public MNIST mirrors, tried in order (LeCun's original site last: it is often unavailable). */
export const DEFAULT_MIRRORS = [
  'https://ossci-datasets.s3.amazonaws.com/mnist/',
  'https://storage.googleapis.com/cvdf-datasets/mnist/',
  'http://yann.lecun.com/exdb/mnist/',
];

export interface FetchOptions {
  /** Destination directory (created when absent). */
  dir: string;
  /** Base URLs; a file's URL is the base followed by its name. */
  mirrors: readonly string[];
  /** File name -> expected SHA-256 (hex). */
  files: Readonly<Record<string, string>>;
  /** Progress lines (default: none). */
  log?: (line: string) => void;
  /** Limit for one file's whole request from one mirror (default 10 minutes). */
  timeoutMs?: number;
}

export interface FetchOutcome {
  file: string;
  status: 'present' | 'downloaded';
  /** The mirror it came from (downloaded files). */
  mirror?: string;
  bytes?: number;
}

export class FetchError extends DataError {
  override name = 'FetchError';
}

function urlOf(mirror: string, file: string): string {
  return mirror.endsWith('/') ? `${mirror}${file}` : `${mirror}/${file}`;
}

/**
 * Fetches every file of `files` that is not already in `dir` with the right sum, from the first
 * mirror that delivers it complete and with the right sum. Throws FetchError after trying all
 * files when any could not be fetched, naming every mirror's failure for each.
 */
export async function fetchFiles(options: FetchOptions): Promise<FetchOutcome[]> {
  const { dir, mirrors, files, log = () => {}, timeoutMs = 600_000 } = options;
  if (mirrors.length === 0) throw new FetchError('no mirrors to fetch from');
  await mkdir(dir, { recursive: true });
  const outcomes: FetchOutcome[] = [];
  const failures: string[] = [];
  for (const [file, expected] of Object.entries(files)) {
    const dest = join(dir, file);
    if (existsSync(dest)) {
      const actual = sha256File(dest);
      if (actual === expected) {
        log(`${file}: already present, sha256 OK`);
        outcomes.push({ file, status: 'present' });
        continue;
      }
      log(`${file}: present but sha256 ${actual} is not ${expected}; downloading it again`);
    }
    const reasons: string[] = [];
    for (const mirror of mirrors) {
      const url = urlOf(mirror, file);
      try {
        const bytes = await downloadVerified(url, dest, expected, timeoutMs);
        log(`${file}: downloaded from ${url} (${bytes} bytes, sha256 OK)`);
        outcomes.push({ file, status: 'downloaded', mirror, bytes });
        break;
      } catch (e) {
        const reason = `${url}: ${(e as Error).message}`;
        log(`${file}: failed: ${reason}`);
        reasons.push(reason);
      }
    }
    if (reasons.length === mirrors.length) failures.push(`${file}: every mirror failed:\n    ${reasons.join('\n    ')}`);
  }
  if (failures.length > 0) {
    throw new FetchError(`could not fetch ${failures.length} of ${Object.keys(files).length} files into ${dir}:\n  ${failures.join('\n  ')}`);
  }
  return outcomes;
}

/** One attempt: stream `url` into a temp file, check length and sum, rename to `dest`. */
async function downloadVerified(url: string, dest: string, expected: string, timeoutMs: number): Promise<number> {
  // identity: a server must not gzip the (already gzipped) file again; fetch would silently
  // decode it and the sum of the decoded bytes would not match.
  let res: Response;
  try {
    res = await fetch(url, { signal: AbortSignal.timeout(timeoutMs), headers: { 'accept-encoding': 'identity' } });
  } catch (e) {
    throw new Error(`request failed (${describeError(e)})`);
  }
  if (!res.ok || res.body === null) {
    await res.body?.cancel();
    throw new Error(`HTTP ${res.status}${res.statusText ? ` ${res.statusText}` : ''}`);
  }
  const declared = res.headers.get('content-length');
  const tmp = `${dest}.${process.pid}.${randomBytes(4).toString('hex')}.part`;
  const out = await open(tmp, 'wx');
  let received = 0;
  try {
    const hash = createHash('sha256');
    const reader = res.body.getReader();
    try {
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        hash.update(value);
        received += value.length;
        await out.write(value);
      }
    } catch (e) {
      throw new Error(`truncated response: connection failed after ${received}${declared ? ` of ${declared}` : ''} bytes (${describeError(e)})`);
    }
    if (declared !== null && received !== Number(declared)) {
      throw new Error(`truncated response: received ${received} of ${declared} bytes`);
    }
    const actual = hash.digest('hex');
    if (actual !== expected) throw new Error(`sha256 mismatch: got ${actual}, expected ${expected} (${received} bytes)`);
    await out.sync();
    await out.close();
    await rename(tmp, dest);
    return received;
  } catch (e) {
    await out.close().catch(() => {});
    await rm(tmp, { force: true });
    throw e;
  }
}

/** fetch's errors say little ("fetch failed", "terminated"); the reason is in their cause. */
function describeError(e: unknown): string {
  const err = e as Error & { cause?: { message?: string; code?: string } };
  const cause = err.cause?.message || err.cause?.code;
  return cause ? `${err.message}: ${cause}` : err.message;
}
