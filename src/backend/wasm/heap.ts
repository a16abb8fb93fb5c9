import type * as tf from '@tensorflow/tfjs';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';

// Shared plumbing of the JS kernels that run on the wasm backend's memory.

/** The parts of tfjs-backend-wasm's backend that prunecam's heap code reads. */
interface WasmHeap {
  wasm: { asm?: { memory?: unknown } };
  dataIdMap: { get(id: tf.DataId): { memoryOffset: number } | undefined };
}

/** The wasm backend's (unshared) memory, or null (threaded build, other backends). */
export function wasmMemoryOf(backend: unknown): WebAssembly.Memory | null {
  const memory = (backend as Partial<WasmHeap>).wasm?.asm?.memory;
  return memory instanceof WebAssembly.Memory && memory.buffer instanceof ArrayBuffer ? memory : null;
}

/** The byte offset of a tensor's values in the wasm backend's memory, or null when they are not there (another backend). */
export function heapOffsetOrNull(backend: unknown, t: tf.TensorInfo): number | null {
  return (backend as Partial<WasmHeap>).dataIdMap?.get(t.dataId)?.memoryOffset ?? null;
}

/** The byte offset of a tensor's values in the wasm backend's memory (the tensor must live there). */
export function heapOffset(backend: unknown, t: tf.TensorInfo): number {
  const at = heapOffsetOrNull(backend, t);
  if (at === null) throw new Error(`a ${t.dtype} tensor of shape [${t.shape}] is not on the wasm backend's memory`);
  return at;
}

/** A float32 view of a tensor's bytes on the wasm heap. Re-take views after any allocation. */
export function f32(backend: BackendWasm, t: tf.TensorInfo): Float32Array {
  if (t.dtype !== 'float32') throw new Error(`expected a float32 tensor, got ${t.dtype} of shape [${t.shape}]`);
  return backend.typedArrayFromHeap(t) as Float32Array;
}

/** Throws unless the kernel's data format is NHWC (the only layout these kernels implement). */
export function requireNhwc(kernel: string, dataFormat: string | undefined): void {
  if (dataFormat !== undefined && dataFormat !== 'NHWC') throw new Error(`${kernel} (wasm, prunecam): only NHWC is supported, got ${dataFormat}`);
}

let scratch = new Float64Array(0);

/** A zeroed float64 accumulator of at least `n` entries, reused across calls (kernels run one at a time). */
export function zeroedScratch(n: number): Float64Array {
  if (scratch.length < n) scratch = new Float64Array(n);
  else scratch.fill(0, 0, n);
  return scratch;
}

/** Copies the first `out.length` accumulator entries into a float32 output, rounding each once. */
export function storeRounded(acc: Float64Array, out: Float32Array): void {
  for (let i = 0; i < out.length; i++) out[i] = acc[i];
}

/**
 * The traversal both strided conv gradients share: for every non-zero dY[b, y, x, o] and every
 * filter tap (r, c) whose input pixel lies inside the image, calls visit(xAt, wAt, g) with
 * xAt = index of X[b, y*sh + r - top, x*sw + c - left, 0] and wAt = index of W[r, c, 0, o]
 * (NHWC input, HWIO filter): channel i sits at xAt + i and wAt + i*outChannels. Zeros of dY
 * (most of them, behind a ReLU and a max-pool) are skipped.
 */
export function forEachNonZeroTap(info: tf.backend_util.Conv2DInfo, DY: Float32Array, visit: (xAt: number, wAt: number, g: number) => void): void {
  const { batchSize, inHeight, inWidth, inChannels, outHeight, outWidth, outChannels, filterHeight, filterWidth, strideHeight, strideWidth } = info;
  const { top, left } = info.padInfo;
  const xRow = inWidth * inChannels;
  const tapStride = inChannels * outChannels; // distance in W between neighbouring (r, c) taps
  let d = 0; // running index into dY (b, y, x, o order)
  for (let b = 0; b < batchSize; b++) {
    const xb = b * inHeight * xRow;
    for (let yy = 0; yy < outHeight; yy++) {
      const y0 = yy * strideHeight - top;
      for (let xx = 0; xx < outWidth; xx++) {
        const x0 = xx * strideWidth - left;
        for (let o = 0; o < outChannels; o++, d++) {
          const g = DY[d];
          if (g === 0) continue;
          for (let r = 0; r < filterHeight; r++) {
            const iy = y0 + r;
            if (iy < 0 || iy >= inHeight) continue;
            for (let c = 0; c < filterWidth; c++) {
              const ix = x0 + c;
              if (ix < 0 || ix >= inWidth) continue;
              visit(xb + iy * xRow + ix * inChannels, (r * filterWidth + c) * tapStride + o, g);
            }
          }
        }
      }
    }
  }
}
