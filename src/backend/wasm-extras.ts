import * as tf from '@tensorflow/tfjs';
import { conv2DBackpropFilterConfig } from './wasm/conv2d-backprop-filter.ts';
import { conv2DBackpropInputConfig } from './wasm/conv2d-backprop-input.ts';
import { maxPoolGradConfig } from './wasm/max-pool-grad.ts';

// Kernels for the wasm backend, one file each under ./wasm/, registered from this one list:
//  - Conv2DBackpropFilter: missing from tfjs-backend-wasm (without it no conv can be trained);
//  - Conv2DBackpropInput, MaxPoolGrad: shipped, but dense C++ loops that dominated a training
//    step's profile; replaced by JS kernels that skip the zeros a max-pool gradient leaves.
const WASM_EXTRAS: readonly tf.KernelConfig[] = [conv2DBackpropFilterConfig, conv2DBackpropInputConfig, maxPoolGradConfig];

/** Registers the kernels above, replacing any shipped kernel of the same name. Idempotent. */
export function registerWasmExtras(): void {
  for (const k of WASM_EXTRAS) {
    const current = tf.getKernel(k.kernelName, k.backendName);
    if (current?.kernelFunc === k.kernelFunc) continue;
    if (current !== undefined) tf.unregisterKernel(k.kernelName, k.backendName);
    tf.registerKernel(k);
  }
}
