import * as tf from '@tensorflow/tfjs';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';

/** Runs another wasm kernel from inside a kernel (its output is the caller's to dispose or return). */
export function callWasmKernel(name: string, backend: BackendWasm, inputs: Record<string, tf.TensorInfo>, attrs: object): tf.TensorInfo {
  const kernel = tf.getKernel(name, 'wasm');
  if (kernel === undefined) throw new Error(`the wasm backend has no '${name}' kernel`);
  return kernel.kernelFunc({ inputs, backend, attrs } as unknown as Parameters<tf.KernelFunc>[0]) as tf.TensorInfo;
}
