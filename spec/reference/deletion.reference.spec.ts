import { afterAll, describe, expect, it } from 'vitest';
import { selectBackend } from '../../src/backend/select.ts';
import { deletionScores } from '../../src/metrics/deletion.ts';
import { weightsFromTorchJson, type TorchTensorJson } from '../../src/model/layout.ts';
import { disposeParams, toTensors } from '../../src/model/params.ts';
import { expectClose, fixturesOfKind } from '../support/fixtures.ts';

// Every `deletion` fixture (PyTorch float32 forward + softmax of numpy-perturbed inputs), on the
// wasm and the cpu backend: the whole curve p_0 .. p_T of each image and its AUC.
const fixtures = fixturesOfKind('deletion');
const BACKENDS = ['wasm', 'cpu'] as const;

interface DeletionWant {
  curves: TorchTensorJson;
  auc: number[];
}

const worst = Object.fromEntries(BACKENDS.map((b) => [b, { curves: 0, auc: 0 }])) as Record<(typeof BACKENDS)[number], { curves: number; auc: number }>;

describe('deletion fixtures (PyTorch reference)', () => {
  afterAll(() => {
    console.log(`deletion fixtures: largest |deviation| ${BACKENDS.map((b) => `${b}: curves ${worst[b].curves.toExponential(2)}, auc ${worst[b].auc.toExponential(2)}`).join('; ')}`);
  });
  it('has at least one fixture', () => expect(fixtures.length).toBeGreaterThan(0));
  for (const backend of BACKENDS) {
    for (const fx of fixtures) {
      it(`${fx.file} on ${backend}`, async () => {
        await selectBackend(backend);
        const inputs = fx.inputs as TorchTensorJson;
        const n = inputs.shape[0];
        expect(inputs.shape).toEqual([n, 1, 28, 28]); // with one channel NCHW and NHWC agree
        const steps = fx.steps as number;
        const params = toTensors(weightsFromTorchJson(fx.model as Record<string, TorchTensorJson>));
        // A batch size that does not divide the rows, so the batch boundaries are exercised too.
        const [got] = deletionScores(params, Float32Array.from(inputs.data), fx.targets as number[], [Float32Array.from((fx.heatmaps as TorchTensorJson).data)], {
          deletion: { images: n, steps },
          normalize: fx.normalize as { mean: number; std: number },
          batchSize: 7,
        });
        disposeParams(params);
        const want = fx.want as DeletionWant;
        expect(want.curves.shape).toEqual([n, steps + 1]);
        expect(got.zeroHeatmaps + got.nonFiniteHeatmaps).toBe(0);
        worst[backend].curves = Math.max(worst[backend].curves, expectClose(got.curves, want.curves.data, fx.tolerance, 'curves'));
        worst[backend].auc = Math.max(worst[backend].auc, expectClose(got.auc, want.auc, fx.tolerance, 'auc'));
      });
    }
  }
});
