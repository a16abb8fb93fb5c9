import { F64, I32, V128, f32x4demoteZero, f64x2add, f64x2mul, f64x2promoteLow, f64x2splat, f64x2sub, moduleBytes, op, v128load64zero, v128store64lane0 } from './encode.ts';

// The loop of PrunecamSgdMomentumAll (src/backend/kernels/sgd-momentum.ts) as WebAssembly with
// 128-bit SIMD, for the wasm backend: it runs on the backend's own memory (imported), reading
// and writing the tensors in place, one call per parameter (the kernel is one launch per step).
//
// Exactly the JS loop's arithmetic, operation by operation and operand by operand, per element:
//
//   b  = momentum*B + (G + wd*W)      float64 from the float32 inputs, stored as float32
//   W' = W - lr*fround(b)             float64, stored as float32
//   W' = W' * M                       (masked parameters) float32 W' times the float32 mask in
//                                     float64, stored as float32
//
// and without a buffer (the first step) momentum*0 in place of momentum*B, as a zero buffer
// gives (so d = -0 still becomes b = +0). WebAssembly's f64 add, sub and mul are IEEE 754
// binary64 with round-to-nearest-even, as JS numbers are, and float32 -> float64 is exact while
// float64 -> float32 rounds to nearest-even, as a Float32Array store does; there is no fused
// multiply-add among these instructions, so nothing is contracted. Hence the same bits as the
// JS loop by construction (spec/backend/sgd-momentum-simd.spec.ts checks it, -0, overflow and
// masks included); only a NaN's payload may differ, which neither side specifies. The lanes
// are float64x2: two elements per iteration (a float32 pair loaded, widened, computed, narrowed,
// stored), and a scalar step for an odd last element. Assembled at run time
// (src/backend/wasm/encode.ts); no binary ships.

/** run(n, W, G, B, M, W', B', lr, momentum, wd): n elements; array arguments are byte offsets (B, M ignored where the variant has none). */
export type WasmSgdLoop = (n: number, w: number, g: number, buf: number, mask: number, w2: number, buf2: number, lr: number, momentum: number, weightDecay: number) => void;

/** The module's bytes for one variant: with or without a momentum buffer input, with or without a mask (exported for the spec). */
export function sgdLoopModule(withBuf: boolean, withMask: boolean): Uint8Array<ArrayBuffer> {
  const [N, W, G, B, M, W2, B2, LR, MU, WD] = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9];
  const [I, PAIRS] = [10, 11]; // i32: byte offset of the element, byte length of the paired part
  const MU0 = 12; // f64: momentum * 0 (the no-buffer variant's momentum*B)
  const [LRV, MUV, WDV, MU0V, X, BV] = [13, 14, 15, 16, 17, 18]; // v128
  const c: number[] = [];
  const emit = (...xs: number[][]) => {
    for (const x of xs) c.push(...x);
  };
  const { get, set } = op;

  // The per-element arithmetic once, for float64x2 lanes (two elements) or scalar float64.
  interface Lanes {
    load: number[]; // float32(s) at the address on the stack, widened to float64
    narrow: number[]; // float64(s) -> float32(s), rounded to nearest
    widen: number[]; // float32(s) -> float64(s), exact
    store: number[]; // stores narrowed float32(s) at the address below them
    mul: number[];
    add: number[];
    sub: number[];
    lr: number;
    mu: number;
    mu0: number;
    wd: number;
    x: number; // local: W widened
    b: number; // local: b in float64
  }
  const simd: Lanes = {
    load: [...v128load64zero(0), ...f64x2promoteLow],
    narrow: f32x4demoteZero,
    widen: f64x2promoteLow,
    store: v128store64lane0(0),
    mul: f64x2mul,
    add: f64x2add,
    sub: f64x2sub,
    lr: LRV,
    mu: MUV,
    mu0: MU0V,
    wd: WDV,
    x: X,
    b: BV,
  };
  const scalar: Lanes = {
    load: [...op.f32load(0), ...op.f64promote],
    narrow: op.f32demote,
    widen: op.f64promote,
    store: op.f32store(0),
    mul: op.f64mul,
    add: op.f64add,
    sub: op.f64sub,
    lr: LR,
    mu: MU,
    mu0: MU0,
    wd: WD,
    x: 19, // f64 locals of the scalar step
    b: 20,
  };
  const at = (array: number) => [...get(array), ...get(I), ...op.i32add];
  const element = (L: Lanes) => {
    emit(at(W), L.load, set(L.x)); // W
    // momentum*B (or momentum*0), then G + wd*W, then their sum: the JS expression's order.
    if (withBuf) emit(get(L.mu), at(B), L.load, L.mul);
    else emit(get(L.mu0));
    emit(at(G), L.load, get(L.wd), get(L.x), L.mul, L.add);
    emit(L.add, set(L.b));
    emit(at(B2), get(L.b), L.narrow, L.store); // B' = float32(b)
    // W - lr*fround(b), rounded to float32 (the value the JS loop stores in W').
    emit(at(W2), get(L.x), get(L.lr), get(L.b), L.narrow, L.widen, L.mul, L.sub, L.narrow);
    // W' *= M: the stored float32 W' times the mask in float64, rounded to float32.
    if (withMask) emit(L.widen, at(M), L.load, L.mul, L.narrow);
    emit(L.store);
  };

  emit(get(MU), op.f64zero, op.f64mul, set(MU0)); // momentum * 0, as momentum * (a zero buffer's 0)
  for (const [v, s] of [[LRV, LR], [MUV, MU], [WDV, WD], [MU0V, MU0]]) emit(get(s), f64x2splat, set(v));
  emit(get(N), op.i32(-2), op.i32and, op.i32(4), op.i32mul, set(PAIRS), op.i32(0), set(I));
  emit(op.block, get(PAIRS), op.i32eqz, op.brIf(0), op.loop);
  element(simd);
  emit(get(I), op.i32(8), op.i32add, op.tee(I), get(PAIRS), op.i32ltU, op.brIf(0));
  emit(op.end, op.end);
  // An odd last element (I = PAIRS here).
  emit(op.block, get(N), op.i32(1), op.i32and, op.i32eqz, op.brIf(0));
  element(scalar);
  emit(op.end);
  emit(op.end);
  return moduleBytes([I32, I32, I32, I32, I32, I32, I32, F64, F64, F64], [[2, I32], [1, F64], [6, V128], [2, F64]], c);
}

const instances = new WeakMap<WebAssembly.Memory, Map<string, WasmSgdLoop>>();

/** The compiled loop of a variant on `memory` (cached per memory and variant); throws where WebAssembly SIMD does not compile. */
export function wasmSgdLoop(memory: WebAssembly.Memory, withBuf: boolean, withMask: boolean): WasmSgdLoop {
  const key = `${withBuf}/${withMask}`;
  let byVariant = instances.get(memory);
  if (byVariant === undefined) instances.set(memory, (byVariant = new Map()));
  let loop = byVariant.get(key);
  if (loop === undefined) {
    const instance = new WebAssembly.Instance(new WebAssembly.Module(sgdLoopModule(withBuf, withMask)), { env: { memory } });
    loop = instance.exports.run as WasmSgdLoop;
    byVariant.set(key, loop);
  }
  return loop;
}
