import { I32, moduleBytes, op, uleb } from '../backend/wasm/encode.ts';
import { sfc32Draw } from './rng-fill-wasm.ts';

// The pixel loop of the training batch maker (src/data/batches.ts noisyBatchMaker) as
// WebAssembly, with the noise draws, in the two phases of the maker's JS path:
//
//  1. with noise on, `zeros` numbers k (the batch's zero-pixel count, from the split's
//     zeroCounts table) drawn from the noise stream in one tight loop: sfc32 and the integer
//     scaling of Rng.fillInts (the same emitted step as src/data/rng-fill-wasm.ts), stored as
//     bytes in draw order;
//  2. per pixel of the batch's images (in idx order), without branches: a clean pixel byte b > 0
//     becomes clean[b]; a zero pixel with noise on becomes noise[k] with the next unused k (the
//     k pointer advances by 1 at zero pixels only, so the k are consumed in pixel order);
//     a zero pixel without noise becomes clean[0] (the normalised zero).
//
// So the stream advances exactly `zeros` times, and the j-th zero pixel of the batch gets the
// j-th number: the same images and the same final stream state as the JS path (r.fillInts over
// `zeros` numbers, then the pixel walk), bit for bit (spec/data/batch-maker.spec.ts). Split in
// two phases because the one-pass form (the stream's step computed at every pixel and kept at
// zero pixels by `select`) made the whole batch one serial dependency chain through the state.
// Assembled at run time (src/backend/wasm/encode.ts); no binary ships.

const STATE = 0; // a, b, c, d as four i32
const CLEAN = 16; // 256 float32
const NOISE = CLEAN + 1024; // up to 256 float32
const IDX = NOISE + 1024; // batchSize u32

export interface WasmBatchLoop {
  /**
   * Makes the batch of images idx into the loop's output buffer and returns a view of it (valid
   * until the next call). With noise on, draws `zeros` numbers (the batch's zero-pixel count)
   * from `state` (sfc32 [a, b, c, d], updated in place); without noise, leaves `state` alone.
   */
  fill(idx: Uint32Array, zeros: number, state: Int32Array): Float32Array;
}

/** run(count, zeros, n, noisy): the batch of `count` images at IDX into OUT, drawing `zeros` numbers in [0, n) when noisy. */
function loopModule(pixels: number, idxAt: number, outAt: number, ksAt: number, bytesAt: number): Uint8Array<ArrayBuffer> {
  const [COUNT, ZEROS, N, NOISY] = [0, 1, 2, 3];
  const [A, B, C, D, T, I, P, END, O, PX, KP, Z] = [4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15];
  const c: number[] = [];
  const emit = (...xs: number[][]) => {
    for (const x of xs) c.push(...x);
  };
  const { get, set, tee } = op;
  const load = (offset: number) => [0x28, 2, ...uleb(offset)]; // i32.load
  const store = (offset: number) => [0x36, 2, ...uleb(offset)]; // i32.store
  const load8 = (offset: number) => [0x2d, 0, ...uleb(offset)]; // i32.load8_u
  const store8 = (offset: number) => [0x3a, 0, ...uleb(offset)]; // i32.store8
  const select = [0x1b];
  const shl = [0x74];

  // Phase 1: ks[0..zeros) = the stream's next `zeros` numbers, only with noise on.
  emit(op.block, get(NOISY), op.i32eqz, get(ZEROS), op.i32eqz, op.i32or, op.brIf(0));
  {
    emit(op.i32(STATE), load(0), set(A), op.i32(STATE), load(4), set(B), op.i32(STATE), load(8), set(C), op.i32(STATE), load(12), set(D));
    emit(op.i32(0), set(I));
    emit(op.loop);
    emit(get(I), sfc32Draw([A, B, C, D], T, N), store8(ksAt));
    emit(get(I), op.i32(1), op.i32add, tee(I), get(ZEROS), op.i32ltU, op.brIf(0));
    emit(op.end);
    emit(op.i32(STATE), get(A), store(0), op.i32(STATE), get(B), store(4), op.i32(STATE), get(C), store(8), op.i32(STATE), get(D), store(12));
  }
  emit(op.end);

  // Phase 2: the pixel walk. KP: the next unused k; it only moves at zero pixels with noise on.
  emit(op.i32(outAt), set(O), op.i32(0), set(I), op.i32(0), set(KP));
  emit(op.block, get(COUNT), op.i32eqz, op.brIf(0), op.loop); // images
  {
    // P = bytes + idx[i] * pixels
    emit(op.i32(bytesAt), get(I), op.i32(2), shl, load(idxAt), op.i32(pixels), op.i32mul, op.i32add, tee(P), op.i32(pixels), op.i32add, set(END));
    emit(op.loop); // pixels
    {
      emit(get(P), load8(0), set(PX));
      // Z = zero pixel with noise on: the value is noise[ks[KP]], else clean[px] (clean[0]: the
      // normalised zero). One load from the address picked by `select`. ks[KP] is read at every
      // pixel (KP <= zeros stays inside the ks buffer) and used only where Z.
      emit(get(PX), op.i32eqz, get(NOISY), op.i32and, set(Z));
      emit(get(O));
      emit(get(KP), load8(ksAt), op.i32(2), shl, op.i32(NOISE), op.i32add, get(PX), op.i32(2), shl, op.i32(CLEAN), op.i32add, get(Z), select);
      emit(op.f32load(0), op.f32store(0));
      emit(get(KP), get(Z), op.i32add, set(KP));
      emit(get(O), op.i32(4), op.i32add, set(O));
      emit(get(P), op.i32(1), op.i32add, tee(P), get(END), op.i32ltU, op.brIf(0));
    }
    emit(op.end);
    emit(get(I), op.i32(1), op.i32add, tee(I), get(COUNT), op.i32ltU, op.brIf(0));
  }
  emit(op.end, op.end);
  emit(op.end);
  return moduleBytes(4, [[12, I32]], c);
}

/**
 * The loop for one split (its pixel bytes copied into the module's memory once), or null where
 * it does not apply (no WebAssembly, more than 256 noise values): then the JS loop runs.
 * clean[b]: the normalised clean value of byte b, clean[0] the value of a zero pixel without
 * noise; noise[k]: the normalised noisy value of k.
 */
export function wasmBatchLoop(bytes: Uint8Array, pixels: number, batchSize: number, clean: Float32Array, noise: Float32Array, noiseEnabled: boolean): WasmBatchLoop | null {
  if (clean.length !== 256 || noise.length < 1 || noise.length > 256) return null;
  const idxAt = IDX;
  const outAt = idxAt + batchSize * 4;
  const ksAt = outAt + batchSize * pixels * 4;
  const bytesAt = ksAt + batchSize * pixels + 16; // ks: up to one number per pixel, plus slack for the read past the last
  let memory: WebAssembly.Memory;
  let run: (count: number, zeros: number, n: number, noisy: number) => void;
  try {
    memory = new WebAssembly.Memory({ initial: Math.ceil((bytesAt + bytes.length) / 65536) });
    run = new WebAssembly.Instance(new WebAssembly.Module(loopModule(pixels, idxAt, outAt, ksAt, bytesAt)), { env: { memory } }).exports.run as typeof run;
  } catch {
    return null;
  }
  const buf = memory.buffer; // never grows: every view below stays attached
  new Float32Array(buf, CLEAN, 256).set(clean);
  new Float32Array(buf, NOISE, noise.length).set(noise);
  new Uint8Array(buf, bytesAt, bytes.length).set(bytes);
  const idxView = new Uint32Array(buf, idxAt, batchSize);
  const stateView = new Int32Array(buf, STATE, 4);
  const outView = new Float32Array(buf, outAt, batchSize * pixels);
  return {
    fill(idx, zeros, state) {
      if (idx.length > batchSize) throw new RangeError(`batch of ${idx.length} images exceeds the batch size ${batchSize}`);
      if (!(Number.isInteger(zeros) && zeros >= 0 && zeros <= idx.length * pixels)) throw new RangeError(`${zeros} zero pixels in a batch of ${idx.length * pixels}`);
      idxView.set(idx);
      stateView.set(state);
      run(idx.length, zeros, noise.length, noiseEnabled ? 1 : 0);
      state.set(stateView);
      return outView.subarray(0, idx.length * pixels);
    },
  };
}
