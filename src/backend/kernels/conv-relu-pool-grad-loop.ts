// The inner loop of PrunecamConvReluPoolGrad, generated for one block geometry.
//
// Why generated: per contributing pooled entry the work is a window arg-max (pool*pool loads)
// and one kh*kw*ci patch of multiply-adds (9 for conv1, 36 for conv2). Written as nested loops
// of 2-12 iterations, V8 spends more on loop control than on the arithmetic (measured 2-2.5x
// slower); with the geometry fixed, every offset is a constant and the patch is straight-line
// code. Functions are cached per geometry, so a training run compiles two of them.

/** Shapes the generated loop is specialised for (NHWC, valid stride-1 conv, pool x pool 'valid' pool). */
export interface BlockGeometry {
  /** Pooled output: height, width, channels. */
  ph: number;
  pw: number;
  ch: number;
  /** Conv output (pre-pool) height and width. */
  zh: number;
  zw: number;
  /** Conv input: height, width, channels. */
  h: number;
  w: number;
  ci: number;
  /** Filter height and width. */
  kh: number;
  kw: number;
  pool: number;
  /** Whether the loop also scatters dL/dx. */
  inputGrad: boolean;
}

/**
 * Accumulates, for the first `n` images, every pooled entry's contribution: db[o] += g,
 * dwT[o*patch + t] += g * x-patch[t], and (inputGrad) dx[x-patch[t]] += g * wT[o*patch + t],
 * where patch = kh*kw*ci and t runs over (r, c, i) in row-major order.
 */
export type BlockLoop = (
  n: number,
  dp: Float32Array,
  z: Float32Array,
  p: Float32Array,
  x: Float32Array,
  wT: Float64Array,
  dwT: Float64Array,
  db: Float64Array,
  dx: Float64Array | null,
) => void;

const cache = new Map<string, BlockLoop>();

export function blockLoop(g: BlockGeometry): BlockLoop {
  const key = JSON.stringify(g);
  let loop = cache.get(key);
  if (loop === undefined) {
    loop = new Function('n', 'dp', 'z', 'p', 'x', 'wT', 'dwT', 'db', 'dx', blockLoopSource(g)) as BlockLoop;
    cache.set(key, loop);
  }
  return loop;
}

/** The body of the generated function (exported so a spec can compile it for odd geometries). */
export function blockLoopSource(g: BlockGeometry): string {
  for (const [k, v] of Object.entries(g)) {
    if (typeof v === 'number' && !(Number.isInteger(v) && v > 0)) throw new Error(`block geometry: ${k} must be a positive integer, got ${v}`);
  }
  const { ph, pw, ch, zh, zw, h, w, ci, kh, kw, pool, inputGrad } = g;
  const zRow = zw * ch;
  const xRow = w * ci;
  const patch = kh * kw * ci;

  // Window arg-max: the first position (row-major) holding the pooled maximum m. (p is the
  // max-pool of z, so some position holds it exactly; the last one is the fallback.)
  const window: string[] = [];
  for (let r = 0; r < pool; r++) for (let c = 0; c < pool; c++) window.push(`${r * zRow + c * ch}:${r * xRow + c * ci}`);
  const argmax = window
    .map((pair, i) => {
      const [zOff, xOff] = pair.split(':');
      if (i === window.length - 1) return `{ at = ${xOff}; }`;
      return `if (z[zAt + ${zOff}] === m) { at = ${xOff}; }`;
    })
    .join(' else ');

  const patchLines: string[] = [];
  for (let r = 0; r < kh; r++) {
    for (let j = 0; j < kw * ci; j++) {
      const t = r * kw * ci + j;
      const off = r * xRow + j;
      patchLines.push(`dwT[k + ${t}] += g * x[at + ${off}];`);
      if (inputGrad) patchLines.push(`dx[at + ${off}] += g * wT[k + ${t}];`);
    }
  }

  return `'use strict';
  let d = 0;
  for (let b = 0; b < n; b++) {
    for (let py = 0; py < ${ph}; py++) {
      for (let px = 0; px < ${pw}; px++) {
        const zCorner = (b * ${zh} + py * ${pool}) * ${zRow} + px * ${pool * ch};
        const xCorner = (b * ${h} + py * ${pool}) * ${xRow} + px * ${pool * ci};
        for (let o = 0; o < ${ch}; o++, d++) {
          const g = dp[d];
          const m = p[d];
          if (g === 0 || !(m > 0)) continue;
          const zAt = zCorner + o;
          let at = 0;
          ${argmax}
          at += xCorner;
          db[o] += g;
          const k = o * ${patch};
          ${patchLines.join('\n          ')}
        }
      }
    }
  }`;
}
