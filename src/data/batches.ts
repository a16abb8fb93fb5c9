// Data order, batching and the seeded noise streams of a run (PROTOCOL.md "Training", "Data").
// Every stream is named by (seed, purpose, ...), so any epoch of any level can be regenerated on
// its own: a resumed run draws exactly what an uninterrupted one would.
import type { NoiseConfig, NormalizeConfig } from '../protocol/types.ts';
import { addNoise } from './noise.ts';
import { wasmBatchLoop, type WasmBatchLoop } from './batch-wasm.ts';
import { permutation, rng, type Rng } from './rng.ts';
import type { Split } from './sources.ts';

/**
 * The order of the n training images in `epoch`. Epochs are numbered globally (pretraining
 * 1..10, retraining 11..20), and the order does not depend on the pruning level, so every level
 * sees the same orders.
 */
export function epochOrder(seed: number, epoch: number, n: number): Uint32Array {
  return permutation(n, rng(seed, 'order', epoch));
}

/** Steps per epoch: the last partial batch is kept (60000 / 128 -> 469). */
export function batchCount(n: number, batchSize: number): number {
  return Math.ceil(n / batchSize);
}

/** The consecutive batches of `order` (views, not copies), the last one possibly shorter. */
export function* batchesOf(order: Uint32Array, batchSize: number): Generator<Uint32Array> {
  if (!Number.isInteger(batchSize) || batchSize < 1) throw new RangeError(`batchSize must be a whole number >= 1, got ${batchSize}`);
  for (let start = 0; start < order.length; start += batchSize) {
    yield order.subarray(start, Math.min(start + batchSize, order.length));
  }
}

/** Copies the images and labels at `idx` into contiguous arrays, in `idx` order. */
export function gather(images: Float32Array, labels: Uint8Array, idx: ArrayLike<number>): { images: Float32Array; labels: Uint8Array } {
  const pixels = images.length / labels.length;
  if (!Number.isInteger(pixels)) throw new RangeError(`gather: ${images.length} pixel values do not split into ${labels.length} images`);
  const outImages = new Float32Array(idx.length * pixels);
  const outLabels = new Uint8Array(idx.length);
  for (let i = 0; i < idx.length; i++) {
    const j = idx[i];
    if (!(j >= 0 && j < labels.length)) throw new RangeError(`gather: index ${j} outside 0..${labels.length - 1}`);
    outImages.set(images.subarray(j * pixels, (j + 1) * pixels), i * pixels);
    outLabels[i] = labels[j];
  }
  return { images: outImages, labels: outLabels };
}

/** The seed's one fixed noisy copy of the test set (un-normalised; labels shared). */
export function noisyTestSet(test: Split, seed: number, noise: NoiseConfig): Split {
  return { images: addNoise(test.images, noise, rng(seed, 'test-noise')), labels: test.labels, n: test.n };
}

/**
 * The training-noise stream of one epoch at one pruning level: the training loop creates it once
 * per epoch and passes it to addNoise batch after batch, so every batch gets fresh noise.
 */
export function trainNoiseRng(seed: number, level: number, epoch: number): Rng {
  return rng(seed, 'train-noise', level, epoch);
}

/** Per split, computed once: exactly-zero pixels per image, and the pixels as bytes (see below). */
interface SplitTables {
  zeroCounts: Uint16Array;
  /** Every pixel as the byte b with value exactly fround(b / 255), or null if some pixel is not of that form. */
  bytes: Uint8Array | null;
}

const tables = new WeakMap<Split, SplitTables>();

/** The 256 values fround(b / 255) every dataset loader stores. */
const UNIT = Float32Array.from({ length: 256 }, (_, b) => b / 255);

/**
 * The batch maker's tables of a split, made in one pass on first use (a run makes them once per
 * split and process, then reuses them in every phase; `prunecam bench` makes them in its set-up).
 */
export function splitTables(split: Split): SplitTables {
  let t = tables.get(split);
  if (t === undefined) {
    const src = split.images;
    const pixels = src.length / split.n;
    const zeroCounts = new Uint16Array(split.n);
    let bytes: Uint8Array | null = new Uint8Array(src.length);
    for (let i = 0, p = 0; i < split.n; i++) {
      let z = 0;
      for (const end = p + pixels; p < end; p++) {
        const v = src[p];
        if (v === 0) {
          z++;
        } else if (bytes !== null) {
          const b = Math.round(v * 255);
          if (b >= 1 && b <= 255 && UNIT[b] === v) bytes[p] = b;
          else bytes = null;
        }
      }
      zeroCounts[i] = z;
    }
    t = { zeroCounts, bytes };
    tables.set(split, t);
  }
  return t;
}

const wasmLoops = new WeakMap<Split, Map<string, WasmBatchLoop | null>>();

/** The split's WebAssembly pixel loop for these tables (made once per split and tables: it holds a copy of the pixel bytes). */
function wasmLoopOf(split: Split, bytes: Uint8Array, pixels: number, batchSize: number, clean: Float32Array, noise: Float32Array, noiseEnabled: boolean, zeroValue: number): WasmBatchLoop | null {
  let bySplit = wasmLoops.get(split);
  if (bySplit === undefined) wasmLoops.set(split, (bySplit = new Map()));
  const cleanWithZero = Float32Array.from(clean);
  cleanWithZero[0] = zeroValue; // a zero pixel without noise
  const key = [pixels, batchSize, noiseEnabled, ...cleanWithZero, ...noise].join();
  let loop = bySplit.get(key);
  if (loop === undefined) {
    loop = wasmBatchLoop(bytes, pixels, batchSize, cleanWithZero, noise, noiseEnabled);
    bySplit.set(key, loop);
  }
  return loop;
}

/**
 * A phase's batch maker: (idx, r) -> the batch's images and labels, in buffers reused from call
 * to call. On the WebAssembly path the images are a view of the split's loop memory (no copy:
 * tf.tensor4d copies them anyway), which every maker of the same split and settings shares: read
 * them before the next call of any such maker (the training loop makes one tensor per batch).
 */
export interface BatchMaker {
  (idx: Uint32Array, r: Rng): { images: Float32Array; labels: Int32Array };
  /** Whether the pixel loop runs as WebAssembly (src/data/batch-wasm.ts) or in JS. */
  readonly path: 'wasm' | 'js';
}

/**
 * The training batches of a phase: normalize(addNoise(gather(train, idx), noise, r), norm),
 * bit for bit, in one pass over the batch and into buffers reused from step to step (the
 * returned arrays are valid until the next call). The fused form matters: as three passes the
 * data preparation took a third of a training step. Every pixel value comes from a table: the
 * 256 possible normalised clean values (when the split's pixels are bytes / 255, as every loader
 * makes them), and the maxInt+1 possible normalised noisy values, computed the way normalize
 * computes them from addNoise's float32 values. `wasm: false` forces the JS loop (the specs
 * compare the two).
 */
export function noisyBatchMaker(train: Split, noise: NoiseConfig, norm: NormalizeConfig, batchSize: number, options: { wasm?: boolean } = {}): BatchMaker {
  const pixels = train.images.length / train.n;
  const { zeroCounts: counts, bytes } = splitTables(train);
  const labels = new Int32Array(batchSize);
  const { mean, std } = norm;
  const f32 = new Float32Array(1);
  const noisyValue = (k: number) => {
    f32[0] = k / noise.scale; // addNoise stores k/scale as float32
    return (f32[0] - mean) / std;
  };
  const table = Float32Array.from({ length: noise.maxInt + 1 }, (_, k) => noisyValue(k));
  const zeroValue = (0 - mean) / std;
  // clean[b]: the normalised value of the pixel fround(b/255), as (v - mean) / std rounded once.
  const clean = Float32Array.from({ length: 256 }, (_, b) => {
    f32[0] = b / 255;
    return (f32[0] - mean) / std;
  });
  // With byte pixels, the pixel loop and its noise draws run as WebAssembly (src/data/batch-wasm.ts).
  const fast = bytes === null || options.wasm === false ? null : wasmLoopOf(train, bytes, pixels, batchSize, clean, noise.enabled ? table : Float32Array.of(zeroValue), noise.enabled, zeroValue);
  // The JS path's buffers (the wasm loop has its own).
  const images = fast === null ? new Float32Array(batchSize * pixels) : new Float32Array(0);
  const ks = fast === null ? new Uint8Array(batchSize * pixels) : new Uint8Array(0);
  const zerosOf = (idx: Uint32Array) => {
    let zeros = 0;
    for (let i = 0; i < idx.length; i++) zeros += counts[idx[i]];
    return zeros;
  };
  const make = (idx: Uint32Array, r: Rng) => {
    if (idx.length > batchSize) throw new RangeError(`batch of ${idx.length} images exceeds the batch size ${batchSize}`);
    if (fast !== null) {
      for (let i = 0; i < idx.length; i++) labels[i] = train.labels[idx[i]];
      // The stream draws the batch's zero-pixel count of numbers (none without noise), as below.
      const zeros = zerosOf(idx);
      let out: Float32Array | undefined;
      r.lendState((state) => (out = fast.fill(idx, zeros, state)));
      return { images: out!, labels: labels.subarray(0, idx.length) };
    }
    const zeros = zerosOf(idx);
    const k = ks.subarray(0, zeros);
    if (noise.enabled) r.fillInts(k, noise.maxInt + 1);
    else k.fill(0);
    const zeroTable = noise.enabled ? table : Float32Array.of(zeroValue);
    let o = 0;
    let z = 0;
    if (bytes !== null) {
      for (let i = 0; i < idx.length; i++) {
        const j = idx[i];
        labels[i] = train.labels[j];
        const end = (j + 1) * pixels;
        for (let p = j * pixels; p < end; p++) {
          const b = bytes[p];
          images[o++] = b !== 0 ? clean[b] : zeroTable[k[z++]];
        }
      }
    } else {
      const src = train.images;
      for (let i = 0; i < idx.length; i++) {
        const j = idx[i];
        labels[i] = train.labels[j];
        const end = (j + 1) * pixels;
        for (let p = j * pixels; p < end; p++) {
          const v = src[p];
          images[o++] = v !== 0 ? (v - mean) / std : zeroTable[k[z++]];
        }
      }
    }
    return { images: images.subarray(0, idx.length * pixels), labels: labels.subarray(0, idx.length) };
  };
  return Object.assign(make, { path: fast === null ? ('js' as const) : ('wasm' as const) });
}
