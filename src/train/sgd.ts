import * as tf from '@tensorflow/tfjs';
import { SGD_MOMENTUM, SGD_MOMENTUM_ALL, type SgdMomentumAllAttrs, type SgdMomentumAttrs } from '../backend/kernels/sgd-momentum.ts';
import { PARAM_NAMES, type ParamName, type Params } from '../model/cnn.ts';

// SGD with PyTorch semantics (torch.optim.SGD, dampening 0, no Nesterov), over every parameter
// including biases:  d = g + wd*w;  buf = d on the first step, else mu*buf + d;  w <- w - lr*buf.
// tfjs's MomentumOptimizer applies lr inside the accumulator and has no coupled weight decay,
// so it is not the same update; this one is pinned by the train-steps fixtures.
// Where the backend has prunecam's fused SGD kernel (cpu, wasm) each parameter's update and
// mask are one kernel launch; elsewhere the same arithmetic is composed from standard ops.

export interface SgdHyper {
  lr: number;
  momentum: number;
  weightDecay: number;
}

/** PrunecamSgdMomentumAll's input names per parameter: w<i>, g<i>, buf<i>, mask<i>. */
const INPUT_NAMES = PARAM_NAMES.map((_, i) => [`w${i}`, `g${i}`, `buf${i}`, `mask${i}`] as const);

/** Momentum buffers; empty until the first step (a fresh optimizer at every level). */
export class Sgd {
  private buf: Partial<Record<ParamName, tf.Tensor>> = {};

  /** Returns new parameter tensors; disposes the old ones and the gradients it consumed. */
  step(params: Params, grads: Params, h: SgdHyper, masks?: Partial<Record<ParamName, tf.Tensor>>): Params {
    if (tf.getKernel(SGD_MOMENTUM_ALL, tf.getBackend()) !== undefined) return this.stepAll(params, grads, h, masks);
    const fused = tf.getKernel(SGD_MOMENTUM, tf.getBackend()) !== undefined;
    const next = {} as Params;
    for (const name of PARAM_NAMES) {
      const w = params[name];
      const g = grads[name];
      const old = this.buf[name];
      const m = masks?.[name];
      const [newW, newBuf] = fused ? fusedUpdate(w, g, old, m, h) : composedUpdate(w, g, old, m, h);
      old?.dispose();
      this.buf[name] = newBuf;
      w.dispose();
      g.dispose();
      next[name] = newW;
    }
    return next;
  }

  /**
   * Every parameter's fused update in one kernel launch (the same arithmetic as fusedUpdate). On
   * the first step no buffer is passed: the kernel reads a missing buf<i> as a zero buffer (the
   * same bits as the zeros tensor fusedUpdate makes), so no zero tensors are made and disposed.
   */
  private stepAll(params: Params, grads: Params, h: SgdHyper, masks?: Partial<Record<ParamName, tf.Tensor>>): Params {
    const inputs: tf.NamedTensorMap = {};
    for (let i = 0; i < PARAM_NAMES.length; i++) {
      const name = PARAM_NAMES[i];
      const [w, g, buf, mask] = INPUT_NAMES[i];
      inputs[w] = params[name];
      inputs[g] = grads[name];
      const b = this.buf[name];
      if (b !== undefined) inputs[buf] = b;
      const m = masks?.[name];
      if (m !== undefined) inputs[mask] = m;
    }
    const attrs: SgdMomentumAllAttrs = { lr: h.lr, momentum: h.momentum, weightDecay: h.weightDecay, count: PARAM_NAMES.length };
    const out = tf.engine().runKernel(SGD_MOMENTUM_ALL, inputs, attrs as unknown as tf.NamedAttrMap) as tf.Tensor[];
    const next = {} as Params;
    for (let i = 0; i < PARAM_NAMES.length; i++) {
      const name = PARAM_NAMES[i];
      this.buf[name]?.dispose();
      this.buf[name] = out[PARAM_NAMES.length + i];
      params[name].dispose();
      grads[name].dispose();
      next[name] = out[i];
    }
    return next;
  }

  dispose(): void {
    for (const t of Object.values(this.buf)) t?.dispose();
    this.buf = {};
  }
}

function composedUpdate(w: tf.Tensor, g: tf.Tensor, old: tf.Tensor | undefined, m: tf.Tensor | undefined, h: SgdHyper): [tf.Tensor, tf.Tensor] {
  return tf.tidy(() => {
    const d = h.weightDecay === 0 ? g : tf.add(g, tf.mul(w, h.weightDecay));
    const b = old === undefined ? tf.clone(d) : tf.add(tf.mul(old, h.momentum), d);
    let nw = tf.sub(w, tf.mul(b, h.lr));
    if (m) nw = tf.mul(nw, m);
    return [nw, b];
  });
}

function fusedUpdate(w: tf.Tensor, g: tf.Tensor, old: tf.Tensor | undefined, m: tf.Tensor | undefined, h: SgdHyper): [tf.Tensor, tf.Tensor] {
  return tf.tidy(() => {
    // A zero buffer makes the first step buf = d exactly, PyTorch's first-step rule.
    const buf = old ?? tf.zerosLike(w);
    const attrs: SgdMomentumAttrs = { lr: h.lr, momentum: h.momentum, weightDecay: h.weightDecay };
    const inputs: tf.NamedTensorMap = m === undefined ? { w, g, buf } : { w, g, buf, mask: m };
    return tf.engine().runKernel(SGD_MOMENTUM, inputs, attrs as unknown as tf.NamedAttrMap) as [tf.Tensor, tf.Tensor];
  });
}
