import * as tf from '@tensorflow/tfjs';
import { floatViews } from './float-io.ts';

// Mean softmax cross-entropy of logits [N, C] and its gradient with respect to the logits, in
// one pass (torch.nn.functional.cross_entropy with mean reduction). Targets are either class
// indices [N] (int32), or target distributions [N, C] (float32 or int32; one-hot rows for
// class labels):
//
//   loss   = (1/N) sum_n ( lse(l_n) * sum_c y_nc  -  sum_c y_nc * l_nc ),  lse = log sum exp
//   dL/dl  = (1/N) ( softmax(l_n) * sum_c y_nc  -  y_n )
//
// Composed from standard ops this is ~12 kernel launches per training step; here it is one.
// Computed in float64 with the usual max-shift, rounded to float32 on output.

export const SOFTMAX_CROSS_ENTROPY = 'PrunecamSoftmaxCrossEntropy';

function softmaxCrossEntropy({ inputs, backend }: { inputs: { logits: tf.TensorInfo; targets: tf.TensorInfo }; backend: tf.KernelBackend }): tf.TensorInfo[] {
  const { logits, targets } = inputs;
  const [n, c] = logits.shape;
  const indices = targets.shape.length === 1;
  const targetsFit = indices ? targets.shape[0] === n && targets.dtype === 'int32' : targets.shape.join() === logits.shape.join();
  if (logits.shape.length !== 2 || !targetsFit) {
    throw new Error(`${SOFTMAX_CROSS_ENTROPY}: needs logits [N, C] and targets [N, C] or int32 class indices [N], got logits [${logits.shape}] and ${targets.dtype} targets [${targets.shape}]`);
  }
  const v = floatViews(SOFTMAX_CROSS_ENTROPY, backend, [logits, targets], [[], [n, c]]);
  const [L, T] = v.inputs;
  const [LOSS, DL] = v.outputs;
  LOSS[0] = softmaxCrossEntropyValues(n, c, L, T, indices, DL);
  return v.infos;
}

/**
 * The kernel's arithmetic on arrays: logits L [n, c], targets T (class indices [n] when
 * `indices`, else [n, c]); writes dL/dl into DL and returns the mean loss (both as above).
 */
export function softmaxCrossEntropyValues(n: number, c: number, L: ArrayLike<number>, T: ArrayLike<number>, indices: boolean, DL: Float32Array): number {
  const y = new Float64Array(c);
  const e = new Float64Array(c);
  let total = 0;
  for (let i = 0; i < n; i++) {
    const row = i * c;
    if (indices) {
      const label = T[i];
      if (!(label >= 0 && label < c)) throw new Error(`${SOFTMAX_CROSS_ENTROPY}: class index ${label} at row ${i} is outside [0, ${c})`);
      y.fill(0);
      y[label] = 1;
    } else {
      for (let j = 0; j < c; j++) y[j] = T[row + j];
    }
    let max = Number.NEGATIVE_INFINITY;
    for (let j = 0; j < c; j++) max = Math.max(max, L[row + j]);
    let sum = 0;
    let ySum = 0;
    let yDotL = 0;
    for (let j = 0; j < c; j++) {
      e[j] = Math.exp(L[row + j] - max);
      sum += e[j];
      ySum += y[j];
      yDotL += y[j] * L[row + j];
    }
    total += (max + Math.log(sum)) * ySum - yDotL;
    for (let j = 0; j < c; j++) DL[row + j] = ((e[j] / sum) * ySum - y[j]) / n;
  }
  return total / n;
}

export function softmaxCrossEntropyConfig(backendName: string): tf.KernelConfig {
  return { kernelName: SOFTMAX_CROSS_ENTROPY, backendName, kernelFunc: softmaxCrossEntropy as unknown as tf.KernelFunc };
}
