import * as tf from '@tensorflow/tfjs';
import { blockLoop } from './conv-relu-pool-grad-loop.ts';
import { floatViews } from './float-io.ts';

// The backward pass of one conv block of the thesis CNN in a single kernel:
//
//   z = relu(conv2d(x, W, stride 1, 'valid') + b);   p = maxPool(z, k, stride k, 'valid')
//
// Given dL/dp it returns dL/dW, dL/db and (optionally) dL/dz, the gradient at the conv's
// output before the ReLU, from which the caller gets dL/dx as a transposed convolution (on
// wasm an XNNPACK convolution, much faster than scattering in JS). Max-pooling sends each window's
// gradient to one position (its first maximum in row-major order, as PyTorch and tfjs do), and
// the ReLU passes it only if that maximum is > 0. So only the pooled entries with dp != 0 and
// p > 0 contribute, each through one kh*kw*Ci patch: no dense [N, H', W', C] gradient is
// materialised, zero-filled, transposed or scanned. At batch 128 that is at most 25.6k (conv2)
// and 86.5k (conv1) entries, against dense reductions over 124k and 346k positions; the
// composed standard kernels (MaxPoolGrad, ReLU grad, both conv backprops, bias sum) measured
// several times slower on wasm (numbers in src/cli/commands/bench.ts).
//
// Accumulation is in float64, rounded to float32 once per output element.

export const CONV_RELU_POOL_GRAD = 'PrunecamConvReluPoolGrad';

export interface ConvReluPoolGradAttrs {
  /** Pooling window and stride (square, 'valid'). */
  pool: number;
  /** The conv filter's shape [kh, kw, Ci, C] (HWIO). */
  filterShape: [number, number, number, number];
  /** Whether to return dL/dz too (needed for dL/dx; not for the first layer, whose input is the data). */
  convOutputGrad: boolean;
}

/** dp: dL/dp [N,PH,PW,C]; z: the post-ReLU conv output [N,H',W',C]; p: maxPool(z) [N,PH,PW,C]; x: the conv's input [N,H,W,Ci]. */
export type ConvReluPoolGradInputs = Record<'dp' | 'z' | 'p' | 'x', tf.TensorInfo>;

function rank4(t: tf.TensorInfo, what: string): [number, number, number, number] {
  if (t.shape.length !== 4) throw new Error(`${CONV_RELU_POOL_GRAD}: ${what} must be rank 4, got shape [${t.shape}]`);
  return t.shape as [number, number, number, number];
}

/** Outputs [dW, db] or, with convOutputGrad, [dW, db, dz] (dz shaped like z). */
function convReluPoolGrad({ inputs, backend, attrs }: { inputs: ConvReluPoolGradInputs; backend: tf.KernelBackend; attrs: ConvReluPoolGradAttrs }): tf.TensorInfo[] {
  const { dp, z, p, x } = inputs;
  const { pool, filterShape, convOutputGrad } = attrs;
  const [n, ph, pw, ch] = rank4(p, 'p');
  const [, zh, zw] = rank4(z, 'z');
  const [, h, w, ci] = rank4(x, 'x');
  const [kh, kw] = filterShape;
  const consistent =
    filterShape.length === 4 &&
    dp.shape.join() === p.shape.join() &&
    z.shape[0] === n && z.shape[3] === ch && x.shape[0] === n &&
    filterShape[2] === ci && filterShape[3] === ch &&
    zh === h - kh + 1 && zw === w - kw + 1 &&
    ph === Math.floor(zh / pool) && pw === Math.floor(zw / pool);
  if (!consistent) {
    throw new Error(`${CONV_RELU_POOL_GRAD}: shapes dp [${dp.shape}], z [${z.shape}], p [${p.shape}], x [${x.shape}], filterShape [${filterShape}] do not fit a valid stride-1 conv followed by a ${pool}x${pool} max-pool`);
  }

  const v = floatViews(CONV_RELU_POOL_GRAD, backend, [dp, z, p, x], [filterShape, [ch], ...(convOutputGrad ? [z.shape] : [])]);
  const [DP, Z, P, X] = v.inputs as Float32Array[];
  const [DW, DB, DZ] = v.outputs;

  // The filter gradient accumulates per output channel, in patch (r, c, i) order.
  const patch = kh * kw * ci;
  const dwT = new Float64Array(ch * patch);
  const db = new Float64Array(ch);
  const dz = convOutputGrad ? DZ.fill(0) : null;

  blockLoop({ ph, pw, ch, zh, zw, h, w, ci, kh, kw, pool, convOutputGrad })(n, DP, Z, P, X, dwT, db, dz);

  for (let t = 0; t < patch; t++) for (let o = 0; o < ch; o++) DW[t * ch + o] = dwT[o * patch + t];
  DB.set(db);
  return v.infos;
}

/** The kernel for one backend (the same JS on cpu and wasm). */
export function convReluPoolGradConfig(backendName: string): tf.KernelConfig {
  return { kernelName: CONV_RELU_POOL_GRAD, backendName, kernelFunc: convReluPoolGrad as unknown as tf.KernelFunc };
}
