import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { batchesOf, epochOrder, gather, noisyBatchMaker } from '../../src/data/batches.ts';
import { addNoise, normalize } from '../../src/data/noise.ts';
import { rng, type Rng } from '../../src/data/rng.ts';
import type { Split } from '../../src/data/sources.ts';

const NORM = { mean: 0.1307, std: 0.3081 };

function split(n: number, seed: number, bytes = true): Split {
  const r = rng(seed, 'spec-split');
  // Digit-like images: mostly exact zeros, some bytes/255 (as every loader makes them) or, with
  // bytes false, any values in [0, 1) (the maker's general path, without its byte tables).
  const images = Float32Array.from({ length: n * 784 }, () => (r.next() < 0.8 ? 0 : bytes ? r.int(256) / 255 : r.next()));
  return { images, labels: Uint8Array.from({ length: n }, () => r.int(10)), n };
}

describe('fused training batches', () => {
  it('property: bit for bit normalize(addNoise(gather(...))), batch after batch from one stream', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 2 ** 31 }),
        fc.boolean(),
        fc.boolean(),
        fc.array(fc.array(fc.integer({ min: 0, max: 19 }), { minLength: 1, maxLength: 8 }), { minLength: 1, maxLength: 3 }),
        (seed, enabled, bytes, batches) => {
          const train = split(20, seed, bytes);
          const noise = { enabled, maxInt: 51, scale: 255 };
          const make = noisyBatchMaker(train, noise, NORM, 8);
          const fused = rng(seed, 'noise');
          const reference = rng(seed, 'noise');
          for (const b of batches) {
            const idx = Uint32Array.from(b);
            const got = make(idx, fused);
            const g = gather(train.images, train.labels, idx);
            const want = normalize(addNoise(g.images, noise, reference), NORM);
            expect(Buffer.from(got.images.buffer, got.images.byteOffset, got.images.byteLength).equals(Buffer.from(want.buffer))).toBe(true);
            expect(Array.from(got.labels)).toEqual(Array.from(g.labels));
          }
        },
      ),
      { numRuns: 60 },
    );
  });

  it('rejects a batch larger than its buffers', () => {
    const make = noisyBatchMaker(split(4, 1), { enabled: true, maxInt: 51, scale: 255 }, NORM, 2);
    expect(() => make(Uint32Array.from([0, 1, 2]), rng(1))).toThrow('batch of 3 images exceeds the batch size 2');
  });
});

// The WebAssembly pixel loop (src/data/batch-wasm.ts: the noise draws in one loop, then the
// pixel walk) against the maker's JS path (fillInts over the batch's zero count, then the same
// walk): the same float bits, the same labels, and the noise stream left in the same state.
describe('the WebAssembly batch loop = the JS batch loop, bit for bit', () => {
  const bits = (a: Float32Array) => Buffer.from(a.buffer, a.byteOffset, a.byteLength);
  const stateOf = (r: Rng) => {
    let s: number[] = [];
    r.lendState((state) => (s = Array.from(state)));
    return s;
  };
  /** Makes `batches` with both paths from two copies of one stream; checks each batch and the state after it. */
  const compare = (train: Split, noise: { enabled: boolean; maxInt: number; scale: number }, batchSize: number, batches: Uint32Array[], seed: number) => {
    const wasm = noisyBatchMaker(train, noise, NORM, batchSize);
    const js = noisyBatchMaker(train, noise, NORM, batchSize, { wasm: false });
    expect(wasm.path).toBe('wasm');
    expect(js.path).toBe('js');
    const rw = rng(seed, 'spec', 'batch-noise');
    const rj = rng(seed, 'spec', 'batch-noise');
    for (const idx of batches) {
      const a = wasm(idx, rw);
      const b = js(idx, rj);
      expect(a.images.length).toBe(idx.length * 784);
      expect(bits(a.images).equals(bits(b.images))).toBe(true);
      expect(Array.from(a.labels)).toEqual(Array.from(b.labels));
      expect(stateOf(rw)).toEqual(stateOf(rj));
    }
    return { rw, rj };
  };

  it('property: noise on and off, 1..256 noise values (maxInt 0..255), batches of 1..8 images from one stream', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 2 ** 31 }),
        fc.boolean(),
        fc.integer({ min: 0, max: 255 }),
        fc.array(fc.array(fc.integer({ min: 0, max: 19 }), { minLength: 1, maxLength: 8 }), { minLength: 1, maxLength: 4 }),
        (seed, enabled, maxInt, batches) => {
          compare(split(20, seed), { enabled, maxInt, scale: 255 }, 8, batches.map((b) => Uint32Array.from(b)), seed);
        },
      ),
      { numRuns: 60 },
    );
  });

  it('an epoch of 50 images at batch 16: three full batches and the last partial one (2 images), noise on and off', () => {
    const train = split(50, 5);
    const batches = [...batchesOf(epochOrder(5, 1, 50), 16)];
    expect(batches.map((b) => b.length)).toEqual([16, 16, 16, 2]);
    for (const enabled of [true, false]) {
      const { rw } = compare(train, { enabled, maxInt: 51, scale: 255 }, 16, batches, 5);
      // With noise the stream moved once per zero pixel of the epoch; without, not at all.
      const fresh = stateOf(rng(5, 'spec', 'batch-noise'));
      if (enabled) expect(stateOf(rw)).not.toEqual(fresh);
      else expect(stateOf(rw)).toEqual(fresh);
    }
  });

  it('a batch without a zero pixel leaves the stream where it was; an all-zero batch draws one number per pixel', () => {
    const n = 6;
    const r = rng(9, 'spec', 'dense');
    // Images 0-2: every pixel a non-zero byte; images 3-5: every pixel zero.
    const images = Float32Array.from({ length: n * 784 }, (_, p) => (p < 3 * 784 ? (1 + r.int(255)) / 255 : 0));
    const train: Split = { images, labels: Uint8Array.of(1, 2, 3, 4, 5, 6), n };
    for (const enabled of [true, false]) {
      const noise = { enabled, maxInt: 51, scale: 255 };
      const { rw } = compare(train, noise, 4, [Uint32Array.of(2, 0, 1), Uint32Array.of(0)], 3);
      expect(stateOf(rw)).toEqual(stateOf(rng(3, 'spec', 'batch-noise')));
      const all = compare(train, noise, 4, [Uint32Array.of(5, 3, 4, 3), Uint32Array.of(0, 4, 1)], 3);
      const want = rng(3, 'spec', 'batch-noise');
      if (enabled) want.fillInts(new Uint8Array(4 * 784 + 784), 52);
      expect(stateOf(all.rw)).toEqual(stateOf(want));
    }
  });
});
