// The memory the explain kernels (closed-form.ts, gradcampp.ts, post-process.ts in this folder)
// share: one WebAssembly.Memory per process, grown (never replaced) to hold a batch. explain.ts
// lays a batch out in it (its byte offsets are the kernels' arguments), copies A, the dense
// weights and the targets in once, runs the kernels one after the other on it and copies the
// heatmaps out, so the arrays pass between kernels without copies. Views of it (Float32Array
// over `buffer()`) are valid until the next `reserve` that grows it.

let memory: WebAssembly.Memory | null = null;

/** The shared memory, grown to at least `bytes`. */
export function reserve(bytes: number): WebAssembly.Memory {
  const pages = Math.ceil(bytes / 65536);
  if (memory === null) memory = new WebAssembly.Memory({ initial: Math.max(pages, 1) });
  else if (memory.buffer.byteLength < pages * 65536) memory.grow(pages - memory.buffer.byteLength / 65536);
  return memory;
}

/** An instance of a kernel module on the shared memory (created with a page if needed). */
export function instantiate<F>(bytes: Uint8Array<ArrayBuffer>): F {
  const m = reserve(65536);
  return new WebAssembly.Instance(new WebAssembly.Module(bytes), { env: { memory: m } }).exports.run as F;
}

/** Byte offsets of consecutive regions of the given byte sizes, each 16-byte aligned; and the total. */
export function layout<K extends string>(sizes: Record<K, number>): { at: Record<K, number>; bytes: number } {
  const at = {} as Record<K, number>;
  let next = 0;
  for (const k of Object.keys(sizes) as K[]) {
    at[k] = next;
    next += Math.ceil(sizes[k] / 16) * 16;
  }
  return { at, bytes: next };
}
