import * as tf from '@tensorflow/tfjs';
import { floatViews } from './float-io.ts';
import { heapOffset, wasmMemoryOf } from '../wasm/heap.ts';
import { wasmSgdLoop } from '../wasm/sgd-momentum-simd.ts';

// One parameter's PyTorch SGD step (torch.optim.SGD, dampening 0, no Nesterov) and the pruning
// mask, in one pass over the parameter:
//
//   d = g + wd*w;   buf' = mu*buf + d;   w' = (w - lr*buf') * mask
//
// buf = 0 on the first step gives buf' = d exactly, PyTorch's first-step rule. Composed from
// standard ops this is 7 kernel launches per parameter; here it is one. Each quantity is
// computed in float64 and rounded to float32 once when stored.

export const SGD_MOMENTUM = 'PrunecamSgdMomentum';

export interface SgdMomentumAttrs {
  lr: number;
  momentum: number;
  weightDecay: number;
}

/** Inputs w, g, buf (all the parameter's shape) and optionally mask (1 keeps, 0 prunes). Outputs [w', buf']. */
function sgdMomentum({ inputs, backend, attrs }: { inputs: { w: tf.TensorInfo; g: tf.TensorInfo; buf: tf.TensorInfo; mask?: tf.TensorInfo }; backend: tf.KernelBackend; attrs: SgdMomentumAttrs }): tf.TensorInfo[] {
  const { w, g, buf, mask } = inputs;
  const others = mask === undefined ? { g, buf } : { g, buf, mask };
  for (const [name, t] of Object.entries(others)) {
    if (t.shape.join() !== w.shape.join()) throw new Error(`${SGD_MOMENTUM}: ${name} has shape [${t.shape}], the parameter [${w.shape}]`);
  }
  const { lr, momentum, weightDecay } = attrs;
  const v = floatViews(SGD_MOMENTUM, backend, [w, g, buf, ...(mask === undefined ? [] : [mask])], [w.shape, w.shape]);
  const [W, G, B, M] = v.inputs;
  const [W2, B2] = v.outputs;
  for (let i = 0; i < W.length; i++) {
    const b = momentum * B[i] + (G[i] + weightDecay * W[i]);
    B2[i] = b;
    W2[i] = W[i] - lr * Math.fround(b);
  }
  if (M !== undefined) for (let i = 0; i < W2.length; i++) W2[i] *= M[i];
  return v.infos;
}

export const SGD_MOMENTUM_ALL = 'PrunecamSgdMomentumAll';

export interface SgdMomentumAllAttrs extends SgdMomentumAttrs {
  /** Number of parameters; inputs w0.., g0.., buf0.. (each optional) and mask<i> for the masked ones. */
  count: number;
}

function sameShape(a: readonly number[], b: readonly number[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/**
 * PrunecamSgdMomentum for every parameter of a step in one launch (the same arithmetic, element
 * by element, so the same bits): inputs w<i>, g<i>, optionally buf<i> and optionally mask<i>,
 * i < count. A missing buf<i> (the first step) reads as a zero buffer: b = momentum*0 + d, the
 * bits a zeros tensor gives (d = -0 becomes +0), without making one.
 * Outputs [w'0, .., w'(count-1), buf'0, .., buf'(count-1)].
 * On the wasm backend the loop runs as WebAssembly SIMD on the backend's memory, in place (see
 * src/backend/wasm/sgd-momentum-simd.ts: the same bits by construction); on cpu, or where SIMD
 * does not compile, as the JS loop below.
 */
function sgdMomentumAll({ inputs, backend, attrs }: { inputs: Record<string, tf.TensorInfo | undefined>; backend: tf.KernelBackend; attrs: SgdMomentumAllAttrs }): tf.TensorInfo[] {
  const { lr, momentum, weightDecay, count } = attrs;
  const ws: tf.TensorInfo[] = [];
  const gs: tf.TensorInfo[] = [];
  const bufs: Array<tf.TensorInfo | undefined> = [];
  const masks: Array<tf.TensorInfo | undefined> = [];
  let allFloat32 = true;
  for (let i = 0; i < count; i++) {
    const w = inputs[`w${i}`];
    const g = inputs[`g${i}`];
    const buf = inputs[`buf${i}`];
    const mask = inputs[`mask${i}`];
    if (w === undefined || g === undefined) throw new Error(`${SGD_MOMENTUM_ALL}: parameter ${i} needs inputs w${i} and g${i}`);
    for (const [name, t] of [['g', g], ['buf', buf], ['mask', mask]] as const) {
      if (t !== undefined && !sameShape(t.shape, w.shape)) throw new Error(`${SGD_MOMENTUM_ALL}: ${name}${i} has shape [${t.shape}], the parameter [${w.shape}]`);
      if (t !== undefined && t.dtype !== 'float32') allFloat32 = false;
    }
    if (w.dtype !== 'float32') allFloat32 = false;
    ws.push(w);
    gs.push(g);
    bufs.push(buf);
    masks.push(mask);
  }
  const shapes = ws.map((w) => w.shape);
  const memory = allFloat32 ? wasmMemoryOf(backend) : null;
  if (memory !== null && !simdUnavailable) {
    try {
      // Compile (once per memory and variant) before allocating any output.
      const loops = ws.map((_, i) => wasmSgdLoop(memory, bufs[i] !== undefined, masks[i] !== undefined));
      const heap = backend as unknown as WasmHeap;
      const outs = [...shapes, ...shapes].map((s) => heap.makeOutput(s, 'float32'));
      for (let i = 0; i < count; i++) {
        const buf = bufs[i];
        const mask = masks[i];
        const n = tf.util.sizeFromShape(shapes[i]);
        loops[i](n, heapOffset(heap, ws[i]), heapOffset(heap, gs[i]), buf === undefined ? 0 : heapOffset(heap, buf), mask === undefined ? 0 : heapOffset(heap, mask), heapOffset(heap, outs[i]), heapOffset(heap, outs[count + i]), lr, momentum, weightDecay);
      }
      return outs;
    } catch (e) {
      if (!(e instanceof WebAssembly.CompileError)) throw e;
      simdUnavailable = true; // no WebAssembly SIMD: the JS loop from now on
    }
  }
  const list: tf.TensorInfo[] = [];
  for (let i = 0; i < count; i++) list.push(ws[i], gs[i], ...[bufs[i], masks[i]].filter((t) => t !== undefined));
  const v = floatViews(SGD_MOMENTUM_ALL, backend, list, [...shapes, ...shapes]);
  const m0 = momentum * 0; // a zero buffer's momentum*B
  let at = 0;
  for (let i = 0; i < count; i++) {
    const W = v.inputs[at++];
    const G = v.inputs[at++];
    const B = bufs[i] !== undefined ? v.inputs[at++] : undefined;
    const M = masks[i] !== undefined ? v.inputs[at++] : undefined;
    const W2 = v.outputs[i];
    const B2 = v.outputs[count + i];
    if (B !== undefined) {
      for (let j = 0; j < W.length; j++) {
        const b = momentum * B[j] + (G[j] + weightDecay * W[j]);
        B2[j] = b;
        W2[j] = W[j] - lr * Math.fround(b);
      }
    } else {
      for (let j = 0; j < W.length; j++) {
        const b = m0 + (G[j] + weightDecay * W[j]);
        B2[j] = b;
        W2[j] = W[j] - lr * Math.fround(b);
      }
    }
    if (M !== undefined) for (let j = 0; j < W2.length; j++) W2[j] *= M[j];
  }
  return v.infos;
}

interface WasmHeap {
  makeOutput(shape: number[], dtype: 'float32'): tf.TensorInfo;
}

let simdUnavailable = false;

/** Whether PrunecamSgdMomentumAll runs its WebAssembly loop on `backend` (float32 inputs), else its JS loop (for the specs). */
export function sgdMomentumAllUsesWasm(backend: tf.KernelBackend): boolean {
  const memory = wasmMemoryOf(backend);
  if (memory === null || simdUnavailable) return false;
  try {
    wasmSgdLoop(memory, true, true);
    return true;
  } catch {
    return false;
  }
}

export function sgdMomentumAllConfig(backendName: string): tf.KernelConfig {
  return { kernelName: SGD_MOMENTUM_ALL, backendName, kernelFunc: sgdMomentumAll as unknown as tf.KernelFunc };
}

export function sgdMomentumConfig(backendName: string): tf.KernelConfig {
  return { kernelName: SGD_MOMENTUM, backendName, kernelFunc: sgdMomentum as unknown as tf.KernelFunc };
}
