import { argmaxRows } from './argmax.ts';

/**
 * Fraction of rows whose arg-max logit (ties to the lowest index) equals the label.
 * logits: row-major [n, classes]; labels: n integers in 0..classes-1.
 */
export function accuracy(logits: ArrayLike<number>, labels: ArrayLike<number>, classes = 10): number {
  const predicted = argmaxRows(logits, classes);
  if (predicted.length !== labels.length) {
    throw new RangeError(`accuracy: ${predicted.length} logit rows but ${labels.length} labels`);
  }
  if (labels.length === 0) throw new RangeError('accuracy: no examples');
  let correct = 0;
  for (let i = 0; i < labels.length; i++) {
    const label = labels[i];
    if (!Number.isInteger(label) || label < 0 || label >= classes) {
      throw new RangeError(`accuracy: label ${i} is ${label}, expected an integer in 0..${classes - 1}`);
    }
    if (predicted[i] === label) correct++;
  }
  return correct / labels.length;
}
