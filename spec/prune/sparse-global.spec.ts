import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { TF_SHAPES, WEIGHT_NAMES } from '../../src/model/cnn.ts';
import type { WeightSet } from '../../src/model/layout.ts';
import { pruneSparseGlobal, remainingSchedule } from '../../src/prune/sparse-global.ts';
import { countOnes, onesMask, type Mask } from '../../src/train/masks.ts';

const SIZES = WEIGHT_NAMES.map((n) => TF_SHAPES[n].reduce((a, b) => a * b, 1));
const TOTAL = SIZES.reduce((a, b) => a + b, 0);

/** Weights with distinct float32 magnitudes: a random permutation of (i+1)/TOTAL, random signs. */
const distinctWeights = fc
  .tuple(fc.shuffledSubarray([...Array(TOTAL).keys()], { minLength: TOTAL, maxLength: TOTAL }), fc.array(fc.boolean(), { minLength: TOTAL, maxLength: TOTAL }))
  .map(([perm, signs]) => split(perm.map((p, i) => (signs[i] ? -1 : 1) * ((p + 1) / TOTAL))));

function split(flat: number[]): Pick<WeightSet, (typeof WEIGHT_NAMES)[number]> {
  const out = {} as WeightSet;
  let o = 0;
  WEIGHT_NAMES.forEach((n, i) => {
    out[n] = Float32Array.from(flat.slice(o, o + SIZES[i]));
    o += SIZES[i];
  });
  return out;
}

function randomMask(keepBits: boolean[]): Mask {
  const m = {} as Mask;
  let o = 0;
  WEIGHT_NAMES.forEach((n, i) => {
    m[n] = Uint8Array.from(keepBits.slice(o, o + SIZES[i]).map((b) => (b ? 1 : 0)));
    o += SIZES[i];
  });
  return m;
}

const maskArb = fc.array(fc.boolean(), { minLength: TOTAL, maxLength: TOTAL }).filter((b) => b.filter(Boolean).length >= 2).map(randomMask);

describe('OpenLTH sparse_global rule', () => {
  it('removes exactly ceil(0.2 r)+1 weights when magnitudes are distinct; masks only shrink', () => {
    fc.assert(
      fc.property(distinctWeights, maskArb, (w, m) => {
        const r = countOnes(m);
        const next = pruneSparseGlobal(w, m, 0.2);
        expect(r - countOnes(next)).toBe(Math.ceil(0.2 * r) + 1);
        for (const n of WEIGHT_NAMES) next[n].forEach((v, i) => expect(v <= m[n][i]).toBe(true));
      }),
      { numRuns: 30 },
    );
  });

  it('removes more than ceil(0.2 r)+1 when magnitudes tie at the threshold, never a kept weight above it', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 8 }), fc.integer({ min: 0, max: 2**31 }), (levelsOfValue, salt) => {
        // Only `levelsOfValue` distinct magnitudes: ties everywhere.
        const flat = Array.from({ length: TOTAL }, (_, i) => ((((i * 2654435761 + salt) >>> 0) % levelsOfValue) + 1) / 16);
        const w = split(flat);
        const m = onesMask();
        const next = pruneSparseGlobal(w, m, 0.2);
        const removed = TOTAL - countOnes(next);
        expect(removed).toBeGreaterThanOrEqual(Math.ceil(0.2 * TOTAL) + 1);
        // Every removed magnitude <= every kept magnitude.
        let maxRemoved = -Infinity;
        let minKept = Infinity;
        for (const n of WEIGHT_NAMES)
          w[n].forEach((v, i) => {
            if (next[n][i]) minKept = Math.min(minKept, Math.abs(v));
            else maxRemoved = Math.max(maxRemoved, Math.abs(v));
          });
        expect(maxRemoved).toBeLessThan(minKept);
      }),
      { numRuns: 30 },
    );
  });

  it('never prunes a bias and never revives or counts an already-pruned weight, whatever its value', () => {
    fc.assert(
      fc.property(distinctWeights, maskArb, (w, m) => {
        // Give pruned entries huge magnitudes: they must neither survive nor shift the threshold.
        const big = {} as WeightSet;
        for (const n of WEIGHT_NAMES) big[n] = w[n].map((v, i) => (m[n][i] ? v : 1e6));
        const a = pruneSparseGlobal(w, m, 0.2);
        const b = pruneSparseGlobal(big, m, 0.2);
        for (const n of WEIGHT_NAMES) expect(Array.from(b[n])).toEqual(Array.from(a[n]));
        expect(Object.keys(a).sort()).toEqual([...WEIGHT_NAMES].sort());
      }),
      { numRuns: 30 },
    );
  });

  it('golden: the remaining-weight schedule over levels 0..25 is PROTOCOL.md\'s', () => {
    const golden = JSON.parse(readFileSync(join(import.meta.dirname, '../../golden/remaining-schedule.json'), 'utf8'));
    expect(remainingSchedule(golden.total, golden.fraction, golden.remaining.length)).toEqual(golden.remaining);
    // And the rule itself walks the same schedule on distinct magnitudes.
    const w = split(Array.from({ length: TOTAL }, (_, i) => (i + 1) / TOTAL));
    let m = onesMask();
    const seen = [countOnes(m)];
    for (let l = 1; l < golden.remaining.length; l++) {
      m = pruneSparseGlobal(w, m, golden.fraction);
      seen.push(countOnes(m));
    }
    expect(seen).toEqual(golden.remaining);
  });
});
