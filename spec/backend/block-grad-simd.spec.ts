import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import * as tf from '@tensorflow/tfjs';
import { CONV_RELU_POOL_GRAD } from '../../src/backend/kernels/conv-relu-pool-grad.ts';
import { blockLoop, type BlockGeometry } from '../../src/backend/kernels/conv-relu-pool-grad-loop.ts';
import { blockLoopLayout, blockLoopModule, positionOuterFits, wasmBlockLoop, type BlockLoopLayout, type WasmBlockLoop } from '../../src/backend/wasm/block-grad-simd.ts';
import { on, runKernel, sparse, uniform } from './support.ts';

// The WebAssembly SIMD form of PrunecamConvReluPoolGrad's loop (the wasm backend's) against the
// JS loop (the cpu backend's): the same float64 sums in the same order, so the same bits, not
// just close values. (Both are pinned to tfjs autodiff by fused-kernels.spec.ts and to PyTorch
// by the train-steps fixtures.) The module is assembled from src/backend/wasm/block-grad-simd.ts
// at run time; no binary ships, so there are no bytes to rebuild and compare.

const size = (s: number[]) => s.reduce((a, b) => a * b, 1);
const bits = (a: Float32Array) => Array.from(new Uint32Array(a.buffer, a.byteOffset, a.length));

const geometry = fc
  .record({ n: fc.integer({ min: 0, max: 3 }), h: fc.integer({ min: 4, max: 12 }), w: fc.integer({ min: 4, max: 12 }), ci: fc.integer({ min: 1, max: 6 }), co: fc.integer({ min: 1, max: 5 }), kh: fc.integer({ min: 1, max: 3 }), kw: fc.integer({ min: 1, max: 3 }), pool: fc.integer({ min: 1, max: 3 }), inputGrad: fc.boolean(), ties: fc.boolean(), seed: fc.nat() })
  .filter(({ h, w, kh, kw, pool }) => h - kh + 1 >= pool && w - kw + 1 >= pool);

describe('PrunecamConvReluPoolGrad: wasm (SIMD loop) = cpu (JS loop), bit for bit', () => {
  it('property: random blocks (row widths 1-18 floats: every 4/2/1 split), ties, dead ReLUs and zero gradients', async () => {
    await fc.assert(
      fc.asyncProperty(geometry, async ({ n, h, w, ci, co, kh, kw, pool, inputGrad, ties, seed }) => {
        const xShape = [Math.max(n, 1), h, w, ci];
        const grid = (v: Float32Array) => (ties ? v.map((e) => Math.round(e * 4) / 4) : v);
        const x = grid(uniform(size(xShape), seed, -1, 1, 'sx'));
        const filter = grid(uniform(kh * kw * ci * co, seed, -1, 1, 'sw'));
        const bias = grid(uniform(co, seed, -0.5, 0.5, 'sb'));
        const run = () => {
          const xt = tf.tensor4d(x, xShape as [number, number, number, number]);
          const wt = tf.tensor4d(filter, [kh, kw, ci, co]);
          const z = tf.relu(tf.add(tf.conv2d(xt, wt, 1, 'valid'), tf.tensor1d(bias))) as tf.Tensor4D;
          const p = tf.maxPool(z, pool, pool, 'valid');
          const dp = tf.tensor(sparse(size(p.shape), seed, 0.2, -1, 1, 'sdp'), p.shape);
          return runKernel(CONV_RELU_POOL_GRAD, { dp, z, p, x: xt, filter: wt }, { pool, inputGrad });
        };
        const cpu = await on('cpu', run);
        const wasm = await on('wasm', run);
        expect(wasm.map(bits)).toEqual(cpu.map(bits));
      }),
      { numRuns: 40 },
    );
  });

  it('the assembled loop alone: an empty batch leaves the gradients zero, and the module is deterministic', () => {
    const g: BlockGeometry = { ph: 5, pw: 5, ch: 8, zh: 11, zw: 11, h: 13, w: 13, ci: 4, kh: 3, kw: 3, pool: 2, inputGrad: true };
    expect(Buffer.from(blockLoopModule(g)).equals(Buffer.from(blockLoopModule({ ...g })))).toBe(true);
    const memory = new WebAssembly.Memory({ initial: 1 });
    const heap = new Float32Array(memory.buffer);
    heap.fill(7);
    // dW at 0 (288 floats), db at 2048 (8 floats); nothing else is read when n = 0.
    wasmBlockLoop(g, memory)(0, 4096, 4096, 4096, 4096, 8192, 0, 2048, 12288);
    expect(Array.from(heap.subarray(0, 288)).every((v) => v === 0)).toBe(true);
    expect(Array.from(heap.subarray(512, 520)).every((v) => v === 0)).toBe(true);
    // Same results as the JS loop on a training-sized block with its own memory.
    const n = 4;
    const P = new Float32Array(n * 5 * 5 * 8);
    const Z = uniform(n * 11 * 11 * 8, 9, -1, 1, 'lz').map((v) => Math.max(0, v));
    for (let i = 0; i < P.length; i++) {
      const o = i % 8, px = Math.floor(i / 8) % 5, py = Math.floor(i / 40) % 5, b = Math.floor(i / 200);
      let m = -Infinity;
      for (let r = 0; r < 2; r++) for (let c = 0; c < 2; c++) m = Math.max(m, Z[((b * 11 + 2 * py + r) * 11 + 2 * px + c) * 8 + o]);
      P[i] = m;
    }
    const DP = sparse(P.length, 9, 0.3, -1, 1, 'ldp');
    const X = uniform(n * 13 * 13 * 4, 9, -1, 1, 'lx');
    const W = uniform(288, 9, -1, 1, 'lw');
    const wT = new Float64Array(288);
    for (let t = 0; t < 36; t++) for (let o = 0; o < 8; o++) wT[o * 36 + t] = W[t * 8 + o];
    const dwT = new Float64Array(288), db = new Float64Array(8), dx = new Float32Array(X.length);
    blockLoop(g)(n, DP, Z, P, X, wT, dwT, db, dx);
    const big = new WebAssembly.Memory({ initial: 4 });
    const f = new Float32Array(big.buffer);
    const at = { dp: 1024, z: 8192, p: 24576, x: 32768, w: 45056, dw: 47104, db: 48640, dx: 49152 };
    f.set(DP, at.dp / 4); f.set(Z, at.z / 4); f.set(P, at.p / 4); f.set(X, at.x / 4); f.set(W, at.w / 4);
    const DW = new Float32Array(288);
    for (let t = 0; t < 36; t++) for (let o = 0; o < 8; o++) DW[t * 8 + o] = dwT[o * 36 + t];
    // The chosen layout (conv2 with dL/dx: its vectors in globals) and the other one, each twice
    // in a row on the same instance (globals keep their values between calls; every call must
    // start its sums afresh).
    expect(blockLoopLayout(g).vectorsIn).toBe('globals');
    expect(blockLoopLayout({ ...g, ci: 1, ch: 4, h: 28, w: 28, zh: 26, zw: 26, ph: 13, pw: 13, inputGrad: false }).order).toBe('position-outer');
    expect(blockLoopLayout({ ...g, ci: 1, ch: 4, h: 28, w: 28, zh: 26, zw: 26, ph: 13, pw: 13, inputGrad: true }).vectorsIn).toBe('locals');
    for (const layout of [undefined, { vectorsIn: 'locals' }, { vectorsIn: 'globals' }] as Array<BlockLoopLayout | undefined>) {
      const run = layout === undefined ? wasmBlockLoop(g, big) : (new WebAssembly.Instance(new WebAssembly.Module(blockLoopModule(g, layout)), { env: { memory: big } }).exports.run as WasmBlockLoop);
      for (let call = 0; call < 2; call++) {
        f.fill(0, at.dx / 4, at.dx / 4 + dx.length);
        run(n, at.dp, at.z, at.p, at.x, at.w, at.dw, at.db, at.dx);
        expect(bits(f.slice(at.dw / 4, at.dw / 4 + 288)), `${layout?.vectorsIn ?? 'default'} dW`).toEqual(bits(DW));
        expect(bits(f.slice(at.db / 4, at.db / 4 + 8))).toEqual(bits(Float32Array.from(db)));
        expect(bits(f.slice(at.dx / 4, at.dx / 4 + dx.length))).toEqual(bits(dx));
      }
    }
  });

  // Every layout that applies against the channel-outer loop with locals: random blocks, and
  // blocks the position-outer loop fits (no dL/dx, 2x2 pooling, 4 or 8 channels).
  const fitsPositionOuter = fc
    .record({ n: fc.integer({ min: 0, max: 3 }), h: fc.integer({ min: 4, max: 12 }), w: fc.integer({ min: 4, max: 12 }), ci: fc.integer({ min: 1, max: 6 }), co: fc.constantFrom(4, 8), kh: fc.integer({ min: 1, max: 3 }), kw: fc.integer({ min: 1, max: 3 }), pool: fc.constant(2), inputGrad: fc.constant(false), ties: fc.boolean(), seed: fc.nat() })
    .filter(({ h, w, kh, kw, pool }) => h - kh + 1 >= pool && w - kw + 1 >= pool);
  it.each([['random blocks', geometry], ['blocks the position-outer loop fits', fitsPositionOuter]] as const)('property: every layout gives the same bits on %s', (_, blocks) => {
    fc.assert(
      fc.property(blocks, ({ n, h, w, ci, co, kh, kw, pool, inputGrad, ties, seed }) => {
        const zh = h - kh + 1, zw = w - kw + 1, ph = Math.floor(zh / pool), pw = Math.floor(zw / pool);
        const g: BlockGeometry = { ph, pw, ch: co, zh, zw, h, w, ci, kh, kw, pool, inputGrad };
        const nn = Math.max(n, 1);
        const grid = (v: Float32Array) => (ties ? v.map((e) => Math.round(e * 4) / 4) : v);
        const Z = grid(uniform(nn * zh * zw * co, seed, -1, 1, 'gz')).map((v) => Math.max(0, v));
        const P = new Float32Array(nn * ph * pw * co);
        for (let i = 0; i < P.length; i++) {
          const o = i % co, px = Math.floor(i / co) % pw, py = Math.floor(i / (co * pw)) % ph, b = Math.floor(i / (co * pw * ph));
          let m = -Infinity;
          for (let r = 0; r < pool; r++) for (let c = 0; c < pool; c++) m = Math.max(m, Z[((b * zh + pool * py + r) * zw + pool * px + c) * co + o]);
          P[i] = m;
        }
        const arrays = [sparse(P.length, seed, 0.3, -1, 1, 'gdp'), Z, P, grid(uniform(nn * h * w * ci, seed, -1, 1, 'gx')), uniform(kh * kw * ci * co, seed, -1, 1, 'gw')];
        const outs = (layout: BlockLoopLayout) => {
          const memory = new WebAssembly.Memory({ initial: 4 });
          const f = new Float32Array(memory.buffer);
          let next = 64;
          const put = (a: Float32Array | number) => {
            const length = typeof a === 'number' ? a : a.length;
            const o = next;
            if (typeof a !== 'number') f.set(a, o / 4);
            next += length * 4 + 64;
            return o;
          };
          const [dp, z, p, x, wt] = arrays.map(put);
          const [dw, db, dx] = [put(kh * kw * ci * co), put(co), put(nn * h * w * ci)];
          const run = new WebAssembly.Instance(new WebAssembly.Module(blockLoopModule(g, layout)), { env: { memory } }).exports.run as (...a: number[]) => void;
          run(n, dp, z, p, x, wt, dw, db, inputGrad ? dx : 0);
          return [f.slice(dw / 4, dw / 4 + kh * kw * ci * co), f.slice(db / 4, db / 4 + co), f.slice(dx / 4, dx / 4 + nn * h * w * ci)].map(bits);
        };
        const reference = outs({ vectorsIn: 'locals' });
        expect(outs({ vectorsIn: 'globals' })).toEqual(reference);
        if (positionOuterFits(g)) expect(outs({ vectorsIn: 'globals', order: 'position-outer' })).toEqual(reference);
      }),
      { numRuns: 60 },
    );
  });
});
