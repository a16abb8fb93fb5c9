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
  /** Whether the loop also writes dL/dz (the gradient at the conv's output, before the ReLU). */
  convOutputGrad: boolean;
}

/**
 * Sums, over the first `n` images, every contributing pooled entry (value g, window arg-max at
 * z index a): db[o] = sum g, dwT[o*patch + t] = sum g * x-patch[t] (patch = kh*kw*ci, t over
 * (r, c, i) row-major) and, with convOutputGrad, sets dz[a] = g (dz must come zeroed).
 */
export type BlockLoop = (n: number, dp: Float32Array, z: Float32Array, p: Float32Array, x: Float32Array, dwT: Float64Array, db: Float64Array, dz: Float32Array | null) => void;

const cache = new Map<string, BlockLoop>();

export function blockLoop(g: BlockGeometry): BlockLoop {
  const key = JSON.stringify(g);
  let loop = cache.get(key);
  if (loop === undefined) {
    loop = new Function('n', 'dp', 'z', 'p', 'x', 'dwT', 'db', 'dz', blockLoopSource(g)) as BlockLoop;
    cache.set(key, loop);
  }
  return loop;
}

/** The body of the generated function (exported so a spec can compile it for odd geometries). */
export function blockLoopSource(g: BlockGeometry): string {
  for (const [k, v] of Object.entries(g)) {
    if (typeof v === 'number' && !(Number.isInteger(v) && v > 0)) throw new Error(`block geometry: ${k} must be a positive integer, got ${v}`);
  }
  const { ph, pw, ch, zh, zw, h, w, ci, kh, kw, pool, convOutputGrad } = g;
  const zRow = zw * ch;
  const xRow = w * ci;
  const patch = kh * kw * ci;

  // Window arg-max: the first position (row-major) holding the pooled maximum m, as offsets
  // in z (zo) and in x (xo). p is the max-pool of z, so some position holds m exactly; the
  // last position is the fallback.
  const cases: string[] = [];
  for (let r = 0; r < pool; r++) {
    for (let c = 0; c < pool; c++) {
      const zOff = r * zRow + c * ch;
      const set = `{ zo = ${zOff}; xo = ${r * xRow + c * ci}; }`;
      cases.push(r === pool - 1 && c === pool - 1 ? set : `if (z[zAt + ${zOff}] === m) ${set}`);
    }
  }

  // The patch's multiply-adds accumulate in locals (registers or stack slots), not in a
  // typed array: no bounds checks, no load/store per product. Hence the channel loop outermost.
  const acc = Array.from({ length: patch }, (_, t) => `a${t}`);
  const patchLines: string[] = [];
  for (let r = 0; r < kh; r++) {
    for (let j = 0; j < kw * ci; j++) patchLines.push(`a${r * kw * ci + j} += g * x[xo + ${r * xRow + j}];`);
  }
  const store = acc.map((a, t) => `dwT[o * ${patch} + ${t}] = ${a};`);

  return `'use strict';
  for (let o = 0; o < ${ch}; o++) {
    let bias = 0;
    let ${acc.map((a) => `${a} = 0`).join(', ')};
    let d = o; // index into dp / p, (b, py, px, o) order
    for (let b = 0; b < n; b++) {
      for (let py = 0; py < ${ph}; py++) {
        for (let px = 0; px < ${pw}; px++, d += ${ch}) {
          const g = dp[d];
          const m = p[d];
          if (g === 0 || !(m > 0)) continue;
          const zAt = (b * ${zh} + py * ${pool}) * ${zRow} + px * ${pool * ch} + o;
          let zo = 0;
          let xo = 0;
          ${cases.join(' else ')}
          xo += (b * ${h} + py * ${pool}) * ${xRow} + px * ${pool * ci};
          ${convOutputGrad ? 'dz[zAt + zo] = g;' : ''}
          bias += g;
          ${patchLines.join('\n          ')}
        }
      }
    }
    db[o] = bias;
    ${store.join('\n    ')}
  }`;
}
