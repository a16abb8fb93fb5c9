import type * as tf from '@tensorflow/tfjs';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { callWasmKernel } from './call-kernel.ts';

// BatchMatMul / _FusedMatMul with transposeA or transposeB for the wasm backend. The shipped
// kernels run a transposed product on a scalar C++ loop instead of XNNPACK: a gradient's
// dy [1000, 10] x W^T took 7 ms, against 0.8 ms for an explicit transpose (Transpose kernel)
// followed by the untransposed XNNPACK product. So the operand is transposed first and the
// shipped kernel runs with the flags off. Untransposed calls go straight through.

type MatMulArgs = { inputs: Record<string, tf.TensorInfo | undefined>; backend: BackendWasm; attrs: Record<string, unknown> };

function swapLastTwo(backend: BackendWasm, t: tf.TensorInfo): tf.TensorInfo {
  const perm = t.shape.map((_, i) => i);
  const r = perm.length;
  [perm[r - 2], perm[r - 1]] = [perm[r - 1], perm[r - 2]];
  return callWasmKernel('Transpose', backend, { x: t }, { perm });
}

/** Wraps the shipped BatchMatMul or _FusedMatMul kernel (keeping its setup). */
export function untransposedMatMulConfig(shipped: tf.KernelConfig): tf.KernelConfig {
  const run = shipped.kernelFunc as unknown as (args: MatMulArgs) => tf.TensorInfo;
  const kernelFunc = (args: MatMulArgs): tf.TensorInfo => {
    const { inputs, backend, attrs } = args;
    if (!attrs.transposeA && !attrs.transposeB) return run(args);
    const a = inputs.a as tf.TensorInfo;
    const b = inputs.b as tf.TensorInfo;
    const a2 = attrs.transposeA ? swapLastTwo(backend, a) : a;
    const b2 = attrs.transposeB ? swapLastTwo(backend, b) : b;
    try {
      return run({ inputs: { ...inputs, a: a2, b: b2 }, backend, attrs: { ...attrs, transposeA: false, transposeB: false } });
    } finally {
      if (a2 !== a) backend.disposeData(a2.dataId);
      if (b2 !== b) backend.disposeData(b2.dataId);
    }
  };
  return { ...shipped, kernelFunc: kernelFunc as unknown as tf.KernelFunc };
}
