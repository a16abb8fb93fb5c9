import { checkImages, PIXELS, type Baseline } from './types.ts';

// `uniform`: every pixel 0.5, a map with no preference at all (what a metric scores by chance).
export const uniformBaseline: Baseline = (n, noisy) => {
  checkImages('uniform baseline', n, noisy);
  return new Float32Array(n * PIXELS).fill(0.5);
};
