import * as tf from '@tensorflow/tfjs';
import { conv2Activations, conv2ActivationsNoGrad, headFromConv2, type Params } from '../model/cnn.ts';
import type { ExplainConfig } from '../protocol/types.ts';
import { EXPLAINER_NAMES, type ExplainerName } from '../results/types.ts';
import { argmaxRows } from '../metrics/argmax.ts';
import type { ExplainerContext, LayerGradients } from './cam.ts';
import { EXPLAINERS } from './registry.ts';
import { resizeTaps } from './resize.ts';
import { closedFormKernel } from './wasm/closed-form.ts';
import { gradCamPlusPlusKernel } from './wasm/gradcampp.ts';
import { layout, reserve } from './wasm/heap.ts';
import { postProcessKernel } from './wasm/post-process.ts';

// Batched heatmaps of every selected explainer on conv2's pre-ReLU output, with
// pytorch-grad-cam 1.4.6's semantics (PROTOCOL.md Part 1 steps 1-5, Part 2 "Explainers"):
//   target c = arg-max of the raw logits (ties to the lowest index) unless given;
//   A and G = d logit_c / d A are computed ONCE per batch and shared by all explainers; G is
//   each image's own gradient (images never interact);
//   raw cam from the explainer (registry.ts); cam_small = N(ReLU(cam)); result = N(resize(cam_small))
//   with OpenCV's INTER_LINEAR.
// tfjs does the forward pass (A and the logits in one call per batch). G is computed from A and
// the dense weights in closed form (closedFormGradients: the values tf.grad of the head gives on
// the wasm backend, bit for bit, spec/explain/fastpath.spec.ts), falling back to tf.grad of the
// head for non-finite inputs. The rest runs on the read-back float32 arrays, one fused
// post-processing pass per image written straight into the result arrays.
//
// Two implementations of the per-batch work, with the same bits (spec/explain/wasm-path.spec.ts):
// the JS one (tf ops for the forward; closedFormGradients, the explainers and postProcess in JS),
// always available and the only one on other backends or without WebAssembly SIMD; and, where
// WebAssembly SIMD compiles, the kernels of ./wasm/ (closed form, Grad-CAM++, post-processing)
// on one shared memory holding the batch (./wasm/heap.ts), and on the wasm backend the forward's
// conv blocks as PrunecamConvReluPool (conv2ActivationsNoGrad: A is not differentiated through,
// G comes from the closed form or tf.grad of the head w.r.t. A), A copied from the backend's
// memory into the shared one. The other explainers still run in JS on views of that memory.
//
// Non-finite heatmaps (PROTOCOL.md Part 2): where an explainer's pole or an overflow makes a
// heatmap non-finite, it is kept as the library would return it (NaN) and its index listed in
// nonFinite, so the caller can leave it out of its means and count it.

const IMAGE = 28;
const CLASSES = 10;

export type ExplainOptions = Pick<ExplainConfig, 'alphaEps' | 'normEps' | 'batchSize'> & {
  /** Explicit target class per image (integers 0..9); default the arg-max of the logits. */
  targets?: ArrayLike<number>;
  /** The run's seed and pruning level: required by RandomCAM's seeded stream. */
  random?: { seed: number; level: number };
  /**
   * 'auto' (default): the WebAssembly kernels where they compile (see the header); 'js': the JS
   * loops and the tf-ops forward only. Both give the same bits; specs compare them.
   */
  engine?: 'auto' | 'js';
};

/** Images: a [N, 28, 28, 1] tensor, or N*784 normalised float32 values in NHWC order. */
export type ExplainInput = tf.Tensor4D | { data: Float32Array; n: number };

export interface MethodHeatmaps {
  /** Final heatmaps N(resize(N(ReLU(cam)))), [N, 28, 28], values in [0, 1] (NaN for nonFinite images). */
  cams: Float32Array;
  /** N(ReLU(cam)) before the resize, [N, 11, 11]. */
  camSmall: Float32Array;
  /** Indices (ascending) of images whose heatmap is not finite; leave them out of means. */
  nonFinite: number[];
}

export interface ExplainAllResult {
  n: number;
  /** The class every method explains, per image. */
  targets: Int32Array;
  /** Raw logits, [N, 10]. */
  logits: Float32Array;
  byMethod: Partial<Record<ExplainerName, MethodHeatmaps>>;
}

/** Heatmaps of every method in `methods` for every image, batch by batch. */
export function explainAll(params: Params, input: ExplainInput, methods: readonly ExplainerName[], options: ExplainOptions): ExplainAllResult {
  const n = input instanceof tf.Tensor ? checkTensor(input) : checkArray(input);
  if (!Number.isInteger(options.batchSize) || options.batchSize < 1) {
    throw new RangeError(`explain: batchSize must be a positive integer, got ${options.batchSize}`);
  }
  const selected = checkMethods(methods);
  const given = options.targets === undefined ? null : checkTargets(options.targets, n);

  const out: ExplainAllResult = { n, targets: new Int32Array(n), logits: new Float32Array(n * CLASSES), byMethod: {} };
  // Each method's heatmaps are written straight into whole-input arrays (allocated once the first
  // batch gives conv2's map size).
  const results = new Map<ExplainerName, MethodHeatmaps>(selected.map((m) => [m, { cams: new Float32Array(0), camSmall: new Float32Array(0), nonFinite: [] }]));
  const fcWeight = n > 0 ? (params['fc.weight'].dataSync() as Float32Array) : new Float32Array(0);
  const wasm = options.engine !== 'js' && wasmCompiles();
  for (let start = 0; start < n; start += options.batchSize) {
    const count = Math.min(options.batchSize, n - start);
    const layer = layerGradients(params, fcWeight, sliceImages(input, start, count), count, given?.subarray(start, start + count) ?? null, wasm);
    out.targets.set(layer.targets, start);
    out.logits.set(layer.logits, start * CLASSES);
    const ctx: ExplainerContext = { alphaEps: options.alphaEps, firstImage: start, random: options.random };
    for (const method of selected) {
      const acc = results.get(method)!;
      if (start === 0) {
        acc.cams = new Float32Array(n * IMAGE * IMAGE);
        acc.camSmall = new Float32Array(n * layer.g.height * layer.g.width);
      }
      if (layer.heap === null) {
        postProcess(EXPLAINERS[method].cam(layer.g, ctx), layer.g, options.normEps, acc, start);
      } else if (method === 'gradcampp' && layer.heap.closedForm) {
        if (!(ctx.alphaEps >= 0)) throw new RangeError(`cam: alphaEps must be >= 0, got ${ctx.alphaEps}`);
        const { at } = layer.heap;
        const hw = layer.g.height * layer.g.width;
        gradCamPlusPlusKernel({ pixels: hw, channels: layer.g.channels })(count, at.a, at.g, at.index, at.offsets, at.acc, at.s, at.raw, Math.fround(ctx.alphaEps));
        postProcessWasm(null, layer.g, options.normEps, acc, start, layer.heap);
      } else {
        postProcessWasm(EXPLAINERS[method].cam(layer.g, ctx), layer.g, options.normEps, acc, start, layer.heap);
      }
    }
  }
  for (const [method, acc] of results) out.byMethod[method] = acc;
  return out;
}

/**
 * cam_small = N(ReLU(cam)), cams = N(resize(cam_small)), and the images that are not finite, for
 * a batch whose first image is `start`, written into `into` at that image. One pass per image
 * (ReLU, N, OpenCV's INTER_LINEAR resize, N) with the float32 operations of minMaxNormalize
 * (normalize.ts) and resizeLinear (resize.ts) in the same order, so the values are theirs bit
 * for bit.
 */
function postProcess(raw: Float32Array, g: LayerGradients, normEps: number, into: MethodHeatmaps, start: number): void {
  const { n, height, width } = g;
  if (height !== width) throw new Error(`explain: conv2 map is ${height}x${width}, expected a square map`);
  if (!(normEps > 0)) throw new RangeError(`normalise: eps must be > 0 (a constant image would give 0/0), got ${normEps}`);
  if (raw.length !== n * height * width) throw new RangeError(`explain: ${raw.length} cam values for ${n}x${height}x${width}`);
  const fr = Math.fround;
  const src = height;
  const hw = src * src;
  const px = IMAGE * IMAGE;
  const { cols, rows } = resizeTaps(src, IMAGE);
  const { i0: ci0, i1: ci1, w0: cw0, w1: cw1 } = cols;
  const small = into.camSmall;
  const cams = into.cams;
  const tmp = scratch(src * IMAGE);
  for (let img = 0; img < n; img++) {
    const rb = img * hw;
    const sb = (start + img) * hw;
    // np.maximum(cam, 0): NaN stays NaN (a plain `v > 0 ? v : 0` would hide it as 0).
    let min = Infinity;
    for (let i = 0; i < hw; i++) {
      const v = raw[rb + i];
      const r = v < 0 ? 0 : v;
      small[sb + i] = r;
      min = Math.min(min, r);
    }
    let max = -Infinity;
    for (let i = sb; i < sb + hw; i++) {
      const d = fr(small[i] - min);
      small[i] = d;
      max = Math.max(max, d);
    }
    let divisor = fr(max + normEps);
    for (let i = sb; i < sb + hw; i++) small[i] = fr(small[i] / divisor);

    // Resize: horizontal pass into tmp (src rows x 28 columns), vertical pass into the output.
    for (let r = 0; r < src; r++) {
      const rowBase = sb + r * src;
      const tb = r * IMAGE;
      for (let d = 0; d < IMAGE; d++) tmp[tb + d] = fr(fr(small[rowBase + ci0[d]] * cw0[d]) + fr(small[rowBase + ci1[d]] * cw1[d]));
    }
    const ob = (start + img) * px;
    min = Infinity;
    for (let d = 0; d < IMAGE; d++) {
      const r0 = rows.i0[d] * IMAGE;
      const r1 = rows.i1[d] * IMAGE;
      const w0 = rows.w0[d];
      const w1 = rows.w1[d];
      const o = ob + d * IMAGE;
      for (let c = 0; c < IMAGE; c++) {
        const v = fr(fr(tmp[r0 + c] * w0) + fr(tmp[r1 + c] * w1));
        cams[o + c] = v;
        min = Math.min(min, v);
      }
    }
    max = -Infinity;
    for (let i = ob; i < ob + px; i++) {
      const d = fr(cams[i] - min);
      cams[i] = d;
      max = Math.max(max, d);
    }
    divisor = fr(max + normEps);
    // +-inf in the ReLU'd cam becomes NaN in N (inf - inf, inf / inf), so the final map shows every
    // case; -inf alone is clipped by the ReLU exactly as in the library and leaves a finite map.
    let finite = true;
    for (let i = ob; i < ob + px; i++) {
      const v = fr(cams[i] / divisor);
      cams[i] = v;
      if (v - v !== 0) finite = false;
    }
    if (!finite) into.nonFinite.push(start + img);
  }
}

/** The batch's layout on the shared explain memory (./wasm/heap.ts). */
type BatchHeap = { memory: WebAssembly.Memory; at: Record<'a' | 'g' | 'w' | 'targets' | 'best' | 'index' | 'offsets' | 'ok' | 'acc' | 's' | 'raw' | 'small' | 'cams' | 'tmp' | 'flags', number>; closedForm: boolean };

function batchHeap(n: number, height: number, width: number, channels: number, fcLength: number): BatchHeap {
  const values = n * height * width * channels;
  const windows = (height >> 1) * (width >> 1) * channels;
  const hw = height * width;
  const { at, bytes } = layout({
    a: values * 4, g: values * 4, w: fcLength * 4, targets: n * 4, best: ((width >> 1) * channels + 1) * 4, index: (n * windows + 1) * 4, offsets: (n + 1) * 4, ok: 4,
    acc: channels * 8, s: channels * 4, raw: n * hw * 4, small: n * hw * 4, cams: n * IMAGE * IMAGE * 4, tmp: height * IMAGE * 4, flags: n * 4,
  });
  return { memory: reserve(bytes), at, closedForm: false };
}

/** postProcess with the kernel of ./wasm/post-process.ts: raw (copied in) or the cam already at heap.at.raw. */
function postProcessWasm(raw: Float32Array | null, g: LayerGradients, normEps: number, into: MethodHeatmaps, start: number, heap: BatchHeap): void {
  const { n, height, width } = g;
  if (height !== width) throw new Error(`explain: conv2 map is ${height}x${width}, expected a square map`);
  if (!(normEps > 0)) throw new RangeError(`normalise: eps must be > 0 (a constant image would give 0/0), got ${normEps}`);
  const hw = height * width;
  const { at } = heap;
  const buf = heap.memory.buffer;
  if (raw !== null) {
    if (raw.length !== n * hw) throw new RangeError(`explain: ${raw.length} cam values for ${n}x${height}x${width}`);
    new Float32Array(buf, at.raw, n * hw).set(raw);
  }
  postProcessKernel(height)(n, at.raw, at.small, at.cams, at.tmp, at.flags, normEps);
  into.camSmall.set(new Float32Array(buf, at.small, n * hw), start * hw);
  into.cams.set(new Float32Array(buf, at.cams, n * IMAGE * IMAGE), start * IMAGE * IMAGE);
  const flags = new Int32Array(buf, at.flags, n);
  for (let img = 0; img < n; img++) if (flags[img] !== 0) into.nonFinite.push(start + img);
}

let wasmOk: boolean | null = null;
/** Whether the explain kernels compile here (WebAssembly with SIMD): then engine 'auto' runs them. */
export function wasmCompiles(): boolean {
  if (wasmOk === null) {
    try {
      closedFormKernel({ height: 2, width: 2, channels: 4 });
      gradCamPlusPlusKernel({ pixels: 4, channels: 4 });
      postProcessKernel(2);
      wasmOk = true;
    } catch {
      wasmOk = false;
    }
  }
  return wasmOk;
}

let scratchBuffer = new Float32Array(0);
function scratch(size: number): Float32Array {
  if (scratchBuffer.length < size) scratchBuffer = new Float32Array(size);
  return scratchBuffer;
}

/**
 * conv2's pre-ReLU activations A, G = d logit_c / d A, the logits and the targets, read back to
 * float32 arrays. Disposes x. One tfjs call gives A and the logits; G is computed from them in
 * closed form (closedFormGradients) when the head is the thesis's, else by tf.grad of the head.
 * The arrays are read outside tf.tidy, which walks whatever it returns element by element
 * (seconds for 10,000 images' activations). With `wasm` (and channels a multiple of 4, a square
 * map) A, G and the nonzero list live on the explain heap (`heap`, laid out for this batch; G by
 * ./wasm/closed-form.ts) and g's arrays are views of it, valid until the next batch's layout.
 */
function layerGradients(params: Params, fcWeight: Float32Array, x: tf.Tensor4D, count: number, given: Int32Array | null, wasm: boolean): { g: LayerGradients; logits: Float32Array; targets: Int32Array; heap: BatchHeap | null } {
  let a: tf.Tensor4D | null = null;
  let logitsT: tf.Tensor2D | null = null;
  try {
    [a, logitsT] = tf.tidy(() => {
      const act = wasm ? conv2ActivationsNoGrad(params, x) : conv2Activations(params, x);
      return [act, headFromConv2(params, act)] as [tf.Tensor4D, tf.Tensor2D];
    });
    const logits = logitsT.dataSync() as Float32Array;
    const targets = given ? Int32Array.from(given) : argmaxRows(logits, CLASSES);
    const [, height, width, channels] = a.shape;
    if (wasm && channels % 4 === 0 && height === width && height >= 2) {
      const heap = batchHeap(count, height, width, channels, fcWeight.length);
      const { at } = heap;
      const buf = heap.memory.buffer;
      const values = count * height * width * channels;
      // A straight from the wasm backend's memory into the explain heap (one copy, no read-back
      // array); the explainers read it there.
      const activations = new Float32Array(buf, at.a, values);
      activations.set(tf.getBackend() === 'wasm' ? ((tf.backend() as unknown as { typedArrayFromHeap(t: tf.TensorInfo): Float32Array }).typedArrayFromHeap(a)) : (a.dataSync() as Float32Array));
      let fcFinite = fcWeight.length === (height >> 1) * (width >> 1) * channels * CLASSES;
      for (let i = 0; i < fcWeight.length && fcFinite; i++) if (fcWeight[i] - fcWeight[i] !== 0) fcFinite = false;
      if (fcFinite) {
        new Float32Array(buf, at.w, fcWeight.length).set(fcWeight);
        new Int32Array(buf, at.targets, count).set(targets);
        closedFormKernel({ height, width, channels })(count, at.a, at.w, at.targets, at.g, at.best, at.index, at.offsets, at.ok);
        heap.closedForm = new Int32Array(buf, at.ok, 1)[0] === 1;
      }
      const g: LayerGradients = heap.closedForm
        ? {
            activations,
            gradients: new Float32Array(buf, at.g, values),
            nonzero: { index: new Int32Array(buf, at.index, new Int32Array(buf, at.offsets + count * 4, 1)[0]), offsets: new Int32Array(buf, at.offsets, count + 1) },
            n: count, height, width, channels,
          }
        : { activations, gradients: autodiffGradients(params, a, targets), n: count, height, width, channels };
      return { g, logits, targets, heap };
    }
    const activations = a.dataSync() as Float32Array;
    const closed = closedFormGradients(activations, count, height, width, channels, fcWeight, targets);
    const g: LayerGradients = closed
      ? { activations, gradients: closed.gradients, nonzero: closed.nonzero, n: count, height, width, channels }
      : { activations, gradients: autodiffGradients(params, a, targets), n: count, height, width, channels };
    return { g, logits, targets, heap: null };
  } finally {
    x.dispose();
    a?.dispose();
    logitsT?.dispose();
  }
}

/** G by tf.grad of the head (maxpool, ReLU, dense): the general path. */
export function autodiffGradients(params: Params, a: tf.Tensor4D, targets: Int32Array): Float32Array {
  const grad = tf.tidy(() => {
    const select = tf.cast(tf.oneHot(tf.tensor1d(targets, 'int32'), CLASSES), 'float32');
    // Sum of each image's target logit: its gradient w.r.t. A is each image's own d logit_c / d A.
    return tf.grad((v: tf.Tensor) => tf.sum(tf.mul(headFromConv2(params, v as tf.Tensor4D), select)))(a);
  });
  try {
    return grad.dataSync() as Float32Array;
  } finally {
    grad.dispose();
  }
}

/**
 * G = d logit_c / d A in closed form, as the autodiff of headFromConv2 computes it on the wasm
 * backend (its MaxPoolGrad is src/backend/wasm/max-pool-grad.ts):
 *   d flat = W_fc[:, c] (the one-hot matMul gradient: exact, 0 * w adds nothing to w);
 *   MaxPoolGrad: each 2x2 window's nonzero gradient goes to its first maximal ReLU(A) in
 *   row-major order, every other position (and the unpooled last row and column) gets +0;
 *   ReLU's gradient: dy * step(A), step(A) = A > 0 ? 1 : 0 (so -0 where dy < 0 and A <= 0).
 * Also lists the nonzero G (LayerGradients.nonzero): windows are walked by their top row, then
 * their bottom row, so each channel's entries come in ascending order.
 * Returns null (the caller takes the autodiff path) when the head is not that shape or an
 * activation or dense weight is not finite (NaN routing and NaN * 0 are left to the kernels).
 */
export function closedFormGradients(A: Float32Array, n: number, height: number, width: number, ch: number, fcWeight: Float32Array, targets: Int32Array): { gradients: Float32Array; nonzero: { index: Int32Array; offsets: Int32Array } } | null {
  const ph = height >> 1;
  const pw = width >> 1;
  if (fcWeight.length !== ph * pw * ch * CLASSES || A.length !== n * height * width * ch) return null;
  for (let i = 0; i < fcWeight.length; i++) if (fcWeight[i] - fcWeight[i] !== 0) return null;
  for (let i = 0; i < A.length; i++) if (A[i] - A[i] !== 0) return null;
  const G = new Float32Array(A.length);
  const row = width * ch;
  const windows = ph * pw * ch;
  const best = new Int32Array(windows);
  const index = new Int32Array(n * windows);
  const offsets = new Int32Array(n + 1);
  let count = 0;
  for (let img = 0; img < n; img++) {
    const t = targets[img];
    const base = img * height * row;
    let f = t;
    let wi = 0;
    for (let py = 0; py < ph; py++) {
      for (let px = 0; px < pw; px++) {
        const corner = base + 2 * py * row + 2 * px * ch;
        for (let c = 0; c < ch; c++, f += CLASSES, wi++) {
          best[wi] = -1;
          const dy = fcWeight[f];
          if (dy === 0) continue;
          const at = corner + c;
          let b = at;
          let m = A[at] > 0 ? A[at] : 0;
          let v = A[at + ch] > 0 ? A[at + ch] : 0;
          if (v > m) {
            m = v;
            b = at + ch;
          }
          v = A[at + row] > 0 ? A[at + row] : 0;
          if (v > m) {
            m = v;
            b = at + row;
          }
          v = A[at + row + ch] > 0 ? A[at + row + ch] : 0;
          if (v > m) b = at + row + ch;
          if (A[b] > 0) {
            G[b] = dy;
            best[wi] = b;
          } else {
            G[b] = dy * 0;
          }
        }
      }
    }
    // Nonzero G in per-channel ascending order: each window row's top-row entries, then its bottom-row ones.
    for (let py = 0; py < ph; py++) {
      const top = base + 2 * py * row + row;
      for (let half = 0; half < 2; half++) {
        for (let w = py * pw * ch; w < (py + 1) * pw * ch; w++) {
          const b = best[w];
          if (b >= 0 && (b < top) === (half === 0)) index[count++] = b;
        }
      }
    }
    offsets[img + 1] = count;
  }
  return { gradients: G, nonzero: { index: index.subarray(0, count), offsets } };
}

/** A new [count, 28, 28, 1] tensor of images start..start+count-1 (the caller disposes it). */
function sliceImages(input: ExplainInput, start: number, count: number): tf.Tensor4D {
  if (input instanceof tf.Tensor) return tf.slice(input, [start, 0, 0, 0], [count, IMAGE, IMAGE, 1]);
  const px = IMAGE * IMAGE;
  return tf.tensor4d(input.data.subarray(start * px, (start + count) * px), [count, IMAGE, IMAGE, 1]);
}

function checkMethods(methods: readonly ExplainerName[]): ExplainerName[] {
  for (const m of methods) {
    if (!(EXPLAINER_NAMES as readonly string[]).includes(m)) throw new RangeError(`explain: unknown method '${String(m)}' (known: ${EXPLAINER_NAMES.join(', ')})`);
  }
  return [...new Set(methods)];
}

function checkTensor(x: tf.Tensor4D): number {
  const [n, h, w, c] = x.shape;
  if (x.rank !== 4 || h !== IMAGE || w !== IMAGE || c !== 1) {
    throw new RangeError(`explain: images must be [N, 28, 28, 1] (NHWC), got [${x.shape.join(', ')}]`);
  }
  return n;
}

function checkArray(input: { data: Float32Array; n: number }): number {
  if (!Number.isInteger(input.n) || input.n < 0) throw new RangeError(`explain: image count must be a non-negative integer, got ${input.n}`);
  if (input.data.length !== input.n * IMAGE * IMAGE) {
    throw new RangeError(`explain: expected ${input.n}x28x28 = ${input.n * IMAGE * IMAGE} values, got ${input.data.length}`);
  }
  return input.n;
}

function checkTargets(targets: ArrayLike<number>, n: number): Int32Array {
  if (targets.length !== n) throw new RangeError(`explain: ${targets.length} target classes for ${n} images`);
  for (let i = 0; i < n; i++) {
    const t = targets[i];
    if (!Number.isInteger(t) || t < 0 || t >= CLASSES) throw new RangeError(`explain: target ${i} is ${t}, expected an integer in 0..${CLASSES - 1}`);
  }
  return Int32Array.from(targets);
}
