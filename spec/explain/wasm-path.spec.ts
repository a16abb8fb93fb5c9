import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { closedFormGradients, explainAll, wasmCompiles, type ExplainAllResult, type ExplainOptions } from '../../src/explain/explain.ts';
import { conv2Activations, conv2ActivationsNoGrad } from '../../src/model/cnn.ts';
import { disposeParams, toTensors } from '../../src/model/params.ts';
import type { WeightSet } from '../../src/model/layout.ts';
import { rng } from '../../src/data/rng.ts';
import { EXPLAINER_NAMES } from '../../src/results/types.ts';
import { specBackend } from '../support/backend.ts';
import { firstDiff, stressImages, stressWeights } from './bitwise-support.ts';
import { closedFormGradientsWasm } from '../../src/explain/wasm/closed-form.ts';

// The default explain path (WebAssembly kernels of src/explain/wasm/ and, on the wasm backend,
// conv1 -> ReLU -> max-pool as one kernel) against engine 'js' (tf-ops forward, the JS loops):
// every explainer's heatmaps, small maps, non-finite lists, targets and logits bit for bit
// (NaN equal to NaN, +0 and -0 told apart), on random, scaled and pruned models, quantised
// images (ties in the pooling windows), all-zero maps (a target with no live fc weights),
// overflowing (non-finite) maps, non-finite activations (the autodiff fallback) and eps = 0.

const ALL = [...EXPLAINER_NAMES];

const weights = (seed: number, scale: number, pruned: number) => stressWeights(seed, scale, pruned, 'wasm-path');
const images = (seed: number, n: number, quantised: boolean) => stressImages(seed, n, quantised, 'wasm-path');

function compare(got: ExplainAllResult, want: ExplainAllResult, label: string): void {
  expect(Array.from(got.targets), label).toEqual(Array.from(want.targets));
  expect(firstDiff(got.logits, want.logits), `${label} logits`).toBeNull();
  for (const m of Object.keys(want.byMethod) as (keyof typeof want.byMethod)[]) {
    const a = got.byMethod[m]!;
    const b = want.byMethod[m]!;
    expect(firstDiff(a.cams, b.cams), `${label} ${m} cams`).toBeNull();
    expect(firstDiff(a.camSmall, b.camSmall), `${label} ${m} camSmall`).toBeNull();
    expect(a.nonFinite, `${label} ${m} nonFinite`).toEqual(b.nonFinite);
  }
}

function both(w: WeightSet, data: Float32Array, n: number, options: ExplainOptions, label: string): ExplainAllResult {
  const p = toTensors(w);
  try {
    const want = explainAll(p, { data, n }, ALL, { ...options, engine: 'js' });
    const got = explainAll(p, { data, n }, ALL, options);
    compare(got, want, label);
    // And from a tensor input.
    const x = tf.tensor4d(data, [n, 28, 28, 1]);
    try {
      compare(explainAll(p, x, ALL, options), want, `${label} (tensor)`);
    } finally {
      x.dispose();
    }
    return got;
  } finally {
    disposeParams(p);
  }
}

describe('explain: WebAssembly path vs the JS path', () => {
  let tensorsBefore = 0;
  beforeAll(async () => {
    await specBackend();
    tensorsBefore = tf.memory().numTensors;
  });
  afterAll(() => {
    expect(tf.memory().numTensors).toBe(tensorsBefore);
  });

  it('runs the WebAssembly kernels here (else this file compares the JS path with itself)', () => {
    expect(wasmCompiles()).toBe(true);
  });

  it('closed-form G and nonzero list: kernel equals closedFormGradients (ties, signed zeros, pruned fc)', () => {
    for (let seed = 0; seed < 30; seed++) {
      const r = rng(seed, 'wasm-path-act');
      const n = 7;
      const A = Float32Array.from({ length: n * 11 * 11 * 8 }, () => [-1, -0, 0, 0.5, 1, 1, 2, 3e-39][Math.floor(r.next() * 8)]);
      const fc = Float32Array.from({ length: 2000 }, () => (r.next() < 0.4 ? (r.next() < 0.5 ? 0 : -0) : r.next() * 2 - 1));
      const targets = Int32Array.from({ length: n }, () => Math.floor(r.next() * 10));
      const want = closedFormGradients(A, n, 11, 11, 8, fc, targets)!;
      const got = closedFormGradientsWasm(A, n, 11, 11, 8, fc, targets)!;
      expect(firstDiff(got.gradients, want.gradients), `seed ${seed}`).toBeNull();
      expect(Array.from(got.nonzero.offsets)).toEqual(Array.from(want.nonzero.offsets));
      expect(Array.from(got.nonzero.index)).toEqual(Array.from(want.nonzero.index));
    }
    const A = new Float32Array(968);
    A[5] = Infinity;
    expect(closedFormGradientsWasm(A, 1, 11, 11, 8, new Float32Array(2000), Int32Array.of(0))).toBeNull();
    const fc = new Float32Array(2000);
    fc[7] = NaN;
    expect(closedFormGradientsWasm(new Float32Array(968), 1, 11, 11, 8, fc, Int32Array.of(0))).toBeNull();
  });

  it('conv2ActivationsNoGrad (conv blocks as PrunecamConvReluPool on wasm) equals conv2Activations bit for bit, incl. NaN/Infinity', () => {
    const special = [NaN, Infinity, -Infinity, 1e38, -1e38, -0, 0];
    for (let seed = 0; seed < 16; seed++) {
      const r = rng(seed, 'wasm-path-conv');
      const w = weights(seed, [1, 0.05, 30, 1e18][seed % 4], [0, 0.5][seed % 2]);
      if (seed >= 8) {
        // Non-finite or huge weights, biases and inputs in a few places (NaN sums, inf - inf).
        for (const name of ['conv1.weight', 'conv1.bias', 'conv2.weight', 'conv2.bias'] as const) {
          for (let j = 0; j < 2; j++) w[name][Math.floor(r.next() * w[name].length)] = special[Math.floor(r.next() * special.length)];
        }
      }
      const n = 9;
      const data = images(seed, n, seed % 3 === 0);
      // Non-finite inputs (the tf-ops fallback, see conv2ActivationsNoGrad).
      if (seed >= 12) for (let j = 0; j < 20; j++) data[Math.floor(r.next() * data.length)] = special[Math.floor(r.next() * special.length)];
      const p = toTensors(w);
      const x = tf.tensor4d(data, [n, 28, 28, 1]);
      try {
        const want = tf.tidy(() => conv2Activations(p, x));
        const got = tf.tidy(() => conv2ActivationsNoGrad(p, x));
        const wantData = want.dataSync() as Float32Array;
        const gotData = got.dataSync() as Float32Array;
        const shapes = [got.shape, want.shape];
        want.dispose();
        got.dispose();
        expect(shapes[0]).toEqual(shapes[1]);
        expect(firstDiff(gotData, wantData), `seed ${seed}`).toBeNull();
      } finally {
        x.dispose();
        disposeParams(p);
      }
    }
  });

  const base: ExplainOptions = { alphaEps: 1e-6, normEps: 1e-7, batchSize: 37, random: { seed: 3, level: 1 } };

  it('random, scaled and pruned models, all explainers, bit for bit', () => {
    let seed = 0;
    for (const scale of [0.05, 1, 4, 1e3]) for (const pruned of [0, 0.5, 0.95]) for (const quantised of [false, true]) {
      seed++;
      const n = 60;
      both(weights(seed, scale, pruned), images(seed, n, quantised), n, base, `seed ${seed} scale ${scale} pruned ${pruned} quantised ${quantised}`);
    }
  });

  it('explicit targets, alphaEps 0, batch sizes 1 and larger than the input', () => {
    const n = 23;
    const targets = Array.from({ length: n }, (_, i) => (i * 7) % 10);
    for (const batchSize of [1, 5, 100]) {
      both(weights(40, 1, 0.5), images(40, n, false), n, { ...base, alphaEps: 0, batchSize, targets }, `batch ${batchSize}`);
    }
  });

  it('all-zero maps (target without live fc weights) and all-zero images', () => {
    const w = weights(11, 1, 0);
    for (let f = 0; f < 200; f++) w['fc.weight'][f * 10 + 4] = 0;
    const n = 6;
    const r = both(w, images(11, n, true), n, { ...base, targets: Array(n).fill(4) }, 'dead target');
    expect(r.byMethod.gradcampp!.cams.every((v) => v === 0)).toBe(true);
    both(weights(12, 1, 0), new Float32Array(n * 784), n, base, 'zero images');
  });

  it('non-finite maps (overflow) and non-finite activations or weights (autodiff fallback)', () => {
    const w = weights(2, 1, 0);
    w['conv2.weight'].fill(0);
    w['conv2.bias'].fill(0);
    w['conv2.bias'][0] = 1e30;
    w['fc.weight'].fill(0);
    for (let f = 0; f < 200; f += 8) w['fc.weight'][f * 10 + 3] = 1e30;
    const n = 4;
    const r = both(w, images(2, n, false), n, { ...base, targets: [3, 3, 3, 3] }, 'overflow');
    expect(r.byMethod.gradcam!.nonFinite).toEqual([0, 1, 2, 3]);
    expect(r.byMethod.gradcampp!.cams.some((v) => Number.isNaN(v)) || r.byMethod.gradcampp!.nonFinite.length === 0).toBe(true);
    // Non-finite images.
    const bad = images(8, n, false);
    bad[100] = Infinity;
    bad[900] = NaN;
    bad[2000] = -Infinity;
    both(weights(8, 1, 0), bad, n, base, 'non-finite images');
    // Huge weights: activations overflow to +-inf (closed form refused, autodiff G).
    both(weights(5, 1e19, 0), images(5, n, false), n, base, 'infinite activations');
    const nanW = weights(6, 1, 0);
    nanW['conv2.bias'][1] = NaN;
    both(nanW, images(6, n, false), n, base, 'NaN bias');
    const infFc = weights(7, 1, 0);
    infFc['fc.weight'][13] = Infinity;
    both(infFc, images(7, n, false), n, base, 'infinite fc weight');
  });
});
