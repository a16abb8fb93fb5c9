import * as tf from '@tensorflow/tfjs';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { f32 } from './heap.ts';

// MaxPoolGrad for the wasm backend, replacing the shipped one (~8 ms per call on conv1's
// [128, 26, 26, 4] activations, more than the whole forward pass). One pass over the pooling
// windows: each window's gradient goes to its first maximal input in row-major order (the
// position the cpu backend and PyTorch pick too); every other input gets 0. The 2x2, stride 2,
// unpadded pool of this network has its own loop with the window unrolled.

interface Args {
  inputs: { dy: tf.TensorInfo; input: tf.TensorInfo; output: tf.TensorInfo };
  backend: BackendWasm;
  attrs: {
    filterSize: [number, number] | number;
    strides: [number, number] | number;
    pad: 'valid' | 'same' | number | tf.backend_util.ExplicitPadding;
    dimRoundingMode?: 'floor' | 'round' | 'ceil';
  };
}

function maxPoolGrad({ inputs, backend, attrs }: Args): tf.TensorInfo {
  const { dy, input, output } = inputs;
  const info = tf.backend_util.computePool2DInfo(input.shape as [number, number, number, number], attrs.filterSize, attrs.strides, 1, attrs.pad, attrs.dimRoundingMode);
  const out = backend.makeOutput(input.shape, 'float32');
  const X = f32(backend, input);
  const Y = f32(backend, output);
  const DY = f32(backend, dy);
  const DX = f32(backend, out);
  DX.fill(0);
  const p = info.padInfo;
  const unpadded2x2 =
    info.filterHeight === 2 && info.filterWidth === 2 && info.strideHeight === 2 && info.strideWidth === 2 && p.top === 0 && p.left === 0 && p.bottom === 0 && p.right === 0;
  if (unpadded2x2) route2x2(X, Y, DY, DX, info);
  else routeAny(X, DY, DX, info);
  return out;
}

/**
 * 2x2 windows, stride 2, no padding. The window's maximum is given (the forward's output), so
 * its first position is found without branches: n_i = 1 while positions 0..i all differ from
 * it, and their sum is the index (branching per comparison mispredicts about once a window).
 * A window whose given maximum is NaN or not in it takes the comparison path.
 */
function route2x2(X: Float32Array, Y: Float32Array, DY: Float32Array, DX: Float32Array, info: tf.backend_util.Conv2DInfo): void {
  const { batchSize, inHeight, inWidth, inChannels: ch, outHeight, outWidth } = info;
  const row = inWidth * ch;
  let d = 0;
  for (let b = 0; b < batchSize; b++) {
    for (let py = 0; py < outHeight; py++) {
      let corner = ((b * inHeight + 2 * py) * inWidth) * ch;
      for (let px = 0; px < outWidth; px++, corner += 2 * ch) {
        for (let c = 0; c < ch; c++, d++) {
          const g = DY[d];
          if (g === 0) continue;
          const at = corner + c;
          const m = Y[d];
          const n0 = +(X[at] !== m);
          const n1 = n0 & +(X[at + ch] !== m);
          const n2 = n1 & +(X[at + row] !== m);
          const k = n0 + n1 + n2;
          const best = at + (k >> 1) * row + (k & 1) * ch;
          if (X[best] === m) DX[best] += g;
          else routeWindow(X, DX, at, row, ch, g);
        }
      }
    }
  }
}

/** One 2x2 window by comparisons: strictly greater, so the first maximum wins and NaNs never do (as on the cpu backend). */
function routeWindow(X: Float32Array, DX: Float32Array, at: number, row: number, ch: number, g: number): void {
  let best = -1;
  let m = Number.NEGATIVE_INFINITY;
  for (const off of [0, ch, row, row + ch]) {
    if (X[at + off] > m) {
      m = X[at + off];
      best = at + off;
    }
  }
  if (best >= 0) DX[best] += g;
}

/** Any window, stride and padding. */
function routeAny(X: Float32Array, DY: Float32Array, DX: Float32Array, info: tf.backend_util.Conv2DInfo): void {
  const { batchSize, inHeight, inWidth, inChannels: ch, outHeight, outWidth, strideHeight, strideWidth, filterHeight, filterWidth } = info;
  const top = info.padInfo.top;
  const left = info.padInfo.left;
  const xRow = inWidth * ch;
  let d = 0;
  for (let b = 0; b < batchSize; b++) {
    const xb = b * inHeight * xRow;
    for (let py = 0; py < outHeight; py++) {
      const r0 = Math.max(0, py * strideHeight - top);
      const r1 = Math.min(inHeight, py * strideHeight - top + filterHeight);
      for (let px = 0; px < outWidth; px++) {
        const c0 = Math.max(0, px * strideWidth - left);
        const c1 = Math.min(inWidth, px * strideWidth - left + filterWidth);
        for (let c = 0; c < ch; c++, d++) {
          const g = DY[d];
          if (g === 0) continue;
          let best = -1;
          let m = Number.NEGATIVE_INFINITY;
          for (let r = r0; r < r1; r++) {
            for (let col = c0; col < c1; col++) {
              const at = xb + r * xRow + col * ch + c;
              if (X[at] > m) {
                m = X[at];
                best = at;
              }
            }
          }
          if (best >= 0) DX[best] += g;
        }
      }
    }
  }
}

export const maxPoolGradConfig: tf.KernelConfig = {
  kernelName: tf.MaxPoolGrad,
  backendName: 'wasm',
  kernelFunc: maxPoolGrad as unknown as tf.KernelFunc,
};
