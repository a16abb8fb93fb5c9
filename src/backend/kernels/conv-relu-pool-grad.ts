import * as tf from '@tensorflow/tfjs';
import { blockLoop, type BlockGeometry } from './conv-relu-pool-grad-loop.ts';
import { floatViews } from './float-io.ts';
import { wasmBlockLoop } from '../wasm/block-grad-simd.ts';
import { heapOffset, wasmMemoryOf } from '../wasm/heap.ts';

// The backward pass of one conv block of the thesis CNN in a single kernel:
//
//   z = relu(conv2d(x, W, stride 1, 'valid') + b);   p = maxPool(z, k, stride k, 'valid')
//
// Given dL/dp it returns dL/dW, dL/db and (optionally) dL/dx. Max-pooling sends each window's
// gradient to one position (its first maximum in row-major order, as PyTorch and tfjs do), and
// the ReLU passes it only if that maximum is > 0. So only the pooled entries with dp != 0 and
// p > 0 contribute, each through one kh*kw*Ci patch of x (and of dL/dx): no dense gradient at
// z is materialised, zero-filled, transposed or scanned. At batch 128 that is at most 25.6k
// (conv2) and 86.5k (conv1) entries against dense reductions over 124k and 346k positions.
// Measured on wasm at batch 128 (this machine, shared, so +-30%): ~3 ms per step for both
// blocks, where tfjs autodiff over the standard kernels spent ~40 ms (shipped MaxPoolGrad
// 18 ms, a JS Conv2DBackpropFilter 14 ms, shipped Conv2DBackpropInput 9 ms, ReLU gradients
// and bias sums), and an XNNPACK transposed convolution for conv2's dL/dx alone took ~3 ms.
//
// dW and db accumulate in float64 and are rounded once; dL/dx accumulates in its float32
// output (each element sums at most kh*kw*C terms; a float64 buffer plus a final conversion
// measured no faster and no closer to the reference within the specs' tolerance).

export const CONV_RELU_POOL_GRAD = 'PrunecamConvReluPoolGrad';

export interface ConvReluPoolGradAttrs {
  /** Pooling window and stride (square, 'valid'). */
  pool: number;
  /** Whether to return dL/dx too (not needed for the first layer, whose input is the data). */
  inputGrad: boolean;
}

/** dp: dL/dp [N,PH,PW,C]; z: the post-ReLU conv output [N,H',W',C]; p: maxPool(z) [N,PH,PW,C]; x: the conv's input [N,H,W,Ci]; filter [kh,kw,Ci,C]. */
export type ConvReluPoolGradInputs = Record<'dp' | 'z' | 'p' | 'x' | 'filter', tf.TensorInfo>;

function rank4(t: tf.TensorInfo, what: string): [number, number, number, number] {
  if (t.shape.length !== 4) throw new Error(`${CONV_RELU_POOL_GRAD}: ${what} must be rank 4, got shape [${t.shape}]`);
  return t.shape as [number, number, number, number];
}

/** Outputs [dW, db] or, with inputGrad, [dW, db, dx]. */
function convReluPoolGrad({ inputs, backend, attrs }: { inputs: ConvReluPoolGradInputs; backend: tf.KernelBackend; attrs: ConvReluPoolGradAttrs }): tf.TensorInfo[] {
  const { dp, z, p, x, filter } = inputs;
  const { pool, inputGrad } = attrs;
  const [n, ph, pw, ch] = rank4(p, 'p');
  const [, zh, zw] = rank4(z, 'z');
  const [, h, w, ci] = rank4(x, 'x');
  const [kh, kw] = rank4(filter, 'filter');
  const consistent =
    dp.shape.join() === p.shape.join() &&
    z.shape[0] === n && z.shape[3] === ch && x.shape[0] === n &&
    filter.shape[2] === ci && filter.shape[3] === ch &&
    zh === h - kh + 1 && zw === w - kw + 1 &&
    Number.isInteger(pool) && pool >= 1 && ph === Math.floor(zh / pool) && pw === Math.floor(zw / pool);
  if (!consistent) {
    throw new Error(`${CONV_RELU_POOL_GRAD}: shapes dp [${dp.shape}], z [${z.shape}], p [${p.shape}], x [${x.shape}], filter [${filter.shape}] do not fit a valid stride-1 conv followed by a ${pool}x${pool} max-pool`);
  }

  const geometry: BlockGeometry = { ph, pw, ch, zh, zw, h, w, ci, kh, kw, pool, inputGrad };
  const v = floatViews(CONV_RELU_POOL_GRAD, backend, [dp, z, p, x, filter], [filter.shape, [ch], ...(inputGrad ? [x.shape] : [])]);
  const memory = wasmMemoryOf(backend);
  if (memory !== null && [dp, z, p, x, filter].every((t) => t.dtype === 'float32')) {
    const loop = wasmLoopOrNull(geometry, memory);
    if (loop !== null) {
      // The same loop as WebAssembly SIMD on the backend's memory, in place (bit for bit the JS loop's results).
      const at = (t: tf.TensorInfo) => heapOffset(backend, t);
      if (inputGrad) v.outputs[2].fill(0);
      loop(n, at(dp), at(z), at(p), at(x), at(filter), at(v.infos[0]), at(v.infos[1]), inputGrad ? at(v.infos[2]) : 0);
      return v.infos;
    }
  }
  const [DP, Z, P, X, W] = v.inputs as Float32Array[];
  const [DW, DB, DX] = v.outputs;

  // Filter and filter gradient per output channel, in patch (r, c, i) order.
  const patch = kh * kw * ci;
  const wT = new Float64Array(ch * patch);
  for (let t = 0; t < patch; t++) for (let o = 0; o < ch; o++) wT[o * patch + t] = W[t * ch + o];
  const dwT = new Float64Array(ch * patch);
  const db = new Float64Array(ch);
  const dx = inputGrad ? DX.fill(0) : null;

  blockLoop(geometry)(n, DP, Z, P, X, wT, dwT, db, dx);

  for (let t = 0; t < patch; t++) for (let o = 0; o < ch; o++) DW[t * ch + o] = dwT[o * patch + t];
  DB.set(db);
  return v.infos;
}

let simdUnavailable = false;

/** The SIMD loop for a geometry, or null where WebAssembly SIMD does not compile (then the JS loop runs). */
function wasmLoopOrNull(g: BlockGeometry, memory: WebAssembly.Memory) {
  if (simdUnavailable) return null;
  try {
    return wasmBlockLoop(g, memory);
  } catch {
    simdUnavailable = true;
    return null;
  }
}

/** The kernel for one backend (the same JS on cpu; on wasm the loop runs as WebAssembly SIMD, see src/backend/wasm/block-grad-simd.ts). */
export function convReluPoolGradConfig(backendName: string): tf.KernelConfig {
  return { kernelName: CONV_RELU_POOL_GRAD, backendName, kernelFunc: convReluPoolGrad as unknown as tf.KernelFunc };
}
