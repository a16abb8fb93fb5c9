import { beforeAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import * as tf from '@tensorflow/tfjs';
import { conv2Activations, convOut, forward, PARAM_NAMES, TF_SHAPES, TORCH_SHAPES } from '../../src/model/cnn.ts';
import { paramTfToTorch, paramTorchToTf } from '../../src/model/layout.ts';
import { disposeParams, initWeights, toTensors } from '../../src/model/params.ts';
import { specBackend } from '../support/backend.ts';

describe('thesis CNN shapes', () => {
  beforeAll(async () => {
    await specBackend();
  });

  it('28 -> 26 -> 13 -> 11 -> 5, 2324 weights and 22 biases (PROTOCOL.md)', () => {
    expect([convOut(28, 3), convOut(26, 2, 2), convOut(13, 3), convOut(11, 2, 2)]).toEqual([26, 13, 11, 5]);
    const size = (n: (typeof PARAM_NAMES)[number]) => TF_SHAPES[n].reduce((a, b) => a * b, 1);
    expect(size('conv1.weight') + size('conv2.weight') + size('fc.weight')).toBe(2324);
    expect(size('conv1.bias') + size('conv2.bias') + size('fc.bias')).toBe(22);
    const p = toTensors(initWeights(1));
    const x = tf.zeros([3, 28, 28, 1]) as tf.Tensor4D;
    const a = conv2Activations(p, x);
    const l = forward(p, x);
    expect(a.shape).toEqual([3, 11, 11, 8]);
    expect(l.shape).toEqual([3, 10]);
    tf.dispose([x, a, l]);
    disposeParams(p);
  });

  it('property: tfjs conv / pool output sizes follow floor((n + 2p - k)/s) + 1', () => {
    fc.assert(
      fc.property(fc.integer({ min: 3, max: 20 }), fc.integer({ min: 1, max: 5 }), fc.integer({ min: 1, max: 3 }), fc.integer({ min: 1, max: 4 }), fc.integer({ min: 1, max: 4 }), (n, k, s, cin, cout) => {
        fc.pre(k <= n);
        const [conv, pool] = tf.tidy(() => {
          const x = tf.ones([1, n, n, cin]) as tf.Tensor4D;
          const c = tf.conv2d(x, tf.ones([k, k, cin, cout]) as tf.Tensor4D, s, 'valid');
          const m = tf.maxPool(x, k, s, 'valid');
          return [c.shape, m.shape];
        });
        expect(conv).toEqual([1, convOut(n, k, s), convOut(n, k, s), cout]);
        expect(pool).toEqual([1, convOut(n, k, s), convOut(n, k, s), cin]);
      }),
      { numRuns: 40 },
    );
  });

  it('property: PyTorch <-> tfjs layout is a bijection that keeps every value', () => {
    fc.assert(
      fc.property(fc.constantFrom(...PARAM_NAMES), fc.integer({ min: 0, max: 2 ** 31 }), (name, seed) => {
        const n = TORCH_SHAPES[name].reduce((a, b) => a * b, 1);
        const torch = Float32Array.from({ length: n }, (_, i) => Math.sin(i * 12.9898 + seed));
        const tfl = paramTorchToTf(name, torch);
        expect(Array.from(paramTfToTorch(name, tfl))).toEqual(Array.from(torch));
        expect([...tfl].sort()).toEqual([...torch].sort());
      }),
      { numRuns: 30 },
    );
  });

  it('the dense rows follow PyTorch flatten order (c, h, w) -> tfjs (h, w, c)', () => {
    // torch fc.weight[o, c*25 + h*5 + w] must land at tfjs fc.weight[(h*5 + w)*8 + c, o].
    const torch = Float32Array.from({ length: 2000 }, (_, i) => i);
    const tfl = paramTorchToTf('fc.weight', torch);
    const o = 7, c = 3, h = 2, w = 4;
    expect(tfl[((h * 5 + w) * 8 + c) * 10 + o]).toBe(o * 200 + c * 25 + h * 5 + w);
  });

  it('init D3: kaiming normal weights N(0, 2/fan_in), biases U(±1/sqrt(fan_in)), seeded', () => {
    const a = initWeights(333);
    expect(Array.from(initWeights(333)['fc.weight'])).toEqual(Array.from(a['fc.weight']));
    expect(Array.from(initWeights(334)['fc.weight'])).not.toEqual(Array.from(a['fc.weight']));
    const w = a['fc.weight'];
    const std = Math.sqrt(w.reduce((s, v) => s + v * v, 0) / w.length);
    expect(std).toBeGreaterThan(Math.sqrt(2 / 200) * 0.9);
    expect(std).toBeLessThan(Math.sqrt(2 / 200) * 1.1);
    for (const v of a['conv2.bias']) expect(Math.abs(v)).toBeLessThanOrEqual(1 / 6);
  });
});
