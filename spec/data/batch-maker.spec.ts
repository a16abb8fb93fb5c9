import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { gather, noisyBatchMaker } from '../../src/data/batches.ts';
import { addNoise, normalize } from '../../src/data/noise.ts';
import { rng } from '../../src/data/rng.ts';
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
