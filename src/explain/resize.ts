// OpenCV's cv2.resize(img, (dst, dst)) with INTER_LINEAR on a float32 image, as
// pytorch-grad-cam calls it (PROTOCOL.md "Evaluation", step 5). It is bilinear with half-pixel
// centres, but its edge handling is OpenCV's own and differs from tfjs resizeBilinear:
//   f = fround((d + 0.5) * (src / dst) - 0.5); s = floor(f); f = f - s   (float32, as OpenCV)
//   columns: s < 0 -> (s, f) = (0, 0); s >= src-1 -> (s, f) = (src-1, 0)   (f is reset)
//   rows:    r0 = clip(s), r1 = clip(s+1), f is NOT reset (OpenCV clamps the row pointers only)
// All arithmetic is float32 (Math.fround), with the coefficients 1-f and f held as float32.

/** Per output index: the two source taps and their float32 weights. */
export interface Taps {
  i0: Int32Array;
  i1: Int32Array;
  w0: Float32Array;
  w1: Float32Array;
}

function sourceCoordinate(d: number, scale: number): { s: number; f: number } {
  // OpenCV computes (dx + 0.5) * scale - 0.5 in double, then stores it in a float.
  const fx = Math.fround((d + 0.5) * scale - 0.5);
  const s = Math.floor(fx);
  return { s, f: Math.fround(fx - s) };
}

/** Column taps: the clamp at either edge also resets the fraction to 0. */
function columnTaps(src: number, dst: number): Taps {
  const t: Taps = { i0: new Int32Array(dst), i1: new Int32Array(dst), w0: new Float32Array(dst), w1: new Float32Array(dst) };
  for (let d = 0; d < dst; d++) {
    let { s, f } = sourceCoordinate(d, src / dst);
    if (s < 0) [s, f] = [0, 0];
    if (s >= src - 1) [s, f] = [src - 1, 0];
    t.i0[d] = s;
    // With f = 0 the second tap's weight is 0; point it at s so it never reads past the row.
    t.i1[d] = Math.min(s + 1, src - 1);
    t.w0[d] = Math.fround(1 - f);
    t.w1[d] = f;
  }
  return t;
}

/** Row taps: the row indices are clamped but the fraction is kept. */
function rowTaps(src: number, dst: number): Taps {
  const t: Taps = { i0: new Int32Array(dst), i1: new Int32Array(dst), w0: new Float32Array(dst), w1: new Float32Array(dst) };
  const clip = (i: number) => Math.min(Math.max(i, 0), src - 1);
  for (let d = 0; d < dst; d++) {
    const { s, f } = sourceCoordinate(d, src / dst);
    t.i0[d] = clip(s);
    t.i1[d] = clip(s + 1);
    t.w0[d] = Math.fround(1 - f);
    t.w1[d] = f;
  }
  return t;
}

/** Column and row taps of a src -> dst resize, cached (explain.ts's fused pass reads them per image). */
const TABLES = new Map<string, { cols: Taps; rows: Taps }>();
export function resizeTaps(src: number, dst: number): { cols: Taps; rows: Taps } {
  const key = `${src}:${dst}`;
  let t = TABLES.get(key);
  if (!t) {
    t = { cols: columnTaps(src, dst), rows: rowTaps(src, dst) };
    TABLES.set(key, t);
  }
  return t;
}

/**
 * Resizes n square float32 images of side `src` (flat, row-major, image after image) to side
 * `dst`. Returns a new Float32Array of n*dst*dst.
 */
export function resizeLinear(images: Float32Array, n: number, src: number, dst: number): Float32Array {
  if (!Number.isInteger(n) || n < 0) throw new RangeError(`resize: image count must be a non-negative integer, got ${n}`);
  if (!Number.isInteger(src) || src < 1 || !Number.isInteger(dst) || dst < 1) {
    throw new RangeError(`resize: sizes must be positive integers, got ${src} -> ${dst}`);
  }
  if (images.length !== n * src * src) {
    throw new RangeError(`resize: expected ${n}x${src}x${src} = ${n * src * src} values, got ${images.length}`);
  }
  const cols = columnTaps(src, dst);
  const rows = rowTaps(src, dst);
  const out = new Float32Array(n * dst * dst);
  // Horizontal pass into a float32 buffer of src rows x dst columns, then the vertical pass.
  const tmp = new Float32Array(src * dst);
  const fr = Math.fround;
  for (let img = 0; img < n; img++) {
    const inBase = img * src * src;
    for (let r = 0; r < src; r++) {
      const rowBase = inBase + r * src;
      for (let d = 0; d < dst; d++) {
        tmp[r * dst + d] = fr(fr(images[rowBase + cols.i0[d]] * cols.w0[d]) + fr(images[rowBase + cols.i1[d]] * cols.w1[d]));
      }
    }
    const outBase = img * dst * dst;
    for (let d = 0; d < dst; d++) {
      const r0 = rows.i0[d] * dst;
      const r1 = rows.i1[d] * dst;
      const w0 = rows.w0[d];
      const w1 = rows.w1[d];
      for (let c = 0; c < dst; c++) {
        out[outBase + d * dst + c] = fr(fr(tmp[r0 + c] * w0) + fr(tmp[r1 + c] * w1));
      }
    }
  }
  return out;
}
