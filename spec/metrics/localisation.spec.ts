import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { LOCALISATION_METRICS, scoreLocalisation } from '../../src/metrics/localisation/index.ts';
import { LOCALISATION_METRIC_NAMES } from '../../src/results/types.ts';

// Properties of the localisation metrics (PROTOCOL.md Part 2) and hand-computed cases of the
// tie rule. Fixture agreement with Quantus is spec/reference/localisation.reference.spec.ts.

const P = 784;
const OPTIONS = { maskThreshold: 0, topK: 78 };
const { softIoU, pointingGame, relevanceMass, relevanceRank, topKIntersection, auc } = LOCALISATION_METRICS;

/** A clean image: pixel 0 is ink and pixel 1 background, so the mask is never degenerate. */
const image = fc.array(fc.oneof(fc.constant(0), fc.float({ min: Math.fround(0.01), max: 1, noNaN: true })), { minLength: P, maxLength: P }).map((v) => {
  const x = Float32Array.from(v);
  x[0] = 1;
  x[1] = 0;
  return x;
});
/** Heatmap values on 10 levels (many ties, including at the cut-offs), as level indices. */
const levels = fc.array(fc.integer({ min: 0, max: 9 }), { minLength: P, maxLength: P });
/** A strictly increasing float32 value for each of the 10 levels. */
const increasing = fc.array(fc.float({ min: Math.fround(1e-3), max: 10, noNaN: true }), { minLength: 10, maxLength: 10 }).map((steps) => {
  const g = new Float32Array(10);
  let v = -5;
  for (let i = 0; i < 10; i++) g[i] = v = Math.fround(v + steps[i]);
  return g;
});
const heatmap = fc.oneof(
  fc.array(fc.float({ min: 0, max: 1, noNaN: true }), { minLength: P, maxLength: P }).map((v) => Float32Array.from(v)),
  levels.map((l) => Float32Array.from(l, (i) => i / 9)),
);

const inkOf = (x: Float32Array) => x.reduce((k, v) => k + (v > 0 ? 1 : 0), 0);
const one = (f: (typeof LOCALISATION_METRICS)['auc'], h: Float32Array, x: Float32Array, options = OPTIONS) => f(h, x, 1, options)[0];

describe('localisation metrics: properties', () => {
  it('every score lies in [0, 1]', () => {
    fc.assert(
      fc.property(heatmap, image, (h, x) => {
        for (const name of LOCALISATION_METRIC_NAMES) {
          const s = one(LOCALISATION_METRICS[name], h, x);
          expect(s, name).toBeGreaterThanOrEqual(0);
          expect(s, name).toBeLessThanOrEqual(1);
        }
      }),
    );
  });

  it('pointing game, rank, top-k and AUC do not change under a strictly increasing transform of the heatmap', () => {
    fc.assert(
      fc.property(levels, increasing, image, (l, g, x) => {
        const h = Float32Array.from(l, (i) => i / 9);
        const gh = Float32Array.from(l, (i) => g[i]);
        for (const f of [pointingGame, relevanceRank, topKIntersection, auc]) expect(one(f, gh, x)).toBe(one(f, h, x));
      }),
    );
  });

  it('AUC(h) = 1 - AUC(-h)', () => {
    fc.assert(
      fc.property(heatmap, image, (h, x) => {
        expect(one(auc, h, x)).toBeCloseTo(1 - one(auc, h.map((v) => -v), x), 12);
      }),
    );
  });

  it('relevance mass is 1 for any heatmap that is positive on the ink only, e.g. the mask itself', () => {
    fc.assert(
      fc.property(heatmap, image, (h, x) => {
        expect(one(relevanceMass, x.map((v) => (v > 0 ? 1 : 0)), x)).toBe(1);
        const onInk = h.map((v, i) => (x[i] > 0 ? v + 0.5 : 0));
        expect(one(relevanceMass, onInk, x)).toBeCloseTo(1, 12);
      }),
    );
  });

  it('an all-zero heatmap scores chance: K/784 for pointing game, rank, top-k and mass, AUC 0.5, soft IoU 0', () => {
    fc.assert(
      fc.property(image, (x) => {
        const zero = new Float32Array(P);
        const chance = inkOf(x) / P;
        for (const f of [pointingGame, relevanceRank, topKIntersection, relevanceMass]) expect(one(f, zero, x)).toBeCloseTo(chance, 14);
        expect(one(auc, zero, x)).toBe(0.5);
        expect(one(softIoU, zero, x)).toBe(0);
      }),
    );
  });
});

describe('localisation metrics: hand-computed tie rule', () => {
  /** An image whose ink is the given pixels (value 1), everything else 0. */
  function inkAt(pixels: number[]): Float32Array {
    const x = new Float32Array(P);
    for (const p of pixels) x[p] = 1;
    return x;
  }

  it('pointing game: ink maxima / maxima', () => {
    // three maxima (pixels 10, 20, 30), two of them on ink -> 2/3
    const h = new Float32Array(P).fill(0.2);
    h[10] = h[20] = h[30] = 0.9;
    expect(one(pointingGame, h, inkAt([10, 30, 500]))).toBe(2 / 3);
    // a single maximum off the ink -> 0 even with ink elsewhere tied just below
    h[20] = 1;
    expect(one(pointingGame, h, inkAt([10, 30]))).toBe(0);
  });

  it('top-k: G above the cut-off value, m = k - G open slots filled at the ink rate of the tied pixels', () => {
    // pixels 0..69 at 0.9 (G = 70, ink on 0..29 -> 30), pixels 70..89 at 0.5 (T = 20, ink on
    // 70..74 -> 5), the rest 0. k = 78: m = 8 slots, expected ink 8 * 5/20 = 2 -> (30 + 2)/78.
    const h = new Float32Array(P);
    for (let i = 0; i < 90; i++) h[i] = i < 70 ? 0.9 : 0.5;
    const ink = [...Array(30).keys(), 70, 71, 72, 73, 74];
    expect(one(topKIntersection, h, inkAt(ink))).toBeCloseTo(32 / 78, 15);
    // with topK 70 the cut-off falls exactly after the G pixels: 30/70, no tie term
    expect(one(topKIntersection, h, inkAt(ink), { maskThreshold: 0, topK: 70 })).toBeCloseTo(30 / 70, 15);
  });

  it('relevance rank: the cut is K, the ink count', () => {
    // ink: pixels 0..3 (K = 4). h: pixel 0 = 1 (ink), pixels 1 and 500 = 0.8 (one ink), pixels
    // 2, 3, 600, 601 = 0.5 (two ink), the rest 0. Top 4: G = 3 above 0.5 (2 ink), m = 1 slot at
    // the tied rate 2/4 -> (2 + 0.5)/4 = 0.625.
    const h = new Float32Array(P);
    h[0] = 1;
    h[1] = h[500] = 0.8;
    h[2] = h[3] = h[600] = h[601] = 0.5;
    expect(one(relevanceRank, h, inkAt([0, 1, 2, 3]))).toBe(0.625);
  });

  it('AUC: Mann-Whitney U with an ink-background tie counting 1/2', () => {
    // ink {0.9, 0.5}, background: one 0.5 and 781 zeros (782 pixels). U = 782 (for 0.9) +
    // 781 + 0.5 (for 0.5, beating the zeros and tying the 0.5) = 1563.5 -> 1563.5 / (2 * 782)
    const h = new Float32Array(P);
    h[0] = 0.9;
    h[1] = 0.5;
    h[2] = 0.5;
    expect(one(auc, h, inkAt([0, 1]))).toBeCloseTo(1563.5 / 1564, 15);
  });

  it('relevance mass: the share of the heatmap total on the ink', () => {
    // 0.75 on ink pixel 0, 0.25 on background pixel 1 -> 0.75
    const h = new Float32Array(P);
    h[0] = 0.75;
    h[1] = 0.25;
    expect(one(relevanceMass, h, inkAt([0, 5]))).toBe(0.75);
  });
});

describe('localisation scorer', () => {
  it('averages over the kept images, leaves out excluded and degenerate-mask images, counts all-zero heatmaps', () => {
    // image 0: ink = pixels 0..99 at 1 (K = 100), heatmap = the mask -> every metric 1
    //   (top-k: the 100 tied maxima are all ink).
    // image 1: excluded by the caller (non-finite heatmap).
    // image 2: same ink, all-zero heatmap -> soft IoU 0, AUC 0.5, the other four 100/784.
    // image 3: blank image (degenerate mask) -> left out.
    const n = 4;
    const x = new Float32Array(n * P);
    const h = new Float32Array(n * P);
    for (const img of [0, 1, 2]) for (let i = 0; i < 100; i++) x[img * P + i] = 1;
    for (let i = 0; i < 100; i++) h[i] = 1;
    h[P + 3] = NaN;
    const s = scoreLocalisation(h, x, n, OPTIONS, new Set([1]));
    expect(s.scored).toBe(2);
    expect(s.zeroHeatmaps).toBe(1);
    expect(s.degenerateMasks).toBe(1);
    const chance = 100 / 784;
    expect(s.means.softIoU).toBe(0.5);
    expect(s.means.auc).toBe(0.75);
    for (const m of ['pointingGame', 'relevanceMass', 'relevanceRank', 'topKIntersection'] as const) expect(s.means[m], m).toBeCloseTo((1 + chance) / 2, 14);
  });

  it('gives NaN means and no counts when nothing is scored', () => {
    const s = scoreLocalisation(new Float32Array(P), new Float32Array(P), 1, OPTIONS);
    expect(s.scored).toBe(0);
    expect(s.degenerateMasks).toBe(1);
    expect(Number.isNaN(s.means.auc)).toBe(true);
  });

  it('rejects arrays that do not hold n images', () => {
    expect(() => scoreLocalisation(new Float32Array(P), new Float32Array(2 * P), 2, OPTIONS)).toThrow(/784 heatmap values for 2 images/);
  });
});
