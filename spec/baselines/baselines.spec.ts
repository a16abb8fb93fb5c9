import { describe, expect, it } from 'vitest';
import { BASELINES } from '../../src/baselines/registry.ts';
import { BASELINE_NAMES } from '../../src/results/types.ts';

// Expected values computed by hand from PROTOCOL.md Part 2 "Model-free baselines".
const images = Float32Array.from({ length: 2 * 784 }, (_, i) => (i % 7) / 10);

describe('model-free baselines', () => {
  it('the registry holds exactly the names of BASELINE_NAMES', () => {
    expect(Object.keys(BASELINES).sort()).toEqual([...BASELINE_NAMES].sort());
  });

  it('input: the noisy image itself, as a copy', () => {
    const out = BASELINES.input(2, images);
    expect(out).toEqual(images);
    out[0] = 9;
    expect(images[0]).toBe(0);
  });

  it('uniform: 0.5 everywhere', () => {
    expect(BASELINES.uniform(2, images).every((v) => v === 0.5)).toBe(true);
  });

  it('centre: the same Gaussian for every image, scaled exactly to [0, 1]', () => {
    const out = BASELINES.centre(2, images);
    expect(out.subarray(0, 784)).toEqual(out.subarray(784));
    // The four pixels nearest (13.5, 13.5), d^2 = 0.5, are the maximum -> exactly 1; the corners,
    // d^2 = 2 * 13.5^2 = 364.5, the minimum -> exactly 0.
    for (const [r, c] of [[13, 13], [13, 14], [14, 13], [14, 14]]) expect(out[r * 28 + c]).toBe(1);
    for (const [r, c] of [[0, 0], [0, 27], [27, 0], [27, 27]]) expect(out[r * 28 + c]).toBe(0);
    // Pixel (0, 13): d^2 = 13.5^2 + 0.5^2 = 182.5.
    const g = (d2: number) => Math.exp(-d2 / 50);
    expect(out[13]).toBeCloseTo((g(182.5) - g(364.5)) / (g(0.5) - g(364.5)), 6);
    // Pixel (10, 20): d^2 = 3.5^2 + 6.5^2 = 54.5.
    expect(out[10 * 28 + 20]).toBeCloseTo((g(54.5) - g(364.5)) / (g(0.5) - g(364.5)), 6);
  });

  it('every baseline checks the image buffer', () => {
    for (const name of BASELINE_NAMES) {
      expect(BASELINES[name](0, new Float32Array(0))).toHaveLength(0);
      expect(() => BASELINES[name](2, new Float32Array(784))).toThrow(/expected 2x784 = 1568 values, got 784/);
    }
  });
});
