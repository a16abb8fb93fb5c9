import * as tf from '@tensorflow/tfjs';
import { floatViews } from './float-io.ts';

// One parameter's PyTorch SGD step (torch.optim.SGD, dampening 0, no Nesterov) and the pruning
// mask, in one pass over the parameter:
//
//   d = g + wd*w;   buf' = mu*buf + d;   w' = (w - lr*buf') * mask
//
// buf = 0 on the first step gives buf' = d exactly, PyTorch's first-step rule. Composed from
// standard ops this is 7 kernel launches per parameter; here it is one. Each quantity is
// computed in float64 and rounded to float32 once when stored.

export const SGD_MOMENTUM = 'PrunecamSgdMomentum';

export interface SgdMomentumAttrs {
  lr: number;
  momentum: number;
  weightDecay: number;
}

/** Inputs w, g, buf (all the parameter's shape) and optionally mask (1 keeps, 0 prunes). Outputs [w', buf']. */
function sgdMomentum({ inputs, backend, attrs }: { inputs: { w: tf.TensorInfo; g: tf.TensorInfo; buf: tf.TensorInfo; mask?: tf.TensorInfo }; backend: tf.KernelBackend; attrs: SgdMomentumAttrs }): tf.TensorInfo[] {
  const { w, g, buf, mask } = inputs;
  const others = mask === undefined ? { g, buf } : { g, buf, mask };
  for (const [name, t] of Object.entries(others)) {
    if (t.shape.join() !== w.shape.join()) throw new Error(`${SGD_MOMENTUM}: ${name} has shape [${t.shape}], the parameter [${w.shape}]`);
  }
  const { lr, momentum, weightDecay } = attrs;
  const v = floatViews(SGD_MOMENTUM, backend, [w, g, buf, ...(mask === undefined ? [] : [mask])], [w.shape, w.shape]);
  const [W, G, B, M] = v.inputs;
  const [W2, B2] = v.outputs;
  for (let i = 0; i < W.length; i++) {
    const b = momentum * B[i] + (G[i] + weightDecay * W[i]);
    B2[i] = b;
    W2[i] = W[i] - lr * Math.fround(b);
  }
  if (M !== undefined) for (let i = 0; i < W2.length; i++) W2[i] *= M[i];
  return v.infos;
}

export function sgdMomentumConfig(backendName: string): tf.KernelConfig {
  return { kernelName: SGD_MOMENTUM, backendName, kernelFunc: sgdMomentum as unknown as tf.KernelFunc };
}
