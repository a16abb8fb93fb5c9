import { F32, I32, moduleBytes, op, uleb } from '../backend/wasm/encode.ts';

// The pixel loop of the training batch maker (src/data/batches.ts noisyBatchMaker) as
// WebAssembly, with the noise draws inside it: per pixel of the batch's images (in idx order),
// a clean pixel byte b > 0 becomes clean[b]; a zero pixel draws k from the noise stream (sfc32
// and the integer scaling of src/data/rng-fill-wasm.ts: the numbers of Rng.fillInts) and
// becomes noise[k]. Without branches: the stream's step is computed for every pixel and kept
// only for zero pixels (select), so the stream advances exactly once per zero pixel, in pixel
// order, as the JS maker's fillInts over the batch's zero count does. The same floats, bit for
// bit (the tables are the JS maker's). Assembled at run time (src/backend/wasm/encode.ts).

const STATE = 0;
const CLEAN = 16; // 256 float32
const NOISE = CLEAN + 1024; // up to 256 float32
const IDX = NOISE + 1024;

export interface WasmBatchLoop {
  /** Makes the batch of images idx into `out`, advancing `state` (sfc32 [a, b, c, d]) once per zero pixel when noise is on. */
  fill(idx: Uint32Array, state: Int32Array, out: Float32Array): void;
}

function loopModule(pixels: number, idxAt: number, outAt: number, bytesAt: number): Uint8Array<ArrayBuffer> {
  const [COUNT, N, NOISY] = [0, 1, 2];
  const [A, B, C, D, T, I, P, END, O, PX, K, Z] = [3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14];
  const [NA, NB, NC, ND] = [15, 16, 17, 18];
  const c: number[] = [];
  const emit = (...xs: number[][]) => {
    for (const x of xs) c.push(...x);
  };
  const { get, set, tee } = op;
  const load = (offset: number) => [0x28, 2, ...uleb(offset)];
  const store = (offset: number) => [0x36, 2, ...uleb(offset)];
  const load8 = [0x2d, 0, 0]; // i32.load8_u
  const select = [0x1b];
  const xor = [0x73];
  const shl = [0x74];
  const rotl = [0x77];
  const i32eq = [0x46];
  const i32shl = shl;
  emit(op.i32(STATE), load(0), set(A), op.i32(STATE), load(4), set(B), op.i32(STATE), load(8), set(C), op.i32(STATE), load(12), set(D));
  emit(op.i32(outAt), set(O), op.i32(0), set(I));
  emit(op.block, get(COUNT), op.i32eqz, op.brIf(0), op.loop); // images
  {
    // P = bytes + idx[i] * pixels
    emit(op.i32(bytesAt), get(I), op.i32(2), i32shl, load(idxAt), op.i32(pixels), op.i32mul, op.i32add, tee(P), op.i32(pixels), op.i32add, set(END));
    emit(op.loop); // pixels
    {
      emit(get(P), load8, set(PX));
      // The stream's next step.
      emit(get(A), get(B), op.i32add, get(D), op.i32add, set(T));
      emit(get(D), op.i32(1), op.i32add, set(ND));
      emit(get(B), get(B), op.i32(9), op.i32shrU, xor, set(NA));
      emit(get(C), get(C), op.i32(3), shl, op.i32add, set(NB));
      emit(get(C), op.i32(21), rotl, get(T), op.i32add, set(NC));
      emit(get(T), op.i32(16), op.i32shrU, get(N), op.i32mul, get(T), op.i32(0xffff), op.i32and, get(N), op.i32mul, op.i32(16), op.i32shrU, op.i32add, op.i32(16), op.i32shrU, set(K));
      // Z = zero pixel with noise on: keep the step and take noise[k]; else clean[b].
      emit(get(PX), op.i32eqz, get(NOISY), op.i32and, set(Z));
      for (const [to, from] of [[A, NA], [B, NB], [C, NC], [D, ND]]) emit(get(from), get(to), get(Z), select, set(to));
      emit(get(O));
      emit(get(K), op.i32(2), i32shl, op.f32load(NOISE), get(PX), op.i32(2), i32shl, op.f32load(CLEAN), get(Z), select);
      emit(op.f32store(0));
      emit(get(O), op.i32(4), op.i32add, set(O));
      emit(get(P), op.i32(1), op.i32add, tee(P), get(END), op.i32ltU, op.brIf(0));
    }
    emit(op.end);
    emit(get(I), op.i32(1), op.i32add, tee(I), get(COUNT), op.i32ltU, op.brIf(0));
  }
  emit(op.end, op.end);
  emit(op.i32(STATE), get(A), store(0), op.i32(STATE), get(B), store(4), op.i32(STATE), get(C), store(8), op.i32(STATE), get(D), store(12));
  emit(op.end);
  void i32eq;
  void F32;
  return moduleBytes(3, [[16, I32]], c);
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
  const bytesAt = outAt + batchSize * pixels * 4;
  let memory: WebAssembly.Memory;
  let run: (count: number, n: number, noisy: number) => void;
  try {
    memory = new WebAssembly.Memory({ initial: Math.ceil((bytesAt + bytes.length) / 65536) });
    run = new WebAssembly.Instance(new WebAssembly.Module(loopModule(pixels, idxAt, outAt, bytesAt)), { env: { memory } }).exports.run as typeof run;
  } catch {
    return null;
  }
  const buf = memory.buffer;
  new Float32Array(buf, CLEAN, 256).set(clean);
  new Float32Array(buf, NOISE, noise.length).set(noise);
  new Uint8Array(buf, bytesAt, bytes.length).set(bytes);
  const idxView = new Uint32Array(buf, idxAt, batchSize);
  const stateView = new Int32Array(buf, STATE, 4);
  return {
    fill(idx, state, out) {
      idxView.set(idx);
      stateView.set(state);
      run(idx.length, noise.length, noiseEnabled ? 1 : 0);
      state.set(stateView);
      out.set(new Float32Array(buf, outAt, idx.length * pixels));
    },
  };
}
