import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { batchesOf, epochOrder, noisyBatchMaker, trainNoiseRng } from '../data/batches.ts';
import { loadDataset } from '../data/sources.ts';
import { seedEvaluator } from '../experiment/evaluate.ts';
import { currentProvenance } from '../experiment/provenance.ts';
import { disposeParams, initWeights, toTensors } from '../model/params.ts';
import { SMOKE } from '../protocol/builtin.ts';
import { lrAt, withOverrides } from '../protocol/resolve.ts';
import type { ProtocolConfig } from '../protocol/types.ts';
import { runSeed } from '../prune/levels.ts';
import { maskTensors, onesMask } from '../train/masks.ts';
import { Sgd } from '../train/sgd.ts';
import { trainStep } from '../train/step.ts';

// The short deterministic protocol of `prunecam regress`: the smoke pipeline on 800 embedded
// images with batches of 32, so pretraining is exactly 100 steps, then two pruning levels on
// one seed. It finishes in seconds and touches every part a tfjs upgrade can move: data
// pipeline, training kernels, pruning and the evaluator.

export const LOSS_STEPS = 100;

export const REGRESS_PROTOCOL: ProtocolConfig = withOverrides(
  SMOKE,
  {
    name: 'regress',
    seeds: [334],
    dataset: { name: 'mnist-embedded', trainLimit: 800, testLimit: 200 },
    training: { optimizer: { batchSize: 32 }, pretrain: [{ epochs: 4, lr: 0.01 }], retrain: [{ epochs: 1, lr: 0.01 }] },
    pruning: { levels: 2 },
    explain: { examples: 0 },
  },
  'the regress protocol',
);

export interface ShortRunResult {
  /** The loss of each of pretraining's first LOSS_STEPS steps. */
  losses: number[];
  /** Every number of every level's metrics except wall time, by "level N metric" (methods flattened). */
  endMetrics: Record<string, number | null>;
}

/** Pretraining's first steps, one loss each, with the pipeline and update of src/train/phase.ts. */
function firstLosses(config: ProtocolConfig, train: ReturnType<typeof loadDataset>['train'], seed: number): number[] {
  const { batchSize, momentum, weightDecay } = config.training.optimizer;
  const makeBatch = noisyBatchMaker(train, config.data.noise, config.data.normalize, batchSize);
  const masks = maskTensors(onesMask());
  const sgd = new Sgd();
  let params = toTensors(initWeights(seed));
  const losses: tf.Scalar[] = [];
  try {
    for (let e = 0; losses.length < LOSS_STEPS; e++) {
      const order = epochOrder(seed, e + 1, train.n);
      const noise = trainNoiseRng(seed, -1, e + 1);
      for (const idx of batchesOf(order, batchSize)) {
        if (losses.length === LOSS_STEPS) break;
        const b = makeBatch(idx, noise);
        const x = tf.tensor4d(b.images, [idx.length, 28, 28, 1]);
        const y = tf.tensor1d(b.labels, 'int32');
        const r = trainStep(params, x, y, sgd, { lr: lrAt(config.training.pretrain, e), momentum, weightDecay }, masks);
        tf.dispose([x, y]);
        params = r.params;
        losses.push(r.loss);
      }
    }
    return Array.from(tf.tidy(() => tf.stack(losses).dataSync()));
  } finally {
    tf.dispose(losses);
    disposeParams(params);
    disposeParams(masks);
    sgd.dispose();
  }
}

function flatten(value: unknown, prefix: string, out: Record<string, number | null>): void {
  if (typeof value === 'number' || value === null) out[prefix] = value;
  else if (typeof value === 'object' && value !== undefined) for (const [k, v] of Object.entries(value as object)) flatten(v, `${prefix}.${k}`, out);
}

/** Runs the regress protocol on the active backend (in a scratch folder). */
export async function runShortProtocol(): Promise<ShortRunResult> {
  const config = REGRESS_PROTOCOL;
  const seed = config.seeds[0];
  const dataset = loadDataset(config.dataset);
  const losses = firstLosses(config, dataset.train, seed);
  const scratch = mkdtempSync(join(tmpdir(), 'prunecam-regress-'));
  try {
    const result = await runSeed({
      config,
      runId: 'regress',
      runDir: scratch,
      seed,
      train: dataset.train,
      evaluate: seedEvaluator(config, dataset.test, seed, scratch),
      provenance: await currentProvenance(),
    });
    const endMetrics: Record<string, number | null> = {};
    for (const { wallTimeS: _t, provenance: _p, level, ...m } of result.levels) flatten(m, `level ${level}`, endMetrics);
    return { losses, endMetrics };
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}
