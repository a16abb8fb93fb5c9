import type * as tf from '@tensorflow/tfjs';
import { I32, V128, f32x4ne, f32x4sub, moduleBytes, op, v128anyTrue, v128load, v128or, v128zero } from './encode.ts';
import { heapOffsetOrNull, wasmMemoryOf } from './heap.ts';

// Whether every value of a float32 tensor on the wasm backend's memory is finite, read in place:
// x - x != 0 per value (float32 subtraction of a value from itself: 0 when finite, NaN for
// Infinity and NaN; the float64 `v - v !== 0` of the JS gives the same answers), four values a
// vector, any tail scalar. src/model/cnn.ts conv2ActivationsNoGrad asks it of each batch of images
// (a JS loop over the heap view took ~4 ms per 1,000 images). Assembled at run time
// (src/backend/wasm/encode.ts); no binary ships.

/** run(ptr, count) -> 1 if the `count` float32 values from byte offset ptr are all finite, else 0. */
export function allFiniteModule(): Uint8Array<ArrayBuffer> {
  const [PTR, COUNT] = [0, 1];
  const [END, VEND] = [2, 3];
  const [NF, ONE] = [4, 5]; // v128
  const f32x4replaceLane0 = op.simd(0x20, 0);
  const c: number[] = [];
  const emit = (...xs: number[][]) => {
    for (const x of xs) for (const b of x) c.push(b);
  };
  const { get, set, tee } = op;
  emit(get(PTR), get(COUNT), op.i32(2), op.i32shl, op.i32add, set(END));
  emit(get(PTR), get(COUNT), op.i32(-4), op.i32and, op.i32(2), op.i32shl, op.i32add, set(VEND));
  emit(v128zero, set(NF));
  emit(op.block, get(PTR), get(VEND), op.i32eq, op.brIf(0), op.loop);
  emit(get(PTR), v128load(0), get(PTR), v128load(0), f32x4sub, v128zero, f32x4ne, get(NF), v128or, set(NF));
  emit(get(PTR), op.i32(16), op.i32add, tee(PTR), get(VEND), op.i32ltU, op.brIf(0), op.end, op.end);
  // The last count % 4 values, one at a time, as lane 0 of a vector (the other lanes zero).
  emit(op.block, get(PTR), get(END), op.i32eq, op.brIf(0), op.loop);
  emit(v128zero, get(PTR), op.f32load(0), f32x4replaceLane0, set(ONE));
  emit(get(ONE), get(ONE), f32x4sub, v128zero, f32x4ne, get(NF), v128or, set(NF));
  emit(get(PTR), op.i32(4), op.i32add, tee(PTR), get(END), op.i32ltU, op.brIf(0), op.end, op.end);
  emit(get(NF), v128anyTrue, op.i32eqz, op.end);
  return moduleBytes([I32, I32], [[2, I32], [2, V128]], c, [I32]);
}

type Run = (ptr: number, count: number) => number;
const instances = new WeakMap<WebAssembly.Memory, Run>();

/** Whether every value of x is finite (x float32 on the unthreaded wasm backend `backend`); null where it cannot tell (another backend, no SIMD). */
export function allFiniteOnHeap(backend: unknown, x: tf.TensorInfo): boolean | null {
  const memory = wasmMemoryOf(backend);
  const at = heapOffsetOrNull(backend, x);
  if (memory === null || at === null || x.dtype !== 'float32') return null;
  let run = instances.get(memory);
  if (run === undefined) {
    try {
      run = new WebAssembly.Instance(new WebAssembly.Module(allFiniteModule()), { env: { memory } }).exports.run as Run;
    } catch {
      return null;
    }
    instances.set(memory, run);
  }
  return run(at, x.shape.reduce((s, d) => s * d, 1)) === 1;
}
