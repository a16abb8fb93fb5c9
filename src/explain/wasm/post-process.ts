import { F32, F64, I32, V128, f32x4add, f32x4div, f32x4extract, f32x4max, f32x4min, f32x4mul, f32x4ne, f32x4splat, f32x4sub, moduleBytes, op, v128anyTrue, v128load, v128or, v128store, v128zero } from '../../backend/wasm/encode.ts';
import { resizeTaps } from '../resize.ts';
import { instantiate } from './heap.ts';

// explain.ts's postProcess as WebAssembly on the explain heap (heap.ts): per image,
// cam_small = N(ReLU(raw)), cams = N(resize(cam_small)) and a not-finite flag, bit for bit the
// JS's (spec/explain/wasm-path.spec.ts), in the same steps:
//   ReLU `v < 0 ? 0 : v` (NaN and -0 kept), min as Math.min; d = v - min, max as Math.max;
//   v / fround(max + normEps) with the sum in float64 (normEps is a float64) and one demote;
//   OpenCV's INTER_LINEAR: horizontal pass (each tap pair fround(fround(a w0) + fround(b w1)))
//   into a scratch of src rows x 28, vertical pass likewise into the output; then N again, and
//   the flag of any v - v != 0.
// Min and max: f32.min / f32.max (and their f32x4 lane-wise forms) are IEEE 754-2019 minimum /
// maximum, the semantics of Math.min / Math.max (NaN if any operand is NaN, -0 < +0), so
// each reduction gives the JS's value; and since those are associative and commutative, the
// reductions run on four lanes at once and fold the lanes at the end (only a NaN's payload could
// differ, and a NaN min or max makes every value of the map NaN either way). The lane-wise ReLU
// is bitselect(+0, v, v < 0): +0 exactly where the JS gives 0, v (NaN, -0 included) elsewhere.
// Every other step is one float32 operation per value, as in the JS, with the resize taps
// (resize.ts resizeTaps) baked in as constants. Everything is SIMD (the 28-wide passes 7 vectors
// a row, the src x src map's whole vectors, its last src*src % 4 values scalar) except the
// horizontal resize pass (its taps are gathers). Assembled at run time per map size (src/backend/wasm/encode.ts);
// no binary ships.

const IMAGE = 28;

/** run(n, raw, small, cams, tmp, flags, normEps): byte offsets on the shared memory; flags one i32 per image (1 = not finite). */
export function postProcessModule(src: number): Uint8Array<ArrayBuffer> {
  const hw = src * src;
  const px = IMAGE * IMAGE;
  const { cols, rows } = resizeTaps(src, IMAGE);
  const [N, RAW, SMALL, CAMS, TMP, FLAGS, EPS] = [0, 1, 2, 3, 4, 5, 6];
  let l = 7;
  const [IMG, P, R, SR, TR] = Array.from({ length: 5 }, () => l++);
  const [MIN, MAX, DIV, V] = [l++, l++, l++, l++]; // f32
  const [VMIN, VMAX, VDIV, VNF] = [l++, l++, l++, l++]; // v128
  const c: number[] = [];
  const emit = (...xs: number[][]) => {
    for (const x of xs) for (const b of x) c.push(b);
  };
  const { get, set, tee } = op;
  const INF = op.f32const(Infinity);
  const NINF = op.f32const(-Infinity);
  const vecs = Math.floor(hw / 4); // the small map's whole float32x4 vectors (the rest scalar)
  const f32x4lt = op.simd(0x43);
  const v128bitselect = op.simd(0x52);
  const fold = (vl: number, f: number[]) => {
    emit(get(vl), f32x4extract(0), get(vl), f32x4extract(1), f, get(vl), f32x4extract(2), f, get(vl), f32x4extract(3), f);
  };
  const divisor = (from: number) => emit(get(from), op.f64promote, get(EPS), op.f64add, op.f32demote);

  emit(op.i32(0), set(IMG));
  emit(op.block, get(N), op.i32eqz, op.brIf(0), op.loop);
  {
    // SR / END: this image's small map; P walks it. RAW's image is at the same offset from RAW.
    emit(get(SMALL), get(IMG), op.i32(hw * 4), op.i32mul, op.i32add, set(SR));
    // P = the image's raw cam.
    emit(get(RAW), get(IMG), op.i32(hw * 4), op.i32mul, op.i32add, set(P));
    // r = v < 0 ? 0 : v (lane-wise: bitselect(0, v, v < 0)), stored; min.
    emit(INF, f32x4splat, set(VMIN));
    for (let q = 0; q < vecs; q++) {
      emit(get(SR), v128zero, get(P), v128load(q * 16), tee(VDIV), get(VDIV), v128zero, f32x4lt, v128bitselect, tee(VDIV), v128store(q * 16));
      emit(get(VMIN), get(VDIV), f32x4min, set(VMIN));
    }
    fold(VMIN, op.f32min);
    emit(set(MIN));
    for (let i = vecs * 4; i < hw; i++) {
      emit(get(P), op.f32load(i * 4), set(V));
      emit(get(SR), op.f32zero, get(V), get(V), op.f32zero, op.f32lt, op.select, tee(V), op.f32store(i * 4));
      emit(get(MIN), get(V), op.f32min, set(MIN));
    }
    // d = r - min, stored; max.
    emit(get(MIN), f32x4splat, set(VMIN), NINF, f32x4splat, set(VMAX));
    for (let q = 0; q < vecs; q++) {
      emit(get(SR), get(SR), v128load(q * 16), get(VMIN), f32x4sub, tee(VDIV), v128store(q * 16));
      emit(get(VMAX), get(VDIV), f32x4max, set(VMAX));
    }
    fold(VMAX, op.f32max);
    emit(set(MAX));
    for (let i = vecs * 4; i < hw; i++) {
      emit(get(SR), get(SR), op.f32load(i * 4), get(MIN), op.f32sub, tee(V), op.f32store(i * 4));
      emit(get(MAX), get(V), op.f32max, set(MAX));
    }
    divisor(MAX);
    emit(tee(DIV), f32x4splat, set(VDIV));
    for (let q = 0; q < vecs; q++) emit(get(SR), get(SR), v128load(q * 16), get(VDIV), f32x4div, v128store(q * 16));
    for (let i = vecs * 4; i < hw; i++) emit(get(SR), get(SR), op.f32load(i * 4), get(DIV), op.f32div, op.f32store(i * 4));
    // Horizontal pass: tmp[r, d] = small[r, i0[d]] * w0[d] + small[r, i1[d]] * w1[d].
    emit(get(TMP), set(TR), op.i32(0), set(R), op.loop);
    for (let d = 0; d < IMAGE; d++) {
      emit(get(TR), get(SR), op.f32load(cols.i0[d] * 4), op.f32const(cols.w0[d]), op.f32mul);
      emit(get(SR), op.f32load(cols.i1[d] * 4), op.f32const(cols.w1[d]), op.f32mul, op.f32add, op.f32store(d * 4));
    }
    emit(get(SR), op.i32(src * 4), op.i32add, set(SR), get(TR), op.i32(IMAGE * 4), op.i32add, set(TR));
    emit(get(R), op.i32(1), op.i32add, tee(R), op.i32(src), op.i32ltU, op.brIf(0), op.end);
    // Vertical pass into cams (P = the image's output), with the lane-wise min.
    emit(get(CAMS), get(IMG), op.i32(px * 4), op.i32mul, op.i32add, set(P));
    emit(INF, f32x4splat, set(VMIN));
    for (let d = 0; d < IMAGE; d++) {
      const r0 = rows.i0[d] * IMAGE * 4;
      const r1 = rows.i1[d] * IMAGE * 4;
      for (let q = 0; q < IMAGE / 4; q++) {
        emit(get(P), get(TMP), v128load(r0 + q * 16), op.f32const(rows.w0[d]), f32x4splat, f32x4mul);
        emit(get(TMP), v128load(r1 + q * 16), op.f32const(rows.w1[d]), f32x4splat, f32x4mul, f32x4add, set(VDIV));
        emit(get(VDIV), v128store((d * IMAGE + q * 4) * 4), get(VMIN), get(VDIV), f32x4min, set(VMIN));
      }
    }
    fold(VMIN, op.f32min);
    emit(f32x4splat, set(VMIN));
    emit(NINF, f32x4splat, set(VMAX));
    for (let q = 0; q < px / 4; q++) {
      emit(get(P), get(P), v128load(q * 16), get(VMIN), f32x4sub, set(VDIV));
      emit(get(VDIV), v128store(q * 16), get(VMAX), get(VDIV), f32x4max, set(VMAX));
    }
    fold(VMAX, op.f32max);
    emit(set(MAX));
    divisor(MAX);
    emit(f32x4splat, set(VDIV), v128zero, set(VNF));
    for (let q = 0; q < px / 4; q++) {
      emit(get(P), get(P), v128load(q * 16), get(VDIV), f32x4div, set(VMAX));
      emit(get(VMAX), v128store(q * 16), get(VMAX), get(VMAX), f32x4sub, v128zero, f32x4ne, get(VNF), v128or, set(VNF));
    }
    emit(get(FLAGS), get(IMG), op.i32(2), op.i32shl, op.i32add, get(VNF), v128anyTrue, op.i32store(0));
    emit(get(IMG), op.i32(1), op.i32add, tee(IMG), get(N), op.i32ltU, op.brIf(0));
  }
  emit(op.end, op.end, op.end);
  return moduleBytes([I32, I32, I32, I32, I32, I32, F64], [[5, I32], [4, F32], [4, V128]], c);
}

export type PostProcessRun = (n: number, raw: number, small: number, cams: number, tmp: number, flags: number, normEps: number) => void;

const runs = new Map<number, PostProcessRun>();

/** The kernel for a src x src map (instantiated on the shared memory once). */
export function postProcessKernel(src: number): PostProcessRun {
  let run = runs.get(src);
  if (run === undefined) runs.set(src, (run = instantiate<PostProcessRun>(postProcessModule(src))));
  return run;
}
