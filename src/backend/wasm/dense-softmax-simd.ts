import * as tf from '@tensorflow/tfjs';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { softmaxCrossEntropyValues } from '../kernels/softmax-cross-entropy.ts';
import { I32, V128, moduleBytes, op, uleb } from './encode.ts';
import { heapOffset, wasmMemoryOf } from './heap.ts';

// The dense layer and the loss of a training step on the wasm backend in one kernel:
//
//   logits = x W + b;   loss, dlogits = softmax cross-entropy (PrunecamSoftmaxCrossEntropy's
//   arithmetic);   dW = x^T dlogits;   db = column sums of dlogits;   dx = dlogits W^T
//
// where the step otherwise launched seven kernels (fused matMul, the loss, two transposing
// matMuls, a sum, two reshapes). The three products run as WebAssembly SIMD (float32x4 over the
// output columns, one multiply and one add per term, each rounded to float32, summed over k in
// order, the bias first): the order XNNPACK's GEMM (the shipped kernels) sums in, so every
// value is bit for bit what the separate kernels give (spec/backend/dense-softmax-simd.spec.ts).
// Assembled at run time (src/backend/wasm/encode.ts); no binary ships.

export const DENSE_SOFTMAX_CROSS_ENTROPY = 'PrunecamDenseSoftmaxCrossEntropy';

type Width = 4 | 2 | 1;

/** Runs of 4, 2 and 1 floats covering `n`: [offset, width]. */
function runs(n: number): Array<[number, Width]> {
  const out: Array<[number, Width]> = [];
  let at = 0;
  for (; at + 4 <= n; at += 4) out.push([at, 4]);
  if (at + 2 <= n) {
    out.push([at, 2]);
    at += 2;
  }
  if (at < n) out.push([at, 1]);
  return out;
}

const simd = op.simd;
const loadW = (w: Width, offset: number) => (w === 4 ? simd(0x00, 0, ...uleb(offset)) : w === 2 ? simd(0x5d, 0, ...uleb(offset)) : simd(0x5c, 0, ...uleb(offset)));
const storeW = (w: Width, offset: number) => (w === 4 ? simd(0x0b, 0, ...uleb(offset)) : w === 2 ? simd(0x5b, 0, ...uleb(offset), 0) : simd(0x5a, 0, ...uleb(offset), 0));
const splat32 = (offset: number) => simd(0x09, 2, ...uleb(offset));
const f32x4add = simd(0xe4);
const f32x4mul = simd(0xe6);
const zero = simd(0x0c, ...new Array(16).fill(0));

/**
 * out[i, :cols] = init(i) + sum over k < K of a(i, k) * B[k, :cols], rows i < n, where a(i, k) is
 * at A + (i*aRow + k*aStep)*4 and row k of B at Bm + k*cols*4; out row i at Out + i*cols*4.
 * init: the bias row (Bias pointer) or zero. Parameters (n, A, Bm, Bias, Out).
 */
function productModule(K: number, cols: number, aRow: number, aStep: number, withBias: boolean): Uint8Array<ArrayBuffer> {
  const [N, A, BM, BIAS, OUT] = [0, 1, 2, 3, 4];
  const I = 5;
  const AI = 6; // A + i*aRow*4
  const OI = 7; // Out + i*cols*4
  const parts = runs(cols);
  const acc = (j: number) => 8 + j; // v128 locals
  const c: number[] = [];
  const emit = (...xs: number[][]) => {
    for (const x of xs) c.push(...x);
  };
  const { get, set } = op;
  emit(op.i32(0), set(I), get(A), set(AI), get(OUT), set(OI));
  emit(op.block, get(N), op.i32eqz, op.brIf(0), op.loop);
  parts.forEach(([at, w], j) => emit(withBias ? [...get(BIAS), ...loadW(w, at * 4)] : zero, set(acc(j))));
  for (let k = 0; k < K; k++) {
    emit(get(AI), splat32(k * aStep * 4), set(acc(parts.length)));
    parts.forEach(([at, w], j) => emit(get(acc(j)), get(acc(parts.length)), get(BM), loadW(w, (k * cols + at) * 4), f32x4mul, f32x4add, set(acc(j))));
  }
  parts.forEach(([at, w], j) => emit(get(OI), get(acc(j)), storeW(w, at * 4)));
  emit(get(AI), op.i32(aRow * 4), op.i32add, set(AI));
  emit(get(OI), op.i32(cols * 4), op.i32add, set(OI));
  emit(get(I), op.i32(1), op.i32add, op.tee(I), get(N), op.i32ltU, op.brIf(0));
  emit(op.end, op.end, op.end);
  return moduleBytes(5, [[3, I32], [...uleb(parts.length + 1), V128]], c);
}

type Product = (n: number, a: number, b: number, bias: number, out: number) => void;
const instances = new WeakMap<WebAssembly.Memory, Map<string, Product>>();

function product(memory: WebAssembly.Memory, ...args: Parameters<typeof productModule>): Product {
  let byShape = instances.get(memory);
  if (byShape === undefined) instances.set(memory, (byShape = new Map()));
  const key = args.join();
  let run = byShape.get(key);
  if (run === undefined) {
    run = new WebAssembly.Instance(new WebAssembly.Module(productModule(...args)), { env: { memory } }).exports.run as Product;
    byShape.set(key, run);
  }
  return run;
}

interface Inputs {
  x: tf.TensorInfo;
  w: tf.TensorInfo;
  bias: tf.TensorInfo;
  targets: tf.TensorInfo;
}

/** The kernel's sizes: n rows of f features, o classes; `indices`: targets are class indices [n] (else rows [n, o]), of `targetsDtype`. */
export interface DenseSoftmaxSizes {
  n: number;
  f: number;
  o: number;
  indices: boolean;
  targetsDtype: 'float32' | 'int32';
}

/**
 * Byte offsets on the heap: inputs x [n, f], w [f, o], bias [o], targets; outputs loss [],
 * dW [f, o], db [o], dx [n, f]; scratch logits [n, o], dl [n, o], wT [o, f].
 */
export interface DenseSoftmaxHeap {
  x: number;
  w: number;
  bias: number;
  targets: number;
  loss: number;
  dW: number;
  db: number;
  dx: number;
  logits: number;
  dl: number;
  wT: number;
}

/**
 * The kernel's arithmetic on arrays already on the heap: what the kernel runs after allocating
 * its outputs, and what src/train/heap-step.ts runs on buffers it keeps from step to step.
 */
export function denseSoftmaxOnHeap(memory: WebAssembly.Memory, { n, f, o, indices, targetsDtype }: DenseSoftmaxSizes, at: DenseSoftmaxHeap): void {
  const f32 = (offset: number, length: number) => new Float32Array(memory.buffer, offset, length);
  const W = f32(at.w, f * o);
  const WT = f32(at.wT, o * f);
  for (let k = 0; k < f; k++) for (let j = 0; j < o; j++) WT[j * f + k] = W[k * o + j];
  product(memory, f, o, f, 1, true)(n, at.x, at.w, at.bias, at.logits);
  const DL = f32(at.dl, n * o);
  const targetCount = indices ? n : n * o;
  const targets = targetsDtype === 'int32' ? new Int32Array(memory.buffer, at.targets, targetCount) : f32(at.targets, targetCount);
  f32(at.loss, 1)[0] = softmaxCrossEntropyValues(n, o, f32(at.logits, n * o), targets, indices, DL);
  // dW[k, :] = sum over rows i of x[i, k] * dl[i, :]: the "rows" of this product are x's columns.
  product(memory, n, o, 1, f, false)(f, at.x, at.dl, 0, at.dW);
  const DB = f32(at.db, o);
  const fr = Math.fround;
  for (let j = 0; j < o; j++) {
    let s = 0;
    for (let i = 0; i < n; i++) s = fr(s + DL[i * o + j]);
    DB[j] = s;
  }
  product(memory, o, f, o, 1, false)(n, at.dl, at.wT, 0, at.dx);
}

/** x [N, F], w [F, O], bias [O] (float32), targets int32 class indices [N] or [N, O]. Outputs [loss, dW, db, dx]. */
function denseSoftmaxCrossEntropy({ inputs, backend }: { inputs: Inputs; backend: BackendWasm }): tf.TensorInfo[] {
  const { x, w, bias, targets } = inputs;
  const memory = wasmMemoryOf(backend);
  const [n, f] = x.shape;
  const o = w.shape[1];
  const indices = targets.shape.length === 1;
  const fits =
    x.shape.length === 2 && w.shape.length === 2 && w.shape[0] === f && bias.shape.join() === String(o) &&
    [x, w, bias].every((t) => t.dtype === 'float32') &&
    (indices ? targets.shape[0] === n && targets.dtype === 'int32' : targets.shape.join() === [n, o].join() && (targets.dtype === 'float32' || targets.dtype === 'int32'));
  if (!fits || memory === null) {
    throw new Error(`${DENSE_SOFTMAX_CROSS_ENTROPY}: needs float32 x [N, F], w [F, O], bias [O] and targets int32 [N] or float32/int32 [N, O] on the unthreaded wasm backend; got x [${x.shape}], w [${w.shape}], bias [${bias.shape}], ${targets.dtype} targets [${targets.shape}]`);
  }
  // Allocate everything first: an allocation may grow the memory and detach earlier views.
  const loss = backend.makeOutput([], 'float32');
  const dW = backend.makeOutput([f, o], 'float32');
  const db = backend.makeOutput([o], 'float32');
  const dx = backend.makeOutput([n, f], 'float32');
  const logits = backend.makeOutput([n, o], 'float32');
  const dl = backend.makeOutput([n, o], 'float32');
  const wT = backend.makeOutput([o, f], 'float32');
  const at = (t: tf.TensorInfo) => heapOffset(backend, t);
  try {
    const heap = { x: at(x), w: at(w), bias: at(bias), targets: at(targets), loss: at(loss), dW: at(dW), db: at(db), dx: at(dx), logits: at(logits), dl: at(dl), wT: at(wT) };
    denseSoftmaxOnHeap(memory, { n, f, o, indices, targetsDtype: targets.dtype as 'float32' | 'int32' }, heap);
  } finally {
    for (const t of [logits, dl, wT]) backend.disposeData(t.dataId);
  }
  return [loss, dW, db, dx];
}

export const denseSoftmaxCrossEntropyConfig: tf.KernelConfig = {
  kernelName: DENSE_SOFTMAX_CROSS_ENTROPY,
  backendName: 'wasm',
  kernelFunc: denseSoftmaxCrossEntropy as unknown as tf.KernelFunc,
};

let simdOk: boolean | null = null;

/** Whether the active backend runs the kernel (wasm, unthreaded, SIMD) for these labels. */
export function canDenseSoftmax(labels: Pick<tf.Tensor, 'rank' | 'dtype'>): boolean {
  if (tf.getKernel(DENSE_SOFTMAX_CROSS_ENTROPY, tf.getBackend()) === undefined || wasmMemoryOf(tf.backend()) === null) return false;
  if (labels.rank === 1 ? labels.dtype !== 'int32' : labels.rank !== 2) return false;
  if (simdOk === null) {
    try {
      new WebAssembly.Module(productModule(1, 4, 1, 1, true));
      simdOk = true;
    } catch {
      simdOk = false;
    }
  }
  return simdOk;
}
