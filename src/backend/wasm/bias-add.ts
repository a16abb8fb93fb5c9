import type * as tf from '@tensorflow/tfjs';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { callWasmKernel } from './call-kernel.ts';

// Add for the wasm backend when one operand is a bias: a rank-1 float32 tensor as long as the
// other's last dimension (tf.add(conv2d(...), bias), as src/model/cnn.ts does). The shipped
// kernel computes a broadcast index per element: 16-29 ms for conv1's bias at batch 1,000
// (2.7M elements), a quarter of a Grad-CAM++ batch's kernel time. Here it runs as XNNPACK's
// depthwise 1x1 convolution with weight 1 and that bias (the shipped FusedDepthwiseConv2D
// kernel): ~4 ms. x*1 is exact, so each output is the same single float32 rounding of x + b
// (and infinities and NaNs stay in their own channel). Every other Add goes to the shipped
// kernel.

type AddArgs = { inputs: { a: tf.TensorInfo; b: tf.TensorInfo }; backend: BackendWasm; attrs: Record<string, never> };

function biasOperands(a: tf.TensorInfo, b: tf.TensorInfo): [tf.TensorInfo, tf.TensorInfo] | null {
  if (a.dtype !== 'float32' || b.dtype !== 'float32') return null;
  const isBias = (x: tf.TensorInfo, bias: tf.TensorInfo) => bias.shape.length === 1 && x.shape.length >= 2 && x.shape[x.shape.length - 1] === bias.shape[0] && bias.shape[0] > 0;
  if (isBias(a, b)) return [a, b];
  if (isBias(b, a)) return [b, a];
  return null;
}

function addBias(backend: BackendWasm, x: tf.TensorInfo, bias: tf.TensorInfo): tf.TensorInfo {
  const c = bias.shape[0];
  const rows = x.shape.reduce((s, d) => s * d, 1) / c;
  const ones = backend.makeOutput([1, 1, c, 1], 'float32');
  (backend.typedArrayFromHeap(ones) as Float32Array).fill(1);
  const image: tf.TensorInfo = { dataId: x.dataId, dtype: 'float32', shape: [1, 1, rows, c] };
  const attrs = { strides: 1, pad: 'valid', dilations: 1, dataFormat: 'NHWC', activation: 'linear' };
  const out = callWasmKernel('FusedDepthwiseConv2D', backend, { x: image, filter: ones, bias }, attrs);
  backend.disposeData(ones.dataId);
  // Same bytes, the input's shape (recorded in the backend's table too, which some kernels read).
  const entry = backend.dataIdMap.get(out.dataId) as { shape: number[] } | undefined;
  if (entry !== undefined) entry.shape = x.shape;
  return { ...out, shape: x.shape };
}

/** Wraps the shipped Add kernel (keeping its setup) with the bias fast path. */
export function biasAddConfig(shipped: tf.KernelConfig): tf.KernelConfig {
  const run = shipped.kernelFunc as unknown as (args: AddArgs) => tf.TensorInfo;
  const kernelFunc = (args: AddArgs): tf.TensorInfo => {
    const operands = biasOperands(args.inputs.a, args.inputs.b);
    return operands === null ? run(args) : addBias(args.backend, operands[0], operands[1]);
  };
  return { ...shipped, kernelFunc: kernelFunc as unknown as tf.KernelFunc };
}
