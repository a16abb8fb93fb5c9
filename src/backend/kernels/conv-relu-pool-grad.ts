import * as tf from '@tensorflow/tfjs';
import { floatViews } from './float-io.ts';

// The backward pass of one conv block of the thesis CNN in a single kernel:
//
//   z = relu(conv2d(x, W, stride 1, 'valid') + b);   p = maxPool(z, k, stride k, 'valid')
//
// Given dL/dp it returns dL/dW, dL/db and (optionally) dL/dx. Max-pooling sends each window's
// gradient to one position (its first maximum in row-major order, as PyTorch and tfjs do), and
// the ReLU passes it only if that maximum is > 0. So only the pooled entries with dp != 0 and
// p > 0 contribute, each through one kh*kw*Ci patch: no dense [N, H', W', C] gradient is ever
// materialised, zero-filled, transposed or scanned. On this network that is ~15k of 25.6k
// (conv2) and ~40k of 86.5k (conv1) entries at batch 128, against dense reductions over 124k
// and 346k positions; the composed standard kernels (MaxPoolGrad, ReLU grad, conv backprops,
// bias sum) cost several times more on wasm (see src/cli/commands/bench.ts for the numbers).
//
// Accumulation is in float64, rounded to float32 once per output element.

export const CONV_RELU_POOL_GRAD = 'PrunecamConvReluPoolGrad';

export interface ConvReluPoolGradAttrs {
  /** Pooling window and stride (square, 'valid'). */
  pool: number;
  /** Whether to compute dL/dx too (false for the first layer, whose input is the data). */
  inputGrad: boolean;
}

/** Inputs: dp [N,PH,PW,C]; z, the block's post-ReLU conv output [N,H',W',C]; p [N,PH,PW,C]; x [N,H,W,Ci]; filter [kh,kw,Ci,C]. */
export type ConvReluPoolGradInputs = Record<'dp' | 'z' | 'p' | 'x' | 'filter', tf.TensorInfo>;

function shape4(t: tf.TensorInfo, what: string): [number, number, number, number] {
  if (t.shape.length !== 4) throw new Error(`${CONV_RELU_POOL_GRAD}: ${what} must be rank 4, got shape [${t.shape}]`);
  return t.shape as [number, number, number, number];
}

function convReluPoolGrad({ inputs, backend, attrs }: { inputs: ConvReluPoolGradInputs; backend: tf.KernelBackend; attrs: ConvReluPoolGradAttrs }): tf.TensorInfo[] {
  const { dp, z, p, x, filter } = inputs;
  const { pool, inputGrad } = attrs;
  const [n, ph, pw, ch] = shape4(p, 'p');
  const [, zh, zw] = shape4(z, 'z');
  const [, h, w, ci] = shape4(x, 'x');
  const [kh, kw, fi, fo] = shape4(filter, 'filter');
  const agree =
    dp.shape.join() === p.shape.join() &&
    z.shape[0] === n && z.shape[3] === ch && x.shape[0] === n &&
    fi === ci && fo === ch && zh === h - kh + 1 && zw === w - kw + 1 &&
    ph === Math.floor(zh / pool) && pw === Math.floor(zw / pool);
  if (!agree) {
    throw new Error(`${CONV_RELU_POOL_GRAD}: inconsistent shapes dp [${dp.shape}], z [${z.shape}], p [${p.shape}], x [${x.shape}], filter [${filter.shape}] for a valid stride-1 conv and a ${pool}x${pool} pool`);
  }

  const outShapes = [filter.shape, [ch], ...(inputGrad ? [x.shape] : [])];
  const v = floatViews(CONV_RELU_POOL_GRAD, backend, [dp, z, p, x, filter], outShapes);
  const [DP, Z, P, X, W] = v.inputs;

  // Per output channel, the patch weights/gradients as rows of kw*ci contiguous values (the
  // layout of an x row), so the inner loops walk both arrays linearly.
  const patch = kh * kw * ci;
  const rowLen = kw * ci;
  const dwT = new Float64Array(ch * patch);
  const db = new Float64Array(ch);
  const wT = new Float64Array(ch * patch);
  for (let t = 0; t < patch; t++) for (let o = 0; o < ch; o++) wT[o * patch + t] = W[t * ch + o];
  const dx = inputGrad ? new Float64Array(X.length) : null;

  const xRow = w * ci;
  const zRow = zw * ch;
  let d = 0; // index into dp / p, (b, py, px, o) order
  for (let b = 0; b < n; b++) {
    for (let py = 0; py < ph; py++) {
      for (let px = 0; px < pw; px++) {
        for (let o = 0; o < ch; o++, d++) {
          const g = DP[d];
          if (g === 0 || !(P[d] > 0)) continue;
          // The window's first maximum (p > 0 was checked, so one exists).
          let by = 0;
          let bx = 0;
          let bestValue = Number.NEGATIVE_INFINITY;
          for (let zy = py * pool; zy < py * pool + pool; zy++) {
            for (let zx = px * pool; zx < px * pool + pool; zx++) {
              const value = Z[(b * zh + zy) * zRow + zx * ch + o];
              if (value > bestValue) {
                bestValue = value;
                by = zy;
                bx = zx;
              }
            }
          }
          db[o] += g;
          let k = o * patch;
          const corner = (b * h + by) * xRow + bx * ci;
          for (let r = 0; r < kh; r++) {
            const row = corner + r * xRow;
            for (let j = 0; j < rowLen; j++) dwT[k + j] += g * X[row + j];
            if (dx !== null) for (let j = 0; j < rowLen; j++) dx[row + j] += g * wT[k + j];
            k += rowLen;
          }
        }
      }
    }
  }

  const [DW, DB, DX] = v.outputs;
  for (let t = 0; t < patch; t++) for (let o = 0; o < ch; o++) DW[t * ch + o] = dwT[o * patch + t];
  for (let o = 0; o < ch; o++) DB[o] = db[o];
  if (dx !== null) for (let i = 0; i < dx.length; i++) DX[i] = dx[i];
  return v.infos;
}

/** The kernel for one backend (it is the same JS on cpu and wasm). */
export function convReluPoolGradConfig(backendName: string): tf.KernelConfig {
  return { kernelName: CONV_RELU_POOL_GRAD, backendName, kernelFunc: convReluPoolGrad as unknown as tf.KernelFunc };
}
