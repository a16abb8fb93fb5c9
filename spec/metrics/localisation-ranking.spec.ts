import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { LOCALISATION_METRICS, scoreLocalisation, type LocalisationOptions } from '../../src/metrics/localisation/index.ts';
import { Ranking } from '../../src/metrics/localisation/ranking.ts';
import { LOCALISATION_METRIC_NAMES } from '../../src/results/types.ts';
import { mulberry32 } from '../support/mulberry32.ts';

// The scorer's shared ranking (ranking.ts) against each metric computing alone: the same floats,
// bit for bit, on heatmaps full of ties (few distinct values, -0 and +0, all-zero maps, a few
// non-finite values) and on masks including the degenerate ones (blank, all ink).

const P = 784;

const generator = mulberry32;

const LEVELS = [0, -0, 0.25, 0.5, 1, -0.5, 1e-30, 3];

/** n heatmaps and clean images of mixed kinds, many ties at every cut-off. */
function batch(seed: number, n: number): { heatmaps: Float32Array; images: Float32Array } {
  const r = generator(seed);
  const heatmaps = new Float32Array(n * P);
  const images = new Float32Array(n * P);
  for (let img = 0; img < n; img++) {
    const at = img * P;
    const kind = Math.floor(r() * 7);
    const levels = 1 + Math.floor(r() * LEVELS.length);
    for (let i = 0; i < P; i++) {
      let h: number;
      if (kind === 0) h = 0; // all zero
      else if (kind === 1) h = r(); // continuous
      else if (kind === 2) h = r() < 0.8 ? 0 : LEVELS[Math.floor(r() * levels)]; // mostly zero
      else h = LEVELS[Math.floor(r() * levels)]; // few values
      heatmaps[at + i] = h;
    }
    if (kind === 3 && r() < 0.3) heatmaps[at + Math.floor(r() * P)] = [NaN, Infinity, -Infinity][Math.floor(r() * 3)];
    const mask = Math.floor(r() * 10);
    for (let i = 0; i < P; i++) {
      // 0: blank, 1: all ink, else ink on a random share, on 3 grey values
      const v = mask === 0 ? 0 : mask === 1 ? 1 : r() < mask / 12 ? [0.3, 0.6, 1][Math.floor(r() * 3)] : 0;
      images[at + i] = v;
    }
  }
  return { heatmaps, images };
}

const OPTIONS: LocalisationOptions[] = [
  { maskThreshold: 0, topK: 78 },
  { maskThreshold: 0.5, topK: 1 },
  { maskThreshold: 0.3, topK: 784 },
  { maskThreshold: 0, topK: 400 },
];

describe('localisation: the shared ranking gives each metric its standalone result exactly', () => {
  for (const [o, options] of OPTIONS.entries()) {
    it(`maskThreshold ${options.maskThreshold}, topK ${options.topK}`, () => {
      for (let seed = 1; seed <= 6; seed++) {
        const n = 200;
        const { heatmaps, images } = batch(seed * 10 + o, n);
        const ranking = new Ranking(n).rank(heatmaps, images, n, options.maskThreshold);
        for (const name of LOCALISATION_METRIC_NAMES) {
          const alone = LOCALISATION_METRICS[name](heatmaps, images, n, options);
          const shared = LOCALISATION_METRICS[name](heatmaps, images, n, options, ranking);
          for (let img = 0; img < n; img++) {
            if (!Object.is(shared[img], alone[img])) expect.fail(`${name}, seed ${seed}, image ${img}: shared ${shared[img]}, alone ${alone[img]}`);
          }
        }
      }
    });
  }

  it('the scorer (chunked, shared ranking) gives the means of the metrics computed alone, to the bit', () => {
    const options = OPTIONS[0];
    const n = 700; // more than one chunk
    const { heatmaps, images } = batch(99, n);
    const exclude = new Set([3, 256, 511, 699]);
    const s = scoreLocalisation(heatmaps, images, n, options, exclude);
    // The scorer before the ranking: every metric over the whole batch alone, summed in image order.
    const keep: number[] = [];
    for (let img = 0; img < n; img++) {
      if (exclude.has(img)) continue;
      let k = 0;
      for (let i = img * P; i < (img + 1) * P; i++) if (images[i] > options.maskThreshold) k++;
      if (k > 0 && k < P) keep.push(img);
    }
    expect(s.scored).toBe(keep.length);
    expect(s.scored).toBeGreaterThan(0);
    for (const name of LOCALISATION_METRIC_NAMES) {
      const perImage = LOCALISATION_METRICS[name](heatmaps, images, n, options);
      let sum = 0;
      for (const img of keep) sum += perImage[img];
      expect(Object.is(s.means[name], sum / keep.length), `${name}: ${s.means[name]} vs ${sum / keep.length}`).toBe(true);
    }
  });

  it('rejects a ranking of other images or another mask threshold', () => {
    const { heatmaps, images } = batch(5, 4);
    const ranking = new Ranking(4).rank(heatmaps, images, 4, 0);
    const h2 = heatmaps.subarray(0, 2 * P);
    const x2 = images.subarray(0, 2 * P);
    expect(() => LOCALISATION_METRICS.auc(h2, x2, 2, OPTIONS[0], ranking)).toThrow(/holds 4 images, not 2/);
    expect(() => LOCALISATION_METRICS.pointingGame(heatmaps, images, 4, OPTIONS[1], ranking)).toThrow(/mask threshold 0, not 0.5/);
    expect(() => new Ranking(2).rank(heatmaps, images, 4, 0)).toThrow(/4 images for a capacity of 2/);
  });
});

// Ranking.rank as WebAssembly (ranking-wasm.ts) against its JS loop (the fallback): the same
// groupStart, groupEnd and inkBelow, integer for integer, on heatmaps of every kind of tie and
// special float and on masks of every kind, in batches that cross the module's 64-image batch.
// Signalling NaNs stay out: the JS path's keys for them depend on V8's tier (ranking-wasm.ts).

/** Float32 bit patterns: both zeros, both infinities, quiet NaNs of both signs with payloads, denormals, extremes, +-1. */
const SPECIAL_BITS = [0x00000000, 0x80000000, 0x7f800000, 0xff800000, 0x7fc00000, 0xffc00000, 0x7fc00001, 0xffffffff, 0x7fffffff, 0x00000001, 0x80000001, 0x007fffff, 0x807fffff, 0x7f7fffff, 0xff7fffff, 0x3f800000, 0xbf800000];
const asFloat = (b: number) => new Float32Array(new Uint32Array([b]).buffer)[0];
const SPECIALS = SPECIAL_BITS.map(asFloat);
/** A float32 drawn from every bit pattern but the signalling NaNs. */
const anyFloat = (r: () => number) => {
  const b = Math.floor(r() * 2 ** 32);
  return (b & 0x7fc00000) === 0x7f800000 && (b & 0x3fffff) !== 0 ? asFloat(b | 0x400000) : asFloat(b);
};
/** Ink values around the thresholds below (0.3 as float32 is above 0.3 as float64). */
const INK = [0, -0, 0.3, 0.5, 0.6, 1, 1e-45, NaN, -1];
const THRESHOLDS = [0, -0, 0.5, 0.3, Math.fround(0.3), 1, -1, 1e-45, NaN, Infinity, -Infinity];

/** n heatmaps and images of the kinds the wasm path must match on, written straight as float32. */
function edgeBatch(seed: number, n: number): { heatmaps: Float32Array; images: Float32Array } {
  const r = generator(seed);
  const pick = <T>(xs: readonly T[]) => xs[Math.floor(r() * xs.length)];
  const heatmaps = new Float32Array(n * P);
  const images = new Float32Array(n * P);
  for (let img = 0; img < n; img++) {
    const h = heatmaps.subarray(img * P, (img + 1) * P);
    const kind = Math.floor(r() * 7);
    const palette = Array.from({ length: 1 + Math.floor(r() * 6) }, () => (r() < 0.5 ? pick(SPECIALS) : r() < 0.5 ? Math.round(r() * 8) / 8 : anyFloat(r)));
    for (let i = 0; i < P; i++) {
      if (kind === 0) h[i] = r() < 0.5 ? 0 : -0; // all zero, both signs
      else if (kind === 1) h[i] = palette[0]; // one tie group
      else if (kind === 2) h[i] = r() < 0.8 ? 0 : pick(palette); // mostly zero
      else if (kind === 3) h[i] = pick(palette); // few values
      else if (kind === 4) h[i] = r() < 0.5 ? 0 : r(); // like a real heatmap
      else h[i] = anyFloat(r); // any float: every key byte varies
    }
    const x = images.subarray(img * P, (img + 1) * P);
    const mask = Math.floor(r() * 6);
    const share = r();
    for (let i = 0; i < P; i++) x[i] = mask === 0 ? 0 : mask === 1 ? 1 : mask === 2 ? pick(INK) : r() < share ? pick(INK) : 0;
  }
  return { heatmaps, images };
}

function expectSameRanking(wasm: Ranking, js: Ranking, what: string): void {
  expect(wasm.engine, 'WebAssembly SIMD compiles here, so this compares wasm with JS').toBe('wasm');
  expect(js.engine).toBe('js');
  for (const name of ['groupStart', 'groupEnd', 'inkBelow'] as const) {
    const a = wasm[name];
    const b = js[name];
    expect(a.length).toBe(b.length);
    for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) expect.fail(`${what}: ${name}[${i}] (image ${Math.floor(i / (name === 'inkBelow' ? P + 1 : P))}) is ${a[i]} in wasm, ${b[i]} in JS`);
  }
  expect(wasm.n).toBe(js.n);
  expect(Object.is(wasm.maskThreshold, js.maskThreshold)).toBe(true);
}

describe('localisation: Ranking.rank in WebAssembly gives the JS loop\'s integers exactly', () => {
  it('property: ties, both zeros, infinities, quiet NaNs of both signs, any float; blank, all-ink and NaN masks; batches across 64 images', () => {
    fc.assert(
      fc.property(fc.nat(), fc.integer({ min: 0, max: 140 }), fc.integer({ min: 0, max: 3 }), fc.constantFrom(...THRESHOLDS), (seed, n, spare, maskThreshold) => {
        const { heatmaps, images } = edgeBatch(seed, n);
        const wasm = new Ranking(n + spare).rank(heatmaps, images, n, maskThreshold);
        const js = new Ranking(n + spare, { wasm: false }).rank(heatmaps, images, n, maskThreshold);
        expectSameRanking(wasm, js, `seed ${seed}, n ${n}, mask threshold ${maskThreshold}`);
      }),
      { numRuns: 60 },
    );
  });

  it('the shared-ranking batches above, a reused Ranking, and the edge cases by name', () => {
    const n = 200;
    const reusedWasm = new Ranking(n);
    const reusedJs = new Ranking(n, { wasm: false });
    for (const [o, options] of OPTIONS.entries()) {
      const { heatmaps, images } = batch(o + 1, n);
      // A smaller batch after a larger one: both leave the same stale tail.
      const m = o % 2 === 0 ? n : 77;
      expectSameRanking(reusedWasm.rank(heatmaps, images, m, options.maskThreshold), reusedJs.rank(heatmaps, images, m, options.maskThreshold), `batch ${o}, ${m} images`);
    }
    const cases: Array<[string, (i: number) => number, (i: number) => number]> = [
      ['all +0, no ink', () => 0, () => 0],
      ['+0 and -0 alternating, all ink', (i) => (i % 2 ? -0 : 0), () => 1],
      ['one NaN, +Infinity, -Infinity among zeros', (i) => [NaN, Infinity, -Infinity][i] ?? 0, (i) => i % 2],
      ['negative NaN (x86 default) and positive NaN', (i) => (i % 3 === 0 ? asFloat(0xffc00000) : i % 3 === 1 ? NaN : -Infinity), (i) => (i < 392 ? 1 : 0)],
      ['every special value, repeated', (i) => SPECIALS[i % SPECIALS.length], (i) => (i % 5 === 0 ? 1 : 0)],
      ['strictly increasing (784 groups)', (i) => i / 1000, (i) => (i % 7 === 0 ? 1 : 0)],
      ['strictly decreasing negatives', (i) => -i, (i) => (i % 3 === 0 ? 1 : 0)],
    ];
    const heatmaps = new Float32Array(cases.length * P);
    const images = new Float32Array(cases.length * P);
    for (const [c, [, h, x]] of cases.entries()) for (let i = 0; i < P; i++) [heatmaps[c * P + i], images[c * P + i]] = [h(i), x(i)];
    for (const maskThreshold of [0, 0.5, NaN]) {
      const wasm = new Ranking(cases.length).rank(heatmaps, images, cases.length, maskThreshold);
      const js = new Ranking(cases.length, { wasm: false }).rank(heatmaps, images, cases.length, maskThreshold);
      expectSameRanking(wasm, js, `${cases.map((c) => c[0]).join(' / ')}, threshold ${maskThreshold}`);
    }
    // The orders the comment promises: zeros tie; NaN above +Infinity (a negative NaN below -Infinity).
    const r = new Ranking(cases.length).rank(heatmaps, images, cases.length, 0);
    expect(r.groupEnd[0]).toBe(P); // all +0: one group
    expect(r.groupEnd[P]).toBe(P); // +0 and -0: one group
    expect([r.groupStart[2 * P], r.groupStart[2 * P + 1], r.groupEnd[2 * P + 1], r.groupStart[3 * P - 2], r.groupStart[3 * P - 1]]).toEqual([0, 1, 782, 782, 783]);
    expect(new Ranking(0).rank(heatmaps, images, 0, 0).n).toBe(0);
  });
});
