import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { allFiniteOnHeap } from '../../src/backend/wasm/all-finite-simd.ts';
import { specBackend } from '../support/backend.ts';

// The in-place finiteness check (src/backend/wasm/all-finite-simd.ts) against the JS
// `v - v !== 0` on every position of vectors of 1 to 13 values (whole vectors and the scalar tail).

describe('allFiniteOnHeap', () => {
  let backend = '';
  beforeAll(async () => {
    backend = await specBackend();
  });

  it('answers as the JS check for every special value at every position, or null off the wasm backend', () => {
    for (let len = 1; len <= 13; len++) {
      for (let at = -1; at < len; at++) {
        for (const special of [NaN, Infinity, -Infinity, 3.4e38, -0, 1e-45]) {
          const data = Float32Array.from({ length: len }, (_, i) => (i === at ? special : i - 3.5));
          const x = tf.tensor1d(data);
          try {
            const got = allFiniteOnHeap(tf.backend(), x);
            if (backend !== 'wasm') {
              expect(got).toBeNull();
              continue;
            }
            expect(got, `len ${len} at ${at} ${special}`).toBe(data.every((v) => v - v === 0));
          } finally {
            x.dispose();
          }
        }
      }
    }
  });
});
