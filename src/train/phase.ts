import * as tf from '@tensorflow/tfjs';
import { batchesOf, epochOrder, noisyBatchMaker, trainNoiseRng } from '../data/batches.ts';
import type { Split } from '../data/sources.ts';
import type { Params } from '../model/cnn.ts';
import type { LrStep, ProtocolConfig } from '../protocol/types.ts';
import { epochsOf, lrAt } from '../protocol/resolve.ts';
import { Sgd } from './sgd.ts';
import { heapTrainer } from './heap-step.ts';
import { trainStep, type MaskTensors } from './step.ts';

/** A non-finite loss: the run stops here; finished levels stay on disk. */
export class NonFiniteLossError extends Error {
  override name = 'NonFiniteLossError';
  constructor(
    readonly seed: number,
    readonly level: number | 'pretrain',
    readonly epoch: number,
    readonly step: number,
    readonly loss: number,
  ) {
    super(`loss became ${loss} at seed ${seed}, level ${level}, epoch ${epoch}, step ${step}; the run stops here (finished levels are kept on disk)`);
  }
}

export interface PhaseProgress {
  epoch: number;
  epochsTotal: number;
  step: number;
  stepsTotal: number;
  imagesPerS: number;
}

export interface PhaseOptions {
  config: ProtocolConfig;
  train: Split;
  seed: number;
  /** Pruning level, or 'pretrain'; names the training-noise stream and error messages. */
  level: number | 'pretrain';
  lrTable: LrStep[];
  /** Global number of the phase's first epoch (1 for pretraining, 11 for retraining). */
  firstEpoch: number;
  masks: MaskTensors;
  onProgress?: (p: PhaseProgress) => void;
  /** false runs every step through the kernels (trainStep) even where the heap trainer runs (the specs compare the two). */
  heapStep?: boolean;
}

/**
 * Trains `params` for one phase (pretraining or a level's retraining) with a fresh optimizer and
 * returns the trained parameters (the input tensors are consumed) and each epoch's mean loss.
 * Losses stay on the device until the end of an epoch: one read-back per epoch, not per step.
 */
export function trainPhase(params: Params, o: PhaseOptions): { params: Params; epochLosses: number[] } {
  const { config, train, seed } = o;
  const { batchSize, momentum, weightDecay } = config.training.optimizer;
  const epochs = epochsOf(o.lrTable);
  const stepsTotal = Math.ceil(train.n / batchSize);
  const sgd = new Sgd();
  const epochLosses: number[] = [];
  const noiseLevel = o.level === 'pretrain' ? -1 : o.level;
  const makeBatch = noisyBatchMaker(train, config.data.noise, config.data.normalize, batchSize);
  // The step on the wasm heap where it runs (the same bits as trainStep, without the engine's bookkeeping).
  const heap = o.heapStep === false ? null : heapTrainer(params, o.masks, batchSize, [28, 28, 1]);
  const heapLosses = new Float32Array(heap === null ? 0 : stepsTotal);
  try {
    for (let e = 0; e < epochs; e++) {
      const epoch = o.firstEpoch + e;
      const lr = lrAt(o.lrTable, e);
      const order = epochOrder(seed, epoch, train.n);
      const noise = trainNoiseRng(seed, noiseLevel, epoch);
      const losses: tf.Scalar[] = [];
      const t0 = performance.now();
      let step = 0;
      let seen = 0;
      for (const idx of batchesOf(order, batchSize)) {
        const b = makeBatch(idx, noise);
        if (heap !== null) {
          heapLosses[step] = heap.step(b.images, b.labels, idx.length, { lr, momentum, weightDecay });
        } else {
          const xt = tf.tensor4d(b.images, [idx.length, 28, 28, 1]);
          const yt = tf.tensor1d(b.labels, 'int32');
          const r = trainStep(params, xt, yt, sgd, { lr, momentum, weightDecay }, o.masks);
          tf.dispose([xt, yt]);
          params = r.params;
          losses.push(r.loss);
        }
        step++;
        seen += idx.length;
        if (o.onProgress && (step % 20 === 0 || step === stepsTotal)) {
          o.onProgress({ epoch: e + 1, epochsTotal: epochs, step, stepsTotal, imagesPerS: seen / ((performance.now() - t0) / 1000) });
        }
      }
      const values = heap !== null ? Array.from(heapLosses.subarray(0, step)) : Array.from(tf.tidy(() => tf.stack(losses).dataSync()));
      tf.dispose(losses);
      const bad = values.findIndex((v) => !Number.isFinite(v));
      if (bad >= 0) throw new NonFiniteLossError(seed, o.level, epoch, bad + 1, values[bad]);
      epochLosses.push(values.reduce((a, b) => a + b, 0) / values.length);
    }
    if (heap !== null) {
      tf.dispose(Object.values(params));
      params = heap.finish();
    }
  } finally {
    sgd.dispose();
    heap?.dispose();
  }
  return { params, epochLosses };
}
