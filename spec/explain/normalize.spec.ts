import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { minMaxNormalize } from '../../src/explain/normalize.ts';

describe('minMaxNormalize (pytorch-grad-cam scale_cam_image, numpy float32)', () => {
  it('matches numpy float32 on hand-picked images', () => {
    // Expected values printed by numpy 1.24.2: img = img - np.min(img); img / (1e-7 + np.max(img)).
    const cases: Array<[number[], number[]]> = [
      [[0.3, 0.7], [0.0, 0.9999997615814209]],
      [[0.25, 0.5, 0.75, 1.0], [0.0, 0.333333283662796, 0.666666567325592, 0.9999998211860657]],
      [[2.0, 5.0, 3.0], [0.0, 1.0, 0.3333333432674408]],
    ];
    for (const [input, want] of cases) {
      expect(Array.from(minMaxNormalize(Float32Array.from(input), 1, input.length, 1e-7))).toEqual(want);
    }
  });

  it('maps all-zero and constant images to exact zeros (no NaN)', () => {
    const data = Float32Array.from([0, 0, 0, 0.5, 0.5, 0.5]);
    expect(Array.from(minMaxNormalize(data, 2, 3, 1e-7))).toEqual([0, 0, 0, 0, 0, 0]);
  });

  it('normalises each image separately into [0, 1) with min exactly 0', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 4 }), fc.integer({ min: 1, max: 20 }), fc.infiniteStream(fc.float({ min: -1e3, max: 1e3, noNaN: true })), (n, pixels, stream) => {
        const data = Float32Array.from(stream.take(n * pixels));
        const out = minMaxNormalize(Float32Array.from(data), n, pixels, 1e-7);
        for (let i = 0; i < n; i++) {
          const img = out.subarray(i * pixels, (i + 1) * pixels);
          expect(Math.min(...img)).toBe(0);
          expect(Math.max(...img)).toBeLessThanOrEqual(1);
        }
      }),
      { numRuns: 100 },
    );
  });

  it('rejects eps <= 0 and a wrong buffer size', () => {
    expect(() => minMaxNormalize(new Float32Array(4), 1, 4, 0)).toThrow(/eps must be > 0/);
    expect(() => minMaxNormalize(new Float32Array(5), 1, 4, 1e-7)).toThrow(/expected 1x4 = 4 values, got 5/);
  });
});
