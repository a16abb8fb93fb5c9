import type * as tf from '@tensorflow/tfjs';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';

// Add for the wasm backend when one operand is a bias: a rank-1 float32 tensor as long as the
// other's last dimension (tf.add(conv2d(...), bias), as src/model/cnn.ts does). The shipped
// kernel computes a broadcast index per element; it measured 17 ms for conv1's bias at batch
// 1,000 (2.7M elements), a quarter of a Grad-CAM++ batch's kernel time. A row-by-row loop
// here does the same additions (identical results: float32 sums of the same two numbers).
// Every other Add goes to the shipped kernel.

type AddArgs = { inputs: { a: tf.TensorInfo; b: tf.TensorInfo }; backend: BackendWasm; attrs: Record<string, never> };

function biasOperands(a: tf.TensorInfo, b: tf.TensorInfo): [tf.TensorInfo, tf.TensorInfo] | null {
  if (a.dtype !== 'float32' || b.dtype !== 'float32') return null;
  const isBias = (x: tf.TensorInfo, bias: tf.TensorInfo) => bias.shape.length === 1 && x.shape.length >= 2 && x.shape[x.shape.length - 1] === bias.shape[0];
  if (isBias(a, b)) return [a, b];
  if (isBias(b, a)) return [b, a];
  return null;
}

/** Wraps the shipped Add kernel (keeping its setup) with the bias fast path. */
export function biasAddConfig(shipped: tf.KernelConfig): tf.KernelConfig {
  const run = shipped.kernelFunc as unknown as (args: AddArgs) => tf.TensorInfo;
  const kernelFunc = (args: AddArgs): tf.TensorInfo => {
    const operands = biasOperands(args.inputs.a, args.inputs.b);
    if (operands === null) return run(args);
    const [x, bias] = operands;
    const { backend } = args;
    const out = backend.makeOutput(x.shape, 'float32');
    const X = backend.typedArrayFromHeap(x) as Float32Array;
    const B = backend.typedArrayFromHeap(bias) as Float32Array;
    const O = backend.typedArrayFromHeap(out) as Float32Array;
    const c = B.length;
    for (let row = 0; row < X.length; row += c) {
      for (let j = 0; j < c; j++) O[row + j] = X[row + j] + B[j];
    }
    return out;
  };
  return { ...shipped, kernelFunc: kernelFunc as unknown as tf.KernelFunc };
}
