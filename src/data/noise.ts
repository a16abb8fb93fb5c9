// D1 (background noise) and D2 (normalisation) of PROTOCOL.md. Both run on every training batch
// and on whole test sets, so they are plain loops over typed arrays, no tensors.
import type { NoiseConfig, NormalizeConfig } from '../protocol/types.ts';
import type { Rng } from './rng.ts';

function checkNoise(cfg: NoiseConfig): void {
  if (!Number.isInteger(cfg.maxInt) || cfg.maxInt < 0) throw new RangeError(`noise.maxInt must be a whole number >= 0, got ${cfg.maxInt}`);
  if (!(cfg.scale > 0)) throw new RangeError(`noise.scale must be > 0, got ${cfg.scale}`);
}

/**
 * D1: a copy of `images` where every pixel that is exactly 0 becomes k/scale, k a uniform
 * integer in 0..maxInt (inclusive; the thesis's randint), drawn from `r` pixel by pixel in
 * array order. Non-zero pixels are untouched. `enabled: false` returns an unchanged copy and
 * draws nothing.
 */
export function addNoise(images: Float32Array, cfg: NoiseConfig, r: Rng): Float32Array {
  checkNoise(cfg);
  const x = new Float32Array(images);
  if (!cfg.enabled) return x;
  let zeros = 0;
  for (let i = 0; i < x.length; i++) if (x[i] === 0) zeros++;
  // Drawn in bulk (maxInt <= 255 fits a byte); the same numbers as one r.int() per zero pixel.
  const ks = new Uint8Array(zeros);
  r.fillInts(ks, cfg.maxInt + 1);
  const { scale } = cfg;
  for (let i = 0, j = 0; i < x.length; i++) {
    if (x[i] === 0) x[i] = ks[j++] / scale;
  }
  return x;
}

/** D2: (x - mean) / std element-wise, into `out` (a new array by default; may be `x` itself). */
export function normalize(x: Float32Array, cfg: NormalizeConfig, out: Float32Array = new Float32Array(x.length)): Float32Array {
  if (!(cfg.std > 0)) throw new RangeError(`normalize.std must be > 0, got ${cfg.std}`);
  if (out.length !== x.length) throw new RangeError(`normalize: output length ${out.length} differs from input length ${x.length}`);
  const { mean, std } = cfg;
  for (let i = 0; i < x.length; i++) out[i] = (x[i] - mean) / std;
  return out;
}
