import { rng } from '../../src/data/rng.ts';
import { PARAM_NAMES } from '../../src/model/cnn.ts';
import type { WeightSet } from '../../src/model/layout.ts';
import { initWeights } from '../../src/model/params.ts';

// Shared by the specs that compare two explain paths bit for bit (fastpath, wasm-path): the
// comparison and the inputs that stress it.

/** Float bits with one NaN pattern, so NaN payloads (which nothing reads) do not count; +0 and -0 stay apart. */
export function bits(a: Float32Array): Uint32Array {
  return Uint32Array.from(new Uint32Array(a.buffer, a.byteOffset, a.length), (b, i) => (Number.isNaN(a[i]) ? 0x7fc00000 : b));
}

/** The first index where a and b differ bitwise (as `bits`), or null. */
export function firstDiff(a: Float32Array, b: Float32Array): string | null {
  if (a.length !== b.length) return `length ${a.length} vs ${b.length}`;
  const x = bits(a);
  const y = bits(b);
  for (let i = 0; i < x.length; i++) if (x[i] !== y[i]) return `index ${i}: ${a[i]} vs ${b[i]}`;
  return null;
}

/** The seed's initial weights scaled, with a fraction of each weight tensor pruned to +0 or -0 (stream `${stream}-prune`). */
export function stressWeights(seed: number, scale: number, pruned: number, stream: string): WeightSet {
  const w = initWeights(seed);
  const r = rng(seed, `${stream}-prune`);
  for (const name of PARAM_NAMES) {
    w[name] = w[name].map((v) => (name.endsWith('.weight') && r.next() < pruned ? (r.next() < 0.5 ? 0 : -0) : v * scale));
  }
  return w;
}

/** n random images; quantised ones (few grey levels, many zeros) make ties in the pooling windows likely. */
export function stressImages(seed: number, n: number, quantised: boolean, stream: string): Float32Array {
  const r = rng(seed, `${stream}-images`);
  return Float32Array.from({ length: n * 784 }, () => (quantised ? Math.floor(r.next() * 3) : r.next() * 3 - 0.5));
}
