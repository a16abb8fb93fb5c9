import type * as tf from '@tensorflow/tfjs';

// Plain-JS kernels that run unchanged on the `cpu` and `wasm` backends need two things from a
// backend: the float32 values of an input, and a fresh float32 output to write into. The cpu
// backend keeps each tensor's values as a typed array; the wasm backend keeps them on its heap
// (where any allocation may grow the memory and detach earlier views, so outputs are allocated
// before any view is taken).

interface CpuLike {
  data: { get(id: tf.DataId): { values: unknown } | undefined };
  makeTensorInfo(shape: number[], dtype: 'float32', values: Float32Array): tf.TensorInfo;
}

interface WasmLike {
  makeOutput(shape: number[], dtype: 'float32'): tf.TensorInfo;
  typedArrayFromHeap(t: tf.TensorInfo): unknown;
}

/** The values of a float32 or int32 tensor. */
export type Values = Float32Array | Int32Array;

export interface FloatViews {
  /** The inputs' values, in the order given. */
  inputs: Values[];
  /** Output buffers (contents undefined: every kernel writes every element). */
  outputs: Float32Array[];
  /** The outputs as tensor infos, to return from the kernel. */
  infos: tf.TensorInfo[];
}

/** Allocates float32 outputs of the given shapes and returns views of (float32 or int32) inputs and outputs. */
export function floatViews(kernel: string, backend: tf.KernelBackend, inputs: tf.TensorInfo[], outputShapes: number[][]): FloatViews {
  for (const t of inputs) {
    if (t.dtype !== 'float32' && t.dtype !== 'int32') throw new Error(`${kernel}: inputs must be float32 or int32, got ${t.dtype} of shape [${t.shape}]`);
  }
  const size = (s: number[]) => s.reduce((a, b) => a * b, 1);
  if ('typedArrayFromHeap' in backend) {
    const wasm = backend as unknown as WasmLike;
    const infos = outputShapes.map((s) => wasm.makeOutput(s, 'float32'));
    return {
      inputs: inputs.map((t) => wasm.typedArrayFromHeap(t) as Values),
      outputs: infos.map((t) => wasm.typedArrayFromHeap(t) as Float32Array),
      infos,
    };
  }
  if ('data' in backend && 'makeTensorInfo' in backend) {
    const cpu = backend as unknown as CpuLike;
    const outputs = outputShapes.map((s) => new Float32Array(size(s)));
    return {
      inputs: inputs.map((t) => {
        const v = cpu.data.get(t.dataId)?.values;
        if (!(v instanceof Float32Array || v instanceof Int32Array)) throw new Error(`${kernel}: no ${t.dtype} values for an input of shape [${t.shape}]`);
        return v;
      }),
      outputs,
      infos: outputs.map((v, i) => cpu.makeTensorInfo(outputShapes[i], 'float32', v)),
    };
  }
  throw new Error(`${kernel}: unsupported backend (needs the cpu or wasm backend's storage)`);
}
