// Epoch orders, batching, gathering and the named noise streams (PROTOCOL.md "Training", "Data").
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { batchCount, batchesOf, epochOrder, gather, noisyTestSet, trainNoiseRng } from '../../src/data/batches.ts';
import { addNoise } from '../../src/data/noise.ts';

const NOISE = { enabled: true, maxInt: 51, scale: 255 };
const same = (a: ArrayLike<number>, b: ArrayLike<number>) => a.length === b.length && Array.from(a).every((v, i) => Object.is(v, b[i]));

describe('epochOrder', () => {
  it('is a permutation of 0..n-1 (property)', () => {
    fc.assert(
      fc.property(fc.integer(), fc.integer({ min: 1, max: 20 }), fc.integer({ min: 1, max: 3000 }), (seed, epoch, n) => {
        const order = epochOrder(seed, epoch, n);
        expect(order.length).toBe(n);
        const sorted = Array.from(order).sort((a, b) => a - b);
        expect(sorted.every((v, i) => v === i)).toBe(true);
      }),
    );
  });

  it('is deterministic per (seed, epoch) and differs across epochs and seeds', () => {
    fc.assert(
      fc.property(fc.integer(), fc.integer({ min: 1, max: 19 }), (seed, epoch) => {
        const a = epochOrder(seed, epoch, 1000);
        expect(same(epochOrder(seed, epoch, 1000), a)).toBe(true);
        expect(same(epochOrder(seed, epoch + 1, 1000), a)).toBe(false);
        expect(same(epochOrder(seed + 1, epoch, 1000), a)).toBe(false);
      }),
      { numRuns: 30 },
    );
  });
});

describe('batchesOf', () => {
  it('60,000 images in batches of 128: 469 steps, the last one of 96 (60000 - 468*128)', () => {
    const batches = [...batchesOf(epochOrder(333, 1, 60000), 128)];
    expect(batches.length).toBe(469);
    expect(batchCount(60000, 128)).toBe(469);
    expect(batches.slice(0, -1).every((b) => b.length === 128)).toBe(true);
    expect(batches[468].length).toBe(96);
  });

  it('covers the order exactly once, in order, full batches then one partial (property)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 2000 }), fc.integer({ min: 1, max: 300 }), (n, size) => {
        const order = epochOrder(7, 1, n);
        const batches = [...batchesOf(order, size)];
        expect(batches.length).toBe(Math.ceil(n / size));
        expect(batchCount(n, size)).toBe(batches.length);
        batches.forEach((b, i) => expect(b.length).toBe(i < batches.length - 1 ? size : n - size * (batches.length - 1)));
        expect(same(batches.flatMap((b) => Array.from(b)), order)).toBe(true);
      }),
    );
  });

  it('rejects a batch size below 1', () => {
    expect(() => [...batchesOf(new Uint32Array(3), 0)]).toThrow('batchSize must be a whole number >= 1, got 0');
  });
});

describe('gather', () => {
  it('copies the chosen images and labels contiguously in index order', () => {
    // 3 images of 2 pixels: image j is [10j, 10j+1].
    const images = Float32Array.of(0, 1, 10, 11, 20, 21);
    const labels = Uint8Array.of(5, 6, 7);
    const got = gather(images, labels, Uint32Array.of(2, 0, 2));
    expect(Array.from(got.images)).toEqual([20, 21, 0, 1, 20, 21]);
    expect(Array.from(got.labels)).toEqual([7, 5, 7]);
    expect(() => gather(images, labels, [3])).toThrow('gather: index 3 outside 0..2');
  });
});

describe('noise streams', () => {
  const test = { images: Float32Array.from({ length: 20 * 784 }, (_, i) => (i % 3 === 0 ? 0.5 : 0)), labels: new Uint8Array(20).fill(4), n: 20 };

  it('noisyTestSet: one fixed noisy copy per seed, labels unchanged, input untouched', () => {
    const a = noisyTestSet(test, 333, NOISE);
    expect(same(noisyTestSet(test, 333, NOISE).images, a.images)).toBe(true);
    expect(same(noisyTestSet(test, 334, NOISE).images, a.images)).toBe(false);
    expect(a.labels).toBe(test.labels);
    expect(a.n).toBe(20);
    expect(a.images.some((v, i) => test.images[i] === 0 && v > 0)).toBe(true);
  });

  it('trainNoiseRng: same (seed, level, epoch) same draws; another level, epoch or seed other draws', () => {
    const draw = (seed: number, level: number, epoch: number) => Array.from({ length: 8 }, trainNoiseRng(seed, level, epoch).next);
    const a = draw(333, 2, 11);
    expect(draw(333, 2, 11)).toEqual(a);
    for (const other of [draw(333, 3, 11), draw(333, 2, 12), draw(334, 2, 11)]) expect(other).not.toEqual(a);
  });

  it('one stream per epoch gives every batch fresh noise, and differs from the test-set noise', () => {
    const r = trainNoiseRng(333, 0, 1);
    const batch = test.images.subarray(0, 4 * 784);
    const b1 = addNoise(batch, NOISE, r);
    const b2 = addNoise(batch, NOISE, r);
    expect(same(b1, b2)).toBe(false);
    expect(same(b1, noisyTestSet(test, 333, NOISE).images.subarray(0, 4 * 784))).toBe(false);
  });
});
