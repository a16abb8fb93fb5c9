import type { BlockGeometry } from '../kernels/conv-relu-pool-grad-loop.ts';
import { F32, F64, I32, V128, f32x4demoteZero, f32x4extract, f32x4gt, f32x4ne, f64x2add, f64x2extract, f64x2mul, f64x2promoteLow, f64x2replace, f64x2splat, i32x4add, i32x4extract, i32x4mul, i32x4shrU, i32x4splat, i32x4sub, moduleBytes, op, shuffleHigh, shuffleLows, uleb, v128and, v128anyTrue, v128load, v128load64zero, v128store, v128store64lane0, v128zero } from './encode.ts';

// The inner loop of PrunecamConvReluPoolGrad (src/backend/kernels/conv-relu-pool-grad-loop.ts)
// as WebAssembly with 128-bit SIMD, for the wasm backend: it runs on the backend's own memory
// (imported), so the tensors are read and written in place, with no copies.
//
// Its source is this file: the module is assembled here, at run time, per block geometry (two
// per training run), from the opcodes below; nothing binary ships. A spec checks it against the
// JS loop bit for bit (spec/backend/fused-kernels.spec.ts).
//
// Same arithmetic, same order, so the same bits as the JS loop: for every channel o, the
// contributing pooled entries in (b, py, px) order; dW and db accumulate in float64 (each
// product g*x of two float32 values is exact in float64, then one float64 rounding per sum, as
// in JS), rounded to float32 once when stored; dL/dx is read as float32, gets g*w added in
// float64 and is rounded to float32 when stored, as the JS `dx[i] += g * w` does. The SIMD
// lanes are float64x2: two taps of a patch row at a time (a row of a conv2 patch is
// kw*ci = 12 contiguous floats: three 4-float loads, each widened to two float64x2).
// WebAssembly has no fused multiply-add in these instructions, so nothing is contracted.

/** (n, dp, z, p, x, filter, dW, db, dx) with every array a byte offset into the memory; dx 0 when unused. */
export type WasmBlockLoop = (n: number, dp: number, z: number, p: number, x: number, filter: number, dw: number, db: number, dx: number) => void;

// --- the kernel ------------------------------------------------------------------------------

/** A patch row split into runs of 4, 2 and 1 floats: [offset in floats within the row, width]. */
function chunks(width: number): Array<[number, 4 | 2 | 1]> {
  const out: Array<[number, 4 | 2 | 1]> = [];
  let at = 0;
  for (; at + 4 <= width; at += 4) out.push([at, 4]);
  if (at + 2 <= width) {
    out.push([at, 2]);
    at += 2;
  }
  if (at < width) out.push([at, 1]);
  return out;
}

/** Code reading and writing one accumulator (a local or a global). */
interface Slot {
  get: number[];
  set: number[];
}

/**
 * dW's terms of one run of a patch row (1, 2 or 4 taps at byte `off` from the patch start xa):
 * acc += g * widen(x), a float64 for one tap (g in local gd), float64x2 pairs otherwise (splat(g)
 * in g2; the upper two floats of 4 widened after a shuffle down; the floats land in local tmp).
 */
function accumulateRun(width: 4 | 2 | 1, off: number, xa: number[], acc: Slot[], gd: number, g2: number, tmp: number): number[] {
  if (width === 1) return [...acc[0].get, ...op.get(gd), ...xa, ...op.f32load(off), ...op.f64promote, ...op.f64mul, ...op.f64add, ...acc[0].set];
  const c = [...xa, ...(width === 4 ? v128load(off) : v128load64zero(off)), ...op.set(tmp)];
  c.push(...acc[0].get, ...op.get(g2), ...op.get(tmp), ...f64x2promoteLow, ...f64x2mul, ...f64x2add, ...acc[0].set);
  if (width === 4) c.push(...acc[1].get, ...op.get(g2), ...op.get(tmp), ...op.get(tmp), ...shuffleHigh, ...f64x2promoteLow, ...f64x2mul, ...f64x2add, ...acc[1].set);
  return c;
}

/** Stores one run's sums (taps t.. of the run), each through `store(tap, value code)`: a float64, or both lanes of each pair. */
function storeRun(width: 4 | 2 | 1, t: number, acc: Slot[], store: (tap: number, value: number[]) => void): void {
  if (width === 1) {
    store(t, acc[0].get);
    return;
  }
  for (let q = 0; q < width / 2; q++) {
    store(t + 2 * q, [...acc[q].get, ...f64x2extract(0)]);
    store(t + 2 * q + 1, [...acc[q].get, ...f64x2extract(1)]);
  }
}

/**
 * How the module keeps its float64x2 values, the tap accumulators and (with inputGrad) the
 * channel's filter pairs: in locals, or in mutable v128 globals. Never what it computes: the same
 * operations in the same order either way (the specs run both). With inputGrad conv2's loop holds
 * 36 such values, more than the 16 vector registers of x86-64; V8's optimizing compiler then moved
 * them between registers and stack at every pooled entry, active or not, and the loop took the
 * same time whether it skipped 59% of the entries or none. As globals (a load and a store at
 * each use, no register pressure) the same loop ran in half the time (conv2, 64 images, 1,500
 * calls: 405-425 us -> 199-206 us, node --no-liftoff; 435 -> 259 us with default tiering). With few
 * values (conv1's 7) locals are faster (globals: 472-487 us against 425-441 us).
 */
export interface BlockLoopLayout {
  vectorsIn: 'locals' | 'globals';
  /** 'position-outer' (see positionOuterModule; only without inputGrad, with 2x2 pooling and channels a multiple of 4): accumulators always in globals. */
  order?: 'channel-outer' | 'position-outer';
}

/** Whether the position-outer loop applies to a geometry. */
export function positionOuterFits(g: BlockGeometry): boolean {
  return !g.inputGrad && g.pool === 2 && g.ch % 4 === 0;
}

/**
 * The faster layout for a geometry (measured, see BlockLoopLayout): globals once the vector values
 * outnumber the registers; position-outer where it applies (conv1, 64 images, 2,000 calls,
 * alternating, the other core busy: 352-371 us against 417-472 us channel-outer).
 */
export function blockLoopLayout(g: BlockGeometry): BlockLoopLayout {
  if (positionOuterFits(g)) return { vectorsIn: 'globals', order: 'position-outer' };
  const pairs = Math.ceil((g.kw * g.ci) / 2) * g.kh;
  return { vectorsIn: pairs * (g.inputGrad ? 2 : 1) > 12 ? 'globals' : 'locals' };
}

/** The module's bytes for one geometry (exported for the spec). */
export function blockLoopModule(g: BlockGeometry, layout: BlockLoopLayout = blockLoopLayout(g)): Uint8Array<ArrayBuffer> {
  if (layout.order === 'position-outer') {
    if (!positionOuterFits(g)) throw new Error(`block loop: the position-outer order needs no input gradient, 2x2 pooling and channels a multiple of 4; got ${JSON.stringify(g)}`);
    return positionOuterModule(g);
  }
  const aglobals = layout.vectorsIn === 'globals';
  // v128 values kept in globals: value slot -> global index.
  const gIndex = new Map<number, number>();
  const { ph, pw, ch, zh, zw, h, w, ci, kh, kw, pool, inputGrad } = g;
  const zRow = zw * ch;
  const xRow = w * ci;
  const row = kw * ci;
  const parts = chunks(row);

  // Locals: params 0..8, then the i32s, one f32 (m), the f64s, the v128s.
  const [N, DP, Z, P, X, W, DW, DB, DX] = [0, 1, 2, 3, 4, 5, 6, 7, 8];
  let next = 9;
  const i32s = ['o', 'd', 'b', 'py', 'px', 'zb', 'xb', 'zAt', 'xo', 'xa', 'da', 'k', 'flags'];
  const L: Record<string, number> = {};
  for (const s of i32s) L[s] = next++;
  const f64Names = ['bias', 'g'];
  // Per tap: its accumulator (and, with inputGrad, its filter value) lives in a float64x2 lane
  // (runs of 4 or 2 floats) or in a float64 local (a single float).
  const accV: number[] = [];
  const accS: number[] = [];
  const tapsOf: Array<{ r: number; at: number; width: 4 | 2 | 1; t: number; slots: number[] }> = [];
  const M = next++;
  const firstF64 = next;
  const nF64 = f64Names.length + parts.filter((c) => c[1] === 1).length * kh * (inputGrad ? 2 : 1);
  const firstV128 = firstF64 + nF64;
  const nPairs = parts.reduce((s, [, width]) => s + (width === 1 ? 0 : width / 2), 0) * kh;
  const G2 = firstV128 + nPairs * (inputGrad ? 2 : 1);
  const TMP = G2 + 1;
  let fNext = firstF64 + f64Names.length;
  let vNext = firstV128;
  for (let r = 0; r < kh; r++) {
    for (const [at, width] of parts) {
      const t = r * row + at;
      const slots: number[] = [];
      if (width === 1) {
        accS.push(fNext);
        slots.push(fNext++);
        if (inputGrad) {
          slots.push(fNext++);
        }
      } else {
        for (let q = 0; q < width / 2; q++) {
          accV.push(vNext);
          if (aglobals) gIndex.set(vNext, gIndex.size);
          slots.push(vNext++);
        }
        if (inputGrad) {
          for (let q = 0; q < width / 2; q++) {
            if (aglobals) gIndex.set(vNext, gIndex.size);
            slots.push(vNext++);
          }
        }
      }
      tapsOf.push({ r, at, width, t, slots });
    }
  }
  const BIAS = firstF64;
  const GD = firstF64 + 1;
  const locals = [
    [...uleb(i32s.length), I32],
    [1, F32],
    [...uleb(nF64), F64],
    [...uleb(nPairs * (inputGrad ? 2 : 1) + 2), V128],
  ];

  const c: number[] = [];
  const emit = (...xs: number[][]) => {
    for (const x of xs) c.push(...x);
  };
  const get = (l: number) => (gIndex.has(l) ? op.globalGet(gIndex.get(l)!) : op.get(l));
  const set = (l: number) => (gIndex.has(l) ? op.globalSet(gIndex.get(l)!) : op.set(l));
  const addConst = (l: number, v: number) => emit(get(l), op.i32(v), op.i32add, set(l));
  const slotsOf = (ls: number[]): Slot[] => ls.map((l) => ({ get: get(l), set: set(l) }));
  // The filter value of tap t for channel o: W[t*ch + o], as float64.
  const filterTap = (t: number) => [...get(W), ...get(L.o), ...op.i32(4), ...op.i32mul, ...op.i32add, ...op.f32load(t * ch * 4), ...op.f64promote];

  emit(op.i32(0), set(L.o));
  emit(op.loop); // O
  {
    emit(op.f64zero, set(BIAS));
    for (const a of accV) emit(v128zero, set(a));
    for (const a of accS) emit(op.f64zero, set(a));
    if (inputGrad) {
      for (const tp of tapsOf) {
        if (tp.width === 1) {
          emit(filterTap(tp.t), set(tp.slots[1]));
        } else {
          const pairs = tp.width / 2;
          for (let q = 0; q < pairs; q++) {
            emit(filterTap(tp.t + 2 * q), f64x2splat, filterTap(tp.t + 2 * q + 1), f64x2replace(1), set(tp.slots[pairs + q]));
          }
        }
      }
    }
    emit(get(L.o), op.i32(4), op.i32mul, set(L.d));
    emit(get(L.o), op.i32(4), op.i32mul, set(L.zb));
    emit(op.i32(0), set(L.xb));
    emit(op.i32(0), set(L.b));
    emit(op.block); // guard n == 0
    emit(get(N), op.i32eqz, op.brIf(0));
    emit(op.loop); // B
    {
      emit(op.i32(0), set(L.py));
      emit(op.loop); // PY
      {
        emit(op.i32(0), set(L.px));
        emit(op.loop); // PX
        {
          emit(op.block); // SKIP
          {
            // g = dp[d] (as float64), m = p[d]; skip when g == 0 or !(m > 0)
            emit(get(DP), get(L.d), op.i32add, op.f32load(0), op.f64promote, op.tee(GD), op.f64zero, op.f64eq);
            emit(get(P), get(L.d), op.i32add, op.f32load(0), op.tee(M), op.f32zero, op.f32gt, op.i32eqz, op.i32or, op.brIf(0));
            // zAt = z + zb + (py*pool*zRow + px*pool*ch)*4
            emit(get(Z), get(L.zb), op.i32add, get(L.py), op.i32(pool * zRow * 4), op.i32mul, op.i32add, get(L.px), op.i32(pool * ch * 4), op.i32mul, op.i32add, set(L.zAt));
            // k: the first window position (row-major) holding m, as in the JS loop.
            const window = pool * pool;
            emit(op.i32(0), set(L.k));
            if (window > 1) {
              emit(op.i32(1), set(L.flags));
              for (let i = 0; i < window - 1; i++) {
                const zOff = (Math.floor(i / pool) * zRow + (i % pool) * ch) * 4;
                // flags = flags & (z[zAt + off] != m); k += flags
                emit(get(L.flags), get(L.zAt), op.f32load(zOff), get(M), op.f32ne, op.i32and, op.tee(L.flags));
                emit(get(L.k), op.i32add, set(L.k));
              }
            }
            // xo = x + xb + ((py*pool + k/pool)*xRow + (px*pool + k%pool)*ci)*4
            const kRow = pool === 2 ? [...get(L.k), ...op.i32(1), ...op.i32shrU] : [...get(L.k), ...op.i32(pool), ...op.i32divU];
            const kCol = pool === 2 ? [...get(L.k), ...op.i32(1), ...op.i32and] : [...get(L.k), ...op.i32(pool), ...op.i32remU];
            emit(get(L.xb));
            emit(get(L.py), op.i32(pool * xRow * 4), op.i32mul, op.i32add);
            emit(kRow, op.i32(xRow * 4), op.i32mul, op.i32add);
            emit(get(L.px), op.i32(pool * ci * 4), op.i32mul, op.i32add);
            emit(kCol, op.i32(ci * 4), op.i32mul, op.i32add, op.tee(L.xo));
            emit(get(X), op.i32add, set(L.xa));
            if (inputGrad) emit(get(DX), get(L.xo), op.i32add, set(L.da));
            // bias += g; G2 = splat(g)
            emit(get(BIAS), get(GD), op.f64add, set(BIAS));
            emit(get(GD), f64x2splat, set(G2));
            for (const tp of tapsOf) {
              const off = (tp.r * xRow + tp.at) * 4;
              const accs = slotsOf(tp.slots.slice(0, tp.width === 1 ? 1 : tp.width / 2));
              emit(accumulateRun(tp.width, off, get(L.xa), accs, GD, G2, TMP));
              if (!inputGrad) continue;
              // dx = float32(widen(dx) + g * w): one float, or two lanes at a time.
              if (tp.width === 1) {
                emit(get(L.da));
                emit(get(L.da), op.f32load(off), op.f64promote, get(GD), get(tp.slots[1]), op.f64mul, op.f64add, op.f32demote, op.f32store(off));
                continue;
              }
              const pairs = tp.width / 2;
              emit(get(L.da), tp.width === 4 ? v128load(off) : v128load64zero(off), set(TMP));
              emit(get(L.da));
              emit(get(TMP), f64x2promoteLow, get(G2), get(tp.slots[pairs]), f64x2mul, f64x2add, f32x4demoteZero);
              if (pairs === 2) {
                emit(get(TMP), get(TMP), shuffleHigh, f64x2promoteLow, get(G2), get(tp.slots[pairs + 1]), f64x2mul, f64x2add, f32x4demoteZero);
                emit(shuffleLows, v128store(off));
              } else {
                emit(v128store64lane0(off));
              }
            }
          }
          emit(op.end); // SKIP
          addConst(L.d, ch * 4);
          emit(get(L.px), op.i32(1), op.i32add, op.tee(L.px), op.i32(pw), op.i32ltU, op.brIf(0));
        }
        emit(op.end); // PX
        emit(get(L.py), op.i32(1), op.i32add, op.tee(L.py), op.i32(ph), op.i32ltU, op.brIf(0));
      }
      emit(op.end); // PY
      addConst(L.zb, zh * zRow * 4);
      addConst(L.xb, h * xRow * 4);
      emit(get(L.b), op.i32(1), op.i32add, op.tee(L.b), get(N), op.i32ltU, op.brIf(0));
    }
    emit(op.end); // B
    emit(op.end); // guard
    // db[o] = bias; dW[t*ch + o] = acc_t, each rounded to float32 once.
    emit(get(DB), get(L.o), op.i32(4), op.i32mul, op.i32add, get(BIAS), op.f32demote, op.f32store(0));
    const storeTap = (t: number, value: number[]) => emit(get(DW), get(L.o), op.i32(4), op.i32mul, op.i32add, value, op.f32demote, op.f32store(t * ch * 4));
    for (const tp of tapsOf) storeRun(tp.width, tp.t, slotsOf(tp.slots), storeTap);
    emit(get(L.o), op.i32(1), op.i32add, op.tee(L.o), op.i32(ch), op.i32ltU, op.brIf(0));
  }
  emit(op.end); // O
  emit(op.end); // function

  return moduleBytes(9, locals, c, [], new Array<number>(gIndex.size).fill(V128));
}

const instances = new WeakMap<WebAssembly.Memory, Map<string, WasmBlockLoop>>();

/** The compiled loop for a geometry, on `memory` (cached per memory and geometry). */
export function wasmBlockLoop(g: BlockGeometry, memory: WebAssembly.Memory): WasmBlockLoop {
  const key = JSON.stringify(g);
  let byGeometry = instances.get(memory);
  if (byGeometry === undefined) instances.set(memory, (byGeometry = new Map()));
  let loop = byGeometry.get(key);
  if (loop === undefined) {
    const module = new WebAssembly.Module(blockLoopModule(g));
    const instance = new WebAssembly.Instance(module, { env: { memory } });
    loop = instance.exports.run as WasmBlockLoop;
    byGeometry.set(key, loop);
  }
  return loop;
}

// --- the position-outer loop (conv1: no dL/dx, channels a multiple of 4, 2x2 pooling) -----------

/**
 * The same sums with the loops turned around: for each pooled position (b, py, px), each group
 * of four channels, then each channel of the group. Every accumulator (a channel's bias, a
 * channel's tap) still receives its terms in (b, py, px) order, so each float64 sum is the same
 * sum in the same order as in the channel-outer loop; only sums of different channels
 * interleave, which no sum can see. Without dL/dx there is nothing else: dx (whose float32
 * additions from different channels do interleave) is why the loop with inputGrad stays
 * channel-outer. What the turn saves: the four channels of a position are adjacent in dp, p and
 * z, so the skip test, the window's arg-max and the patch offset are computed for four channels at
 * once as float32x4/int32x4 lanes, and the position's addresses once for the four.
 */
function positionOuterModule(g: BlockGeometry): Uint8Array<ArrayBuffer> {
  const { ph, pw, ch, zw, zh, h, w, ci, kh, kw, pool } = g;
  const zRow = zw * ch;
  const xRow = w * ci;
  const row = kw * ci;
  const parts = chunks(row);
  const [N, DP, Z, P, X, , DW, DB] = [0, 1, 2, 3, 4, 5, 6, 7];
  let next = 9;
  const L: Record<string, number> = {};
  for (const s of ['b', 'py', 'px', 'd', 'zb', 'xb', 'zp', 'xp', 'xa']) L[s] = next++;
  const nI32 = next - 9;
  const GD = next++; // f64: g
  const [DP4, M4, ACT, OFF, G2, TMP] = [next, next + 1, next + 2, next + 3, next + 4, next + 5];
  next += 6;
  // Accumulators in globals (a channel's bias and scalar taps as f64, tap pairs as v128).
  const globalTypes: number[] = [];
  const channels = Array.from({ length: ch }, () => {
    const bias = globalTypes.push(F64) - 1;
    const taps: Array<{ off: number; t: number; width: 4 | 2 | 1; globals: number[] }> = [];
    for (let r = 0; r < kh; r++) {
      for (const [at, width] of parts) {
        const globals = width === 1 ? [globalTypes.push(F64) - 1] : Array.from({ length: width / 2 }, () => globalTypes.push(V128) - 1);
        taps.push({ off: (r * xRow + at) * 4, t: r * row + at, width, globals });
      }
    }
    return { bias, taps };
  });
  const c: number[] = [];
  const emit = (...xs: number[][]) => {
    for (const x of xs) c.push(...x);
  };
  const { get, set, tee, globalGet: gget, globalSet: gset } = op;
  const globalSlots = (gs: number[]): Slot[] => gs.map((g) => ({ get: gget(g), set: gset(g) }));

  // Zero every accumulator.
  globalTypes.forEach((t, i) => emit(t === V128 ? v128zero : op.f64zero, gset(i)));
  emit(op.i32(0), set(L.b), op.i32(0), set(L.d), op.i32(0), set(L.zb), op.i32(0), set(L.xb));
  emit(op.block, get(N), op.i32eqz, op.brIf(0), op.loop); // B
  {
    emit(op.i32(0), set(L.py));
    emit(get(L.zb), set(L.zp), get(L.xb), set(L.xp));
    emit(op.loop); // PY: zp, xp at the window row's start
    {
      emit(op.i32(0), set(L.px));
      emit(op.loop); // PX
      {
        for (let q = 0; q < ch / 4; q++) {
          emit(op.block); // GROUP
          // dp4, m4; act = (dp != 0) & (m > 0), lane-wise as the scalar test; none active: next group.
          emit(get(DP), get(L.d), op.i32add, v128load(q * 16), set(DP4));
          emit(get(P), get(L.d), op.i32add, v128load(q * 16), set(M4));
          emit(get(DP4), v128zero, f32x4ne, get(M4), v128zero, f32x4gt, v128and, tee(ACT), v128anyTrue, op.i32eqz, op.brIf(0));
          // The arg-max k (first window position holding m): the running and of (z_i != m) summed as -1s.
          const zAt = [...get(Z), ...get(L.zp), ...op.i32add];
          const zOff = (i: number) => (Math.floor(i / pool) * zRow + (i % pool) * ch) * 4 + q * 16;
          emit(zAt, v128load(zOff(0)), get(M4), f32x4ne, set(TMP)); // n0
          emit(get(TMP)); // sum = n0
          emit(get(TMP), zAt, v128load(zOff(1)), get(M4), f32x4ne, v128and, tee(TMP), i32x4add); // n1 = n0 & ..
          emit(get(TMP), zAt, v128load(zOff(2)), get(M4), f32x4ne, v128and, i32x4add); // n2
          // sum = -k; offset of the patch in x: (k >> 1) * xRow*4 + (k & 1) * ci*4, as int32 lanes.
          emit(set(OFF));
          emit(v128zero, get(OFF), i32x4sub, tee(OFF), op.i32(1), i32x4shrU, op.i32(xRow * 4), i32x4splat, i32x4mul);
          emit(get(OFF), op.i32(1), i32x4splat, v128and, op.i32(ci * 4), i32x4splat, i32x4mul, i32x4add, set(OFF));
          for (let j = 0; j < 4; j++) {
            const ch_ = channels[q * 4 + j];
            emit(op.block); // LANE
            emit(get(ACT), i32x4extract(j), op.i32eqz, op.brIf(0));
            emit(get(DP4), f32x4extract(j), op.f64promote, set(GD));
            emit(get(X), get(L.xp), op.i32add, get(OFF), i32x4extract(j), op.i32add, set(L.xa));
            emit(gget(ch_.bias), get(GD), op.f64add, gset(ch_.bias));
            emit(get(GD), f64x2splat, set(G2));
            for (const tp of ch_.taps) emit(accumulateRun(tp.width, tp.off, get(L.xa), globalSlots(tp.globals), GD, G2, TMP));
            emit(op.end); // LANE
          }
          emit(op.end); // GROUP
        }
        emit(get(L.d), op.i32(ch * 4), op.i32add, set(L.d));
        emit(get(L.zp), op.i32(pool * ch * 4), op.i32add, set(L.zp));
        emit(get(L.xp), op.i32(pool * ci * 4), op.i32add, set(L.xp));
        emit(get(L.px), op.i32(1), op.i32add, op.tee(L.px), op.i32(pw), op.i32ltU, op.brIf(0));
      }
      emit(op.end); // PX
      // Next window row: from the row start, pool rows down.
      emit(get(L.zb), get(L.py), op.i32(1), op.i32add, op.tee(L.py), op.i32(pool * zRow * 4), op.i32mul, op.i32add, set(L.zp));
      emit(get(L.xb), get(L.py), op.i32(pool * xRow * 4), op.i32mul, op.i32add, set(L.xp));
      emit(get(L.py), op.i32(ph), op.i32ltU, op.brIf(0));
    }
    emit(op.end); // PY
    emit(get(L.zb), op.i32(zh * zRow * 4), op.i32add, set(L.zb));
    emit(get(L.xb), op.i32(h * xRow * 4), op.i32add, set(L.xb));
    emit(get(L.b), op.i32(1), op.i32add, op.tee(L.b), get(N), op.i32ltU, op.brIf(0));
  }
  emit(op.end, op.end); // B, guard
  // db[o], dW[t*ch + o], each rounded to float32 once.
  channels.forEach((chn, o) => {
    emit(get(DB), gget(chn.bias), op.f32demote, op.f32store(o * 4));
    const store = (t: number, value: number[]) => emit(get(DW), value, op.f32demote, op.f32store((t * ch + o) * 4));
    for (const tp of chn.taps) storeRun(tp.width, tp.t, globalSlots(tp.globals), store);
  });
  emit(op.end); // function
  return moduleBytes(9, [[...uleb(nI32), I32], [1, F64], [6, V128]], c, [], globalTypes);
}
