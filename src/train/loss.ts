import * as tf from '@tensorflow/tfjs';

/** Mean cross-entropy of raw logits [N, C] against integer labels given as one-hot [N, C]. */
export function meanCrossEntropy(logits: tf.Tensor2D, oneHot: tf.Tensor2D): tf.Scalar {
  return tf.tidy(() => tf.neg(tf.mean(tf.sum(tf.mul(oneHot, tf.logSoftmax(logits)), 1))) as tf.Scalar);
}
