import * as tf from '@tensorflow/tfjs';
import { convReluPoolGradConfig } from './kernels/conv-relu-pool-grad.ts';
import { sgdMomentumAllConfig, sgdMomentumConfig } from './kernels/sgd-momentum.ts';
import { softmaxCrossEntropyConfig } from './kernels/softmax-cross-entropy.ts';
import { conv2DBackpropFilterConfig } from './wasm/conv2d-backprop-filter.ts';
import { convReluPoolConfig } from './wasm/conv-relu-pool-simd.ts';
import { denseSoftmaxCrossEntropyConfig } from './wasm/dense-softmax-simd.ts';
import { conv2DBackpropInputConfig } from './wasm/conv2d-backprop-input.ts';
import { biasAddConfig } from './wasm/bias-add.ts';
import { maxPoolGradConfig } from './wasm/max-pool-grad.ts';
import { singleChannelConvConfig } from './wasm/single-channel-conv.ts';
import { untransposedMatMulConfig } from './wasm/untransposed-mat-mul.ts';

// Every kernel prunecam adds to tfjs, one file each, registered from the lists below.

// Standard tfjs kernels for the wasm backend, new or replacing shipped ones:
//  - Conv2DBackpropFilter: missing from tfjs-backend-wasm (without it no conv can be trained);
//  - Conv2DBackpropInput: the shipped one is a dense scalar loop; now an XNNPACK convolution
//    at stride 1;
//  - MaxPoolGrad: the shipped one dominated a training step's profile; now one JS pass.
// They keep tfjs's own autodiff (tf.grad, tf.valueAndGrads) working and fast on wasm.
const WASM_KERNELS: readonly tf.KernelConfig[] = [conv2DBackpropFilterConfig, conv2DBackpropInputConfig, maxPoolGradConfig];

// Shipped wasm kernels wrapped (their own setup and code still run for every other case):
//  - Conv2D, FusedConv2D on a single-channel input: column pairs folded into channels (2x);
//  - Add of a bias vector: an XNNPACK depthwise 1x1 convolution (4-5x);
//  - BatchMatMul, _FusedMatMul with a transpose flag: transpose first, then XNNPACK (5-9x).
const WASM_WRAPPERS: ReadonlyArray<[kernelName: string, wrap: (shipped: tf.KernelConfig) => tf.KernelConfig]> = [
  [tf.Conv2D, singleChannelConvConfig],
  [tf.FusedConv2D, singleChannelConvConfig],
  [tf.Add, biasAddConfig],
  [tf.BatchMatMul, untransposedMatMulConfig],
  [tf._FusedMatMul, untransposedMatMulConfig],
];

// prunecam's fused training kernels (custom names, the same JS on cpu and wasm; on wasm the
// loops of the conv-block backward and of the all-parameter SGD update run as WebAssembly SIMD
// on the backend's memory, bit for bit the JS loops, see src/backend/wasm/block-grad-simd.ts and
// src/backend/wasm/sgd-momentum-simd.ts), used by src/train/step.ts and src/train/sgd.ts when
// registered for the active backend.
const FUSED_TRAINING: ReadonlyArray<(backendName: string) => tf.KernelConfig> = [convReluPoolGradConfig, softmaxCrossEntropyConfig, sgdMomentumConfig, sgdMomentumAllConfig];

// prunecam's fused training kernels for the wasm backend only (WebAssembly SIMD on its memory):
//  - PrunecamConvReluPool: a conv block's conv + bias + ReLU + max-pool forward (conv1 and
//    conv2), bit for bit the shipped FusedConv2D and MaxPool it replaces in src/train/step.ts;
//  - PrunecamDenseSoftmaxCrossEntropy: the dense layer, the loss and their gradients, bit for
//    bit the fused matMul, PrunecamSoftmaxCrossEntropy, matMuls and sum it replaces there.
const WASM_FUSED_TRAINING: readonly tf.KernelConfig[] = [convReluPoolConfig, denseSoftmaxCrossEntropyConfig];

/** Backends the fused training kernels run on (they read the backend's storage directly). */
export const FUSED_BACKENDS = ['cpu', 'wasm'] as const;

const ours = new WeakSet<object>();

function register(k: tf.KernelConfig): void {
  const current = tf.getKernel(k.kernelName, k.backendName);
  if (current?.kernelFunc === k.kernelFunc) return;
  if (current !== undefined) tf.unregisterKernel(k.kernelName, k.backendName);
  tf.registerKernel(k);
  ours.add(k.kernelFunc);
}

/**
 * Registers the wasm kernels above. Call after importing @tensorflow/tfjs-backend-wasm and
 * before the backend starts (wrappers carry the shipped kernels' setup). Idempotent.
 */
export function registerWasmExtras(): void {
  for (const k of WASM_KERNELS) register(k);
  for (const [name, wrap] of WASM_WRAPPERS) {
    const shipped = tf.getKernel(name, 'wasm');
    if (shipped === undefined) throw new Error(`tfjs-backend-wasm has no '${name}' kernel to wrap (was it imported?)`);
    if (!ours.has(shipped.kernelFunc)) register(wrap(shipped));
  }
}

/** Registers the fused training kernels for `backendName` if it is one of FUSED_BACKENDS. Idempotent. */
export function registerFusedTraining(backendName: string): void {
  if (!(FUSED_BACKENDS as readonly string[]).includes(backendName)) return;
  for (const make of FUSED_TRAINING) register(make(backendName));
  if (backendName === 'wasm') for (const k of WASM_FUSED_TRAINING) register(k);
}
