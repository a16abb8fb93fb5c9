import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import * as tf from '@tensorflow/tfjs';
import { SGD_MOMENTUM, SGD_MOMENTUM_ALL, sgdMomentumAllUsesWasm } from '../../src/backend/kernels/sgd-momentum.ts';
import { wasmSgdLoop } from '../../src/backend/wasm/sgd-momentum-simd.ts';
import { rng } from '../../src/data/rng.ts';
import { on, runKernel } from './support.ts';

// PrunecamSgdMomentumAll's WebAssembly SIMD loop (src/backend/wasm/sgd-momentum-simd.ts, on the
// wasm backend) against its JS loop (the cpu backend, and a JS transcription of the kernel's
// arithmetic here), bit for bit: float32 values chosen to hit the corners of the arithmetic
// (+-0, subnormals, values near the float32 maximum whose products overflow to +-Infinity,
// +-Infinity and NaN), masks of 0/1 and of other values, missing buffers (the first step), odd
// and even lengths (the SIMD pairs and the scalar last element).

/** A float32 value of one of the corner classes, or an ordinary one in [-1, 1). */
function corner(r: ReturnType<typeof rng>): number {
  const u = r.next();
  const pick = [0, -0, 1e-45, -3e-39, 3.4e38, -3.3e38, 1e30, -2e20, Infinity, -Infinity, NaN, 1, -1];
  return u < 0.3 ? pick[r.int(pick.length)] : u < 0.4 ? (r.next() - 0.5) * 1e6 : 2 * r.next() - 1;
}

function values(n: number, seed: number, purpose: string, corners: boolean): Float32Array {
  const r = rng(seed, 'spec', 'sgd-simd', purpose);
  return Float32Array.from({ length: n }, () => (corners ? corner(r) : 2 * r.next() - 1));
}

interface Param {
  w: Float32Array;
  g: Float32Array;
  buf: Float32Array | null;
  mask: Float32Array | null;
}

function params(sizes: Array<{ n: number; buf: boolean; mask: 0 | 1 | 2 }>, seed: number, corners: boolean): Param[] {
  return sizes.map(({ n, buf, mask }, i) => {
    const r = rng(seed, 'spec', 'sgd-simd', 'mask', i);
    return {
      w: values(n, seed, `w${i}`, corners),
      g: values(n, seed, `g${i}`, corners),
      buf: buf ? values(n, seed, `b${i}`, corners) : null,
      // 1: a pruning mask (0/1); 2: any float32 values (the product is still what JS computes).
      mask: mask === 0 ? null : mask === 1 ? Float32Array.from({ length: n }, () => (r.next() < 0.3 ? 0 : 1)) : values(n, seed, `m${i}`, true),
    };
  });
}

/** The kernel's JS arithmetic, transcribed: [w'0.., buf'0..]. */
function reference(ps: Param[], lr: number, momentum: number, wd: number): Float32Array[] {
  const ws = ps.map((p) => {
    const W2 = new Float32Array(p.w.length);
    const B2 = new Float32Array(p.w.length);
    for (let j = 0; j < p.w.length; j++) {
      const b = momentum * (p.buf === null ? 0 : p.buf[j]) + (p.g[j] + wd * p.w[j]);
      B2[j] = b;
      W2[j] = p.w[j] - lr * Math.fround(b);
      if (p.mask !== null) W2[j] *= p.mask[j];
    }
    return [W2, B2];
  });
  return [...ws.map((x) => x[0]), ...ws.map((x) => x[1])];
}

function allKernel(ps: Param[], attrs: { lr: number; momentum: number; weightDecay: number }): tf.Tensor[] {
  const inputs: tf.NamedTensorMap = {};
  ps.forEach((p, i) => {
    inputs[`w${i}`] = tf.tensor1d(p.w);
    inputs[`g${i}`] = tf.tensor1d(p.g);
    if (p.buf !== null) inputs[`buf${i}`] = tf.tensor1d(p.buf);
    if (p.mask !== null) inputs[`mask${i}`] = tf.tensor1d(p.mask);
  });
  return runKernel(SGD_MOMENTUM_ALL, inputs, { ...attrs, count: ps.length }) as tf.Tensor[];
}

/** Bits of every value, NaN as one class (neither JS nor WebAssembly specifies a NaN's payload). */
const bits = (a: Float32Array) => Array.from(new Uint32Array(Float32Array.from(a).buffer), (u, i) => (Number.isNaN(a[i]) ? 'NaN' : u));

const sizesArb = fc.array(fc.record({ n: fc.integer({ min: 1, max: 41 }), buf: fc.boolean(), mask: fc.constantFrom(0 as const, 1 as const, 2 as const) }), { minLength: 1, maxLength: 6 });
const hyperArb = fc.record({
  lr: fc.constantFrom(0.01, 0.1, 1e-3, 0.5, 0),
  momentum: fc.constantFrom(0.9, 0, 0.5, 0.99),
  weightDecay: fc.constantFrom(1e-4, 5e-4, 0, 0.1),
});

describe('PrunecamSgdMomentumAll: the WebAssembly SIMD loop (wasm backend) = the JS loop (cpu backend), bit for bit', () => {
  it('runs the WebAssembly loop on wasm and the JS loop on cpu', async () => {
    await on('wasm', () => {
      expect(sgdMomentumAllUsesWasm(tf.backend())).toBe(true);
      return [];
    });
    await on('cpu', () => {
      expect(sgdMomentumAllUsesWasm(tf.backend())).toBe(false);
      return [];
    });
  });

  it('property: 1-6 parameters of 1-41 elements, with and without buffers and masks, corner values, several hyperparameters', async () => {
    await fc.assert(
      fc.asyncProperty(sizesArb, hyperArb, fc.nat(), fc.boolean(), async (sizes, attrs, seed, corners) => {
        const ps = params(sizes.map((s) => ({ n: s.n, buf: s.buf, mask: s.mask })), seed, corners);
        const want = reference(ps, attrs.lr, attrs.momentum, attrs.weightDecay);
        const cpu = await on('cpu', () => allKernel(ps, attrs));
        const wasm = await on('wasm', () => allKernel(ps, attrs));
        expect(cpu.map(bits)).toEqual(want.map(bits));
        expect(wasm.map(bits)).toEqual(want.map(bits));
      }),
      { numRuns: 60 },
    );
  });

  it('a missing buffer = a zeros buffer (d = -0 gives buf = +0), = PrunecamSgdMomentum with zeros', async () => {
    const n = 9;
    const g = Float32Array.of(-0, 0, -0, 1, -1, 3e38, -0, 1e-45, -1e-45);
    const w = Float32Array.of(0, -0, -0, 1, 2, 3e38, 0, -0, 0);
    const attrs = { lr: 0.01, momentum: 0.9, weightDecay: 0 };
    for (const backend of ['cpu', 'wasm'] as const) {
      const none = await on(backend, () => allKernel([{ w, g, buf: null, mask: null }], attrs));
      const zeros = await on(backend, () => allKernel([{ w, g, buf: new Float32Array(n), mask: null }], attrs));
      const single = await on(backend, () => runKernel(SGD_MOMENTUM, { w: tf.tensor1d(w), g: tf.tensor1d(g), buf: tf.zeros([n]) }, attrs));
      expect(none.map(bits), backend).toEqual(zeros.map(bits));
      expect(none.map(bits), backend).toEqual(single.map(bits));
      expect(Object.is(none[1][0], 0), backend).toBe(true); // -0 + (momentum * 0) = +0
    }
  });

  it('the model parameters at a training step: 2,346 values (even and odd lengths), masked weights', async () => {
    const shapes = [36, 4, 288, 8, 2000, 10];
    const sizes = shapes.map((n, i) => ({ n, buf: true, mask: (i % 2 === 0 ? 1 : 0) as 0 | 1 }));
    const ps = params(sizes, 21, false);
    const attrs = { lr: 0.01, momentum: 0.9, weightDecay: 5e-4 };
    const cpu = await on('cpu', () => allKernel(ps, attrs));
    const wasm = await on('wasm', () => allKernel(ps, attrs));
    expect(wasm.map(bits)).toEqual(cpu.map(bits));
    expect(wasm.map(bits)).toEqual(reference(ps, attrs.lr, attrs.momentum, attrs.weightDecay).map(bits));
  });
});

describe('the SGD WebAssembly module alone (its own memory) = the JS arithmetic', () => {
  it('every variant (buffer yes/no, mask yes/no), lengths 0-9, corner values', () => {
    const memory = new WebAssembly.Memory({ initial: 1 });
    const f = new Float32Array(memory.buffer);
    for (const withBuf of [true, false]) {
      for (const withMask of [true, false]) {
        const run = wasmSgdLoop(memory, withBuf, withMask);
        for (let n = 0; n <= 9; n++) {
          const [p] = params([{ n, buf: withBuf, mask: withMask ? 2 : 0 }], 100 + n, true);
          // Arrays at float offsets 0, 16, 32, ...: W, G, B, M, W', B'.
          const slot = (k: number) => k * 16;
          f.fill(12345);
          f.set(p.w, slot(0));
          f.set(p.g, slot(1));
          if (p.buf) f.set(p.buf, slot(2));
          if (p.mask) f.set(p.mask, slot(3));
          run(n, slot(0) * 4, slot(1) * 4, slot(2) * 4, slot(3) * 4, slot(4) * 4, slot(5) * 4, 0.01, 0.9, 5e-4);
          const [W2, B2] = reference([p], 0.01, 0.9, 5e-4);
          expect(bits(f.slice(slot(4), slot(4) + n))).toEqual(bits(W2));
          expect(bits(f.slice(slot(5), slot(5) + n))).toEqual(bits(B2));
          // Nothing written past the n-th element.
          expect(f[slot(4) + n]).toBe(12345);
          expect(f[slot(5) + n]).toBe(12345);
        }
      }
    }
  });
});
