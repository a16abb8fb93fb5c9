import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { accuracy } from '../../src/metrics/accuracy.ts';
import { argmaxRows } from '../../src/metrics/argmax.ts';

describe('argmaxRows', () => {
  it('takes the first of tied maxima, as np.argmax does', () => {
    expect(Array.from(argmaxRows([1, 3, 3, 0, -2, -2, -2, -2, 5, 5, 1, 5], 4))).toEqual([1, 0, 0]);
  });
  it('rejects NaN and ragged input', () => {
    expect(() => argmaxRows([0, Number.NaN, 1], 3)).toThrow(/row 0 has NaN at column 1/);
    expect(() => argmaxRows([1, 2, 3], 2)).toThrow(/3 values do not form rows of 2/);
  });
});

describe('accuracy', () => {
  it('counts rows whose arg-max equals the label', () => {
    // rows predict 2, 0 (tie 0/1 -> 0), 1; labels 2, 1, 1 -> 2 of 3
    const logits = [0, 1, 5, 4, 4, 0, -1, 0, -3];
    expect(accuracy(logits, [2, 1, 1], 3)).toBeCloseTo(2 / 3, 15);
  });

  it('is 1 for one-hot logits of the labels and 0 when every label is shifted', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 9 }), { minLength: 1, maxLength: 50 }), (labels) => {
        const logits = labels.flatMap((l) => Array.from({ length: 10 }, (_, c) => (c === l ? 1 : 0)));
        expect(accuracy(logits, labels)).toBe(1);
        expect(accuracy(logits, labels.map((l) => (l + 1) % 10))).toBe(0);
      }),
    );
  });

  it('rejects mismatched counts and bad labels', () => {
    expect(() => accuracy([0, 1], [1, 0], 2)).toThrow(/1 logit rows but 2 labels/);
    expect(() => accuracy([0, 1], [2], 2)).toThrow(/label 0 is 2/);
    expect(() => accuracy([], [], 2)).toThrow(/no examples/);
  });
});
