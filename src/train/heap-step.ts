import * as tf from '@tensorflow/tfjs';
import type { BlockGeometry } from '../backend/kernels/conv-relu-pool-grad-loop.ts';
import { wasmBlockLoop, type WasmBlockLoop } from '../backend/wasm/block-grad-simd.ts';
import { canConvReluPool, convReluPoolRun, type ConvReluPoolRun } from '../backend/wasm/conv-relu-pool-simd.ts';
import { heapOffset, wasmMemoryOf } from '../backend/wasm/heap.ts';
import { canDenseSoftmax, denseSoftmaxOnHeap, type DenseSoftmaxHeap } from '../backend/wasm/dense-softmax-simd.ts';
import { wasmSgdLoop, type WasmSgdLoop } from '../backend/wasm/sgd-momentum-simd.ts';
import { PARAM_NAMES, type Params } from '../model/cnn.ts';
import type { SgdHyper } from './sgd.ts';
import { hasFusedKernels, type MaskTensors } from './step.ts';

// The training step of src/train/step.ts (fusedLossAndGrads, then Sgd's fused update) on the wasm
// backend's heap, without the tfjs engine: the same WebAssembly functions the kernels run
// (conv blocks' forward, the dense layer with the loss, the conv blocks' backward, the SGD
// update), called in the same order on the same values, so every result is bit for bit the
// kernel path's (spec/train/heap-step.spec.ts compares the weights after whole epochs). What it
// saves is the bookkeeping around them: per step the kernel path makes and disposes ~25 tensors
// (each a malloc and a free on the heap, engine tracking, a tidy scope) and compiles no code
// but looks each module up again; profiled on a level's retraining that was about a quarter of
// the step. Here every array lives in a buffer made once per phase, and the parameters and
// momentum buffers alternate between two sets (the update reads one and writes the other, as
// the kernel does with its fresh outputs).

/** One conv block's arrays and compiled functions. */
interface Block {
  forward: ConvReluPoolRun;
  backward: WasmBlockLoop;
  /** Elements of one image's z (conv output) and p (pooled). */
  zSize: number;
  pSize: number;
}

const POOL = 2;

/** The element count of a shape. */
const sizeOf = (shape: readonly number[]) => shape.reduce((a, b) => a * b, 1);

/**
 * A phase's trainer on the heap: `step` runs one batch, `finish` hands back the parameters as
 * tensors. Made by `heapTrainer`, which returns null where the kernel path must run instead.
 */
export class HeapTrainer {
  /** Every buffer, to free at the end. */
  private readonly tensors: tf.Tensor[] = [];
  /** Parameters: [set 0, set 1], each in PARAM_NAMES order; their heap offsets, and the momentum buffers'. */
  private readonly params: [tf.Tensor[], tf.Tensor[]];
  private readonly paramAt: [number[], number[]];
  private readonly bufAt: [number[], number[]];
  private readonly pixels: number;
  private current: 0 | 1 = 0;
  private steps = 0;
  private readonly sgd: Array<{ first: WasmSgdLoop; later: WasmSgdLoop; mask: number; size: number }>;
  private readonly buffers: Record<'x' | 'labels' | 'z1' | 'p1' | 'z2' | 'p2' | 'loss' | 'dp2' | 'dp1' | 'logits' | 'dl' | 'wT', number>;
  private readonly grads: number[];

  constructor(
    private readonly memory: WebAssembly.Memory,
    start: Params,
    masks: MaskTensors,
    private readonly batchSize: number,
    image: [number, number, number],
    private readonly blocks: [Block, Block],
    private readonly classes: number,
  ) {
    const backend = tf.backend();
    const keep = <T extends tf.Tensor>(t: T) => (this.tensors.push(t), t);
    const buffer = (shape: number[], dtype: 'float32' | 'int32' = 'float32') => heapOffset(backend, keep(tf.zeros(shape, dtype)));
    // Set 0 starts as a copy of the given parameters (tf.clone would share their storage).
    this.params = [PARAM_NAMES.map((n) => keep(tf.tensor(start[n].dataSync(), start[n].shape, 'float32'))), PARAM_NAMES.map((n) => keep(tf.zeros(start[n].shape)))];
    this.paramAt = [this.params[0].map((t) => heapOffset(backend, t)), this.params[1].map((t) => heapOffset(backend, t))];
    this.bufAt = [PARAM_NAMES.map((n) => buffer(start[n].shape)), PARAM_NAMES.map((n) => buffer(start[n].shape))];
    this.grads = PARAM_NAMES.map((n) => buffer(start[n].shape));
    this.pixels = sizeOf(image);
    const [b1, b2] = blocks;
    const f = b2.pSize;
    this.buffers = {
      x: buffer([batchSize * this.pixels]),
      labels: buffer([batchSize], 'int32'),
      z1: buffer([batchSize * b1.zSize]),
      p1: buffer([batchSize * b1.pSize]),
      z2: buffer([batchSize * b2.zSize]),
      p2: buffer([batchSize * f]),
      loss: buffer([1]),
      dp2: buffer([batchSize * f]),
      dp1: buffer([batchSize * b1.pSize]),
      logits: buffer([batchSize * classes]),
      dl: buffer([batchSize * classes]),
      wT: buffer([classes * f]),
    };
    this.sgd = PARAM_NAMES.map((n) => {
      const m = masks[n];
      return { first: wasmSgdLoop(memory, false, m !== undefined), later: wasmSgdLoop(memory, true, m !== undefined), mask: m === undefined ? 0 : heapOffset(backend, m), size: sizeOf(start[n].shape) };
    });
  }

  /** One step on n <= batchSize images (normalised, NHWC) and int32 labels; returns the batch's loss before the update. */
  step(images: Float32Array, labels: Int32Array, n: number, h: SgdHyper): number {
    if (n > this.batchSize || n < 1) throw new RangeError(`batch of ${n} images, the trainer holds 1 to ${this.batchSize}`);
    const { memory, buffers: at, grads } = this;
    const [b1, b2] = this.blocks;
    const w = this.paramAt[this.current];
    new Float32Array(memory.buffer, at.x, n * this.pixels).set(images.subarray(0, n * this.pixels));
    new Int32Array(memory.buffer, at.labels, n).set(labels.subarray(0, n));
    const [c1w, c1b, c2w, c2b, fcw, fcb] = [0, 1, 2, 3, 4, 5];
    // Forward: conv blocks, then the dense layer with the loss and its gradients (step.ts's order).
    b1.forward(n, at.x, w[c1w], w[c1b], at.z1, at.p1);
    b2.forward(n, at.p1, w[c2w], w[c2b], at.z2, at.p2);
    const dense: DenseSoftmaxHeap = { x: at.p2, w: w[fcw], bias: w[fcb], targets: at.labels, loss: at.loss, dW: grads[fcw], db: grads[fcb], dx: at.dp2, logits: at.logits, dl: at.dl, wT: at.wT };
    denseSoftmaxOnHeap(memory, { n, f: b2.pSize, o: this.classes, indices: true, targetsDtype: 'int32' }, dense);
    // Backward through the conv blocks: conv2 with dL/dp1 (which the loop accumulates into zeros), then conv1.
    new Float32Array(memory.buffer, at.dp1, n * b1.pSize).fill(0);
    b2.backward(n, at.dp2, at.z2, at.p2, at.p1, w[c2w], grads[c2w], grads[c2b], at.dp1);
    b1.backward(n, at.dp1, at.z1, at.p1, at.x, w[c1w], grads[c1w], grads[c1b], 0);
    // The update into the other set (a missing buffer on the first step reads as zeros, as in the kernel).
    const next = (1 - this.current) as 0 | 1;
    const bufIn = this.bufAt[this.current];
    const wOut = this.paramAt[next];
    const bufOut = this.bufAt[next];
    for (let i = 0; i < PARAM_NAMES.length; i++) {
      const s = this.sgd[i];
      (this.steps === 0 ? s.first : s.later)(s.size, w[i], grads[i], this.steps === 0 ? 0 : bufIn[i], s.mask, wOut[i], bufOut[i], h.lr, h.momentum, h.weightDecay);
    }
    this.current = next;
    this.steps++;
    return new Float32Array(memory.buffer, at.loss, 1)[0];
  }

  /** The trained parameters as fresh tensors; frees every buffer. */
  finish(): Params {
    const out = {} as Params;
    const set = this.params[this.current];
    // A clone shares its source's storage and keeps it alive when the buffers' handles go.
    PARAM_NAMES.forEach((n, i) => (out[n] = tf.clone(set[i])));
    tf.dispose(this.tensors);
    return out;
  }

  /** Frees every buffer without handing back parameters (a failed phase). */
  dispose(): void {
    tf.dispose(this.tensors);
  }
}

/**
 * A heap trainer for the thesis CNN's parameters, or null where the kernel path must run: not
 * the unthreaded wasm backend, no WebAssembly SIMD, or a model the fused kernels do not fit.
 */
export function heapTrainer(start: Params, masks: MaskTensors, batchSize: number, image: [number, number, number]): HeapTrainer | null {
  const backend = tf.backend();
  const memory = wasmMemoryOf(backend);
  if (tf.getBackend() !== 'wasm' || memory === null || !hasFusedKernels() || !canDenseSoftmax({ rank: 1, dtype: 'int32' })) return null;
  if (PARAM_NAMES.some((n) => start[n].dtype !== 'float32') || Object.values(masks).some((m) => m !== undefined && m.dtype !== 'float32')) return null;
  const f1 = start['conv1.weight'].shape;
  const f2 = start['conv2.weight'].shape;
  const fc = start['fc.weight'].shape;
  const [h, w, ci] = image;
  if (f1.length !== 4 || f2.length !== 4 || fc.length !== 2 || !canConvReluPool({ shape: [batchSize, h, w, ci] }, { shape: f1 }, POOL)) return null;
  const geometry = (inH: number, inW: number, inC: number, filter: number[], inputGrad: boolean): BlockGeometry => {
    const [kh, kw, , ch] = filter;
    const zh = inH - kh + 1;
    const zw = inW - kw + 1;
    return { ph: Math.floor(zh / POOL), pw: Math.floor(zw / POOL), ch, zh, zw, h: inH, w: inW, ci: inC, kh, kw, pool: POOL, inputGrad };
  };
  const g1 = geometry(h, w, ci, f1, false);
  if (!canConvReluPool({ shape: [batchSize, g1.ph, g1.pw, g1.ch] }, { shape: f2 }, POOL)) return null;
  const g2 = geometry(g1.ph, g1.pw, g1.ch, f2, true);
  if (g2.ph * g2.pw * g2.ch !== fc[0]) return null;
  const block = (g: BlockGeometry): Block => ({
    forward: convReluPoolRun({ h: g.h, w: g.w, ci: g.ci, kh: g.kh, kw: g.kw, co: g.ch, pool: POOL }, memory),
    backward: wasmBlockLoop(g, memory),
    zSize: g.zh * g.zw * g.ch,
    pSize: g.ph * g.pw * g.ch,
  });
  try {
    return new HeapTrainer(memory, start, masks, batchSize, image, [block(g1), block(g2)], fc[1]);
  } catch (e) {
    if (e instanceof WebAssembly.CompileError) return null; // no WebAssembly SIMD here
    throw e;
  }
}
