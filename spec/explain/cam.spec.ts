import { describe, expect, it } from 'vitest';
import { channelWeights, weightedCams, type LayerGradients } from '../../src/explain/cam.ts';

// One image, a 1x2 map, 2 channels, NHWC: index = pixel * 2 + channel.
//   channel 0: A = [1, 2] (S = 3),  G = [0.5, 0]
//   channel 1: A = [-1, 1] (S = 0), G = [-0.5, 0.25]
function example(): LayerGradients {
  return {
    activations: Float32Array.from([1, -1, 2, 1]),
    gradients: Float32Array.from([0.5, -0.5, 0, 0.25]),
    n: 1,
    height: 1,
    width: 2,
    channels: 2,
  };
}

describe('Grad-CAM++ channel weights and cam, derived by hand from PROTOCOL.md steps 2-3', () => {
  const eps = 1e-6;
  // channel 0: pixel 0: alpha = 0.25 / (2*0.25 + 3*0.125 + eps); pixel 1 has G = 0 -> alpha 0.
  const w0 = 0.5 * (0.25 / (0.5 + 0.375 + eps));
  // channel 1: pixel 0 has G < 0 -> max(G, 0) = 0; pixel 1: alpha = 0.0625 / (0.125 + 0*G^3 + eps).
  const w1 = 0.25 * (0.0625 / (0.125 + eps));

  it('computes w_k = sum max(G, 0) * alpha', () => {
    const w = channelWeights('gradcampp', example(), eps);
    expect(w[0]).toBeCloseTo(w0, 7);
    expect(w[1]).toBeCloseTo(w1, 7);
  });

  it('computes cam = ReLU(sum_k w_k A_k)', () => {
    const { cams, nonFinite } = weightedCams('gradcampp', example(), eps);
    expect(cams[0]).toBeCloseTo(w0 * 1 + w1 * -1, 6);
    expect(cams[1]).toBeCloseTo(w0 * 2 + w1 * 1, 6);
    expect(nonFinite).toEqual([]);
  });

  it('clips negative cam values to 0 (ReLU)', () => {
    const g = example();
    g.activations = Float32Array.from([1, -1, -2, 1]); // channel 0: A = [1, -2], S = -1
    const v0 = 0.5 * (0.25 / (0.5 - 0.125 + eps)); // channel 0's weight with S = -1
    const { cams } = weightedCams('gradcampp', g, eps);
    expect(cams[0]).toBeCloseTo(v0 * 1 + w1 * -1, 6); // = 0.2083 > 0
    expect(v0 * -2 + w1 * 1).toBeLessThan(0);
    expect(cams[1]).toBe(0);
  });

  it('gives Grad-CAM weights as the mean gradient', () => {
    const w = channelWeights('gradcam', example(), eps);
    expect(w[0]).toBeCloseTo(0.25, 7);
    expect(w[1]).toBeCloseTo(-0.125, 7);
  });

  it('keeps alpha = 0 where G == 0, even with eps = 0 (no 0/0)', () => {
    const g = example();
    g.gradients = new Float32Array(4);
    const { cams, nonFinite } = weightedCams('gradcampp', g, 0);
    expect(Array.from(cams)).toEqual([0, 0]);
    expect(nonFinite).toEqual([]);
  });

  it('flags an image that hits the alpha pole and returns its cam as zeros', () => {
    // G = 0.5 with S = -4: 2*0.25 + (-4)*0.125 + 0 = 0 exactly, so alpha = 0.25 / 0 = Infinity.
    const g: LayerGradients = { activations: Float32Array.from([-2, -2]), gradients: Float32Array.from([0.5, 0]), n: 1, height: 1, width: 2, channels: 1 };
    const { cams, nonFinite } = weightedCams('gradcampp', g, 0);
    expect(nonFinite).toEqual([0]);
    expect(Array.from(cams)).toEqual([0, 0]);
  });

  it('rejects mismatched buffers', () => {
    const g = example();
    g.gradients = new Float32Array(3);
    expect(() => channelWeights('gradcampp', g, eps)).toThrow(/must both hold 1x1x2x2 = 4 values/);
  });
});
