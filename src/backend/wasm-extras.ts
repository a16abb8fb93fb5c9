import * as tf from '@tensorflow/tfjs';
import { convReluPoolGradConfig } from './kernels/conv-relu-pool-grad.ts';
import { sgdMomentumConfig } from './kernels/sgd-momentum.ts';
import { softmaxCrossEntropyConfig } from './kernels/softmax-cross-entropy.ts';
import { conv2DBackpropFilterConfig } from './wasm/conv2d-backprop-filter.ts';
import { conv2DBackpropInputConfig } from './wasm/conv2d-backprop-input.ts';
import { maxPoolGradConfig } from './wasm/max-pool-grad.ts';

// Every kernel prunecam adds to tfjs, one file each, registered from the two lists below.

// Standard tfjs kernels for the wasm backend:
//  - Conv2DBackpropFilter: missing from tfjs-backend-wasm (without it no conv can be trained);
//  - Conv2DBackpropInput, MaxPoolGrad: shipped, but dense C++ loops that dominated a training
//    step's profile; replaced by JS kernels that skip the zeros a max-pool gradient leaves.
// These keep tfjs's own autodiff (tf.grad, tf.valueAndGrads) working and fast on wasm.
const WASM_EXTRAS: readonly tf.KernelConfig[] = [conv2DBackpropFilterConfig, conv2DBackpropInputConfig, maxPoolGradConfig];

// prunecam's fused training kernels (custom names, the same JS on cpu and wasm), used by
// src/train/step.ts and src/train/sgd.ts when registered for the active backend.
const FUSED_TRAINING: ReadonlyArray<(backendName: string) => tf.KernelConfig> = [convReluPoolGradConfig, softmaxCrossEntropyConfig, sgdMomentumConfig];

/** Backends the fused training kernels run on (they read the backend's storage directly). */
export const FUSED_BACKENDS = ['cpu', 'wasm'] as const;

function register(k: tf.KernelConfig): void {
  const current = tf.getKernel(k.kernelName, k.backendName);
  if (current?.kernelFunc === k.kernelFunc) return;
  if (current !== undefined) tf.unregisterKernel(k.kernelName, k.backendName);
  tf.registerKernel(k);
}

/** Registers the wasm kernels above, replacing shipped kernels of the same name. Idempotent. */
export function registerWasmExtras(): void {
  for (const k of WASM_EXTRAS) register(k);
}

/** Registers the fused training kernels for `backendName` if it is one of FUSED_BACKENDS. Idempotent. */
export function registerFusedTraining(backendName: string): void {
  if (!(FUSED_BACKENDS as readonly string[]).includes(backendName)) return;
  for (const make of FUSED_TRAINING) register(make(backendName));
}
