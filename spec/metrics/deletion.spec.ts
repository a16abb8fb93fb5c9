import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import * as tf from '@tensorflow/tfjs';
import { deletionOrder, deletionScores, softmaxAt } from '../../src/metrics/deletion.ts';
import { forward, type Params } from '../../src/model/cnn.ts';
import { disposeParams, initWeights, toTensors } from '../../src/model/params.ts';
import { specBackend } from '../support/backend.ts';

// Deletion (PROTOCOL.md Part 2) against direct forward passes; fixture agreement with PyTorch is
// spec/reference/deletion.reference.spec.ts.

const P = 784;
const NORMALIZE = { mean: 0.1307, std: 0.3081 };
let params: Params;

/** softmax(forward(normalise(x)))[c] by tfjs's own ops, one image at a time. */
function probability(x: Float32Array, c: number): number {
  return tf.tidy(() => tf.softmax(forward(params, tf.tensor4d(x.map((v) => (v - NORMALIZE.mean) / NORMALIZE.std), [1, 28, 28, 1]))).dataSync()[c]);
}

const unitImages = (n: number) => fc.array(fc.float({ min: 0, max: 1, noNaN: true }), { minLength: n * P, maxLength: n * P }).map((v) => Float32Array.from(v));
const classes = (n: number) => fc.array(fc.integer({ min: 0, max: 9 }), { minLength: n, maxLength: n });

describe('deletion AUC', () => {
  beforeAll(async () => {
    await specBackend();
    params = toTensors(initWeights(333));
  });
  afterAll(() => disposeParams(params));

  it('p_0 is the probability of the unperturbed input and p_T that of the all-deleted image', () => {
    fc.assert(
      fc.property(unitImages(2), unitImages(2), classes(2), fc.integer({ min: 1, max: 6 }), (x, h, c, T) => {
        const [r] = deletionScores(params, x, c, [h], { deletion: { images: 2, steps: T }, normalize: NORMALIZE, batchSize: 5 });
        for (let i = 0; i < 2; i++) {
          expect(r.curves[i * (T + 1)]).toBeCloseTo(probability(x.subarray(i * P, (i + 1) * P), c[i]), 6);
          expect(r.curves[i * (T + 1) + T]).toBeCloseTo(probability(new Float32Array(P), c[i]), 6);
        }
      }),
      { numRuns: 20 },
    );
  });

  it('step t deletes the floor(t*784/T) highest pixels, ties by lower index', () => {
    // T = 3: n_1 = 261, n_2 = 522. Heatmap: every pixel 0.5 (one tie) except pixel 700 = 1,
    // so the order is 700, 0, 1, 2, ...; step 1 deletes 700 and pixels 0..259.
    const x = new Float32Array(P).fill(0.7);
    const h = new Float32Array(P).fill(0.5);
    h[700] = 1;
    const [r] = deletionScores(params, x, [4], [h], { deletion: { images: 1, steps: 3 }, normalize: NORMALIZE });
    const step1 = x.slice();
    step1.fill(0, 0, 260);
    step1[700] = 0;
    const step2 = x.slice();
    step2.fill(0, 0, 521);
    step2[700] = 0;
    expect(r.curves[1]).toBeCloseTo(probability(step1, 4), 6);
    expect(r.curves[2]).toBeCloseTo(probability(step2, 4), 6);
    // AUC = (1/3) * ((p0+p1)/2 + (p1+p2)/2 + (p2+p3)/2)
    const [p0, p1, p2, p3] = r.curves;
    expect(r.auc[0]).toBeCloseTo((p0 / 2 + p1 + p2 + p3 / 2) / 3, 12);
    expect(r.meanAuc).toBe(r.auc[0]);
  });

  it('orders pixels by value descending, ties by the lower index', () => {
    const h = Float32Array.from([0.5, 1, 0.5, -1, 1, 0]);
    expect(Array.from(deletionOrder(h, new Int32Array(6)))).toEqual([1, 4, 0, 2, 5, 3]);
  });

  it('orders exactly as the comparison sort (value descending, then index) on maps full of ties', () => {
    const levels = [0, -0, 0.25, 0.5, 1, -0.5, 1e-30, -1e-30, 3];
    let a = 12345;
    const next = () => ((a = (Math.imul(a, 1103515245) + 12345) >>> 0) / 4294967296);
    for (let t = 0; t < 200; t++) {
      const k = 1 + Math.floor(next() * levels.length);
      const h = Float32Array.from({ length: P }, () => (t % 4 === 0 ? next() : levels[Math.floor(next() * k)]));
      const want = Int32Array.from({ length: P }, (_, i) => i).sort((x, y) => h[y] - h[x] || x - y);
      expect(Array.from(deletionOrder(h, new Int32Array(P)))).toEqual(Array.from(want));
    }
  });

  it('leaves out and counts all-zero and non-finite heatmaps; several sources in one call agree with one call each', () => {
    fc.assert(
      fc.property(unitImages(3), unitImages(3), unitImages(3), classes(3), (x, h1, h2, c) => {
        h2.fill(0, 0, P); // image 0 of source 2: all zero
        h2[P + 5] = NaN; // image 1 of source 2: non-finite
        const options = { deletion: { images: 3, steps: 4 }, normalize: NORMALIZE };
        const both = deletionScores(params, x, c, [h1, h2], { ...options, batchSize: 4 });
        const alone = [h1, h2].map((h) => deletionScores(params, x, c, [h], { ...options, batchSize: 64 })[0]);
        expect(both[1].zeroHeatmaps).toBe(1);
        expect(both[1].nonFiniteHeatmaps).toBe(1);
        expect(Number.isNaN(both[1].auc[0]) && Number.isNaN(both[1].auc[1])).toBe(true);
        expect(both[1].meanAuc).toBe(both[1].auc[2]);
        for (let s = 0; s < 2; s++) {
          both[s].curves.forEach((v, i) => (Number.isNaN(v) ? expect(alone[s].curves[i]).toBeNaN() : expect(v).toBeCloseTo(alone[s].curves[i], 6)));
        }
      }),
      { numRuns: 10 },
    );
  });

  it('scores nothing (mean null) when every heatmap is all zero, and only the first N images', () => {
    const [r] = deletionScores(params, new Float32Array(3 * P), [0, 1, 2], [new Float32Array(3 * P)], { deletion: { images: 2, steps: 16 }, normalize: NORMALIZE });
    expect(r.meanAuc).toBeNull();
    expect(r.zeroHeatmaps).toBe(2);
    expect(r.auc.length).toBe(2);
  });

  it('computes the softmax stably', () => {
    // logits (1000, 0, ..., 0): exp(1000) overflows, the shifted form gives 1 and e^-1000 = 0
    const logits = new Float32Array(10);
    logits[0] = 1000;
    expect(softmaxAt(logits, 0, 0)).toBe(1);
    expect(softmaxAt(logits, 0, 1)).toBe(0);
    // equal logits: 1/10 in float32
    expect(softmaxAt(new Float32Array(10).fill(-800), 0, 3)).toBe(Math.fround(0.1));
  });

  it('rejects bad targets and mismatched heatmaps', () => {
    const options = { deletion: { images: 1, steps: 16 }, normalize: NORMALIZE };
    expect(() => deletionScores(params, new Float32Array(P), [10], [new Float32Array(P)], options)).toThrow(/target 0 is 10/);
    expect(() => deletionScores(params, new Float32Array(P), [1], [new Float32Array(2 * P)], options)).toThrow(/source 0 has 1568 heatmap values/);
  });
});
