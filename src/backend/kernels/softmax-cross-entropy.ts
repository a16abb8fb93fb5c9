import * as tf from '@tensorflow/tfjs';
import { floatViews } from './float-io.ts';

// Mean softmax cross-entropy of logits [N, C] against target distributions [N, C] (one-hot
// rows for class labels), and its gradient with respect to the logits, in one pass:
//
//   loss   = (1/N) sum_n ( lse(l_n) * sum_c y_nc  -  sum_c y_nc * l_nc ),  lse = log sum exp
//   dL/dl  = (1/N) ( softmax(l_n) * sum_c y_nc  -  y_n )
//
// (torch.nn.functional.cross_entropy with mean reduction.) Composed from standard ops this is
// ~12 kernel launches per training step; here it is one. Computed in float64 with the usual
// max-shift, rounded to float32 on output.

export const SOFTMAX_CROSS_ENTROPY = 'PrunecamSoftmaxCrossEntropy';

function softmaxCrossEntropy({ inputs, backend }: { inputs: { logits: tf.TensorInfo; targets: tf.TensorInfo }; backend: tf.KernelBackend }): tf.TensorInfo[] {
  const { logits, targets } = inputs;
  if (logits.shape.length !== 2 || logits.shape.join() !== targets.shape.join()) {
    throw new Error(`${SOFTMAX_CROSS_ENTROPY}: logits and targets must both be [N, C], got [${logits.shape}] and [${targets.shape}]`);
  }
  const [n, c] = logits.shape;
  const v = floatViews(SOFTMAX_CROSS_ENTROPY, backend, [logits, targets], [[], [n, c]]);
  const [L, Y] = v.inputs;
  const [LOSS, DL] = v.outputs;
  const e = new Float64Array(c);
  let total = 0;
  for (let i = 0; i < n; i++) {
    const row = i * c;
    let max = Number.NEGATIVE_INFINITY;
    for (let j = 0; j < c; j++) max = Math.max(max, L[row + j]);
    let sum = 0;
    let ySum = 0;
    let yDotL = 0;
    for (let j = 0; j < c; j++) {
      e[j] = Math.exp(L[row + j] - max);
      sum += e[j];
      ySum += Y[row + j];
      yDotL += Y[row + j] * L[row + j];
    }
    total += (max + Math.log(sum)) * ySum - yDotL;
    for (let j = 0; j < c; j++) DL[row + j] = ((e[j] / sum) * ySum - Y[row + j]) / n;
  }
  LOSS[0] = total / n;
  return v.infos;
}

export function softmaxCrossEntropyConfig(backendName: string): tf.KernelConfig {
  return { kernelName: SOFTMAX_CROSS_ENTROPY, backendName, kernelFunc: softmaxCrossEntropy as unknown as tf.KernelFunc };
}
