import * as tf from '@tensorflow/tfjs';
import { TF_SHAPES, WEIGHT_NAMES, type WeightName } from '../model/cnn.ts';
import type { WeightSet } from '../model/layout.ts';
import type { MaskTensors } from './step.ts';

/** Masks of the prunable weights, tfjs layout, 1 keeps and 0 prunes. Biases are never masked. */
export type Mask = Record<WeightName, Uint8Array>;

export function onesMask(): Mask {
  const m = {} as Mask;
  for (const n of WEIGHT_NAMES) m[n] = new Uint8Array(TF_SHAPES[n].reduce((a, b) => a * b, 1)).fill(1);
  return m;
}

export function countOnes(m: Mask): number {
  let s = 0;
  for (const n of WEIGHT_NAMES) for (const v of m[n]) s += v;
  return s;
}

/** w ⊙ mask for the prunable weights (a copy; biases unchanged). */
export function applyMask(w: WeightSet, m: Mask): WeightSet {
  const out = { ...w };
  for (const n of WEIGHT_NAMES) out[n] = w[n].map((v, i) => (m[n][i] ? v : 0));
  return out;
}

export function maskTensors(m: Mask): MaskTensors {
  const out: MaskTensors = {};
  for (const n of WEIGHT_NAMES) out[n] = tf.tensor(Float32Array.from(m[n]), TF_SHAPES[n], 'float32');
  return out;
}
