import * as tf from '@tensorflow/tfjs';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { selectBackend } from '../../src/backend/select.ts';
import { rng } from '../../src/data/rng.ts';
import { loadDataset, type Split } from '../../src/data/sources.ts';
import { PARAM_NAMES, WEIGHT_NAMES, type Params } from '../../src/model/cnn.ts';
import { disposeParams, initWeights, toTensors } from '../../src/model/params.ts';
import { resolveProtocolObject } from '../../src/protocol/index.ts';
import type { ProtocolConfig } from '../../src/protocol/types.ts';
import { heapTrainer } from '../../src/train/heap-step.ts';
import { applyMask, maskTensors, onesMask } from '../../src/train/masks.ts';
import { NonFiniteLossError, trainPhase, type PhaseOptions } from '../../src/train/phase.ts';

// The heap trainer (src/train/heap-step.ts) runs the training step's WebAssembly functions
// without the tfjs engine; it must give the kernel path's (trainStep's) bits exactly: the same
// weights after every phase, the same per-epoch losses, the same NonFiniteLossError. Compared
// here phase against phase on wasm, where both paths run (heapStep: false forces the kernels).

function randomSplit(n: number, seed: number): Split {
  const r = rng(seed, 'spec-heap-data');
  const images = new Float32Array(n * 784).map(() => (r.next() < 0.8 ? 0 : Math.fround(r.int(256) / 255)));
  const labels = new Uint8Array(n).map(() => r.int(10));
  return { images, labels, n };
}

/** Each parameter's float32 bits. */
const bitsOf = (p: Params) => Object.fromEntries(PARAM_NAMES.map((n) => [n, Array.from(new Uint32Array(Float32Array.from(p[n].dataSync()).buffer))]));

interface Phase {
  bits: Record<string, number[]>;
  losses: number[];
  error?: unknown;
}

/** One phase on `train` from the seed's initial weights under a random mask, by either path. */
function phase(config: ProtocolConfig, train: Split, seed: number, keepRate: number, epochs: number, heapStep: boolean): Phase {
  const r = rng(seed, 'spec-heap-mask');
  const mask = onesMask();
  for (const n of WEIGHT_NAMES) mask[n] = mask[n].map(() => (r.next() < keepRate ? 1 : 0));
  const masks = maskTensors(mask);
  const o: PhaseOptions = { config, train, seed, level: 3, lrTable: [{ epochs, lr: 0.05 }], firstEpoch: 11, masks, heapStep };
  try {
    const out = trainPhase(toTensors(applyMask(initWeights(seed), mask)), o);
    const bits = bitsOf(out.params);
    disposeParams(out.params);
    return { bits, losses: out.epochLosses };
  } catch (error) {
    return { bits: {}, losses: [], error };
  } finally {
    disposeParams(masks);
  }
}

describe('training step on the wasm heap', () => {
  afterAll(async () => {
    await selectBackend('auto');
  });

  it('runs on wasm (so the comparisons below compare two paths) and not on cpu', async () => {
    const tryOn = async (backend: 'cpu' | 'wasm') => {
      await selectBackend(backend);
      const params = toTensors(initWeights(1));
      const masks = maskTensors(onesMask());
      const trainer = heapTrainer(params, masks, 16, [28, 28, 1]);
      trainer?.dispose();
      disposeParams(params);
      disposeParams(masks);
      return trainer !== null;
    };
    expect(await tryOn('cpu')).toBe(false);
    expect(await tryOn('wasm')).toBe(true);
  });

  it('property: weights and epoch losses bit for bit the kernel path, for any seed, mask, batch count, noise and optimizer', async () => {
    await selectBackend('wasm');
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 2 ** 31 }),
        fc.integer({ min: 1, max: 40 }),
        fc.double({ min: 0.05, max: 1, noNaN: true }),
        fc.boolean(),
        fc.constantFrom(0, 0.9),
        fc.constantFrom(0, 5e-4),
        (seed, images, keepRate, noise, momentum, weightDecay) => {
          const config = resolveProtocolObject({ extends: 'smoke', data: { noise: { enabled: noise } }, training: { optimizer: { batchSize: 16, momentum, weightDecay } } });
          const train = randomSplit(images, seed);
          const before = tf.memory().numTensors;
          const heap = phase(config, train, seed, keepRate, 2, true);
          const kernels = phase(config, train, seed, keepRate, 2, false);
          expect(tf.memory().numTensors).toBe(before); // nothing left on the heap
          expect(heap.error).toBeUndefined();
          expect(kernels.error).toBeUndefined();
          expect(heap.losses).toEqual(kernels.losses);
          expect(heap.bits).toEqual(kernels.bits);
        },
      ),
      { numRuns: 12 },
    );
  });

  it('the thesis settings on 200 embedded MNIST images (batch 64, noise, a partial last batch, 2 epochs): the same bits', async () => {
    await selectBackend('wasm');
    const config = resolveProtocolObject({ extends: 'thesis' });
    const train = loadDataset({ ...config.dataset, name: 'mnist-embedded', trainLimit: 200, testLimit: 10 }).train;
    const heap = phase(config, train, 333, 0.8, 2, true);
    const kernels = phase(config, train, 333, 0.8, 2, false);
    expect(heap.losses).toHaveLength(2);
    expect(heap.losses).toEqual(kernels.losses);
    expect(heap.bits).toEqual(kernels.bits);
  });

  it('a NaN loss stops both paths at the same step with the same message', async () => {
    await selectBackend('wasm');
    const config = resolveProtocolObject({ extends: 'smoke', training: { optimizer: { batchSize: 16 } } });
    const run = (heapStep: boolean) => {
      const w = initWeights(7);
      w['fc.bias'][3] = NaN;
      const masks = maskTensors(onesMask());
      try {
        trainPhase(toTensors(w), { config, train: randomSplit(40, 7), seed: 7, level: 4, lrTable: [{ epochs: 1, lr: 0.01 }], firstEpoch: 11, masks, heapStep });
        return undefined;
      } catch (e) {
        return e;
      } finally {
        disposeParams(masks);
      }
    };
    const heap = run(true);
    expect(heap).toBeInstanceOf(NonFiniteLossError);
    expect((heap as Error).message).toBe('loss became NaN at seed 7, level 4, epoch 11, step 1; the run stops here (finished levels are kept on disk)');
    expect((run(false) as Error).message).toBe((heap as Error).message);
  });
});
