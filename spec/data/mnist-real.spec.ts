// The real MNIST files in data/mnist (linked by the lead; skipped when absent): the embedded sums
// against the shared SHA256SUMS, decoding against the label counts of SOURCE.md and the
// well-known first labels, and a damaged copy. Missing-directory behaviour runs always.
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { MNIST_BASES, MNIST_SHA256, verifyDir } from '../../src/data/checksums.ts';
import { DataError, MissingDataError } from '../../src/data/errors.ts';
import { applyLimits, loadMnist, type Dataset } from '../../src/data/sources.ts';
import { DATA } from '../../src/cli/commands/data.ts';
import { errorOf } from '../support/errors.ts';

const MNIST_DIR = resolve(import.meta.dirname, '..', '..', 'data', 'mnist');
const present = existsSync(MNIST_DIR);
const tmp = mkdtempSync(join(tmpdir(), 'prunecam-mnist-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
afterEach(() => vi.restoreAllMocks());


function counts(labels: Uint8Array): number[] {
  const c = new Array<number>(10).fill(0);
  for (const l of labels) c[l]++;
  return c;
}

/** A copy of data/mnist whose train-labels file has one flipped byte (the others are symlinks). */
function damagedCopy(): string {
  const dir = join(tmp, 'damaged');
  if (existsSync(dir)) return dir;
  mkdirSync(dir);
  for (const base of MNIST_BASES) {
    const f = `${base}.gz`;
    if (base === 'train-labels-idx1-ubyte') copyFileSync(join(MNIST_DIR, f), join(dir, f));
    else symlinkSync(join(MNIST_DIR, f), join(dir, f));
  }
  const path = join(dir, 'train-labels-idx1-ubyte.gz');
  const bytes = readFileSync(path);
  bytes[1000] ^= 0x40;
  writeFileSync(path, bytes);
  return dir;
}

describe('missing MNIST directory', () => {
  it('is a MissingDataError naming the four files and the fetch command', () => {
    const dir = join(tmp, 'none');
    const e = errorOf(() => loadMnist(dir));
    expect(e).toBeInstanceOf(MissingDataError);
    expect(e.message).toContain(
      `${dir}: missing train-images-idx3-ubyte(.gz), train-labels-idx1-ubyte(.gz), t10k-images-idx3-ubyte(.gz), t10k-labels-idx1-ubyte(.gz); run \`npx prunecam data fetch --data-dir ${dir}\``,
    );
    expect(e.message).toContain('mnist-embedded');
  });
});

describe.skipIf(!present)('real MNIST files in data/mnist', () => {
  it('the embedded sums are those of the shared SHA256SUMS', () => {
    const sumsFile = join(MNIST_DIR, 'SHA256SUMS');
    const listed = Object.fromEntries(
      readFileSync(sumsFile, 'utf8')
        .trim()
        .split('\n')
        .map((l) => l.trim().split(/\s+/).reverse()),
    );
    expect(MNIST_SHA256).toEqual(listed);
  });

  it('verify: all four files OK', () => {
    expect(verifyDir(MNIST_DIR).map((c) => c.status)).toEqual(['OK', 'OK', 'OK', 'OK']);
  });

  let ds: Dataset;
  beforeAll(() => {
    ds = loadMnist(MNIST_DIR);
  });

  it('decodes 60,000/10,000 images with the label counts of SOURCE.md and the well-known first labels', () => {
    expect([ds.name, ds.subset, ds.train.n, ds.test.n]).toEqual(['mnist', false, 60000, 10000]);
    expect(ds.train.images.length).toBe(60000 * 784);
    expect(ds.test.images.length).toBe(10000 * 784);
    expect(counts(ds.train.labels)).toEqual([5923, 6742, 5958, 6131, 5842, 5421, 5918, 6265, 5851, 5949]);
    expect(counts(ds.test.labels)).toEqual([980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009]);
    expect(Array.from(ds.train.labels.subarray(0, 10))).toEqual([5, 0, 4, 1, 9, 2, 1, 3, 1, 4]);
    expect(Array.from(ds.test.labels.subarray(0, 10))).toEqual([7, 2, 1, 0, 4, 1, 4, 9, 5, 9]);
    // Every pixel is a byte over 255 rounded to float32, and both ends of the range occur.
    let min = 1, max = 0, offGrid = 0;
    for (const v of ds.test.images) {
      if (Math.fround(Math.round(v * 255) / 255) !== v) offGrid++;
      if (v < min) min = v;
      if (v > max) max = v;
    }
    expect([offGrid, min, max]).toEqual([0, 0, 1]);
    expect(ds.files).toEqual(Object.fromEntries(MNIST_BASES.map((b) => [`${b}.gz`, MNIST_SHA256[`${b}.gz`]])));
  });

  it('limits keep the first trainLimit/testLimit images and refuse a limit beyond the data', () => {
    const cut = applyLimits(ds, { trainLimit: 10, testLimit: 3 });
    expect([cut.train.n, cut.train.images.length, cut.test.n, cut.test.images.length]).toEqual([10, 7840, 3, 2352]);
    expect(Array.from(cut.test.labels)).toEqual([7, 2, 1]);
    expect(Array.from(cut.test.images)).toEqual(Array.from(ds.test.images.subarray(0, 3 * 784)));
    expect(applyLimits(ds, { trainLimit: null, testLimit: null }).train.n).toBe(60000);
    expect(() => applyLimits(ds, { trainLimit: null, testLimit: 10001 })).toThrow(new DataError('testLimit 10001 exceeds the 10000 images of mnist'));
    expect(() => applyLimits(ds, { trainLimit: 0, testLimit: null })).toThrow('trainLimit must be a whole number >= 1 or null, got 0');
  });

  it('a damaged copy: verify says MISMATCH naming the file; loading refuses it (not as missing)', () => {
    const dir = damagedCopy();
    const damaged = createHash('sha256').update(readFileSync(join(dir, 'train-labels-idx1-ubyte.gz'))).digest('hex');
    const checks = verifyDir(dir);
    expect(checks.map((c) => `${c.status} ${c.file}`)).toEqual([
      'OK train-images-idx3-ubyte.gz',
      'MISMATCH train-labels-idx1-ubyte.gz',
      'OK t10k-images-idx3-ubyte.gz',
      'OK t10k-labels-idx1-ubyte.gz',
    ]);
    expect(checks[1].actual).toBe(damaged);
    const e = errorOf(() => loadMnist(dir));
    expect(e).toBeInstanceOf(DataError);
    expect(e).not.toBeInstanceOf(MissingDataError);
    expect(e.message).toContain(`${join(dir, 'train-labels-idx1-ubyte.gz')}: sha256 ${damaged} does not match the published ${MNIST_SHA256['train-labels-idx1-ubyte.gz']}`);
    expect(e.message).toContain(`run \`npx prunecam data fetch --data-dir ${dir}\``);
  });

  it('prunecam data verify: exit 0 on data/mnist, 1 with MISMATCH on the damaged copy', async () => {
    const lines: string[] = [];
    vi.spyOn(console, 'log').mockImplementation((...a: unknown[]) => void lines.push(a.join(' ')));
    expect(await DATA.run(['verify', '--data-dir', MNIST_DIR])).toBe(0);
    expect(lines.filter((l) => /^ +OK +\S+\.gz$/.test(l))).toHaveLength(4);
    lines.length = 0;
    expect(await DATA.run(['verify', '--data-dir', damagedCopy()])).toBe(1);
    expect(lines.join('\n')).toMatch(/MISMATCH +train-labels-idx1-ubyte\.gz +\(sha256 [0-9a-f]{64}, expected 3552534a/);
  });
});
