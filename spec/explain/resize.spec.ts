import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { resizeLinear } from '../../src/explain/resize.ts';

const GOLDEN_DIR = join(import.meta.dirname, '..', '..', 'golden');
const goldenFiles = readdirSync(GOLDEN_DIR).filter((f) => /^resize-\d+-\d+\.json$/.test(f)).sort();

interface ResizeGolden {
  source: string;
  src: number;
  dst: number;
  inputs: { shape: number[]; data: number[] };
  want: { shape: number[]; data: number[] };
}

describe('resizeLinear: golden files from real cv2.resize (INTER_LINEAR, float32)', () => {
  it('has the 11->28 and 26->28 golden files', () => {
    expect(goldenFiles).toEqual(expect.arrayContaining(['resize-11-28.json', 'resize-26-28.json']));
  });
  for (const file of goldenFiles) {
    it(file, () => {
      const g = JSON.parse(readFileSync(join(GOLDEN_DIR, file), 'utf8')) as ResizeGolden;
      expect(g.source).toMatch(/OpenCV/);
      const n = g.inputs.shape[0];
      const got = resizeLinear(Float32Array.from(g.inputs.data), n, g.src, g.dst);
      // OpenCV's float path is plain float32 multiply-add, reproduced operation by operation, so
      // the match is exact. Exactness is what pins the rounding-level details (the row fraction
      // that is not reset at the clamped edge rows, fround of the coordinate).
      let worst = 0;
      for (let i = 0; i < got.length; i++) worst = Math.max(worst, Math.abs(got[i] - g.want.data[i]));
      console.log(`${file}: largest |deviation| from cv2.resize ${worst}`);
      expect(got.length).toBe(g.want.data.length);
      expect(worst).toBe(0);
    });
  }
});

describe('resizeLinear: the rule derived by hand', () => {
  // For a ramp a[y][x] = x + 100 y, bilinear interpolation returns the (clamped) source
  // coordinates: out[dy][dx] = cx(dx) + 100 cy(dy), with c(d) = clamp((d + 0.5) src/dst - 0.5, 0, src-1).
  // Coordinates worked out from the formula as fractions:
  //   11 -> 28: d=0: 0.5*11/28 - 0.5 = -8.5/28 -> 0; d=1: 2.5/28; d=14: 145.5/28; d=27: 288.5/28 > 10 -> 10
  //   26 -> 28: d=0: -1/28 -> 0; d=1: 25/28; d=26: 675/28; d=27: 701/28 > 25 -> 25
  const cases: Array<{ src: number; coords: Array<[number, number]> }> = [
    { src: 11, coords: [[0, 0], [1, 2.5 / 28], [14, 145.5 / 28], [27, 10]] },
    { src: 26, coords: [[0, 0], [1, 25 / 28], [26, 675 / 28], [27, 25]] },
  ];
  for (const { src, coords } of cases) {
    it(`${src} -> 28 samples a ramp at the hand-derived coordinates`, () => {
      const ramp = new Float32Array(src * src);
      for (let y = 0; y < src; y++) for (let x = 0; x < src; x++) ramp[y * src + x] = x + 100 * y;
      const out = resizeLinear(ramp, 1, src, 28);
      for (const [dy, cy] of coords) {
        for (const [dx, cx] of coords) {
          expect(out[dy * 28 + dx]).toBeCloseTo(cx + 100 * cy, 3);
        }
      }
    });
  }

  it('keeps the first column pixel exactly at the left edge (column fraction reset to 0)', () => {
    // 11 -> 28, dx = 0: coordinate -8.5/28 < 0, so (s, f) = (0, 0): output column 0 is column 0.
    const img = new Float32Array(121).map((_, i) => Math.fround(Math.sin(i) * 0.5 + 0.5));
    const out = resizeLinear(img, 1, 11, 28);
    // Row dy = 1 interpolates rows 0 and 1 with f = 2.5/28 in float32.
    const f = Math.fround(Math.fround(1.5 * (11 / 28)) - 0.5);
    const want = Math.fround(Math.fround(img[0] * Math.fround(1 - f)) + Math.fround(img[11] * f));
    expect(out[28]).toBe(want);
  });
});

describe('resizeLinear: properties', () => {
  it('a constant image stays that constant (to float32 rounding)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 30 }), fc.integer({ min: 1, max: 40 }), fc.float({ min: -1e6, max: 1e6, noNaN: true }), (src, dst, c) => {
        const out = resizeLinear(new Float32Array(src * src).fill(c), 1, src, dst);
        let worst = 0;
        for (const v of out) worst = Math.max(worst, Math.abs(v - Math.fround(c)));
        expect(worst).toBeLessThanOrEqual(Math.abs(c) * 2.5e-7 + 2 ** -148); // a few ulp, subnormals too
      }),
    );
  });

  it('every output lies within the input range (a convex combination of two taps per pass)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 12 }), fc.integer({ min: 1, max: 30 }), fc.integer({ min: 1, max: 3 }), fc.infiniteStream(fc.float({ min: 0, max: 1, noNaN: true })), (src, dst, n, stream) => {
        const img = Float32Array.from(stream.take(n * src * src));
        const out = resizeLinear(img, n, src, dst);
        for (let i = 0; i < n; i++) {
          const part = img.subarray(i * src * src, (i + 1) * src * src);
          const lo = Math.min(...part);
          const hi = Math.max(...part);
          const resized = out.subarray(i * dst * dst, (i + 1) * dst * dst);
          expect(Math.min(...resized)).toBeGreaterThanOrEqual(lo - 1e-6);
          expect(Math.max(...resized)).toBeLessThanOrEqual(hi + 1e-6);
        }
      }),
      { numRuns: 50 },
    );
  });

  it('resizes each image of a batch on its own', () => {
    const a = new Float32Array(121).map((_, i) => (i * 37) % 11);
    const b = new Float32Array(121).map((_, i) => (i * 13) % 7);
    const both = new Float32Array(242);
    both.set(a);
    both.set(b, 121);
    const out = resizeLinear(both, 2, 11, 28);
    expect(Array.from(out.subarray(0, 784))).toEqual(Array.from(resizeLinear(a, 1, 11, 28)));
    expect(Array.from(out.subarray(784))).toEqual(Array.from(resizeLinear(b, 1, 11, 28)));
  });

  it('rejects a buffer of the wrong size', () => {
    expect(() => resizeLinear(new Float32Array(120), 1, 11, 28)).toThrow(/expected 1x11x11 = 121 values, got 120/);
    expect(() => resizeLinear(new Float32Array(0), 0, 0, 28)).toThrow(/sizes must be positive integers/);
  });
});
