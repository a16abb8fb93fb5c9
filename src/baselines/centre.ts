import { checkImages, PIXELS, type Baseline } from './types.ts';

// `centre`: one fixed map for every image, a Gaussian bump exp(-d^2 / (2 * 5^2)) with d the
// distance in pixels from the image centre (13.5, 13.5) (pixel (r, c) sits at (r, c)), min-max
// scaled exactly to [0, 1] (no epsilon, unlike the cams' N): MNIST digits are centred by
// construction, so a centre prior localises them without looking at the image.
const SIDE = 28;
const CENTRE = 13.5;
const SIGMA = 5;

function centreMap(): Float32Array {
  const raw = new Float64Array(PIXELS);
  for (let r = 0; r < SIDE; r++) {
    for (let c = 0; c < SIDE; c++) raw[r * SIDE + c] = Math.exp(-((r - CENTRE) ** 2 + (c - CENTRE) ** 2) / (2 * SIGMA * SIGMA));
  }
  let min = Infinity;
  let max = -Infinity;
  for (const v of raw) [min, max] = [Math.min(min, v), Math.max(max, v)];
  return Float32Array.from(raw, (v) => (v - min) / (max - min));
}

const MAP = centreMap();

export const centreBaseline: Baseline = (n, noisy) => {
  checkImages('centre baseline', n, noisy);
  const out = new Float32Array(n * PIXELS);
  for (let i = 0; i < n; i++) out.set(MAP, i * PIXELS);
  return out;
};
