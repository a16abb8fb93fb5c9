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

export const SGD_MOMENTUM_ALL = 'PrunecamSgdMomentumAll';

export interface SgdMomentumAllAttrs extends SgdMomentumAttrs {
  /** Number of parameters; inputs w0.., g0.., buf0.. and mask<i> for the masked ones. */
  count: number;
}

/**
 * PrunecamSgdMomentum for every parameter of a step in one launch (the same arithmetic, element
 * by element, so the same bits): inputs w<i>, g<i>, buf<i> and optionally mask<i>, i < count.
 * Outputs [w'0, .., w'(count-1), buf'0, .., buf'(count-1)].
 */
function sgdMomentumAll({ inputs, backend, attrs }: { inputs: Record<string, tf.TensorInfo | undefined>; backend: tf.KernelBackend; attrs: SgdMomentumAllAttrs }): tf.TensorInfo[] {
  const { lr, momentum, weightDecay, count } = attrs;
  const list: tf.TensorInfo[] = [];
  const masked: boolean[] = [];
  for (let i = 0; i < count; i++) {
    const [w, g, buf, mask] = ['w', 'g', 'buf', 'mask'].map((k) => inputs[`${k}${i}`]);
    if (w === undefined || g === undefined || buf === undefined) throw new Error(`${SGD_MOMENTUM_ALL}: parameter ${i} needs inputs w${i}, g${i} and buf${i}`);
    for (const [name, t] of Object.entries({ g, buf, ...(mask === undefined ? {} : { mask }) })) {
      if (t.shape.join() !== w.shape.join()) throw new Error(`${SGD_MOMENTUM_ALL}: ${name}${i} has shape [${t.shape}], the parameter [${w.shape}]`);
    }
    list.push(w, g, buf, ...(mask === undefined ? [] : [mask]));
    masked.push(mask !== undefined);
  }
  const shapes = Array.from({ length: count }, (_, i) => inputs[`w${i}`]!.shape);
  const v = floatViews(SGD_MOMENTUM_ALL, backend, list, [...shapes, ...shapes]);
  let at = 0;
  for (let i = 0; i < count; i++) {
    const W = v.inputs[at++];
    const G = v.inputs[at++];
    const B = v.inputs[at++];
    const M = masked[i] ? v.inputs[at++] : undefined;
    const W2 = v.outputs[i];
    const B2 = v.outputs[count + i];
    for (let j = 0; j < W.length; j++) {
      const b = momentum * B[j] + (G[j] + weightDecay * W[j]);
      B2[j] = b;
      W2[j] = W[j] - lr * Math.fround(b);
    }
    if (M !== undefined) for (let j = 0; j < W2.length; j++) W2[j] *= M[j];
  }
  return v.infos;
}

export function sgdMomentumAllConfig(backendName: string): tf.KernelConfig {
  return { kernelName: SGD_MOMENTUM_ALL, backendName, kernelFunc: sgdMomentumAll as unknown as tf.KernelFunc };
}

export function sgdMomentumConfig(backendName: string): tf.KernelConfig {
  return { kernelName: SGD_MOMENTUM, backendName, kernelFunc: sgdMomentum as unknown as tf.KernelFunc };
}
