import type * as tf from '@tensorflow/tfjs';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';

// Shared plumbing of the JS kernels that run on the wasm backend's memory.

/** A float32 view of a tensor's bytes on the wasm heap. Re-take views after any allocation. */
export function f32(backend: BackendWasm, t: tf.TensorInfo): Float32Array {
  if (t.dtype !== 'float32') throw new Error(`expected a float32 tensor, got ${t.dtype} of shape [${t.shape}]`);
  return backend.typedArrayFromHeap(t) as Float32Array;
}

/** Throws unless the kernel's data format is NHWC (the only layout these kernels implement). */
export function requireNhwc(kernel: string, dataFormat: string | undefined): void {
  if (dataFormat !== undefined && dataFormat !== 'NHWC') throw new Error(`${kernel} (wasm, prunecam): only NHWC is supported, got ${dataFormat}`);
}

let scratch = new Float64Array(0);

/** A zeroed float64 accumulator of at least `n` entries, reused across calls (kernels run one at a time). */
export function zeroedScratch(n: number): Float64Array {
  if (scratch.length < n) scratch = new Float64Array(n);
  else scratch.fill(0, 0, n);
  return scratch;
}

/** Copies the first `out.length` accumulator entries into a float32 output, rounding each once. */
export function storeRounded(acc: Float64Array, out: Float32Array): void {
  for (let i = 0; i < out.length; i++) out[i] = acc[i];
}
