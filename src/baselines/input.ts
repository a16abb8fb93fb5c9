import { checkImages, type Baseline } from './types.ts';

// `input`: the noisy image itself as its heatmap (a copy, so a caller may modify either). A
// metric that rewards overlap with the digit rewards this map without any explanation.
export const inputBaseline: Baseline = (n, noisy) => {
  checkImages('input baseline', n, noisy);
  return Float32Array.from(noisy);
};
