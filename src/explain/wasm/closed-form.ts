import { F32, I32, V128, f32x4ne, f32x4sub, i32x4const, moduleBytes, op, v128anyTrue, v128load, v128or, v128store, v128zero } from '../../backend/wasm/encode.ts';
import { instantiate, layout, reserve } from './heap.ts';

// closedFormGradients (src/explain/explain.ts) as WebAssembly, on the explain heap (heap.ts):
// the same G and the same nonzero list, bit for bit (spec/explain/wasm-path.spec.ts).
//   1. Every A finite? (SIMD, a - a != 0 per lane, as the JS `A[i] - A[i] !== 0`: float32
//      subtraction of a float32 from itself is exactly the float64 one.) If not, ok = 0 and
//      nothing else is written (the caller then takes the autodiff path, as the JS returns null).
//      The dense weights are checked by the caller.
//   2. G = +0 everywhere (SIMD stores).
//   3. Per image, window (row-major) and group of 4 channels (SIMD, one channel per lane): the
//      first maximal ReLU(A) of the window in row-major order, as the JS: ReLU `a > 0 ? a : 0`
//      (bitselect on a > 0), then for each later position `v > m` (strict, so ties keep the
//      first) selects v and its offset. Comparisons of float32 values are the float64
//      comparisons of the same values, so every choice is the JS's. Then per channel (lane) in
//      order: dy = W[t + 10 * window-channel]; dy == 0 (either zero): nothing written (the JS's
//      `continue`). Else G[b] = dy if the window's max is > 0 (that is, A[b] > 0), else
//      G[b] = dy * 0 (float32 multiply: the same signed zero as the float64 one).
//   4. The nonzero list (the b with dy != 0 and A[b] > 0), per window row: the top-row winners,
//      then the bottom-row ones, each in window-channel order, as the JS's two passes over
//      `best` give it. Built during step 3: a top-row winner goes to index[count], a bottom-row
//      one to a row buffer (the `best` region, pw * ch + 1 entries) appended after the row.
//      Stores are unconditional and the counts advance by the condition (branch-free), so the
//      index region and the row buffer each need one spare entry.
// Needs channels % 4 == 0. Assembled at run time per map size (src/backend/wasm/encode.ts); no
// binary ships.

const CLASSES = 10;

export interface ClosedFormGeometry {
  height: number;
  width: number;
  channels: number;
}

/** run(n, A, W, targets, G, rowBuffer, index, offsets, ok): byte offsets on the shared memory. */
export function closedFormModule({ height, width, channels: ch }: ClosedFormGeometry): Uint8Array<ArrayBuffer> {
  if (ch % 4 !== 0) throw new Error(`closed form (wasm): channels must be a multiple of 4, got ${ch}`);
  const ph = height >> 1;
  const pw = width >> 1;
  const row = width * ch; // elements
  const imageElems = height * row;
  const [N, A, W, T, G, BUF, INDEX, OFFSETS, OK] = [0, 1, 2, 3, 4, 5, 6, 7, 8];
  let l = 9;
  const [P, END, IMG, BASE, PY, PX, Q, AT, AB, FW, B, CND, COUNT, BC, TOP] = Array.from({ length: 15 }, () => l++);
  const nI32 = l - 9;
  const DY = l++; // f32
  const [NF, RV, M, BI, CM] = [l++, l++, l++, l++, l++]; // v128
  const c: number[] = [];
  const emit = (...xs: number[][]) => {
    for (const x of xs) for (const b of x) c.push(b);
  };
  const { get, set, tee } = op;
  const f32x4gt = op.simd(0x44);
  const bitselect = op.simd(0x52);
  const i32x4extract = (lane: number) => op.simd(0x1b, lane);
  /** ReLU of the float32x4 at byte offset `off` from AB, left on the stack: bitselect(a, 0, a > 0). */
  const relu = (off: number) => emit(get(AB), v128load(off), tee(RV), v128zero, get(RV), v128zero, f32x4gt, bitselect);

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
    emit(op.i32(0), set(PY), op.loop);
    {
      emit(op.i32(0), set(BC));
      emit(get(BASE), get(PY), op.i32(2 * row), op.i32mul, op.i32add, op.i32(row), op.i32add, set(TOP));
      emit(op.i32(0), set(PX), op.loop);
      {
        // AT = element of the window's top-left corner, channel 0: base + 2*py*row + 2*px*ch
        emit(get(BASE), get(PY), op.i32(2 * row), op.i32mul, op.i32add, get(PX), op.i32(2 * ch), op.i32mul, op.i32add, set(AT));
        emit(op.i32(0), set(Q), op.loop);
        {
          emit(get(A), get(AT), op.i32(2), op.i32shl, op.i32add, set(AB));
          relu(0);
          emit(set(M), v128zero, set(BI));
          for (const k of [ch, row, row + ch]) {
            relu(k * 4);
            emit(tee(RV), get(M), f32x4gt, set(CM));
            emit(get(RV), get(M), get(CM), bitselect, set(M));
            emit(i32x4const([k, k, k, k]), get(BI), get(CM), bitselect, set(BI));
          }
          emit(get(M), v128zero, f32x4gt, set(CM)); // A[b] > 0
          for (let j = 0; j < 4; j++) {
            emit(op.block);
            emit(get(FW), op.f32load(j * CLASSES * 4), tee(DY), op.f32zero, op.f32eq, op.brIf(0));
            emit(get(AT), get(BI), i32x4extract(j), op.i32add, ...(j ? [op.i32(j), op.i32add] : []), set(B));
            emit(get(CM), i32x4extract(j), op.i32(1), op.i32and, set(CND));
            emit(get(G), get(B), op.i32(2), op.i32shl, op.i32add, get(DY), get(DY), op.f32zero, op.f32mul, get(CND), op.select, op.f32store(0));
            // The winner: to the list (top row) or the row buffer (bottom row), if CND.
            emit(get(INDEX), get(COUNT), op.i32(2), op.i32shl, op.i32add, get(B), op.i32store(0));
            emit(get(BUF), get(BC), op.i32(2), op.i32shl, op.i32add, get(B), op.i32store(0));
            emit(get(B), get(TOP), op.i32ltU, get(CND), op.i32and, tee(P), get(COUNT), op.i32add, set(COUNT));
            emit(get(CND), get(P), op.i32sub, get(BC), op.i32add, set(BC));
            emit(op.end);
          }
          emit(get(FW), op.i32(4 * CLASSES * 4), op.i32add, set(FW));
          emit(get(AT), op.i32(4), op.i32add, set(AT));
          emit(get(Q), op.i32(1), op.i32add, tee(Q), op.i32(ch / 4), op.i32ltU, op.brIf(0));
        }
        emit(op.end);
        emit(get(PX), op.i32(1), op.i32add, tee(PX), op.i32(pw), op.i32ltU, op.brIf(0));
      }
      emit(op.end);
      // The row's bottom-row winners after its top-row ones.
      emit(op.block, get(BC), op.i32eqz, op.brIf(0), get(BUF), set(P), get(BUF), get(BC), op.i32(2), op.i32shl, op.i32add, set(END), op.loop);
      emit(get(INDEX), get(COUNT), op.i32(2), op.i32shl, op.i32add, get(P), op.i32load(0), op.i32store(0));
      emit(get(COUNT), op.i32(1), op.i32add, set(COUNT));
      emit(get(P), op.i32(4), op.i32add, tee(P), get(END), op.i32ltU, op.brIf(0), op.end, op.end);
      emit(get(PY), op.i32(1), op.i32add, tee(PY), op.i32(ph), op.i32ltU, op.brIf(0));
    }
    emit(op.end);
    emit(get(OFFSETS), get(IMG), op.i32(2), op.i32shl, op.i32add, get(COUNT), op.i32store(4));
    emit(get(IMG), op.i32(1), op.i32add, tee(IMG), get(N), op.i32ltU, op.brIf(0));
  }
  emit(op.end, op.end); // images, n == 0
  emit(op.end); // finite
  emit(op.end); // function
  return moduleBytes(9, [[nI32, I32], [1, F32], [5, V128]], c);
}

export type ClosedFormRun = (n: number, a: number, w: number, targets: number, g: number, rowBuffer: number, index: number, offsets: number, ok: number) => void;

const runs = new Map<string, ClosedFormRun>();

/** The kernel for a map size (instantiated on the shared memory once). */
export function closedFormKernel(g: ClosedFormGeometry): ClosedFormRun {
  const key = `${g.height}x${g.width}x${g.channels}`;
  let run = runs.get(key);
  if (run === undefined) runs.set(key, (run = instantiate<ClosedFormRun>(closedFormModule(g))));
  return run;
}

/**
 * closedFormGradients' result (src/explain/explain.ts) from this kernel, copied out of the shared
 * memory, or null where that returns null: for specs comparing the two directly.
 */
export function closedFormGradientsWasm(A: Float32Array, n: number, height: number, width: number, ch: number, fcWeight: Float32Array, targets: Int32Array): { gradients: Float32Array; nonzero: { index: Int32Array; offsets: Int32Array } } | null {
  const windows = (height >> 1) * (width >> 1) * ch;
  if (fcWeight.length !== windows * CLASSES || A.length !== n * height * width * ch || targets.length !== n) return null;
  for (let i = 0; i < fcWeight.length; i++) if (fcWeight[i] - fcWeight[i] !== 0) return null;
  const { at, bytes } = layout({ a: A.length * 4, w: fcWeight.length * 4, targets: n * 4, g: A.length * 4, buf: ((width >> 1) * ch + 1) * 4, index: (n * windows + 1) * 4, offsets: (n + 1) * 4, ok: 4 });
  const buf = reserve(bytes).buffer;
  new Float32Array(buf, at.a, A.length).set(A);
  new Float32Array(buf, at.w, fcWeight.length).set(fcWeight);
  new Int32Array(buf, at.targets, n).set(targets);
  closedFormKernel({ height, width, channels: ch })(n, at.a, at.w, at.targets, at.g, at.buf, at.index, at.offsets, at.ok);
  if (new Int32Array(buf, at.ok, 1)[0] !== 1) return null;
  const offsets = new Int32Array(buf, at.offsets, n + 1).slice();
  return { gradients: new Float32Array(buf, at.g, A.length).slice(), nonzero: { index: new Int32Array(buf, at.index, offsets[n]).slice(), offsets } };
}
