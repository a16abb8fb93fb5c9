import { PIXELS } from '../../data/sources.ts';
import { I32, I64, V128, f64x2gt, f64x2promoteLow, f64x2splat, i32x4const, i32x4eq, i32x4shrS, i32x4splat, moduleBytes, op, shuffle, shuffleHigh, v128and, v128andnot, v128load, v128or, v128store, v128xor } from '../../backend/wasm/encode.ts';

// Ranking.rank's per-image work (ranking.ts) as WebAssembly with 128-bit SIMD, ~3x faster than
// the JS loop, which stays as the fallback where this module does not compile. Assembled at run
// time (src/backend/wasm/encode.ts); this file is its source, no binary ships.
//
// Per image, the same integers as the JS path (spec/metrics/localisation-ranking.spec.ts), in
// four steps:
//  1. SIMD, 4 pixels at a time: the key of floatKeys (sort-keys.ts keyOfBits of the float's
//     bits, -0 folded onto +0) and the ink flag `image > maskThreshold`, compared in float64 as
//     the JS does (each float32 pixel widened exactly). Each pixel becomes one i64 pair, key in
//     the low word, ink flag (0/1) in the high word, in pixel order.
//  2. A stable LSD radix sort of the pairs on the key (4 passes of 8 bits, a pass whose byte is
//     the same for every key skipped): the pixels in ascending key order, equal keys in pixel
//     order. That is radixOrder's order (any stable sort by key gives it); the pixel index is not
//     kept because nothing after needs it, the ink flag travels with the key instead.
//  3. One pass over the sorted pairs: groupStart (a tie group starts where the key changes) and
//     the running ink count inkBelow.
//  4. One pass backwards: groupEnd from groupStart, as the JS does.
// The keys come from the float's raw bits. The JS path reads each float through a JS number,
// which quiets a signalling NaN in V8's interpreter but not in optimised code; signalling NaNs
// (which no arithmetic produces) are the only input where the two paths can differ.
//
// Memory: the module's own (one instance per process, never grown): rank() copies up to BATCH
// heatmaps and images in, runs, and copies the three Uint16 outputs out to the Ranking's arrays.

const THRESHOLD = 0; // float64 mask threshold
const HIST = 16; // 4 x 256 uint32 bucket counts, one table per key byte
const PAIRS = HIST + 4 * 256 * 4; // two buffers of PIXELS i64 pairs (radix ping-pong)
const PAIR_BYTES = PIXELS * 8;
/** Images ranked per call into the module (its memory holds their inputs and outputs, ~0.6 MB). */
const BATCH = 64;
const HEATMAPS = PAIRS + 2 * PAIR_BYTES;
const IMAGES = HEATMAPS + BATCH * PIXELS * 4;
const GROUP_START = IMAGES + BATCH * PIXELS * 4;
const GROUP_END = GROUP_START + BATCH * PIXELS * 2;
const INK_BELOW = GROUP_END + BATCH * PIXELS * 2;
const BYTES = INK_BELOW + BATCH * (PIXELS + 1) * 2;

function rankingModule(): Uint8Array<ArrayBuffer> {
  if (PIXELS % 4 !== 0) throw new Error('ranking-wasm: the SIMD key step needs a multiple of 4 pixels');
  const N = 0; // run(n): ranks images 0 .. n-1 of the memory's batch
  const [H, X, GS, GE, IB] = [1, 2, 3, 4, 5]; // the current image's inputs and outputs
  const [IMG, P, SRC, DST, K, PREV, FIRST, INK, POS, A, J, END, B, GSJ, IBJ] = [6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20];
  const V = 21; // i64
  const [THR, KV, XV] = [22, 23, 24]; // v128
  const c: number[] = [];
  const emit = (...xs: number[][]) => {
    for (const x of xs) c.push(...x);
  };
  const { get, set, tee } = op;
  const inc = (l: number, by: number) => emit(get(l), op.i32(by), op.i32add, set(l));
  /** A do-while loop: body, then `l += step` and repeat while l < limit (unsigned; a constant or a local's value). */
  const countUp = (l: number, step: number, limit: number | number[], body: () => void) => {
    emit(op.i32(0), set(l), op.loop);
    body();
    emit(get(l), op.i32(step), op.i32add, tee(l), typeof limit === 'number' ? op.i32(limit) : limit, op.i32ltU, op.brIf(0), op.end);
  };
  /** Replaces the key on the stack by the byte offset of its bucket in table `pass` (relative to the table). */
  const bucket = (pass: number) => {
    if (pass > 0) emit(op.i32(8 * pass), op.i32shrU);
    if (pass < 3) emit(op.i32(0xff), op.i32and);
    emit(op.i32(2), op.i32shl);
  };
  /** Pushes J + k. */
  const jPlus = (k: number) => emit(get(J), ...(k > 0 ? [op.i32(k), op.i32add] : []));
  const U = 4; // the scalar loops are unrolled 4 times (PIXELS is a multiple of 4)

  emit(op.i32(0), op.f64load(THRESHOLD), f64x2splat, set(THR));
  for (const [l, at] of [[H, HEATMAPS], [X, IMAGES], [GS, GROUP_START], [GE, GROUP_END], [IB, INK_BELOW]]) emit(op.i32(at), set(l));
  emit(op.block, get(N), op.i32eqz, op.brIf(0));
  countUp(IMG, 1, get(N), () => {
    // 1. The pairs: key = bits ^ ((bits >>s 31) | 0x80000000) with -0 made +0 first; the ink
    //    flags of pixels 0,1 and 2,3 as float64x2 comparisons, all-ones lanes masked to 1.
    countUp(P, 16, PIXELS * 4, () => {
      emit(get(H), get(P), op.i32add, v128load(0), set(KV));
      emit(get(KV), get(KV), op.i32(0x80000000 | 0), i32x4splat, i32x4eq, v128andnot, set(KV));
      emit(get(KV), get(KV), op.i32(31), i32x4shrS, op.i32(0x80000000 | 0), i32x4splat, v128or, v128xor, set(KV));
      emit(get(X), get(P), op.i32add, v128load(0), set(XV));
      const flagBit = i32x4const([-1, 1, -1, 1]);
      // Pixels 0,1: [key0, flag0, key1, flag1] (a flag is the low word of its float64x2 lane).
      emit(get(P), op.i32(1), op.i32shl);
      emit(get(KV), get(XV), f64x2promoteLow, get(THR), f64x2gt, shuffle([0, 1, 2, 3, 16, 17, 18, 19, 4, 5, 6, 7, 24, 25, 26, 27]), flagBit, v128and);
      emit(v128store(PAIRS));
      // Pixels 2,3: [key2, flag2, key3, flag3].
      emit(get(P), op.i32(1), op.i32shl);
      emit(get(KV), get(XV), get(XV), shuffleHigh, f64x2promoteLow, get(THR), f64x2gt, shuffle([8, 9, 10, 11, 16, 17, 18, 19, 12, 13, 14, 15, 24, 25, 26, 27]), flagBit, v128and);
      emit(v128store(PAIRS + 16));
    });
    // 2. Counts of every key byte.
    countUp(A, 16, 4 * 256 * 4, () => emit(get(A), op.i32(0), i32x4splat, v128store(HIST)));
    countUp(P, 8 * U, PAIR_BYTES, () => {
      for (let k = 0; k < U; k++) {
        emit(get(P), op.i32load(PAIRS + 8 * k), set(K));
        for (let pass = 0; pass < 4; pass++) {
          emit(get(K));
          bucket(pass);
          emit(tee(A), get(A), op.i32load(HIST + 1024 * pass), op.i32(1), op.i32add, op.i32store(HIST + 1024 * pass));
        }
      }
    });
    //    The passes, ping-ponging between the two pair buffers.
    emit(op.i32(PAIRS), set(SRC), op.i32(PAIRS + PAIR_BYTES), set(DST));
    for (let pass = 0; pass < 4; pass++) {
      const table = HIST + 1024 * pass;
      emit(op.block);
      emit(get(SRC), op.i32load(0));
      bucket(pass);
      emit(op.i32load(table), op.i32(PIXELS), op.i32eq, op.brIf(0)); // one byte value: nothing to reorder
      emit(op.i32(0), set(POS));
      countUp(A, 4, 1024, () => emit(get(A), op.i32load(table), get(A), get(POS), op.i32store(table), get(POS), op.i32add, set(POS)));
      countUp(P, 8 * U, PAIR_BYTES, () => {
        emit(get(SRC), get(P), op.i32add, set(B));
        for (let k = 0; k < U; k++) {
          emit(get(B), op.i64load(8 * k), tee(V), op.i32wrapI64);
          bucket(pass);
          emit(tee(A), op.i32load(table), set(POS));
          emit(get(A), get(POS), op.i32(1), op.i32add, op.i32store(table));
          emit(get(DST), get(POS), op.i32(3), op.i32shl, op.i32add, get(V), op.i64store(0));
        }
      });
      emit(get(SRC), get(DST), set(SRC), set(DST));
      emit(op.end);
    }
    // 3. Tie groups and ink counts over the sorted pairs.
    emit(get(SRC), op.i32load(0), set(PREV), op.i32(0), set(FIRST), op.i32(0), set(INK));
    emit(get(IB), op.i32(0), op.i32store16(0));
    countUp(J, U, PIXELS, () => {
      emit(get(SRC), get(J), op.i32(3), op.i32shl, op.i32add, set(B));
      emit(get(GS), get(J), op.i32(1), op.i32shl, op.i32add, set(GSJ));
      emit(get(IB), get(J), op.i32(1), op.i32shl, op.i32add, set(IBJ));
      for (let k = 0; k < U; k++) {
        emit(get(B), op.i64load(8 * k), tee(V), op.i32wrapI64, set(K));
        jPlus(k);
        emit(get(FIRST), get(K), get(PREV), op.i32ne, op.select, set(FIRST), get(K), set(PREV));
        emit(get(GSJ), get(FIRST), op.i32store16(2 * k));
        emit(get(INK), get(V), op.i64(32), op.i64shrU, op.i32wrapI64, op.i32add, set(INK));
        emit(get(IBJ), get(INK), op.i32store16(2 * k + 2));
      }
    });
    // 4. Group ends, backwards: a group ends where the next one starts.
    emit(op.i32(PIXELS), set(END), op.i32(PIXELS), set(J), op.loop);
    emit(get(J), op.i32(U), op.i32sub, tee(J), op.i32(1), op.i32shl, set(B));
    for (let k = U - 1; k >= 0; k--) {
      emit(get(GE), get(B), op.i32add, get(END), op.i32store16(2 * k));
      jPlus(k);
      emit(get(END), get(GS), get(B), op.i32add, op.i32load16u(2 * k));
      jPlus(k);
      emit(op.i32eq, op.select, set(END));
    }
    emit(get(J), op.brIf(0), op.end);
    for (const [l, by] of [[H, PIXELS * 4], [X, PIXELS * 4], [GS, PIXELS * 2], [GE, PIXELS * 2], [IB, (PIXELS + 1) * 2]]) inc(l, by);
  });
  emit(op.end, op.end);
  return moduleBytes(1, [[20, I32], [1, I64], [3, V128]], c);
}

/** Writes the ranking of n heatmaps against n images (n * PIXELS floats each, checked by the caller) to the three arrays. */
export type WasmRanking = (heatmaps: Float32Array, images: Float32Array, n: number, maskThreshold: number, groupStart: Uint16Array, groupEnd: Uint16Array, inkBelow: Uint16Array) => void;

let instance: WasmRanking | null | undefined;

/** The wasm ranking, or null where it does not apply (no WebAssembly SIMD): then the JS loop runs. */
export function wasmRanking(): WasmRanking | null {
  if (instance === undefined) {
    try {
      const memory = new WebAssembly.Memory({ initial: Math.ceil(BYTES / 65536) });
      const run = new WebAssembly.Instance(new WebAssembly.Module(rankingModule()), { env: { memory } }).exports.run as (n: number) => void;
      instance = rankWith(memory.buffer, run);
    } catch {
      instance = null;
    }
  }
  return instance;
}

function rankWith(buf: ArrayBuffer, run: (n: number) => void): WasmRanking {
  const threshold = new Float64Array(buf, THRESHOLD, 1);
  const heat = new Float32Array(buf, HEATMAPS, BATCH * PIXELS);
  const image = new Float32Array(buf, IMAGES, BATCH * PIXELS);
  const start = new Uint16Array(buf, GROUP_START, BATCH * PIXELS);
  const end = new Uint16Array(buf, GROUP_END, BATCH * PIXELS);
  const ink = new Uint16Array(buf, INK_BELOW, BATCH * (PIXELS + 1));
  return (heatmaps, images, n, maskThreshold, groupStart, groupEnd, inkBelow) => {
    threshold[0] = maskThreshold;
    for (let from = 0; from < n; from += BATCH) {
      const m = Math.min(BATCH, n - from);
      heat.set(heatmaps.subarray(from * PIXELS, (from + m) * PIXELS));
      image.set(images.subarray(from * PIXELS, (from + m) * PIXELS));
      run(m);
      groupStart.set(start.subarray(0, m * PIXELS), from * PIXELS);
      groupEnd.set(end.subarray(0, m * PIXELS), from * PIXELS);
      inkBelow.set(ink.subarray(0, m * (PIXELS + 1)), from * (PIXELS + 1));
    }
  };
}
