import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { standardDeviation } from 'simple-statistics';
import { heatmapSummary, meanSoftIoU, softIoU } from '../../src/metrics/iou.ts';

const unit = fc.float({ min: 0, max: 1, noNaN: true });
const map = (n: number) => fc.array(unit, { minLength: n, maxLength: n });

describe('soft IoU (thesis eq. 2.8)', () => {
  it('matches a hand computation', () => {
    // min: 0.5 + 0.5 + 0 = 1; max: 1 + 0.5 + 1 = 2.5 -> 0.4
    expect(softIoU([1, 0.5, 0], [0.5, 0.5, 1], 3)[0]).toBeCloseTo(0.4, 12);
    // two images, 2 pixels each: 0.4 / 1.0 = 0.4 and 1 (identical)
    expect(Array.from(softIoU([0.2, 0.2, 0.3, 0.6], [0.6, 0.4, 0.3, 0.6], 2))).toEqual([0.4 / 1.0, 1]);
    expect(meanSoftIoU([0.2, 0.2, 0.3, 0.6], [0.6, 0.4, 0.3, 0.6], 2)).toBeCloseTo(0.7, 12);
  });

  it('defines 0/0 (both maps all zero) as 0', () => {
    expect(softIoU([0, 0, 0], [0, 0, 0], 3)[0]).toBe(0);
  });

  it('lies in [0, 1], is symmetric, and is 1 for identical non-zero maps', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 40 }).chain((n) => fc.tuple(map(n), map(n))), ([h, x]) => {
        const a = softIoU(h, x, h.length)[0];
        expect(a).toBeGreaterThanOrEqual(0);
        expect(a).toBeLessThanOrEqual(1);
        expect(softIoU(x, h, h.length)[0]).toBe(a);
        if (h.some((v) => v > 0)) expect(softIoU(h, h, h.length)[0]).toBe(1);
      }),
    );
  });

  it('is 0 for maps with disjoint support', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.boolean(), unit), { minLength: 1, maxLength: 40 }), (cells) => {
        // Each pixel belongs to h or to x, never both.
        const h = cells.map(([inH, v]) => (inH ? v : 0));
        const x = cells.map(([inH, v]) => (inH ? 0 : v));
        expect(softIoU(h, x, cells.length)[0]).toBe(0);
      }),
    );
  });

  it('rejects values outside [0, 1] and mismatched sizes', () => {
    expect(() => softIoU([1.5], [0.5], 1)).toThrow(/must both lie in \[0, 1\]/);
    expect(() => softIoU([0.5, 0.5], [0.5], 1)).toThrow(/2 heatmap values but 1 image values/);
    expect(() => softIoU([0.5, 0.5, 0.5], [0.5, 0.5, 0.5], 2)).toThrow(/do not form images of 2 pixels/);
    expect(() => meanSoftIoU([], [], 4)).toThrow(/no images/);
  });
});

describe('heatmap summary', () => {
  it('matches a hand computation (population std over all pixels)', () => {
    // values: one 1 among 8 -> mean 1/8, variance 1/8 - 1/64 = 7/64, std sqrt(7)/8; image 2 is all zero
    const s = heatmapSummary([0, 1, 0, 0, 0, 0, 0, 0], 4);
    expect(s.mean).toBe(0.125);
    expect(s.std).toBeCloseTo(Math.sqrt(7) / 8, 14);
    expect(s.zeroHeatmaps).toBe(1);
    expect(s.images).toBe(2);
  });

  it('agrees with simple-statistics standardDeviation (population) on random maps', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 5 }), fc.integer({ min: 1, max: 10 }).chain((pixels) => fc.tuple(fc.constant(pixels), fc.infiniteStream(unit))), (n, [pixels, stream]) => {
        const values = [...stream.take(n * pixels)];
        const s = heatmapSummary(values, pixels);
        expect(s.std).toBeCloseTo(standardDeviation(values), 12);
        expect(s.mean).toBeCloseTo(values.reduce((a, b) => a + b, 0) / values.length, 12);
      }),
    );
  });

  it('rejects an empty or ragged buffer and non-finite values', () => {
    expect(() => heatmapSummary([], 4)).toThrow(/do not form one or more images/);
    expect(() => heatmapSummary([0, 0, 0], 2)).toThrow(/do not form one or more images/);
    expect(() => heatmapSummary([0, Number.NaN], 2)).toThrow(/non-finite value NaN/);
  });
});
