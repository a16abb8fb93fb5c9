import * as tf from '@tensorflow/tfjs';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { callWasmKernel } from './call-kernel.ts';
import { f32, forEachNonZeroTap, requireNhwc, storeRounded, zeroedScratch } from './heap.ts';

// Conv2DBackpropInput for the wasm backend, replacing the shipped one (a dense scalar C++ loop:
// ~9 ms for conv2's input gradient at batch 128, more than the whole forward pass).
//
// Stride 1: dX is a plain convolution of dY, padded by (k - 1 - pad), with the filter rotated
// by 180 degrees and its in/out channels swapped. That runs on the backend's own XNNPACK
// Conv2D kernel (2-3 ms for the same case).
// Other strides: a JS scatter, dX[b, y*s + r - top, x*s + c - left, i] += W[r, c, i, o] *
// dY[b, y, x, o], accumulated in float64 and skipping the zeros of dY.

interface Args {
  inputs: { dy: tf.TensorInfo; filter: tf.TensorInfo };
  backend: BackendWasm;
  attrs: {
    strides: [number, number] | number;
    pad: 'valid' | 'same' | number | tf.backend_util.ExplicitPadding;
    dataFormat: 'NHWC' | 'NCHW';
    dimRoundingMode?: 'floor' | 'round' | 'ceil';
    inputShape: [number, number, number, number];
  };
}

function conv2DBackpropInput({ inputs, backend, attrs }: Args): tf.TensorInfo {
  const { dy, filter } = inputs;
  requireNhwc('Conv2DBackpropInput', attrs.dataFormat);
  const info = tf.backend_util.computeConv2DInfo(attrs.inputShape, filter.shape as [number, number, number, number], attrs.strides, 1, attrs.pad, attrs.dimRoundingMode, false, 'channelsLast');
  const unitStride = info.strideHeight === 1 && info.strideWidth === 1;
  // A stride-1 conv padded by more than k-1 would need negative padding here: rare, scattered.
  const padFits = info.padInfo.bottom < info.filterHeight && info.padInfo.right < info.filterWidth && info.padInfo.top < info.filterHeight && info.padInfo.left < info.filterWidth;
  return unitStride && padFits ? viaConvolution(dy, filter, info, backend) : viaScatter(dy, filter, info, backend);
}

function viaConvolution(dy: tf.TensorInfo, filter: tf.TensorInfo, info: tf.backend_util.Conv2DInfo, backend: BackendWasm): tf.TensorInfo {
  const { filterHeight: kh, filterWidth: kw, inChannels: ci, outChannels: co } = info;
  const rotated = backend.makeOutput([kh, kw, co, ci], 'float32');
  const W = f32(backend, filter);
  const R = f32(backend, rotated);
  for (let r = 0; r < kh; r++)
    for (let c = 0; c < kw; c++)
      for (let i = 0; i < ci; i++)
        for (let o = 0; o < co; o++) R[((r * kw + c) * co + o) * ci + i] = W[(((kh - 1 - r) * kw + (kw - 1 - c)) * ci + i) * co + o];
  // dX[y] = sum_r dY[y + top - r] W[r]: pad dY by kh-1-top before, and after by whatever makes
  // the output inHeight tall (kh-1-bottom).
  const top = kh - 1 - info.padInfo.top;
  const left = kw - 1 - info.padInfo.left;
  const bottom = info.inHeight - info.outHeight + kh - 1 - top;
  const right = info.inWidth - info.outWidth + kw - 1 - left;
  const pad: tf.backend_util.ExplicitPadding = [[0, 0], [top, bottom], [left, right], [0, 0]];
  const out = callWasmKernel('Conv2D', backend, { x: dy, filter: rotated }, { strides: 1, dilations: 1, pad, dataFormat: 'NHWC' });
  backend.disposeData(rotated.dataId);
  return out;
}

function viaScatter(dy: tf.TensorInfo, filter: tf.TensorInfo, info: tf.backend_util.Conv2DInfo, backend: BackendWasm): tf.TensorInfo {
  const out = backend.makeOutput(info.inShape, 'float32');
  const W = f32(backend, filter);
  const DY = f32(backend, dy);
  const DX = f32(backend, out);
  const acc = zeroedScratch(DX.length);
  const { inChannels, outChannels } = info;
  forEachNonZeroTap(info, DY, (xAt, wAt, g) => {
    for (let i = 0, k = wAt; i < inChannels; i++, k += outChannels) acc[xAt + i] += W[k] * g;
  });
  storeRounded(acc, DX);
  return out;
}

export const conv2DBackpropInputConfig: tf.KernelConfig = {
  kernelName: tf.Conv2DBackpropInput,
  backendName: 'wasm',
  kernelFunc: conv2DBackpropInput as unknown as tf.KernelFunc,
};
