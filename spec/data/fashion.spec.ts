// The fashion-mnist source, and through it the structure checks every IDX-based source applies
// (28x28 images, one label 0..9 per image). The real files are checked when the Debian package
// dataset-fashion-mnist is installed.
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { DataError, MissingDataError } from '../../src/data/errors.ts';
import { encodeIdx } from '../../src/data/idx.ts';
import { DEFAULT_FASHION_MNIST_DIR, loadDataset, loadFashionMnist } from '../../src/data/sources.ts';
import { errorOf } from '../support/errors.ts';

const tmp = mkdtempSync(join(tmpdir(), 'prunecam-fashion-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/** A directory of four small IDX files; `side`, `labels` and gzip can be varied to break it. */
function fakeDir(name: string, opts: { side?: number; trainLabels?: number[]; gzip?: boolean } = {}): string {
  const { side = 28, trainLabels = [3, 9], gzip = true } = opts;
  const dir = join(tmp, name);
  mkdirSync(dir);
  const ext = gzip ? '.gz' : '';
  const px = (n: number) => Uint8Array.from({ length: n * side * side }, (_, i) => (i % 5 === 0 ? 255 : 0));
  writeFileSync(join(dir, `train-images-idx3-ubyte${ext}`), encodeIdx([2, side, side], px(2), { gzip }));
  writeFileSync(join(dir, `train-labels-idx1-ubyte${ext}`), encodeIdx([trainLabels.length], Uint8Array.from(trainLabels), { gzip }));
  writeFileSync(join(dir, `t10k-images-idx3-ubyte${ext}`), encodeIdx([1, side, side], px(1), { gzip }));
  writeFileSync(join(dir, `t10k-labels-idx1-ubyte${ext}`), encodeIdx([1], Uint8Array.of(0), { gzip }));
  return dir;
}


describe('IDX directory sources (fashion-mnist)', () => {
  it('loads gzipped or raw files into bytes/255', () => {
    for (const gzip of [true, false]) {
      const ds = loadFashionMnist(fakeDir(`ok-${gzip}`, { gzip }));
      expect([ds.name, ds.subset, ds.train.n, ds.test.n]).toEqual(['fashion-mnist', false, 2, 1]);
      expect(Array.from(ds.train.labels)).toEqual([3, 9]);
      expect(Array.from(ds.test.images.subarray(0, 6))).toEqual([1, 0, 0, 0, 0, 1]);
      expect(Object.keys(ds.files)).toHaveLength(4);
    }
  });

  it('rejects images that are not 28x28, label counts that differ, and labels outside 0..9', () => {
    expect(errorOf(() => loadFashionMnist(fakeDir('side', { side: 27 }))).message).toBe('train-images-idx3-ubyte.gz: images are 27x27, expected 28x28');
    expect(errorOf(() => loadFashionMnist(fakeDir('count', { trainLabels: [1, 2, 3] }))).message).toBe(
      'train-labels-idx1-ubyte.gz: 3 labels for the 2 images of train-images-idx3-ubyte.gz',
    );
    const e = errorOf(() => loadFashionMnist(fakeDir('class', { trainLabels: [1, 10] })));
    expect(e).toBeInstanceOf(DataError);
    expect(e.message).toBe('train-labels-idx1-ubyte.gz: label 10 at index 1 is not a class 0..9');
  });

  it('a directory without the files is a MissingDataError naming them', () => {
    const e = errorOf(() => loadDataset({ name: 'fashion-mnist', trainLimit: null, testLimit: null }, join(tmp, 'none')));
    expect(e).toBeInstanceOf(MissingDataError);
    expect(e.message).toContain('missing train-images-idx3-ubyte(.gz), train-labels-idx1-ubyte(.gz), t10k-images-idx3-ubyte(.gz), t10k-labels-idx1-ubyte(.gz)');
  });

  it.skipIf(!existsSync(DEFAULT_FASHION_MNIST_DIR))('the Debian package files: 60,000/10,000 images, exactly balanced classes', () => {
    const ds = loadDataset({ name: 'fashion-mnist', trainLimit: null, testLimit: null });
    expect([ds.train.n, ds.test.n]).toEqual([60000, 10000]);
    const count = (l: Uint8Array) => {
      const c = new Array<number>(10).fill(0);
      for (const x of l) c[x]++;
      return c;
    };
    // Per the Fashion-MNIST paper (Xiao et al. 2017, arXiv:1708.07747): 6,000 training and 1,000 test images per class.
    expect(count(ds.train.labels)).toEqual(new Array(10).fill(6000));
    expect(count(ds.test.labels)).toEqual(new Array(10).fill(1000));
  });
});
