import * as tf from '@tensorflow/tfjs';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { f32 } from './heap.ts';

// MaxPoolGrad for the wasm backend, replacing the shipped one (it measured ~8 ms per call on
// conv1's [128, 26, 26, 4] activations, more than the whole forward pass). One pass over the
// pooling windows: each window's gradient goes to its first maximal input in row-major order
// (the position the cpu backend and PyTorch pick too), every other input gets 0.

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
  const { dy, input } = inputs;
  const info = tf.backend_util.computePool2DInfo(input.shape as [number, number, number, number], attrs.filterSize, attrs.strides, 1, attrs.pad, attrs.dimRoundingMode);
  const { batchSize, inHeight, inWidth, inChannels: channels, outHeight, outWidth, strideHeight, strideWidth, filterHeight, filterWidth } = info;
  const top = info.padInfo.top;
  const left = info.padInfo.left;

  const out = backend.makeOutput(input.shape, 'float32');
  const X = f32(backend, input);
  const DY = f32(backend, dy);
  const DX = f32(backend, out);
  DX.fill(0);

  const xRow = inWidth * channels;
  let d = 0; // index into dy, (b, py, px, ch) order
  for (let b = 0; b < batchSize; b++) {
    const xb = b * inHeight * xRow;
    for (let py = 0; py < outHeight; py++) {
      const r0 = Math.max(0, py * strideHeight - top);
      const r1 = Math.min(inHeight, py * strideHeight - top + filterHeight);
      for (let px = 0; px < outWidth; px++) {
        const c0 = Math.max(0, px * strideWidth - left);
        const c1 = Math.min(inWidth, px * strideWidth - left + filterWidth);
        for (let ch = 0; ch < channels; ch++, d++) {
          const g = DY[d];
          if (g === 0) continue; // nothing to route (the max is irrelevant)
          let best = -1;
          let bestValue = Number.NEGATIVE_INFINITY;
          for (let r = r0; r < r1; r++) {
            for (let c = c0; c < c1; c++) {
              const at = xb + r * xRow + c * channels + ch;
              if (X[at] > bestValue) {
                bestValue = X[at];
                best = at;
              }
            }
          }
          if (best >= 0) DX[best] += g;
        }
      }
    }
  }
  return out;
}

export const maxPoolGradConfig: tf.KernelConfig = {
  kernelName: tf.MaxPoolGrad,
  backendName: 'wasm',
  kernelFunc: maxPoolGrad as unknown as tf.KernelFunc,
};
