import { beforeAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { WEIGHT_NAMES } from '../../src/model/cnn.ts';
import { disposeParams, fromTensors, initWeights, toTensors } from '../../src/model/params.ts';
import { resolveProtocolObject } from '../../src/protocol/index.ts';
import { applyMask, maskTensors, onesMask } from '../../src/train/masks.ts';
import { NonFiniteLossError, trainPhase } from '../../src/train/phase.ts';
import { rng } from '../../src/data/rng.ts';
import type { Split } from '../../src/data/sources.ts';
import { specBackend } from '../support/backend.ts';

function randomSplit(n: number, seed: number): Split {
  const r = rng(seed, 'spec-data');
  const images = new Float32Array(n * 784).map(() => (r.next() < 0.8 ? 0 : r.next()));
  const labels = new Uint8Array(n).map(() => r.int(10));
  return { images, labels, n };
}

const config = resolveProtocolObject({ extends: 'smoke', training: { optimizer: { batchSize: 16 } } });

describe('masked training phase', () => {
  beforeAll(async () => {
    await specBackend();
  });

  it('property: after any number of masked steps on random data, every pruned weight is exactly 0', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 2 ** 31 }), fc.integer({ min: 1, max: 4 }), fc.double({ min: 0.05, max: 0.95, noNaN: true }), (seed, batches, keepRate) => {
        const r = rng(seed, 'spec-mask');
        const mask = onesMask();
        for (const n of WEIGHT_NAMES) mask[n] = mask[n].map(() => (r.next() < keepRate ? 1 : 0));
        const masks = maskTensors(mask);
        const params = toTensors(applyMask(initWeights(seed), mask));
        const out = trainPhase(params, { config, train: randomSplit(16 * batches, seed), seed, level: 1, lrTable: [{ epochs: 1, lr: 0.05 }], firstEpoch: 11, masks });
        const w = fromTensors(out.params);
        disposeParams(out.params);
        disposeParams(masks);
        for (const n of WEIGHT_NAMES) w[n].forEach((v, i) => mask[n][i] === 0 && expect(v === 0, `${n}[${i}] = ${v}`).toBe(true));
        // And the kept weights did train.
        expect(WEIGHT_NAMES.some((n) => w[n].some((v, i) => mask[n][i] === 1 && v !== 0))).toBe(true);
      }),
      { numRuns: 8 },
    );
  });

  it('a NaN loss stops training with a message naming seed, level, epoch and step', () => {
    const w = initWeights(7);
    w['fc.bias'][3] = NaN;
    const masks = maskTensors(onesMask());
    const params = toTensors(w);
    let err: unknown;
    try {
      trainPhase(params, { config, train: randomSplit(40, 7), seed: 7, level: 4, lrTable: [{ epochs: 1, lr: 0.01 }], firstEpoch: 11, masks });
    } catch (e) {
      err = e;
    }
    disposeParams(masks);
    expect(err).toBeInstanceOf(NonFiniteLossError);
    expect((err as Error).message).toBe('loss became NaN at seed 7, level 4, epoch 11, step 1; the run stops here (finished levels are kept on disk)');
  });
});
