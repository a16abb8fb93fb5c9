import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { forward } from '../../src/model/cnn.ts';
import { weightsFromTorchJson, type TorchTensorJson } from '../../src/model/layout.ts';
import { disposeParams, toTensors } from '../../src/model/params.ts';
import { expectClose, fixturesOfKind } from '../support/fixtures.ts';
import { specBackend } from '../support/backend.ts';

const fixtures = fixturesOfKind('forward');
let worst = 0;

describe('forward fixtures (PyTorch reference)', () => {
  beforeAll(async () => {
    await specBackend();
  });
  it('has at least one fixture', () => expect(fixtures.length).toBeGreaterThan(0));
  for (const fx of fixtures) {
    it(fx.file, () => {
      const params = toTensors(weightsFromTorchJson(fx.model as Record<string, TorchTensorJson>));
      const inputs = fx.inputs as TorchTensorJson;
      const n = inputs.shape[0];
      const logits = tf.tidy(() => forward(params, tf.tensor4d(inputs.data, [n, 28, 28, 1])).dataSync());
      disposeParams(params);
      const want = (fx.want as { logits: TorchTensorJson }).logits;
      worst = Math.max(worst, expectClose(logits, want.data, fx.tolerance, 'logits'));
    });
  }
  afterAll(() => console.log(`forward: largest |diff| of logits ${worst.toExponential(2)}`));
});
