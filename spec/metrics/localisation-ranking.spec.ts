import { describe, expect, it } from 'vitest';
import { LOCALISATION_METRICS, scoreLocalisation, type LocalisationOptions } from '../../src/metrics/localisation/index.ts';
import { Ranking } from '../../src/metrics/localisation/ranking.ts';
import { LOCALISATION_METRIC_NAMES } from '../../src/results/types.ts';

// The scorer's shared ranking (ranking.ts) against each metric computing alone: the same floats,
// bit for bit, on heatmaps full of ties (few distinct values, -0 and +0, all-zero maps, a few
// non-finite values) and on masks including the degenerate ones (blank, all ink).

const P = 784;

/** mulberry32: a small seeded generator, so a failure reproduces. */
function generator(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

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
