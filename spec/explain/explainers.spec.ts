import { describe, expect, it } from 'vitest';
import type { ExplainerContext, LayerGradients } from '../../src/explain/cam.ts';
import { EXPLAINERS, explainerOfLibraryClass } from '../../src/explain/registry.ts';
import { rng } from '../../src/data/rng.ts';
import { EXPLAINER_NAMES } from '../../src/results/types.ts';

// Every explainer's raw cam on one tiny example, against values derived by hand from the
// formulas of PROTOCOL.md Part 2 (pytorch-grad-cam's get_cam_weights / get_cam_image).
// One image, a 1x2 map, 2 channels, NHWC: index = pixel * 2 + channel.
//   channel 0: A = [1, 2] (S = 3),  G = [0.5, 0]
//   channel 1: A = [-1, 1] (S = 0), G = [-0.5, 0.25]
function example(): LayerGradients {
  return { activations: Float32Array.from([1, -1, 2, 1]), gradients: Float32Array.from([0.5, -0.5, 0, 0.25]), n: 1, height: 1, width: 2, channels: 2 };
}

const eps = 1e-6;
const CTX: ExplainerContext = { alphaEps: eps, firstImage: 0, random: { seed: 5, level: 3 } };
const cam = (name: keyof typeof EXPLAINERS, g = example(), ctx = CTX) => Array.from(EXPLAINERS[name].cam(g, ctx));

function expectNear(got: number[], want: number[], digits = 6): void {
  expect(got.length).toBe(want.length);
  got.forEach((v, i) => expect(v).toBeCloseTo(want[i], digits));
}

describe('the registry', () => {
  it('has exactly one entry per name of EXPLAINER_NAMES, mapped to its pytorch-grad-cam class', () => {
    expect(Object.keys(EXPLAINERS).sort()).toEqual([...EXPLAINER_NAMES].sort());
    const classes: Record<string, string> = { gradcampp: 'GradCAMPlusPlus', gradcam: 'GradCAM', hirescam: 'HiResCAM', xgradcam: 'XGradCAM', layercam: 'LayerCAM', gradcamelementwise: 'GradCAMElementWise', randomcam: 'RandomCAM' };
    for (const [name, cls] of Object.entries(classes)) expect(explainerOfLibraryClass(cls)).toBe(name);
    expect(explainerOfLibraryClass('ScoreCAM')).toBeNull();
  });
});

describe('raw cams (pre-ReLU) derived by hand', () => {
  it('Grad-CAM++: w_k = sum max(G, 0) * alpha, cam = sum_k w_k A_k', () => {
    // channel 0: pixel 0: alpha = 0.25 / (2*0.25 + 3*0.125 + eps); pixel 1 has G = 0 -> alpha 0.
    const w0 = 0.5 * (0.25 / (0.5 + 0.375 + eps));
    // channel 1: pixel 0 has G < 0 -> max(G, 0) = 0; pixel 1: alpha = 0.0625 / (0.125 + 0*G^3 + eps).
    const w1 = 0.25 * (0.0625 / (0.125 + eps));
    expectNear(cam('gradcampp'), [w0 * 1 + w1 * -1, w0 * 2 + w1 * 1]);
  });

  it('Grad-CAM++ keeps alpha = 0 where G == 0, even with eps = 0 (no 0/0)', () => {
    const g = example();
    g.gradients = new Float32Array(4);
    expect(cam('gradcampp', g, { ...CTX, alphaEps: 0 })).toEqual([0, 0]);
  });

  it('Grad-CAM++ returns the non-finite cam at the alpha pole instead of zeros', () => {
    // G = 0.5 with S = -4: 2*0.25 + (-4)*0.125 + 0 = 0 exactly, so alpha = inf and w = inf;
    // the pixel with G = 0 still contributes inf * A.
    const g: LayerGradients = { activations: Float32Array.from([-2, -2]), gradients: Float32Array.from([0.5, 0]), n: 1, height: 1, width: 2, channels: 1 };
    expect(cam('gradcampp', g, { ...CTX, alphaEps: 0 })).toEqual([-Infinity, -Infinity]);
  });

  it('Grad-CAM: w_k = mean G (0.25, -0.125)', () => {
    expectNear(cam('gradcam'), [0.25 * 1 + -0.125 * -1, 0.25 * 2 + -0.125 * 1]);
  });

  it('HiResCAM: sum_k G*A', () => {
    expectNear(cam('hirescam'), [0.5 * 1 + -0.5 * -1, 0 * 2 + 0.25 * 1]);
  });

  it('LayerCAM: sum_k max(G, 0)*A', () => {
    expectNear(cam('layercam'), [0.5 * 1 + 0 * -1, 0 * 2 + 0.25 * 1]);
  });

  it('element-wise Grad-CAM: sum_k max(G*A, 0), unlike HiResCAM when a product is negative', () => {
    const g = example();
    g.activations = Float32Array.from([1, 1, 2, 1]); // channel 1: A = [1, 1], so G*A = -0.5 at pixel 0
    expectNear(cam('gradcamelementwise', g), [0.5 + 0, 0 + 0.25]);
    expectNear(cam('hirescam', g), [0.5 - 0.5, 0 + 0.25]);
  });

  it('XGrad-CAM: w_k = sum (G*A) / (S_k + 1e-7), huge near S_k = 0', () => {
    const w0 = (0.5 * 1 + 0 * 2) / (3 + 1e-7);
    const w1 = (-0.5 * -1 + 0.25 * 1) / (0 + 1e-7); // S_1 = 0: the pole's neighbourhood, 7.5e6
    const got = cam('xgradcam');
    const want = [w0 * 1 + w1 * -1, w0 * 2 + w1 * 1];
    got.forEach((v, i) => expect(Math.abs(v - want[i]) / Math.abs(want[i])).toBeLessThan(1e-6));
  });

  it('RandomCAM: w_k = U(-1, 1) from the stream (seed, "randomcam", level, image index)', () => {
    const g: LayerGradients = { ...example(), n: 2, activations: Float32Array.from([1, -1, 2, 1, 3, 0, 0, 4]), gradients: new Float32Array(8) };
    const got = cam('randomcam', g, { ...CTX, firstImage: 10 });
    const want: number[] = [];
    for (const img of [10, 11]) {
      const r = rng(5, 'randomcam', 3, img);
      const [w0, w1] = [2 * r.next() - 1, 2 * r.next() - 1];
      const A = g.activations.subarray((img - 10) * 4, (img - 9) * 4);
      want.push(w0 * A[0] + w1 * A[1], w0 * A[2] + w1 * A[3]);
    }
    expectNear(got, want);
    // The weights do not depend on the gradients.
    expect(cam('randomcam', { ...g, gradients: new Float32Array(8).fill(1) }, { ...CTX, firstImage: 10 })).toEqual(got);
  });

  it('RandomCAM refuses to run without a seeded stream', () => {
    expect(() => cam('randomcam', example(), { alphaEps: eps, firstImage: 0 })).toThrow(/seed and level/);
  });

  it('every explainer rejects mismatched buffers', () => {
    const g = example();
    g.gradients = new Float32Array(3);
    for (const name of EXPLAINER_NAMES) expect(() => cam(name, g)).toThrow(/must both hold 1x1x2x2 = 4 values/);
  });
});
