import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PARAM_NAMES, WEIGHT_NAMES } from '../../src/model/cnn.ts';
import { weightsFromTorchJson, type TorchTensorJson } from '../../src/model/layout.ts';
import { replayTrainSteps, type TrainStepsCase } from '../../src/train/replay-fixture.ts';
import { expectClose, fixturesOfKind } from '../support/fixtures.ts';
import { specBackend } from '../support/backend.ts';

const fixtures = fixturesOfKind('train-steps');
// Both training paths: the fused kernels (cpu, wasm) and tfjs autodiff, which is what the
// tensorflow/GPU backend uses; autodiff runs here on the spec backend so CI covers it too.
const PATHS = ['fused', 'autodiff'] as const;
const worst = { fused: { loss: 0, weights: 0 }, autodiff: { loss: 0, weights: 0 } };

describe('train-steps fixtures (torch.optim.SGD reference)', () => {
  beforeAll(async () => {
    await specBackend();
  });
  it('has at least one fixture', () => expect(fixtures.length).toBeGreaterThan(0));
  afterAll(() => {
    for (const p of PATHS) console.log(`train-steps (${p}): largest |diff| loss ${worst[p].loss.toExponential(2)}, weights ${worst[p].weights.toExponential(2)}`);
  });
  for (const fx of fixtures) for (const path of PATHS) {
    it(`${fx.file} (${path} training path)`, () => {
      const opt = fx.optimizer as { lr: number; momentum: number; weight_decay: number; dampening: number; nesterov: boolean };
      expect(opt.dampening, 'dampening other than 0 is not PyTorch-SGD semantics we implement').toBe(0);
      expect(opt.nesterov).toBe(false);
      const { losses, after, mask } = replayTrainSteps(fx as unknown as TrainStepsCase, path);
      const want = fx.want as { losses: number[]; model_after: Record<string, TorchTensorJson> };
      worst[path].loss = Math.max(worst[path].loss, expectClose(losses, want.losses, fx.tolerance, 'losses'));
      const wantW = weightsFromTorchJson(want.model_after);
      for (const n of PARAM_NAMES) worst[path].weights = Math.max(worst[path].weights, expectClose(after[n], wantW[n], fx.tolerance, n));
      // A pruned weight is exactly 0 after every step.
      // (-0 from w*0 counts as 0: it is numerically zero in every later product.)
      for (const n of WEIGHT_NAMES) after[n].forEach((v, i) => mask[n][i] === 0 && expect(v === 0, `${n}[${i}] = ${v}`).toBe(true));
    });
  }
});
