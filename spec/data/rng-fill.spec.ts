import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { rng } from '../../src/data/rng.ts';

// Rng.fillInts promises the numbers of out.length calls of int(n), in order, leaving the stream
// where those calls would. Byte outputs of 64+ numbers run a WebAssembly loop
// (src/data/rng-fill-wasm.ts), shorter or wider outputs the JS loop: both are checked against
// int(), and interleaved with other draws so the carried state is checked too.

describe('Rng.fillInts = out.length calls of int(n)', () => {
  it('property: byte and 16-bit outputs of 0-3000 numbers, n in 1..256, interleaved with next()', () => {
    fc.assert(
      fc.property(fc.nat(), fc.array(fc.record({ len: fc.integer({ min: 0, max: 3000 }), n: fc.integer({ min: 1, max: 256 }), wide: fc.boolean() }), { minLength: 1, maxLength: 4 }), (seed, fills) => {
        const a = rng(seed, 'spec', 'fill');
        const b = rng(seed, 'spec', 'fill');
        for (const { len, n, wide } of fills) {
          const out = wide ? new Uint16Array(len) : new Uint8Array(len);
          a.fillInts(out, n);
          const want = Array.from({ length: len }, () => b.int(n));
          expect(Array.from(out)).toEqual(want);
          expect(a.next()).toBe(b.next());
        }
      }),
      { numRuns: 60 },
    );
  });

  it('the extreme draws: n = 256 and n = 1 (every number 0)', () => {
    const a = rng(7, 'spec', 'edge');
    const b = rng(7, 'spec', 'edge');
    const out = new Uint8Array(100_000);
    a.fillInts(out, 256);
    expect(out.every((v) => v === b.int(256))).toBe(true);
    a.fillInts(out, 1);
    expect(out.every((v) => v === 0)).toBe(true);
    for (let i = 0; i < out.length; i++) b.int(1);
    expect(a.next()).toBe(b.next());
  });
});
