import * as tf from '@tensorflow/tfjs';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { I32, V128, moduleBytes, op, uleb } from './encode.ts';
import { heapOffset, wasmMemoryOf } from './heap.ts';

// The forward of a conv block on the wasm backend in one kernel:
//
//   z = relu(conv2d(x, W, stride 1, 'valid') + b);   p = maxPool(z, pool, stride pool, 'valid')
//
// for Ci >= 1 input channels and a multiple of 4 output channels (the thesis CNN's conv1, 1 -> 4,
// and conv2, 4 -> 8). Each output pixel's channels are float32x4 vectors: acc = b, then for each
// filter tap (r, c) in row-major order and, within it, each input channel i in order,
// acc = acc + splat(x[y+r, x+c, i]) * W[r, c, i, :], every product and sum rounded to float32
// (WebAssembly SIMD has no fused multiply-add in these instructions), then ReLU as XNNPACK does
// it (a signed integer max of the float bits with 0; see below for non-finite sums). That is the
// order XNNPACK's convolution (the shipped FusedConv2D: its indirect GEMM starts from the bias and
// walks the taps, each tap's channels in order) sums in, so z and p are bit for bit the shipped
// kernels' (checked by spec/backend/conv-relu-pool-simd.spec.ts for Ci = 1 to 5). For Ci = 1
// the shipped kernel runs through prunecam's single-channel fold, whose zero filter taps add
// only zeros: at most the sign of a zero could differ, which no later comparison or non-zero sum
// can see. The max-pool runs per image right after its conv rows, on values still in cache, and
// needs no second kernel launch. The layout (convReluPoolLayout: pixels per block, filter in
// locals or in memory) changes the speed, never the order of any sum.
//
// With `biasLast` it is instead the evaluation forward of src/model/cnn.ts (tf.conv2d, then
// tf.add of the bias, tf.relu, tf.maxPool; see forwardNoGrad there): acc = +0, the same taps in
// the same order, then acc + b, then that forward's ReLU (which zeroes NaN, see below).
//
// With `preRelu` (and biasLast) it is tf.add(tf.conv2d(x, W), b) alone, conv2's pre-ReLU
// activations A of the explain path (src/model/cnn.ts conv2ActivationsNoGrad): the biasLast sum
// acc + b, then the bias add's clamp to [-Infinity, Infinity] (pmax with -Infinity, then pmin with
// +Infinity, as XNNPACK's x86 wasm kernels do it): a NaN becomes -Infinity, every other value
// stays. (If the shipped conv's own clamp already turned a NaN sum into -Infinity, the bias add
// gives -Infinity or NaN -> -Infinity from it: the same.) Only z is written (no ReLU, no pool)
// and the kernel returns [z]. Pinned to the tf ops by spec/explain/wasm-path.spec.ts.
//
// Assembled at run time per geometry (src/backend/wasm/encode.ts); no binary ships.

export const CONV_RELU_POOL = 'PrunecamConvReluPool';

export interface ConvReluPoolAttrs {
  pool: number;
  /**
   * The bias added after the taps, as tf.add(tf.conv2d(x, W), b) then tf.relu do (src/model/cnn.ts
   * forward) rather than first, as tf.fused.conv2d does (the default).
   */
  biasLast?: boolean;
  /** With biasLast: output only z = tf.add(tf.conv2d(x, W), b) (no ReLU, no pool), see the header. */
  preRelu?: boolean;
  /** Forces a layout (specs check every layout gives the same bits); default convReluPoolLayout's. */
  cols?: number;
  filterInLocals?: boolean;
}

export interface ConvReluPoolGeometry {
  h: number;
  w: number;
  ci: number;
  kh: number;
  kw: number;
  co: number;
  pool: number;
}

/**
 * How the module computes (never what): `cols` adjacent output pixels of a row at a time, with
 * the filter vectors in locals (straight-line code over the terms) or loaded from memory at each
 * use (a run-time loop over each filter row's terms, loading each term's filter vectors once for
 * the `cols` pixels).
 */
export interface ConvReluPoolLayout {
  cols: number;
  filterInLocals: boolean;
}

/**
 * The faster layout measured per geometry (Node 20, x86-64): a small filter (conv1's 9 vectors)
 * in locals, one pixel at a time, as first written; a larger one (conv2's 72) from memory, four
 * pixels at a time (8 accumulators; V8 would spill 72 filter locals, and in long straight-line
 * code it hoists the loads ahead of the arithmetic and spills them too).
 */
export function convReluPoolLayout(g: ConvReluPoolGeometry): ConvReluPoolLayout {
  return (g.kh * g.kw * g.ci * g.co) / 4 <= 16 ? { cols: 1, filterInLocals: true } : { cols: 4, filterInLocals: false };
}

/** Whether the kernel handles this input and filter: NHWC [N, H, W, Ci], filter [kh, kw, Ci, Co] with Co a multiple of 4. */
export function convReluPoolFits(xShape: number[], filterShape: number[], pool: number): boolean {
  if (xShape.length !== 4 || filterShape.length !== 4 || xShape[3] !== filterShape[2] || xShape[3] < 1) return false;
  const [, h, w] = xShape;
  const [kh, kw, , co] = filterShape;
  return co % 4 === 0 && co > 0 && Number.isInteger(pool) && pool >= 1 && h - kh + 1 >= pool && w - kw + 1 >= pool;
}

/** The module for one geometry: run(n, x, filter, bias, z, p), byte offsets. */
export function convReluPoolModule(g: ConvReluPoolGeometry, layout: ConvReluPoolLayout = convReluPoolLayout(g), biasLast = false, preRelu = false): Uint8Array<ArrayBuffer> {
  if (preRelu && !biasLast) throw new Error('convReluPoolModule: preRelu needs biasLast');
  const { h, w, ci, kh, kw, co, pool } = g;
  const zh = h - kh + 1;
  const zw = w - kw + 1;
  const ph = Math.floor(zh / pool);
  const pw = Math.floor(zw / pool);
  const vecs = co / 4;
  const terms = kh * kw * ci; // products per output value
  const cols = Math.max(1, Math.min(layout.cols, zw));
  const [N, X, W, B, Z, P] = [0, 1, 2, 3, 4, 5];
  let next = 6;
  const L = { b: next++, y: next++, blk: next++, xi: next++, zo: next++, py: next++, px: next++, zi: next++, po: next++, zImg: next++, xp: next++, wp: next++, wEnd: next++ };
  const nI32 = next - 6;
  const firstBias = next;
  const bv = (v: number) => firstBias + v; // bias, per vector of 4 output channels
  const firstAcc = firstBias + vecs;
  const acc = (p: number, v: number) => firstAcc + p * vecs + v; // the sums of a block's output pixel p
  const S = firstAcc + cols * vecs; // the splat input value
  const ZERO = S + 1;
  const firstW = ZERO + 1;
  const wl = (k: number, v: number) => firstW + (layout.filterInLocals ? k * vecs : 0) + v; // filter vectors (term k's, or the current term's)
  const nV = firstW + (layout.filterInLocals ? terms * vecs : vecs) - next;

  const c: number[] = [];
  const emit = (...xs: number[][]) => {
    for (const x of xs) for (const b of x) c.push(b);
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
  // biasLast: z = pmax(0, acc + b) (0 < v ? v : 0), what the forward of src/model/cnn.ts gives
  // (its conv2d has no bias: the sums start from +0). Its bias add (prunecam's, an XNNPACK
  // depthwise convolution) clamps the output to [-Infinity, Infinity] with pmax/pmin (XNNPACK's
  // wasm kernels for x86 hosts), which turns a NaN into -Infinity, and tf.relu (XNNPACK's integer
  // max) then gives 0. So a NaN sum (or a NaN or infinite bias making one) gives 0 there, not
  // NaN; every other value the same ReLU as above.
  const f32x4pmax = simd(0xeb);
  // preRelu: pmin(+Infinity, pmax(-Infinity, v)), the bias add's clamp (see the header).
  const f32x4pmin = simd(0xea);
  const splat4 = (bits: number) => simd(0x0c, ...new Array(4).fill([bits & 0xff, (bits >>> 8) & 0xff, (bits >>> 16) & 0xff, bits >>> 24]).flat());
  const POS_INF = splat4(0x7f800000);
  const NEG_INF = splat4(0xff800000);
  const zero = simd(0x0c, ...new Array(16).fill(0));

  // Term k = (r*kw + c)*ci + i: tap (r, c) row-major, then input channel i (the summation order).
  const filterAt = (k: number, v: number) => (k * co + v * 4) * 4;
  if (layout.filterInLocals) for (let k = 0; k < terms; k++) for (let v = 0; v < vecs; v++) emit(get(W), load(filterAt(k, v)), set(wl(k, v)));
  for (let v = 0; v < vecs; v++) emit(get(B), load(v * 16), set(bv(v)));
  emit(zero, set(ZERO));

  // `np` adjacent output pixels of one row: xi = the input pixel under the first one's tap (0, 0),
  // zo = its z; both advanced past the block.
  const block = (np: number) => {
    for (let p = 0; p < np; p++) for (let v = 0; v < vecs; v++) emit(get(biasLast ? ZERO : bv(v)), set(acc(p, v)));
    if (layout.filterInLocals) {
      for (let r = 0; r < kh; r++) {
        for (let cc = 0; cc < kw; cc++) {
          for (let i = 0; i < ci; i++) {
            const k = (r * kw + cc) * ci + i;
            for (let p = 0; p < np; p++) {
              emit(get(L.xi), load32splat(((r * w + cc + p) * ci + i) * 4), set(S));
              for (let v = 0; v < vecs; v++) emit(get(acc(p, v)), get(S), get(wl(k, v)), f32x4mul, f32x4add, set(acc(p, v)));
            }
          }
        }
      }
    } else {
      // Filter row r: its terms (c, i) are contiguous in x (from the block's input pixel (r, 0)) and in W.
      for (let r = 0; r < kh; r++) {
        emit(get(L.xi), op.i32(r * w * ci * 4), op.i32add, set(L.xp));
        emit(get(W), op.i32(r * kw * ci * co * 4), op.i32add, op.tee(L.wp), op.i32(kw * ci * co * 4), op.i32add, set(L.wEnd));
        emit(op.loop);
        {
          for (let v = 0; v < vecs; v++) emit(get(L.wp), load(v * 16), set(wl(0, v)));
          for (let p = 0; p < np; p++) {
            emit(get(L.xp), load32splat(p * ci * 4), set(S));
            for (let v = 0; v < vecs; v++) emit(get(acc(p, v)), get(S), get(wl(0, v)), f32x4mul, f32x4add, set(acc(p, v)));
          }
          emit(get(L.xp), op.i32(4), op.i32add, set(L.xp));
          emit(get(L.wp), op.i32(co * 4), op.i32add, op.tee(L.wp), get(L.wEnd), op.i32ltU, op.brIf(0));
        }
        emit(op.end);
      }
    }
    for (let p = 0; p < np; p++) {
      for (let v = 0; v < vecs; v++) {
        if (preRelu) emit(get(L.zo), POS_INF, NEG_INF, get(acc(p, v)), get(bv(v)), f32x4add, f32x4pmax, f32x4pmin, store((p * co + v * 4) * 4));
        else if (biasLast) emit(get(L.zo), get(ZERO), get(acc(p, v)), get(bv(v)), f32x4add, f32x4pmax, store((p * co + v * 4) * 4));
        else emit(get(L.zo), get(acc(p, v)), get(ZERO), i32x4maxS, store((p * co + v * 4) * 4));
      }
    }
    emit(get(L.zo), op.i32(np * co * 4), op.i32add, set(L.zo));
    emit(get(L.xi), op.i32(np * ci * 4), op.i32add, set(L.xi));
  };
  const fullBlocks = Math.floor(zw / cols);
  const tail = zw % cols;

  emit(get(Z), set(L.zo), get(P), set(L.po), get(X), set(L.xi));
  emit(op.i32(0), set(L.b));
  emit(op.block, get(N), op.i32eqz, op.brIf(0));
  emit(op.loop); // images
  {
    emit(get(L.zo), set(L.zImg));
    emit(op.i32(0), set(L.y));
    emit(op.loop); // conv rows
    {
      if (fullBlocks > 1) {
        emit(op.i32(0), set(L.blk));
        emit(op.loop); // blocks of `cols` output pixels
        block(cols);
        emit(get(L.blk), op.i32(1), op.i32add, op.tee(L.blk), op.i32(fullBlocks), op.i32ltU, op.brIf(0));
        emit(op.end);
      } else if (fullBlocks === 1) {
        block(cols);
      }
      if (tail > 0) block(tail);
      emit(get(L.xi), op.i32((kw - 1) * ci * 4), op.i32add, set(L.xi)); // to the next input row
      emit(get(L.y), op.i32(1), op.i32add, op.tee(L.y), op.i32(zh), op.i32ltU, op.brIf(0));
    }
    emit(op.end);
    emit(get(L.xi), op.i32((kh - 1) * w * ci * 4), op.i32add, set(L.xi)); // to the next image
    // Max-pool of this image (none with preRelu): p[py, px, :] = max over the window of z (row-major, as loaded).
    if (!preRelu) {
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
    }
    emit(get(L.b), op.i32(1), op.i32add, op.tee(L.b), get(N), op.i32ltU, op.brIf(0));
  }
  emit(op.end, op.end); // images, n == 0 guard
  emit(op.end); // function
  return moduleBytes(6, [[...uleb(nI32), I32], [...uleb(nV), V128]], c);
}

/** run(n, x, filter, bias, z, p): the block's forward for n images; every array a byte offset into the memory (p 0 with preRelu). */
export type ConvReluPoolRun = (n: number, x: number, filter: number, bias: number, z: number, p: number) => void;
type Run = ConvReluPoolRun;
const instances = new WeakMap<WebAssembly.Memory, Map<string, Run>>();


/**
 * The compiled forward for a geometry on `memory` (cached per memory, geometry and variant): what
 * the kernel runs, for callers that keep their arrays on the heap themselves (src/train/heap-step.ts).
 */
export function convReluPoolRun(g: ConvReluPoolGeometry, memory: WebAssembly.Memory, variant: { biasLast?: boolean; preRelu?: boolean } = {}): ConvReluPoolRun {
  return runFor(g, convReluPoolLayout(g), variant.biasLast === true, variant.preRelu === true, memory);
}

function runFor(g: ConvReluPoolGeometry, layout: ConvReluPoolLayout, biasLast: boolean, preRelu: boolean, memory: WebAssembly.Memory): Run {
  let byGeometry = instances.get(memory);
  if (byGeometry === undefined) instances.set(memory, (byGeometry = new Map()));
  const key = JSON.stringify([g, layout, biasLast, preRelu]);
  let run = byGeometry.get(key);
  if (run === undefined) {
    const instance = new WebAssembly.Instance(new WebAssembly.Module(convReluPoolModule(g, layout, biasLast, preRelu)), { env: { memory } });
    run = instance.exports.run as Run;
    byGeometry.set(key, run);
  }
  return run;
}

/** Inputs x [N,H,W,Ci], filter [kh,kw,Ci,Co], bias [Co] (float32); outputs [z, p] ([z] with preRelu). */
function convReluPool({ inputs, backend, attrs }: { inputs: { x: tf.TensorInfo; filter: tf.TensorInfo; bias: tf.TensorInfo }; backend: BackendWasm; attrs: ConvReluPoolAttrs }): tf.TensorInfo[] {
  const { x, filter, bias } = inputs;
  const { pool } = attrs;
  const memory = wasmMemoryOf(backend);
  if (!convReluPoolFits(x.shape, filter.shape, pool) || bias.shape.join() !== String(filter.shape[3]) || [x, filter, bias].some((t) => t.dtype !== 'float32') || memory === null) {
    throw new Error(`${CONV_RELU_POOL}: needs float32 x [N,H,W,Ci], filter [kh,kw,Ci,Co] (Co a multiple of 4), bias [Co] on the unthreaded wasm backend; got x [${x.shape}], filter [${filter.shape}], bias [${bias.shape}]`);
  }
  if (attrs.cols !== undefined && !(Number.isInteger(attrs.cols) && attrs.cols >= 1)) throw new Error(`${CONV_RELU_POOL}: cols must be a positive integer; got ${attrs.cols}`);
  const [n, h, w, ci] = x.shape;
  const [kh, kw, , co] = filter.shape;
  const zh = h - kh + 1;
  const zw = w - kw + 1;
  const preRelu = attrs.preRelu === true;
  if (preRelu && attrs.biasLast !== true) throw new Error(`${CONV_RELU_POOL}: preRelu needs biasLast`);
  const z = backend.makeOutput([n, zh, zw, co], 'float32');
  const p = preRelu ? null : backend.makeOutput([n, Math.floor(zh / pool), Math.floor(zw / pool), co], 'float32');
  const at = (t: tf.TensorInfo) => heapOffset(backend, t);
  const g: ConvReluPoolGeometry = { h, w, ci, kh, kw, co, pool };
  const chosen = convReluPoolLayout(g);
  const layout: ConvReluPoolLayout = { cols: attrs.cols ?? chosen.cols, filterInLocals: attrs.filterInLocals ?? chosen.filterInLocals };
  runFor(g, layout, attrs.biasLast === true, preRelu, memory)(n, at(x), at(filter), at(bias), at(z), p === null ? 0 : at(p));
  return p === null ? [z] : [z, p];
}

export const convReluPoolConfig: tf.KernelConfig = { kernelName: CONV_RELU_POOL, backendName: 'wasm', kernelFunc: convReluPool as unknown as tf.KernelFunc };

/** Whether the active backend can run the kernel on these shapes (else use the standard ops). */
export function canConvReluPool(x: Pick<tf.Tensor, 'shape'>, filter: Pick<tf.Tensor, 'shape'>, pool: number): boolean {
  if (tf.getKernel(CONV_RELU_POOL, tf.getBackend()) === undefined) return false;
  return convReluPoolFits(x.shape, filter.shape, pool) && wasmMemoryOf(tf.backend()) !== null && simdCompiles();
}

let simd: boolean | null = null;
function simdCompiles(): boolean {
  if (simd === null) {
    try {
      new WebAssembly.Module(convReluPoolModule({ h: 4, w: 4, ci: 1, kh: 1, kw: 1, co: 4, pool: 1 }));
      simd = true;
    } catch {
      simd = false;
    }
  }
  return simd;
}
