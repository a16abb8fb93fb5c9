import { F32, I32, V128, f32x4ne, f32x4sub, moduleBytes, op, v128anyTrue, v128load, v128or, v128store, v128zero } from '../../backend/wasm/encode.ts';
import { instantiate } from './heap.ts';

// closedFormGradients (src/explain/explain.ts) as WebAssembly, on the explain heap (heap.ts):
// the same G and the same nonzero list, bit for bit (spec/explain/wasm-path.spec.ts).
//   1. Every A finite? (SIMD, a - a != 0 per lane, as the JS `A[i] - A[i] !== 0`: float32
//      subtraction of a float32 from itself is exactly the float64 one.) If not, ok = 0 and
//      nothing else is written (the caller then takes the autodiff path, as the JS returns null).
//      The dense weights are checked by the caller.
//   2. G = +0 everywhere (SIMD stores).
//   3. Per image, window (row-major) and channel, as the JS: dy = W[t + 10 * window-channel];
//      dy == 0 (either zero): best = -1, nothing written. Else the first maximal ReLU(A) of the
//      window in row-major order (ReLU as `a > 0 ? a : 0`, strict `>` so ties keep the first),
//      then G[b] = dy and best = b if A[b] > 0, else G[b] = dy * 0 (float32 multiply: the same
//      signed zero as the float64 one) and best = -1. Comparisons of float32 values are the
//      float64 comparisons of the same values, so every choice is the JS's.
//   4. The nonzero list, per window row: the top-row winners (0 <= b < top, one unsigned
//      compare), then the bottom-row ones (b >= top), each in window order. Each candidate is
//      stored at index[count] and count advances by the condition (branch-free), so the index
//      region needs one spare entry.
// Scalar except steps 1 and 2 (the per-window work is a dependent chain of selects). Assembled
// at run time per map size (src/backend/wasm/encode.ts); no binary ships.

const CLASSES = 10;

export interface ClosedFormGeometry {
  height: number;
  width: number;
  channels: number;
}

/** run(n, A, W, targets, G, best, index, offsets, ok): byte offsets on the shared memory; n * height * width * channels a multiple of 4. */
export function closedFormModule({ height, width, channels: ch }: ClosedFormGeometry): Uint8Array<ArrayBuffer> {
  const ph = height >> 1;
  const pw = width >> 1;
  const row = width * ch; // elements
  const imageElems = height * row;
  const [N, A, W, T, G, BEST, INDEX, OFFSETS, OK] = [0, 1, 2, 3, 4, 5, 6, 7, 8];
  let l = 9;
  const [P, END, IMG, BASE, PY, PX, C, AT, WI, FW, B, CND, COUNT, TOP, BW, WEND, VB] = Array.from({ length: 17 }, () => l++);
  const [DY, M, V] = [l++, l++, l++]; // f32
  const NF = l++; // v128
  const c: number[] = [];
  const emit = (...xs: number[][]) => {
    for (const x of xs) for (const b of x) c.push(b);
  };
  const { get, set, tee } = op;
  /** Pushes the byte address of element (local `at` + k) of region `reg`. */
  const addr = (reg: number, at: number, k = 0) => emit(get(reg), get(at), ...(k ? [op.i32(k), op.i32add] : []), op.i32(2), op.i32shl, op.i32add);
  const relu = () => emit(set(V), get(V), op.f32zero, get(V), op.f32zero, op.f32gt, op.select); // v > 0 ? v : 0

  // 1. Finite check.
  emit(get(A), set(P), get(A), get(N), op.i32(imageElems * 4), op.i32mul, op.i32add, set(END), v128zero, set(NF));
  emit(op.block, get(P), get(END), op.i32eq, op.brIf(0), op.loop);
  emit(get(P), v128load(0), get(P), v128load(0), f32x4sub, v128zero, f32x4ne, get(NF), v128or, set(NF));
  emit(get(P), op.i32(16), op.i32add, tee(P), get(END), op.i32ltU, op.brIf(0), op.end, op.end);
  emit(get(OK), get(NF), v128anyTrue, op.i32eqz, op.i32store(0));
  emit(op.block, get(NF), v128anyTrue, op.brIf(0));
  // 2. G = +0.
  emit(get(G), set(P), get(G), get(N), op.i32(imageElems * 4), op.i32mul, op.i32add, set(END));
  emit(op.block, get(P), get(END), op.i32eq, op.brIf(0), op.loop);
  emit(get(P), v128zero, v128store(0), get(P), op.i32(16), op.i32add, tee(P), get(END), op.i32ltU, op.brIf(0), op.end, op.end);
  // 3. and 4., per image.
  emit(get(OFFSETS), op.i32(0), op.i32store(0), op.i32(0), set(COUNT), op.i32(0), set(IMG));
  emit(op.block, get(N), op.i32eqz, op.brIf(0), op.loop);
  {
    emit(get(IMG), op.i32(imageElems), op.i32mul, set(BASE));
    // FW = byte address of W[t]; advances by CLASSES floats per window-channel.
    emit(get(W), get(T), get(IMG), op.i32(2), op.i32shl, op.i32add, op.i32load(0), op.i32(2), op.i32shl, op.i32add, set(FW));
    emit(get(BEST), set(WI));
    emit(op.i32(0), set(PY), op.loop);
    {
      emit(op.i32(0), set(PX), op.loop);
      {
        // AT = corner element of channel 0: base + 2*py*row + 2*px*ch
        emit(get(BASE), get(PY), op.i32(2 * row), op.i32mul, op.i32add, get(PX), op.i32(2 * ch), op.i32mul, op.i32add, set(AT));
        emit(op.i32(0), set(C), op.loop);
        {
          emit(get(WI), op.i32(-1), op.i32store(0));
          emit(op.block);
          emit(get(FW), op.f32load(0), tee(DY), op.f32zero, op.f32eq, op.brIf(0));
          emit(get(AT), set(B));
          addr(A, AT);
          emit(op.f32load(0));
          relu();
          emit(set(M));
          for (const k of [ch, row, row + ch]) {
            addr(A, AT, k);
            emit(op.f32load(0));
            relu();
            emit(set(V), get(V), get(M), op.f32gt, set(CND));
            emit(get(V), get(M), get(CND), op.select, set(M));
            emit(get(AT), op.i32(k), op.i32add, get(B), get(CND), op.select, set(B));
          }
          // A[b] > 0 (the window's max M, which is A[b] when positive).
          emit(get(M), op.f32zero, op.f32gt, set(CND));
          addr(G, B);
          emit(get(DY), get(DY), op.f32zero, op.f32mul, get(CND), op.select, op.f32store(0));
          emit(get(WI), get(B), op.i32(-1), get(CND), op.select, op.i32store(0));
          emit(op.end);
          emit(get(FW), op.i32(CLASSES * 4), op.i32add, set(FW));
          emit(get(WI), op.i32(4), op.i32add, set(WI));
          emit(get(AT), op.i32(1), op.i32add, set(AT));
          emit(get(C), op.i32(1), op.i32add, tee(C), op.i32(ch), op.i32ltU, op.brIf(0));
        }
        emit(op.end);
        emit(get(PX), op.i32(1), op.i32add, tee(PX), op.i32(pw), op.i32ltU, op.brIf(0));
      }
      emit(op.end);
      emit(get(PY), op.i32(1), op.i32add, tee(PY), op.i32(ph), op.i32ltU, op.brIf(0));
    }
    emit(op.end);
    // 4. The nonzero list.
    emit(op.i32(0), set(PY), op.loop);
    {
      emit(get(BASE), get(PY), op.i32(2 * row), op.i32mul, op.i32add, op.i32(row), op.i32add, set(TOP));
      emit(get(BEST), get(PY), op.i32(pw * ch * 4), op.i32mul, op.i32add, set(BW));
      emit(get(BW), op.i32(pw * ch * 4), op.i32add, set(WEND));
      for (const half of [0, 1]) {
        emit(get(BW), set(P), op.loop);
        emit(get(P), op.i32load(0), set(VB));
        emit(get(INDEX), get(COUNT), op.i32(2), op.i32shl, op.i32add, get(VB), op.i32store(0));
        emit(get(VB), get(TOP), half === 0 ? op.i32ltU : op.i32geS, get(COUNT), op.i32add, set(COUNT));
        emit(get(P), op.i32(4), op.i32add, tee(P), get(WEND), op.i32ltU, op.brIf(0), op.end);
      }
      emit(get(PY), op.i32(1), op.i32add, tee(PY), op.i32(ph), op.i32ltU, op.brIf(0));
    }
    emit(op.end);
    emit(get(OFFSETS), get(IMG), op.i32(2), op.i32shl, op.i32add, get(COUNT), op.i32store(4));
    emit(get(IMG), op.i32(1), op.i32add, tee(IMG), get(N), op.i32ltU, op.brIf(0));
  }
  emit(op.end, op.end); // images, n == 0
  emit(op.end); // finite
  emit(op.end); // function
  return moduleBytes(9, [[l - 9 - 4, I32], [3, F32], [1, V128]], c);
}

export type ClosedFormRun = (n: number, a: number, w: number, targets: number, g: number, best: number, index: number, offsets: number, ok: number) => void;

const runs = new Map<string, ClosedFormRun>();

/** The kernel for a map size (instantiated on the shared memory once). */
export function closedFormKernel(g: ClosedFormGeometry): ClosedFormRun {
  const key = `${g.height}x${g.width}x${g.channels}`;
  let run = runs.get(key);
  if (run === undefined) runs.set(key, (run = instantiate<ClosedFormRun>(closedFormModule(g))));
  return run;
}
