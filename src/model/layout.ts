import { PARAM_NAMES, TF_SHAPES, TORCH_SHAPES, type ParamName } from './cnn.ts';

// PyTorch <-> tfjs weight layout. Conv: [out, in, kh, kw] <-> [kh, kw, in, out].
// Dense: PyTorch's Flatten after the last pool runs over (channel, row, col) and tfjs's over
// (row, col, channel), so the dense rows are permuted as well as transposed.

/** Flat float32 parameters in tfjs layout, the form every module exchanges and checkpoints hold. */
export type WeightSet = Record<ParamName, Float32Array>;

const FC_C = 8;
const FC_HW = 5;

/** Index of PyTorch's flatten feature (c, h, w) in tfjs's flatten order. */
function tfFeature(torchFeature: number): number {
  const c = Math.floor(torchFeature / (FC_HW * FC_HW));
  const hw = torchFeature % (FC_HW * FC_HW);
  return hw * FC_C + c;
}

function convTorchToTf(src: ArrayLike<number>, [o, i, kh, kw]: number[]): Float32Array {
  const out = new Float32Array(o * i * kh * kw);
  for (let a = 0; a < o; a++)
    for (let b = 0; b < i; b++)
      for (let y = 0; y < kh; y++)
        for (let x = 0; x < kw; x++) out[((y * kw + x) * i + b) * o + a] = src[((a * i + b) * kh + y) * kw + x];
  return out;
}

function convTfToTorch(src: ArrayLike<number>, [o, i, kh, kw]: number[]): Float32Array {
  const out = new Float32Array(o * i * kh * kw);
  for (let a = 0; a < o; a++)
    for (let b = 0; b < i; b++)
      for (let y = 0; y < kh; y++)
        for (let x = 0; x < kw; x++) out[((a * i + b) * kh + y) * kw + x] = src[((y * kw + x) * i + b) * o + a];
  return out;
}

function denseTorchToTf(src: ArrayLike<number>, [o, n]: number[]): Float32Array {
  const out = new Float32Array(o * n);
  for (let a = 0; a < o; a++) for (let f = 0; f < n; f++) out[tfFeature(f) * o + a] = src[a * n + f];
  return out;
}

function denseTfToTorch(src: ArrayLike<number>, [o, n]: number[]): Float32Array {
  const out = new Float32Array(o * n);
  for (let a = 0; a < o; a++) for (let f = 0; f < n; f++) out[a * n + f] = src[tfFeature(f) * o + a];
  return out;
}

/** One parameter from PyTorch layout (flat, row-major) to tfjs layout. */
export function paramTorchToTf(name: ParamName, data: ArrayLike<number>): Float32Array {
  checkLength(name, data.length);
  if (name === 'conv1.weight' || name === 'conv2.weight') return convTorchToTf(data, TORCH_SHAPES[name]);
  if (name === 'fc.weight') return denseTorchToTf(data, TORCH_SHAPES[name]);
  return Float32Array.from(data);
}

/** One parameter from tfjs layout to PyTorch layout (flat, row-major). */
export function paramTfToTorch(name: ParamName, data: ArrayLike<number>): Float32Array {
  checkLength(name, data.length);
  if (name === 'conv1.weight' || name === 'conv2.weight') return convTfToTorch(data, TORCH_SHAPES[name]);
  if (name === 'fc.weight') return denseTfToTorch(data, TORCH_SHAPES[name]);
  return Float32Array.from(data);
}

function checkLength(name: ParamName, n: number): void {
  const want = TF_SHAPES[name].reduce((a, b) => a * b, 1);
  if (n !== want) throw new RangeError(`${name}: expected ${want} values, got ${n}`);
}

/** A tensor in the fixtures' / PyTorch's JSON form. */
export interface TorchTensorJson {
  shape: number[];
  data: number[];
}

/** Reads a PyTorch-layout state dict (FORMAT.md) into tfjs layout; checks every shape. */
export function weightsFromTorchJson(model: Record<string, TorchTensorJson>): WeightSet {
  const out = {} as WeightSet;
  for (const name of PARAM_NAMES) {
    const t = model[name];
    if (!t) throw new Error(`weights: missing parameter '${name}'`);
    if (JSON.stringify(t.shape) !== JSON.stringify(TORCH_SHAPES[name])) {
      throw new Error(`weights: '${name}' has shape ${JSON.stringify(t.shape)}, expected ${JSON.stringify(TORCH_SHAPES[name])}`);
    }
    out[name] = paramTorchToTf(name, t.data);
  }
  const extra = Object.keys(model).filter((k) => !(PARAM_NAMES as readonly string[]).includes(k));
  if (extra.length) throw new Error(`weights: unknown parameter(s) ${extra.join(', ')}`);
  return out;
}

/** Writes tfjs-layout weights as a PyTorch-layout state dict (FORMAT.md). */
export function weightsToTorchJson(w: WeightSet): Record<ParamName, TorchTensorJson> {
  const out = {} as Record<ParamName, TorchTensorJson>;
  for (const name of PARAM_NAMES) out[name] = { shape: TORCH_SHAPES[name], data: Array.from(paramTfToTorch(name, w[name])) };
  return out;
}
