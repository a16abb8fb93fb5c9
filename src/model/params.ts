import * as tf from '@tensorflow/tfjs';
import { rng, type Rng } from '../data/rng.ts';
import { FAN_IN, PARAM_NAMES, TF_SHAPES, TORCH_SHAPES, type ParamName, type Params } from './cnn.ts';
import { paramTorchToTf, type WeightSet } from './layout.ts';

/**
 * D3, OpenLTH's kaiming_normal: weights N(0, 2/fan_in), biases U(-1/sqrt(fan_in), 1/sqrt(fan_in))
 * (PyTorch's default bias init). Drawn in PyTorch layout order from the stream (seed, 'init').
 */
export function initWeights(seed: number): WeightSet {
  const r = rng(seed, 'init');
  const out = {} as WeightSet;
  for (const name of PARAM_NAMES) out[name] = drawInitParam(name, r);
  return out;
}

/**
 * One parameter drawn from the D3 init (see initWeights) from `r`, in PyTorch layout order,
 * returned in tfjs layout. Shared with the randomisation control, which re-draws layers from
 * the init distribution with streams of its own.
 */
export function drawInitParam(name: ParamName, r: Rng): Float32Array {
  const layer = name.split('.')[0] as keyof typeof FAN_IN;
  const fanIn = FAN_IN[layer];
  const n = TORCH_SHAPES[name].reduce((a, b) => a * b, 1);
  const torch = new Float32Array(n);
  if (name.endsWith('.weight')) {
    const std = Math.sqrt(2 / fanIn);
    for (let i = 0; i < n; i++) torch[i] = r.normal() * std;
  } else {
    const bound = 1 / Math.sqrt(fanIn);
    for (let i = 0; i < n; i++) torch[i] = (2 * r.next() - 1) * bound;
  }
  return paramTorchToTf(name, torch);
}

/** Tensors of a weight set (caller disposes). */
export function toTensors(w: WeightSet): Params {
  const out = {} as Params;
  for (const name of PARAM_NAMES) out[name] = tf.tensor(w[name], TF_SHAPES[name], 'float32');
  return out;
}

/** Reads tensors back into a weight set. */
export function fromTensors(p: Params): WeightSet {
  const out = {} as WeightSet;
  for (const name of PARAM_NAMES) out[name] = p[name].dataSync() as Float32Array;
  return out;
}

export function disposeParams(p: Partial<Params>): void {
  for (const t of Object.values(p)) t?.dispose();
}
