import { WEIGHT_NAMES, type WeightName } from '../model/cnn.ts';
import type { WeightSet } from '../model/layout.ts';
import { countOnes, type Mask } from '../train/masks.ts';

/**
 * OpenLTH `sparse_global` (pruning/sparse_global.py at 2ce732f): one global magnitude threshold
 * over the prunable tensors. r = ones in the mask; k = ceil(fraction*r); threshold = the k-th
 * (0-based) smallest float32 |w| among unpruned weights; keep a weight only where |w| > threshold
 * and it was kept before. So k+1 weights go (plus ties at the threshold); masks only shrink;
 * biases are never prunable.
 */
export function pruneSparseGlobal(weights: Pick<WeightSet, WeightName>, mask: Mask, fraction: number, layers: readonly WeightName[] = WEIGHT_NAMES): Mask {
  const remaining = countOnes(mask);
  const k = Math.ceil(fraction * remaining);
  // The weights of unpruned entries; float32 magnitudes, as OpenLTH's numpy arrays hold them.
  const mags: number[] = [];
  for (const n of layers) {
    const w = weights[n];
    const m = mask[n];
    for (let i = 0; i < w.length; i++) if (m[i]) mags.push(Math.abs(w[i]));
  }
  if (k >= mags.length) {
    throw new RangeError(`cannot prune: ${remaining} weights remain and the rule would index magnitude ${k} of ${mags.length}`);
  }
  const sorted = Float32Array.from(mags).sort();
  const threshold = sorted[k];
  const next = {} as Mask;
  for (const n of WEIGHT_NAMES) {
    const w = weights[n];
    const m = mask[n];
    if (!layers.includes(n)) {
      next[n] = Uint8Array.from(m);
      continue;
    }
    const out = new Uint8Array(m.length);
    for (let i = 0; i < m.length; i++) out[i] = m[i] && Math.fround(Math.abs(w[i])) > threshold ? 1 : 0;
    next[n] = out;
  }
  return next;
}

/** Remaining weights per level when every level removes exactly ceil(fraction*r)+1 (no ties). */
export function remainingSchedule(total: number, fraction: number, levels: number): number[] {
  const out = [total];
  for (let l = 1; l < levels; l++) {
    const r = out[l - 1];
    out.push(r - (Math.ceil(fraction * r) + 1));
  }
  return out;
}
