import { I32, moduleBytes, op } from '../backend/wasm/encode.ts';

// The inner loop of Rng.fillInts (src/data/rng.ts) for byte outputs, as WebAssembly: sfc32, then
// k = floor(u * n / 2^32) computed in integers as ((u >>> 16) * n + (((u & 0xffff) * n) >>> 16)) >>> 16,
// which is exactly floor(u * (n / 2^32)) for n <= 65536 (n / 2^32 and u * n are exact in float64,
// and floor((A + y) / 2^16) = floor((A + floor(y)) / 2^16) for whole A). The same numbers as the
// JS loop (spec/data/rng.spec.ts); about 2.5x faster, mostly from i32.rotl in sfc32's critical
// path (the training noise draws ~80,000 numbers per batch). Assembled at run time
// (src/backend/wasm/encode.ts); no binary ships.

const STATE = 0; // a, b, c, d as four i32 at byte 0
const OUT = 16;

/**
 * One sfc32 step on the i32 locals [a, b, c, d] (t a scratch local), leaving the drawn number
 * scaled to [0, n) (n in local `n`) on the stack: exactly the step and scaling of Rng.fillInts.
 * Shared with the training batch maker's loop (src/data/batch-wasm.ts), so both draw the same
 * numbers by construction.
 */
export function sfc32Draw([A, B, C, D]: readonly [number, number, number, number], T: number, N: number): number[] {
  const { get, set } = op;
  const xor = [0x73];
  const shl = [0x74];
  const rotl = [0x77];
  return [
    ...get(A), ...get(B), ...op.i32add, ...get(D), ...op.i32add, ...set(T), // t = a + b + d
    ...get(D), ...op.i32(1), ...op.i32add, ...set(D), // d = d + 1
    ...get(B), ...get(B), ...op.i32(9), ...op.i32shrU, ...xor, ...set(A), // a = b ^ (b >>> 9)
    ...get(C), ...get(C), ...op.i32(3), ...shl, ...op.i32add, ...set(B), // b = c + (c << 3)
    ...get(C), ...op.i32(21), ...rotl, ...get(T), ...op.i32add, ...set(C), // c = rotl(c, 21) + t
    // ((t >>> 16) * n + (((t & 0xffff) * n) >>> 16)) >>> 16 = floor(t * n / 2^32)
    ...get(T), ...op.i32(16), ...op.i32shrU, ...get(N), ...op.i32mul, ...get(T), ...op.i32(0xffff), ...op.i32and, ...get(N), ...op.i32mul, ...op.i32(16), ...op.i32shrU, ...op.i32add, ...op.i32(16), ...op.i32shrU,
  ];
}

/** run(len, n): fills bytes OUT..OUT+len from the state at STATE and stores the state back. */
function fillModule(): Uint8Array<ArrayBuffer> {
  const [LEN, N] = [0, 1];
  const [A, B, C, D, T, I] = [2, 3, 4, 5, 6, 7];
  const c: number[] = [];
  const emit = (...xs: number[][]) => {
    for (const x of xs) c.push(...x);
  };
  const { get, set, tee } = op;
  const load = (offset: number) => [0x28, 2, offset]; // i32.load
  const store = (offset: number) => [0x36, 2, offset]; // i32.store
  const store8 = (offset: number) => [0x3a, 0, offset];
  emit(op.i32(STATE), load(0), set(A), op.i32(STATE), load(4), set(B), op.i32(STATE), load(8), set(C), op.i32(STATE), load(12), set(D));
  emit(op.i32(0), set(I));
  emit(op.block, get(LEN), op.i32eqz, op.brIf(0), op.loop);
  emit(get(I), sfc32Draw([A, B, C, D], T, N));
  emit(store8(OUT));
  emit(get(I), op.i32(1), op.i32add, tee(I), get(LEN), op.i32ltU, op.brIf(0));
  emit(op.end, op.end);
  emit(op.i32(STATE), get(A), store(0), op.i32(STATE), get(B), store(4), op.i32(STATE), get(C), store(8), op.i32(STATE), get(D), store(12));
  emit(op.end);
  return moduleBytes(2, [[6, I32]], c);
}

let instance: { memory: WebAssembly.Memory; run: (len: number, n: number) => void } | null | undefined;

function fill(): typeof instance {
  if (instance === undefined) {
    try {
      const memory = new WebAssembly.Memory({ initial: 2 });
      const run = new WebAssembly.Instance(new WebAssembly.Module(fillModule()), { env: { memory } }).exports.run as (len: number, n: number) => void;
      instance = { memory, run };
    } catch {
      instance = null; // no WebAssembly: the JS loop runs
    }
  }
  return instance;
}

/**
 * Fills `out` with sfc32 draws scaled to [0, n) from `state` ([a, b, c, d], updated in place), or
 * returns false when this path does not apply (then the caller's JS loop runs): n a whole number
 * in 1..256, WebAssembly available.
 */
export function fillBytesWasm(out: Uint8Array, n: number, state: Int32Array): boolean {
  if (!(Number.isInteger(n) && n >= 1 && n <= 256)) return false;
  const f = fill();
  if (!f) return false;
  const need = OUT + out.length;
  if (f.memory.buffer.byteLength < need) f.memory.grow(Math.ceil((need - f.memory.buffer.byteLength) / 65536));
  const words = new Int32Array(f.memory.buffer, STATE, 4);
  words.set(state);
  f.run(out.length, n);
  out.set(new Uint8Array(f.memory.buffer, OUT, out.length));
  state.set(new Int32Array(f.memory.buffer, STATE, 4));
  return true;
}
