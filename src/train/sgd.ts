import * as tf from '@tensorflow/tfjs';
import { PARAM_NAMES, type ParamName, type Params } from '../model/cnn.ts';

// SGD with PyTorch semantics (torch.optim.SGD, dampening 0, no Nesterov), over every parameter
// including biases:  d = g + wd*w;  buf = d on the first step, else mu*buf + d;  w <- w - lr*buf.
// tfjs's MomentumOptimizer applies lr inside the accumulator and has no coupled weight decay,
// so it is not the same update; this one is pinned by the train-steps fixtures.

export interface SgdHyper {
  lr: number;
  momentum: number;
  weightDecay: number;
}

/** Momentum buffers; empty until the first step (a fresh optimizer at every level). */
export class Sgd {
  private buf: Partial<Record<ParamName, tf.Tensor>> = {};

  /** Returns new parameter tensors; disposes the old ones and the gradients it consumed. */
  step(params: Params, grads: Params, h: SgdHyper, masks?: Partial<Record<ParamName, tf.Tensor>>): Params {
    const next = {} as Params;
    for (const name of PARAM_NAMES) {
      const w = params[name];
      const g = grads[name];
      const old = this.buf[name];
      const [newW, newBuf] = tf.tidy(() => {
        const d = h.weightDecay === 0 ? g : tf.add(g, tf.mul(w, h.weightDecay));
        const b = old === undefined ? tf.clone(d) : tf.add(tf.mul(old, h.momentum), d);
        let nw = tf.sub(w, tf.mul(b, h.lr));
        const m = masks?.[name];
        if (m) nw = tf.mul(nw, m);
        return [nw, b];
      });
      old?.dispose();
      this.buf[name] = newBuf;
      w.dispose();
      g.dispose();
      next[name] = newW;
    }
    return next;
  }

  dispose(): void {
    for (const t of Object.values(this.buf)) t?.dispose();
    this.buf = {};
  }
}
