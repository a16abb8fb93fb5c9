import * as tf from '@tensorflow/tfjs';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { f32, requireNhwc, storeRounded, zeroedScratch } from './heap.ts';

// Conv2DBackpropFilter for the wasm backend, which ships no such kernel (so no Conv2D weight
// gradient, so no training). Computed in JS directly on the wasm heap:
//
//   dW[r, c, i, o] = sum over (b, y, x) of  X[b, y*sh + r - top, x*sw + c - left, i] * dY[b, y, x, o]
//
// The loop runs over dY and skips its zeros. In this network the dY of each conv is a gradient
// that came back through a 2x2 max-pool and a ReLU, so at most one entry in four is non-zero;
// skipping them does several times less work than a dense reduction (XNNPACK's conv over
// transposed tensors, or im2col + matmul) and needs no transposes (measured: see the bench
// notes in src/cli/commands/bench.ts). Accumulation is in float64, rounded once at the end.

interface Args {
  inputs: { x: tf.TensorInfo; dy: tf.TensorInfo };
  backend: BackendWasm;
  attrs: {
    strides: [number, number] | number;
    pad: 'valid' | 'same' | number | tf.backend_util.ExplicitPadding;
    dataFormat: 'NHWC' | 'NCHW';
    dimRoundingMode?: 'floor' | 'round' | 'ceil';
    filterShape: [number, number, number, number];
  };
}

function conv2DBackpropFilter({ inputs, backend, attrs }: Args): tf.TensorInfo {
  const { x, dy } = inputs;
  requireNhwc('Conv2DBackpropFilter', attrs.dataFormat);
  const info = tf.backend_util.computeConv2DInfo(x.shape as [number, number, number, number], attrs.filterShape, attrs.strides, 1, attrs.pad, attrs.dimRoundingMode, false, 'channelsLast');
  const { batchSize, inHeight, inWidth, inChannels, outHeight, outWidth, outChannels, filterHeight, filterWidth, strideHeight, strideWidth } = info;
  const top = info.padInfo.top;
  const left = info.padInfo.left;

  // Allocate first: allocation may grow the wasm memory, which detaches earlier heap views.
  const out = backend.makeOutput(info.filterShape, 'float32');
  const X = f32(backend, x);
  const DY = f32(backend, dy);
  const DW = f32(backend, out);

  const acc = zeroedScratch(DW.length);
  const xRow = inWidth * inChannels;
  const taps = filterHeight * filterWidth;
  const tapStride = inChannels * outChannels; // distance in dW between neighbouring (r, c) taps
  const tapOffset = new Int32Array(taps); // distance in X from a window's corner to each tap
  for (let r = 0; r < filterHeight; r++) for (let c = 0; c < filterWidth; c++) tapOffset[r * filterWidth + c] = r * xRow + c * inChannels;

  let d = 0; // running index into dY (b, y, x, o order)
  for (let b = 0; b < batchSize; b++) {
    const xb = b * inHeight * xRow;
    for (let yy = 0; yy < outHeight; yy++) {
      const y0 = yy * strideHeight - top;
      for (let xx = 0; xx < outWidth; xx++) {
        const x0 = xx * strideWidth - left;
        const inside = y0 >= 0 && x0 >= 0 && y0 + filterHeight <= inHeight && x0 + filterWidth <= inWidth;
        const corner = xb + y0 * xRow + x0 * inChannels;
        for (let o = 0; o < outChannels; o++, d++) {
          const g = DY[d];
          if (g === 0) continue;
          if (inside) {
            for (let t = 0; t < taps; t++) {
              const xa = corner + tapOffset[t];
              let k = t * tapStride + o;
              for (let i = 0; i < inChannels; i++, k += outChannels) acc[k] += X[xa + i] * g;
            }
          } else {
            // A window overlapping the padding: only the taps that land inside the image.
            for (let r = 0; r < filterHeight; r++) {
              if (y0 + r < 0 || y0 + r >= inHeight) continue;
              for (let c = 0; c < filterWidth; c++) {
                if (x0 + c < 0 || x0 + c >= inWidth) continue;
                const t = r * filterWidth + c;
                const xa = corner + tapOffset[t];
                let k = t * tapStride + o;
                for (let i = 0; i < inChannels; i++, k += outChannels) acc[k] += X[xa + i] * g;
              }
            }
          }
        }
      }
    }
  }
  storeRounded(acc, DW);
  return out;
}

export const conv2DBackpropFilterConfig: tf.KernelConfig = {
  kernelName: tf.Conv2DBackpropFilter,
  backendName: 'wasm',
  kernelFunc: conv2DBackpropFilter as unknown as tf.KernelFunc,
};
