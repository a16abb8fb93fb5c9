import * as tf from '@tensorflow/tfjs';
import { selectBackend } from '../../src/backend/select.ts';
import { rng } from '../../src/data/rng.ts';

// Helpers for the backend specs: run the same computation on the cpu and the wasm backend
// (tfjs backends are global per process; each call selects the one it needs).

export type Backend = 'cpu' | 'wasm';

/** Uniform values in [lo, hi) from the seeded stream (seed, 'spec', ...purpose). */
export function uniform(n: number, seed: number, lo: number, hi: number, ...purpose: Array<string | number>): Float32Array {
  const r = rng(seed, 'spec', ...purpose);
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = lo + (hi - lo) * r.next();
  return out;
}

/** Values in [lo, hi) with about `zeroFraction` of them exactly 0 (like ReLU/pool gradients). */
export function sparse(n: number, seed: number, zeroFraction: number, lo: number, hi: number, ...purpose: Array<string | number>): Float32Array {
  const r = rng(seed, 'spec', 'sparse', ...purpose);
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = r.next() < zeroFraction ? 0 : lo + (hi - lo) * r.next();
  return out;
}

/** Runs `f` on `backend` inside tf.tidy and reads every result back. */
export async function on(backend: Backend, f: () => tf.Tensor | tf.Tensor[]): Promise<Float32Array[]> {
  await selectBackend(backend);
  const out = tf.tidy(f);
  const list = Array.isArray(out) ? out : [out];
  const values = list.map((t) => Float32Array.from(t.dataSync()));
  tf.dispose(list);
  return values;
}

/** The shape of every result of `f` on `backend` (to check shapes, not just values). */
export async function shapesOn(backend: Backend, f: () => tf.Tensor | tf.Tensor[]): Promise<number[][]> {
  await selectBackend(backend);
  const out = tf.tidy(f);
  const list = Array.isArray(out) ? out : [out];
  const shapes = list.map((t) => t.shape);
  tf.dispose(list);
  return shapes;
}

/** Runs a kernel by name (those without a public op: MaxPoolGrad, Conv2DBackpropFilter, ...). */
export function runKernel(name: string, inputs: tf.NamedTensorMap, attrs: object): tf.Tensor | tf.Tensor[] {
  return tf.engine().runKernel(name, inputs, attrs as tf.NamedAttrMap) as tf.Tensor | tf.Tensor[];
}
