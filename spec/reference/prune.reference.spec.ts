import { describe, expect, it } from 'vitest';
import { WEIGHT_NAMES } from '../../src/model/cnn.ts';
import { paramTorchToTf, paramTfToTorch, type TorchTensorJson } from '../../src/model/layout.ts';
import { pruneSparseGlobal } from '../../src/prune/sparse-global.ts';
import { countOnes, type Mask } from '../../src/train/masks.ts';
import { fixturesOfKind } from '../support/fixtures.ts';
import type { WeightSet } from '../../src/model/layout.ts';

const fixtures = fixturesOfKind('prune');

describe('prune fixtures (OpenLTH sparse_global reference)', () => {
  it('has at least one fixture', () => expect(fixtures.length).toBeGreaterThan(0));
  for (const fx of fixtures) {
    it(fx.file, () => {
      const w = fx.weights as Record<string, TorchTensorJson>;
      const m = fx.mask as Record<string, TorchTensorJson>;
      const weights = {} as WeightSet;
      const mask = {} as Mask;
      for (const n of WEIGHT_NAMES) {
        weights[n] = paramTorchToTf(n, w[n].data);
        mask[n] = Uint8Array.from(paramTorchToTf(n, m[n].data));
      }
      const next = pruneSparseGlobal(weights, mask, fx.fraction as number);
      const want = fx.want as { new_mask: Record<string, TorchTensorJson>; remaining_before: number; remaining_after: number; removed: number };
      expect(countOnes(mask)).toBe(want.remaining_before);
      expect(countOnes(next)).toBe(want.remaining_after);
      expect(countOnes(mask) - countOnes(next)).toBe(want.removed);
      for (const n of WEIGHT_NAMES) {
        // Compared in PyTorch layout, element by element (tolerance 0: masks are exact).
        const got = Array.from(paramTfToTorch(n, next[n]));
        expect(got, n).toEqual(want.new_mask[n].data);
      }
    });
  }
});
