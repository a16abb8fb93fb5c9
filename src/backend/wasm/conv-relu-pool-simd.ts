import * as tf from '@tensorflow/tfjs';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { F32, I32, V128, moduleBytes, op, uleb } from './encode.ts';

// The forward of the first conv block on the wasm backend in one kernel:
//
//   z = relu(conv2d(x, W, stride 1, 'valid') + b);   p = maxPool(z, pool, stride pool, 'valid')
//
// for a single-channel input and a multiple of 4 output channels (conv1 of the thesis CNN:
// 1 -> 4). Each output pixel's channels are float32x4 vectors: acc = b, then for each filter tap
// (r, c) in row-major order acc = acc + x[r, c] * W[r, c, :], every product and sum rounded to
// float32 (WebAssembly SIMD has no fused multiply-add in these instructions), then ReLU as
// XNNPACK does it (a signed integer max of the float bits with 0; see below for non-finite sums).
// That is the order XNNPACK's convolution (the shipped FusedConv2D, through prunecam's
// single-channel fold) sums in, so z and p are bit for bit the shipped kernels' (checked by
// spec/backend/conv-relu-pool-simd.spec.ts; at most the sign of a zero could differ, which no
// later comparison or non-zero sum can see). The max-pool runs per image right after its conv
// rows, on values still in cache, and needs no second kernel launch.
//
// Assembled at run time per geometry (src/backend/wasm/encode.ts); no binary ships.

export const CONV_RELU_POOL = 'PrunecamConvReluPool';

export interface ConvReluPoolAttrs {
  pool: number;
}

export interface ConvReluPoolGeometry {
  h: number;
  w: number;
  kh: number;
  kw: number;
  co: number;
  pool: number;
}

/** Whether the kernel handles this input and filter: NHWC [N, H, W, 1], filter [kh, kw, 1, Co] with Co a multiple of 4. */
export function convReluPoolFits(xShape: number[], filterShape: number[], pool: number): boolean {
  if (xShape.length !== 4 || filterShape.length !== 4 || xShape[3] !== 1 || filterShape[2] !== 1) return false;
  const [, h, w] = xShape;
  const [kh, kw, , co] = filterShape;
  return co % 4 === 0 && co > 0 && Number.isInteger(pool) && pool >= 1 && h - kh + 1 >= pool && w - kw + 1 >= pool;
}

/** The module for one geometry: run(n, x, filter, bias, z, p), byte offsets. */
export function convReluPoolModule(g: ConvReluPoolGeometry): Uint8Array<ArrayBuffer> {
  const { h, w, kh, kw, co, pool } = g;
  const zh = h - kh + 1;
  const zw = w - kw + 1;
  const ph = Math.floor(zh / pool);
  const pw = Math.floor(zw / pool);
  const vecs = co / 4;
  const taps = kh * kw;
  const [N, X, W, B, Z, P] = [0, 1, 2, 3, 4, 5];
  let next = 6;
  const L = { b: next++, y: next++, xx: next++, xi: next++, zo: next++, py: next++, px: next++, zi: next++, po: next++, zImg: next++ };
  const nI32 = next - 6;
  const firstV = next;
  const wv = (t: number, v: number) => firstV + t * vecs + v; // filter taps, per vector of 4 channels
  const bv = (v: number) => firstV + taps * vecs + v;
  const ACC = firstV + taps * vecs + vecs;
  const ZERO = ACC + 1;
  const nV = taps * vecs + vecs + 2;
  void F32;

  const c: number[] = [];
  const emit = (...xs: number[][]) => {
    for (const x of xs) c.push(...x);
  };
  const { get, set } = op;
  const simd = op.simd;
  const load = (offset: number) => simd(0x00, 0, ...uleb(offset));
  const store = (offset: number) => simd(0x0b, 0, ...uleb(offset));
  const load32splat = (offset: number) => simd(0x09, 2, ...uleb(offset));
  const f32x4add = simd(0xe4);
  const f32x4mul = simd(0xe6);
  const f32x4max = simd(0xe9);
  // ReLU as XNNPACK's wasm GEMM (the shipped FusedConv2D) does it: a signed integer max of the
  // float bits with 0. Finite values as max(acc, 0); +Infinity and a positive NaN stay, while
  // -Infinity and a negative NaN (Infinity - Infinity on x86, as an overflowing sum gives)
  // become 0. A float max would keep those NaN, and conv2's ReLU would then zero the whole
  // network instead of letting the +Infinity entries reach a NaN loss (NonFiniteLossError).
  const i32x4maxS = simd(0xb8);
  const zero = simd(0x0c, ...new Array(16).fill(0));

  for (let t = 0; t < taps; t++) for (let v = 0; v < vecs; v++) emit(get(W), load((t * co + v * 4) * 4), set(wv(t, v)));
  for (let v = 0; v < vecs; v++) emit(get(B), load(v * 16), set(bv(v)));
  emit(zero, set(ZERO));
  emit(get(Z), set(L.zo), get(P), set(L.po), get(X), set(L.xi));
  emit(op.i32(0), set(L.b));
  emit(op.block, get(N), op.i32eqz, op.brIf(0));
  emit(op.loop); // images
  {
    emit(get(L.zo), set(L.zImg));
    emit(op.i32(0), set(L.y));
    emit(op.loop); // conv rows
    {
      emit(op.i32(0), set(L.xx));
      emit(op.loop); // conv columns; xi = x + ((b*h + y)*w + xx)*4
      {
        for (let v = 0; v < vecs; v++) {
          emit(get(bv(v)), set(ACC));
          for (let r = 0; r < kh; r++) {
            for (let cc = 0; cc < kw; cc++) {
              emit(get(ACC), get(L.xi), load32splat((r * w + cc) * 4), get(wv(r * kw + cc, v)), f32x4mul, f32x4add, set(ACC));
            }
          }
          emit(get(L.zo), get(ACC), get(ZERO), i32x4maxS, store(v * 16));
        }
        emit(get(L.zo), op.i32(co * 4), op.i32add, set(L.zo));
        emit(get(L.xi), op.i32(4), op.i32add, set(L.xi));
        emit(get(L.xx), op.i32(1), op.i32add, op.tee(L.xx), op.i32(zw), op.i32ltU, op.brIf(0));
      }
      emit(op.end);
      emit(get(L.xi), op.i32((kw - 1) * 4), op.i32add, set(L.xi)); // to the next input row
      emit(get(L.y), op.i32(1), op.i32add, op.tee(L.y), op.i32(zh), op.i32ltU, op.brIf(0));
    }
    emit(op.end);
    emit(get(L.xi), op.i32((kh - 1) * w * 4), op.i32add, set(L.xi)); // to the next image
    // Max-pool of this image: p[py, px, :] = max over the window of z (row-major, as loaded).
    emit(op.i32(0), set(L.py));
    emit(op.loop);
    {
      emit(op.i32(0), set(L.px));
      emit(op.loop);
      {
        // zi = zImg + (py*pool*zw + px*pool)*co*4
        emit(get(L.zImg), get(L.py), op.i32(pool * zw * co * 4), op.i32mul, op.i32add, get(L.px), op.i32(pool * co * 4), op.i32mul, op.i32add, set(L.zi));
        for (let v = 0; v < vecs; v++) {
          emit(get(L.po));
          for (let i = 0; i < pool * pool; i++) {
            const off = (Math.floor(i / pool) * zw + (i % pool)) * co * 4 + v * 16;
            emit(get(L.zi), load(off));
            if (i > 0) emit(f32x4max);
          }
          emit(store(v * 16));
        }
        emit(get(L.po), op.i32(co * 4), op.i32add, set(L.po));
        emit(get(L.px), op.i32(1), op.i32add, op.tee(L.px), op.i32(pw), op.i32ltU, op.brIf(0));
      }
      emit(op.end);
      emit(get(L.py), op.i32(1), op.i32add, op.tee(L.py), op.i32(ph), op.i32ltU, op.brIf(0));
    }
    emit(op.end);
    emit(get(L.b), op.i32(1), op.i32add, op.tee(L.b), get(N), op.i32ltU, op.brIf(0));
  }
  emit(op.end, op.end); // images, n == 0 guard
  emit(op.end); // function
  return moduleBytes(6, [[...uleb(nI32), I32], [...uleb(nV), V128]], c);
}

type Run = (n: number, x: number, filter: number, bias: number, z: number, p: number) => void;
const instances = new WeakMap<WebAssembly.Memory, Map<string, Run>>();

interface WasmHeap {
  wasm: { asm?: { memory?: unknown } };
  dataIdMap: { get(id: tf.DataId): { memoryOffset: number } | undefined };
}

/** The wasm backend's (unshared) memory, or null (threaded build, other backends). */
export function wasmMemoryOf(backend: unknown): WebAssembly.Memory | null {
  const memory = (backend as Partial<WasmHeap>).wasm?.asm?.memory;
  return memory instanceof WebAssembly.Memory && memory.buffer instanceof ArrayBuffer ? memory : null;
}

function runFor(g: ConvReluPoolGeometry, memory: WebAssembly.Memory): Run {
  let byGeometry = instances.get(memory);
  if (byGeometry === undefined) instances.set(memory, (byGeometry = new Map()));
  const key = JSON.stringify(g);
  let run = byGeometry.get(key);
  if (run === undefined) {
    const instance = new WebAssembly.Instance(new WebAssembly.Module(convReluPoolModule(g)), { env: { memory } });
    run = instance.exports.run as Run;
    byGeometry.set(key, run);
  }
  return run;
}

/** Inputs x [N,H,W,1], filter [kh,kw,1,Co], bias [Co] (float32); outputs [z, p]. */
function convReluPool({ inputs, backend, attrs }: { inputs: { x: tf.TensorInfo; filter: tf.TensorInfo; bias: tf.TensorInfo }; backend: BackendWasm; attrs: ConvReluPoolAttrs }): tf.TensorInfo[] {
  const { x, filter, bias } = inputs;
  const { pool } = attrs;
  const memory = wasmMemoryOf(backend);
  if (!convReluPoolFits(x.shape, filter.shape, pool) || bias.shape.join() !== String(filter.shape[3]) || [x, filter, bias].some((t) => t.dtype !== 'float32') || memory === null) {
    throw new Error(`${CONV_RELU_POOL}: needs float32 x [N,H,W,1], filter [kh,kw,1,Co] (Co a multiple of 4), bias [Co] on the unthreaded wasm backend; got x [${x.shape}], filter [${filter.shape}], bias [${bias.shape}]`);
  }
  const [n, h, w] = x.shape;
  const [kh, kw, , co] = filter.shape;
  const zh = h - kh + 1;
  const zw = w - kw + 1;
  const z = backend.makeOutput([n, zh, zw, co], 'float32');
  const p = backend.makeOutput([n, Math.floor(zh / pool), Math.floor(zw / pool), co], 'float32');
  const heap = backend as unknown as WasmHeap;
  const at = (t: tf.TensorInfo) => heap.dataIdMap.get(t.dataId)!.memoryOffset;
  runFor({ h, w, kh, kw, co, pool }, memory)(n, at(x), at(filter), at(bias), at(z), at(p));
  return [z, p];
}

export const convReluPoolConfig: tf.KernelConfig = { kernelName: CONV_RELU_POOL, backendName: 'wasm', kernelFunc: convReluPool as unknown as tf.KernelFunc };

/** Whether the active backend can run the kernel on these shapes (else use the standard ops). */
export function canConvReluPool(x: tf.Tensor, filter: tf.Tensor, pool: number): boolean {
  if (tf.getKernel(CONV_RELU_POOL, tf.getBackend()) === undefined) return false;
  return convReluPoolFits(x.shape, filter.shape, pool) && wasmMemoryOf(tf.backend()) !== null && simdCompiles();
}

let simd: boolean | null = null;
function simdCompiles(): boolean {
  if (simd === null) {
    try {
      new WebAssembly.Module(convReluPoolModule({ h: 4, w: 4, kh: 1, kw: 1, co: 4, pool: 1 }));
      simd = true;
    } catch {
      simd = false;
    }
  }
  return simd;
}
