// A minimal WebAssembly (with 128-bit SIMD) encoder for the kernels prunecam assembles at run
// time (src/backend/wasm/*-simd.ts): LEB128 numbers, sections, and the opcodes they use, named
// as in the WebAssembly specification. These files are the kernels' source; no binary ships.

export const uleb = (v: number): number[] => {
  const out: number[] = [];
  do {
    let b = v & 0x7f;
    v >>>= 7;
    if (v !== 0) b |= 0x80;
    out.push(b);
  } while (v !== 0);
  return out;
};

export const sleb = (v: number): number[] => {
  const out: number[] = [];
  for (;;) {
    const b = v & 0x7f;
    v >>= 7;
    if ((v === 0 && (b & 0x40) === 0) || (v === -1 && (b & 0x40) !== 0)) {
      out.push(b);
      return out;
    }
    out.push(b | 0x80);
  }
};

export const section = (id: number, body: number[]): number[] => [id, ...uleb(body.length), ...body];
export const vec = (items: number[][]): number[] => [...uleb(items.length), ...items.flat()];
export const name = (s: string): number[] => [...uleb(s.length), ...Array.from(s, (c) => c.charCodeAt(0))];

export const I32 = 0x7f;
export const I64 = 0x7e;
export const F64 = 0x7c;
export const F32 = 0x7d;
export const V128 = 0x7b;
export const VOID = 0x40;

export const op = {
  block: [0x02, VOID],
  loop: [0x03, VOID],
  end: [0x0b],
  br: (depth: number) => [0x0c, ...uleb(depth)],
  brIf: (depth: number) => [0x0d, ...uleb(depth)],
  get: (l: number) => [0x20, ...uleb(l)],
  globalGet: (g: number) => [0x23, ...uleb(g)],
  globalSet: (g: number) => [0x24, ...uleb(g)],
  set: (l: number) => [0x21, ...uleb(l)],
  tee: (l: number) => [0x22, ...uleb(l)],
  i32: (v: number) => [0x41, ...sleb(v)],
  i64: (v: number) => [0x42, ...sleb(v)], // |v| < 2^31
  select: [0x1b],
  f64zero: [0x44, 0, 0, 0, 0, 0, 0, 0, 0],
  f32load: (offset: number) => [0x2a, 2, ...uleb(offset)],
  f32store: (offset: number) => [0x38, 2, ...uleb(offset)],
  i32load: (offset: number) => [0x28, 2, ...uleb(offset)],
  i32store: (offset: number) => [0x36, 2, ...uleb(offset)],
  i32load16u: (offset: number) => [0x2f, 1, ...uleb(offset)],
  i32store16: (offset: number) => [0x3b, 1, ...uleb(offset)],
  i64load: (offset: number) => [0x29, 3, ...uleb(offset)],
  i64store: (offset: number) => [0x37, 3, ...uleb(offset)],
  f64load: (offset: number) => [0x2b, 3, ...uleb(offset)],
  i32eqz: [0x45],
  i32eq: [0x46],
  i32ne: [0x47],
  i32ltU: [0x49],
  i32add: [0x6a],
  i32sub: [0x6b],
  i32mul: [0x6c],
  i32divU: [0x6e],
  i32remU: [0x70],
  i32and: [0x71],
  i32or: [0x72],
  i32shl: [0x74],
  i32shrU: [0x76],
  i64shrU: [0x88],
  i32wrapI64: [0xa7],
  f32eq: [0x5b],
  f64eq: [0x61],
  f32zero: [0x43, 0, 0, 0, 0],
  f32ne: [0x5c],
  f32gt: [0x5e],
  f32lt: [0x5d],
  f32add: [0x92],
  f32sub: [0x93],
  f32mul: [0x94],
  f32div: [0x95],
  f32min: [0x96], // IEEE 754-2019 minimum: NaN if either is NaN, -0 < +0 (as Math.min)
  f32max: [0x97], // IEEE 754-2019 maximum: NaN if either is NaN, -0 < +0 (as Math.max)
  /** f32.const of the float32 nearest v (v should already be a float32 value). */
  f32const: (v: number) => [0x43, ...new Uint8Array(Float32Array.of(v).buffer)],
  i32ltS: [0x48],
  i32geS: [0x4e],
  f64add: [0xa0],
  f64sub: [0xa1],
  f64mul: [0xa2],
  f32demote: [0xb6],
  f64promote: [0xbb],
  simd: (code: number, ...rest: number[]) => [0xfd, ...uleb(code), ...rest],
};
export const v128load = (offset: number) => op.simd(0x00, 0, ...uleb(offset));
export const v128store = (offset: number) => op.simd(0x0b, 0, ...uleb(offset));
export const v128load64zero = (offset: number) => op.simd(0x5d, 0, ...uleb(offset));
export const v128store64lane0 = (offset: number) => op.simd(0x5b, 0, ...uleb(offset), 0);
// Lanes 2,3 of a float32x4 moved down to lanes 0,1 (to widen the upper half).
export const shuffleHigh = op.simd(0x0d, 8, 9, 10, 11, 12, 13, 14, 15, 0, 1, 2, 3, 4, 5, 6, 7);
// Lanes 0,1 of the first float32x4 then lanes 0,1 of the second.
export const shuffleLows = op.simd(0x0d, 0, 1, 2, 3, 4, 5, 6, 7, 16, 17, 18, 19, 20, 21, 22, 23);
export const f32x4splat = op.simd(0x13);
export const f32x4extract = (lane: number) => op.simd(0x1f, lane);
export const f32x4ne = op.simd(0x42);
export const f32x4add = op.simd(0xe4);
export const f32x4sub = op.simd(0xe5);
export const f32x4mul = op.simd(0xe6);
export const f32x4div = op.simd(0xe7);
export const f32x4min = op.simd(0xe8); // lane-wise f32.min (not pmin)
export const f32x4max = op.simd(0xe9); // lane-wise f32.max (not pmax)
export const v128anyTrue = op.simd(0x53);
export const f64x2splat = op.simd(0x14);
export const f64x2extract = (lane: number) => op.simd(0x21, lane);
export const f64x2replace = (lane: number) => op.simd(0x22, lane);
export const f64x2add = op.simd(0xf0);
export const f64x2sub = op.simd(0xf1);
export const f64x2mul = op.simd(0xf2);
export const f64x2promoteLow = op.simd(0x5f);
export const f32x4demoteZero = op.simd(0x5e);
export const v128zero = op.simd(0x0c, ...new Array(16).fill(0));
/** v128.const of four i32 lanes. */
export const i32x4const = (lanes: [number, number, number, number]) => op.simd(0x0c, ...lanes.flatMap((v) => [v & 0xff, (v >>> 8) & 0xff, (v >>> 16) & 0xff, (v >>> 24) & 0xff]));
/** i8x16.shuffle: 16 byte indices into the concatenation of the two operands (0-15 first, 16-31 second). */
export const shuffle = (bytes: number[]) => op.simd(0x0d, ...bytes);
export const i32x4splat = op.simd(0x11);
export const i32x4eq = op.simd(0x37);
export const i32x4shrS = op.simd(0xac);
export const f64x2gt = op.simd(0x4a);
export const v128and = op.simd(0x4e);
export const v128andnot = op.simd(0x4f);
export const i32x4extract = (lane: number) => op.simd(0x1b, lane);
export const i32x4mul = op.simd(0xb5);
export const i32x4shrU = op.simd(0xad);
export const i32x4add = op.simd(0xae);
export const i32x4sub = op.simd(0xb1);
export const f32x4gt = op.simd(0x44);
export const v128or = op.simd(0x50);
export const v128xor = op.simd(0x51);


/**
 * A module importing `env.memory` and exporting one function `run` with no result (or the
 * `results` types listed), of `params` i32 parameters or of the parameter types listed (I32, F64, ...).
 */
export function moduleBytes(params: number | number[], locals: number[][], code: number[], results: number[] = [], globalTypes: number[] = []): Uint8Array<ArrayBuffer> {
  const body = [...vec(locals), ...code];
  const types = typeof params === 'number' ? new Array<number>(params).fill(I32) : params;
  // Mutable globals of the types listed (V128 or F64), zero at instantiation (global.get / global.set by index).
  const globals = globalTypes.map((t) => [t, 0x01, ...(t === V128 ? v128zero : op.f64zero), 0x0b]);
  return new Uint8Array([
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00,
    ...section(1, vec([[0x60, ...vec(types.map((t) => [t])), ...vec(results.map((t) => [t]))]])), // type: (params) -> (results)
    ...section(2, vec([[...name('env'), ...name('memory'), 0x02, 0x00, 0x00]])), // import memory, min 0, no max
    ...section(3, vec([[0]])), // one function of type 0
    ...(globals.length > 0 ? section(6, vec(globals)) : []),
    ...section(7, vec([[...name('run'), 0x00, 0]])), // exported as "run"
    ...section(10, vec([[...uleb(body.length), ...body]])),
  ]);
}
