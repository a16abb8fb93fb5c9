import { mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { isTempFile, tempNameFor, writeFileAtomic } from '../../src/store/atomic.ts';
import { tempDir } from '../report/support/fabricate.ts';

// src/store/atomic.ts: the one atomic writer (signed report, checkpoints, CSV, protocol.json).

const cleanups: Array<() => void> = [];
afterAll(() => cleanups.forEach((c) => c()));

function freshDir(): string {
  const { dir, cleanup } = tempDir('prunecam-atomic-');
  cleanups.push(cleanup);
  return dir;
}

describe('writeFileAtomic', () => {
  it('writes the bytes, creating the parent folders, and leaves no temporary file', () => {
    const dir = freshDir();
    const path = join(dir, 'seed-333', 'level-00.ckpt.json');
    writeFileAtomic(path, '{"level":0}');
    expect(readFileSync(path, 'utf8')).toBe('{"level":0}');
    writeFileAtomic(path, new Uint8Array([0xff, 0x00, 0x7b]));
    expect([...readFileSync(path)]).toEqual([0xff, 0x00, 0x7b]);
    expect(readdirSync(join(dir, 'seed-333'))).toEqual(['level-00.ckpt.json']);
  });

  it('gives a new file the requested mode (default rw-r--r--)', () => {
    const dir = freshDir();
    writeFileAtomic(join(dir, 'a'), 'x');
    writeFileAtomic(join(dir, 'b'), 'x', 0o600);
    expect(statSync(join(dir, 'a')).mode & 0o777).toBe(0o644 & ~process.umask());
    expect(statSync(join(dir, 'b')).mode & 0o777).toBe(0o600);
  });

  it('on failure leaves the target as it was and removes its temporary file', () => {
    const dir = freshDir();
    // A folder where the file should go: the rename over it fails (EISDIR).
    mkdirSync(join(dir, 'levels.csv'));
    writeFileSync(join(dir, 'levels.csv', 'inside'), 'kept');
    expect(() => writeFileAtomic(join(dir, 'levels.csv'), 'new')).toThrow();
    expect(readdirSync(dir)).toEqual(['levels.csv']);
    expect(readFileSync(join(dir, 'levels.csv', 'inside'), 'utf8')).toBe('kept');
  });
});

describe('isTempFile', () => {
  it("recognises every temporary name the writer uses, and names that are not the writer's", () => {
    const baseName = fc.stringMatching(/^[A-Za-z0-9._-]{1,40}$/);
    fc.assert(
      fc.property(baseName, (name) => {
        expect(isTempFile(tempNameFor(name))).toBe(true);
        // Run-folder files are never hidden, so a target itself is never taken for a temp file.
        if (!name.startsWith('.')) expect(isTempFile(name)).toBe(false);
      }),
    );
  });

  it('does not take ordinary or near-miss names for temporary files', () => {
    for (const name of ['levels.csv', 'level-00.ckpt.json', 'a.tmp', '.hidden', '.levels.csv.tmp', 'levels.csv.tmp-1234', '.levels.csv.12.0a1b2c3.tmp', '.levels.csv.x.0a1b2c3d.tmp']) {
      expect(isTempFile(name), name).toBe(false);
    }
    expect(isTempFile('.levels.csv.1234.0a1b2c3d.tmp')).toBe(true);
  });
});
