import seedrandom from 'seedrandom';
import { fillBytesWasm } from './rng-fill-wasm.ts';

/**
 * A seeded random stream. Every random choice of a run (init, data order, noise) comes from a
 * stream named by the run's seed and a purpose path, e.g. rng(333, 'order', 4), so any piece
 * can be regenerated alone (which is what makes a resumed run identical to an uninterrupted one)
 * and tfjs's unseeded Math.random is never used.
 */
export interface Rng {
  /** Uniform float in [0, 1). */
  next(): number;
  /** Uniform integer in [0, n). */
  int(n: number): number;
  /** Standard normal (Box-Muller). */
  normal(): number;
  /** Fills `out` with uniform integers in [0, n): the same numbers as out.length calls of int(n), in a tight loop. */
  fillInts(out: Uint8Array | Uint16Array | Uint32Array, n: number): void;
  /**
   * Lends the generator's sfc32 state [a, b, c, d] to `draw`, a loop that draws exactly as
   * fillInts does (one state step per number), and takes the updated state back.
   */
  lendState(draw: (state: Int32Array) => void): void;
}

/**
 * The stream named by (seed, ...purpose). The name is hashed by seedrandom's xor4096 (its
 * string seeding mixes the whole name) into the 128-bit state of sfc32, a small, fast generator
 * (Chris Doty-Humphrey's PractRand "small fast chaotic" generator, passes PractRand and
 * BigCrush): the training noise draws ~80,000 numbers per batch, and xor4096's double() made
 * the noise take as long as the training step itself.
 */
export function rng(seed: number, ...purpose: Array<string | number>): Rng {
  const hash = seedrandom.xor4096(`prunecam/${seed}/${purpose.join('/')}`);
  let a = hash.int32() | 0;
  let b = hash.int32() | 0;
  let c = hash.int32() | 0;
  let d = 1; // sfc32's counter starts at 1 by convention
  const u32 = (): number => {
    const t = (((a + b) | 0) + d) | 0;
    d = (d + 1) | 0;
    a = b ^ (b >>> 9);
    b = (c + (c << 3)) | 0;
    c = (c << 21) | (c >>> 11);
    c = (c + t) | 0;
    return t >>> 0;
  };
  for (let i = 0; i < 12; i++) u32(); // let the seeded state mix before use
  const next = () => u32() / 4294967296;
  let spare: number | null = null;
  return {
    next,
    int: (n) => Math.floor(next() * n),
    fillInts(out, n) {
      // Byte outputs of 64 or more numbers (the training noise): the same loop in WebAssembly.
      if (out instanceof Uint8Array && out.length >= 64) {
        const state = Int32Array.of(a, b, c, d);
        if (fillBytesWasm(out, n, state)) {
          [a, b, c, d] = state;
          return;
        }
      }
      // u32() inlined on purpose: the state lives in locals for the loop, written back after.
      // Calling u32() per number (or a block-buffered variant) measured 1.6-2.8x slower here,
      // about 5% of a training epoch.
      let [sa, sb, sc, sd] = [a, b, c, d];
      const scale = n / 4294967296;
      for (let i = 0; i < out.length; i++) {
        const t = (((sa + sb) | 0) + sd) | 0;
        sd = (sd + 1) | 0;
        sa = sb ^ (sb >>> 9);
        sb = (sc + (sc << 3)) | 0;
        sc = (sc << 21) | (sc >>> 11);
        sc = (sc + t) | 0;
        out[i] = Math.floor((t >>> 0) * scale);
      }
      [a, b, c, d] = [sa, sb, sc, sd];
    },
    lendState(draw) {
      const state = Int32Array.of(a, b, c, d);
      draw(state);
      [a, b, c, d] = state;
    },
    normal: () => {
      if (spare !== null) {
        const s = spare;
        spare = null;
        return s;
      }
      let u = 0;
      while (u === 0) u = next();
      const v = next();
      const r = Math.sqrt(-2 * Math.log(u));
      spare = r * Math.sin(2 * Math.PI * v);
      return r * Math.cos(2 * Math.PI * v);
    },
  };
}

/** A seeded Fisher-Yates permutation of 0..n-1. */
export function permutation(n: number, r: Rng): Uint32Array {
  const p = new Uint32Array(n);
  for (let i = 0; i < n; i++) p[i] = i;
  for (let i = n - 1; i > 0; i--) {
    const j = r.int(i + 1);
    const t = p[i];
    p[i] = p[j];
    p[j] = t;
  }
  return p;
}
