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
  /** Whether the loop also accumulates dL/dx, the gradient at the conv's input. */
  inputGrad: boolean;
}

/**
 * Sums, over the first `n` images, every contributing pooled entry (value g, window arg-max
 * over the x patch x-patch): db[o] = sum g, dwT[o*patch + t] = sum g * x-patch[t] (patch =
 * kh*kw*ci, t over (r, c, i) row-major) and, with inputGrad, dx[x-patch[t]] += g * wT[o*patch + t]
 * (dx must come zeroed; wT is the filter in the same per-channel order).
 */
export type BlockLoop = (n: number, dp: Float32Array, z: Float32Array, p: Float32Array, x: Float32Array, wT: Float64Array, dwT: Float64Array, db: Float64Array, dx: Float32Array | null) => void;

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

  // Window arg-max: the first position (row-major) holding the pooled maximum m (p is the
  // max-pool of z, so some position holds it exactly; the last one is the fallback). Computed
  // without branches: n_i = 1 while positions 0..i all differ from m, and their sum is the
  // index k of the first match. (Branching on each comparison mispredicts about once per
  // entry, since the maximum's position is random: ~10-15% slower, measured.)
  const window = pool * pool;
  const miss: string[] = [];
  for (let i = 0; i < window - 1; i++) {
    const zOff = Math.floor(i / pool) * zRow + (i % pool) * ch;
    miss.push(`const n${i} = ${i === 0 ? '' : `n${i - 1} & `}+(z[zAt + ${zOff}] !== m);`);
  }
  const first = window === 1 ? '0' : Array.from({ length: window - 1 }, (_, i) => `n${i}`).join(' + ');

  // The filter gradient accumulates in locals (registers or stack slots), not in a typed
  // array: no bounds checks, no load/store per product; and the channel's filter taps for dL/dx
  // are locals too. Hence the channel loop outermost.
  const taps = Array.from({ length: patch }, (_, t) => t);
  const patchLines: string[] = [];
  for (let r = 0; r < kh; r++) {
    for (let j = 0; j < kw * ci; j++) {
      const t = r * kw * ci + j;
      patchLines.push(`a${t} += g * x[xo + ${r * xRow + j}];`);
      if (inputGrad) patchLines.push(`dx[xo + ${r * xRow + j}] += g * w${t};`);
    }
  }
  const filterTaps = inputGrad ? `const ${taps.map((t) => `w${t} = wT[o * ${patch} + ${t}]`).join(', ')};` : '';
  const store = taps.map((t) => `dwT[o * ${patch} + ${t}] = a${t};`);

  return `'use strict';
  for (let o = 0; o < ${ch}; o++) {
    let bias = 0;
    let ${taps.map((t) => `a${t} = 0`).join(', ')};
    ${filterTaps}
    let d = o; // index into dp / p, (b, py, px, o) order
    for (let b = 0; b < n; b++) {
      for (let py = 0; py < ${ph}; py++) {
        for (let px = 0; px < ${pw}; px++, d += ${ch}) {
          const g = dp[d];
          const m = p[d];
          if (g === 0 || !(m > 0)) continue;
          const zAt = (b * ${zh} + py * ${pool}) * ${zRow} + px * ${pool * ch} + o;
          ${miss.join('\n          ')}
          const k = ${first};
          const xo = (b * ${h} + py * ${pool} + ((k / ${pool}) | 0)) * ${xRow} + (px * ${pool} + (k % ${pool})) * ${ci};
          bias += g;
          ${patchLines.join('\n          ')}
        }
      }
    }
    db[o] = bias;
    ${store.join('\n    ')}
  }`;
}
