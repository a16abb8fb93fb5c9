import { rng } from '../../../../src/data/rng.ts';
import { checkShape, weightedCam, type Explainer } from '../cam.ts';

// RandomCAM (pytorch-grad-cam RandomCAM), the null explainer: w_k ~ U(-1, 1) per image and
// channel; cam = sum_k w_k A_k. The library draws from numpy's global, unseeded state; here each
// image has its own stream rng(seed, 'randomcam', level, imageIndex) (imageIndex: the image's
// position in the whole input, not in its batch), drawn in channel order, so a heatmap depends
// on (seed, level, image index) only: not on the batch size, the other methods selected, or the
// network (the cascading randomisation control sees the same weights at every stage).
// The weights are held as float32 (numpy would keep them float64); for a random null map that
// rounding carries no meaning.
export const randomCam: Explainer = (g, ctx) => {
  checkShape(g);
  if (!ctx.random) throw new Error('randomcam: needs the run\'s seed and level (options.random) for its seeded stream');
  const { seed, level } = ctx.random;
  const K = g.channels;
  const weights = new Float32Array(g.n * K);
  for (let img = 0; img < g.n; img++) {
    const r = rng(seed, 'randomcam', level, ctx.firstImage + img);
    for (let k = 0; k < K; k++) weights[img * K + k] = 2 * r.next() - 1;
  }
  return weightedCam(g, weights);
};
