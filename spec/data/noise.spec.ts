// D1 noise and D2 normalisation (PROTOCOL.md "Data").
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { addNoise, normalize } from '../../src/data/noise.ts';
import { rng } from '../../src/data/rng.ts';

const THESIS_NOISE = { enabled: true, maxInt: 51, scale: 255 };
const bits = (a: Float32Array) => new Uint32Array(a.buffer.slice(a.byteOffset, a.byteOffset + a.byteLength));

/** Images as the loader makes them (bytes/255 in float32), with plenty of exact zeros. */
const imagesArb = fc
  .array(fc.oneof(fc.constant(0), fc.integer({ min: 1, max: 255 })), { minLength: 64, maxLength: 1500 })
  .map((bytes) => Float32Array.from(bytes, (b) => b / 255));

describe('addNoise (D1)', () => {
  it('changes only exact-zero pixels, each to k/255 with integer k in 0..51, so never above 0.2', () => {
    fc.assert(
      fc.property(imagesArb, fc.integer(), (images, seed) => {
        const before = images.slice();
        const noisy = addNoise(images, THESIS_NOISE, rng(seed, 'spec'));
        expect(bits(images)).toEqual(bits(before)); // input untouched
        for (let i = 0; i < images.length; i++) {
          if (images[i] !== 0) {
            if (noisy[i] !== images[i]) throw new Error(`non-zero pixel ${i} changed: ${images[i]} -> ${noisy[i]}`);
            continue;
          }
          const k = Math.round(noisy[i] * 255);
          if (!(k >= 0 && k <= 51 && noisy[i] === Math.fround(k / 255))) throw new Error(`pixel ${i}: ${noisy[i]} is not k/255, k in 0..51`);
          // 51/255 is 0.2 exactly; its float32 rounding is the largest value allowed.
          if (!(noisy[i] >= 0 && noisy[i] <= Math.fround(0.2))) throw new Error(`pixel ${i}: ${noisy[i]} outside [0, 0.2]`);
        }
      }),
    );
  });

  it('same seed gives the same bytes; different seeds give different noise', () => {
    fc.assert(
      fc.property(imagesArb, fc.integer(), fc.integer(), (images, s1, s2) => {
        fc.pre(s1 !== s2 && images.filter((v) => v === 0).length >= 32);
        const a = addNoise(images, THESIS_NOISE, rng(s1, 'spec'));
        expect(bits(addNoise(images, THESIS_NOISE, rng(s1, 'spec')))).toEqual(bits(a));
        // 32+ independent draws from 52 values: equal by chance with probability <= 52^-32.
        expect(bits(addNoise(images, THESIS_NOISE, rng(s2, 'spec')))).not.toEqual(bits(a));
      }),
    );
  });

  it('draws k uniformly over 0..51 inclusive (randint semantics)', () => {
    const n = 52 * 2000;
    const noisy = addNoise(new Float32Array(n), THESIS_NOISE, rng(1, 'uniform'));
    const hist = new Array<number>(53).fill(0);
    for (const v of noisy) hist[Math.round(v * 255)]++;
    expect(hist[52]).toBe(0);
    // Each of the 52 bins expects 2000 (sd ~44); 300 is ~7 sd, so only a real bias fails.
    for (let k = 0; k < 52; k++) expect(Math.abs(hist[k] - 2000), `k=${k}: ${hist[k]}`).toBeLessThan(300);
  });

  it('follows maxInt and scale', () => {
    const noisy = addNoise(new Float32Array(5000), { enabled: true, maxInt: 2, scale: 10 }, rng(2, 'spec'));
    expect(new Set(noisy)).toEqual(new Set([0, Math.fround(0.1), Math.fround(0.2)]));
  });

  it('disabled: an unchanged copy (a new array) and no draw from the stream', () => {
    const images = Float32Array.of(0, 0.5, 0, 1);
    const r = rng(3, 'spec');
    const out = addNoise(images, { ...THESIS_NOISE, enabled: false }, r);
    expect(out).not.toBe(images);
    expect(Array.from(out)).toEqual(Array.from(images));
    expect(r.next()).toBe(rng(3, 'spec').next());
  });

  it('rejects a bad config', () => {
    expect(() => addNoise(new Float32Array(1), { enabled: true, maxInt: 1.5, scale: 255 }, rng(1))).toThrow('noise.maxInt must be a whole number >= 0, got 1.5');
    expect(() => addNoise(new Float32Array(1), { enabled: true, maxInt: 51, scale: 0 }, rng(1))).toThrow('noise.scale must be > 0, got 0');
  });
});

describe('normalize (D2)', () => {
  const OPENLTH = { mean: 0.1307, std: 0.3081 };
  it('maps x to (x - 0.1307) / 0.3081 in float32 (values from python3)', () => {
    const out = normalize(Float32Array.of(0, 1, 0.2), OPENLTH);
    // python3: (0-0.1307)/0.3081, (1-0.1307)/0.3081, (0.2-0.1307)/0.3081 (0.2 taken as float32)
    expect(out[0]).toBeCloseTo(-0.424212917883804, 6);
    expect(out[1]).toBeCloseTo(2.82148653034729, 6);
    expect(out[2]).toBeCloseTo(0.2249269717624148, 6);
  });

  it('writes into a given array (in place allowed) and leaves the input alone otherwise', () => {
    const x = Float32Array.of(0, 1);
    const copy = normalize(x, OPENLTH);
    expect(Array.from(x)).toEqual([0, 1]);
    expect(normalize(x, OPENLTH, x)).toBe(x);
    expect(Array.from(x)).toEqual(Array.from(copy));
  });

  it('rejects std <= 0 and a wrong output length', () => {
    expect(() => normalize(new Float32Array(2), { mean: 0, std: 0 })).toThrow('normalize.std must be > 0, got 0');
    expect(() => normalize(new Float32Array(2), OPENLTH, new Float32Array(3))).toThrow('normalize: output length 3 differs from input length 2');
  });
});
