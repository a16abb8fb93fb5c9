import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { explain } from '../../src/explain/gradcampp.ts';
import { weightsFromTorchJson, type TorchTensorJson } from '../../src/model/layout.ts';
import { disposeParams, toTensors } from '../../src/model/params.ts';
import { THESIS } from '../../src/protocol/builtin.ts';
import { expectClose, fixturesOfKind } from '../support/fixtures.ts';
import { specBackend } from '../support/backend.ts';

// Every `gradcampp` fixture (pytorch-grad-cam 1.4.6 GradCAMPlusPlus on conv2, OpenCV resize):
// final cams, the pre-resize cams and the target classes must match the library.
const fixtures = fixturesOfKind('gradcampp');

interface GradcamWant {
  cam: TorchTensorJson;
  cam_small: TorchTensorJson;
  target_classes: number[];
  logits: TorchTensorJson;
}

const worst = { cam: 0, cam_small: 0, logits: 0 };
let backend = '';

describe('gradcampp fixtures (pytorch-grad-cam reference)', () => {
  beforeAll(async () => {
    backend = await specBackend();
  });
  afterAll(() => {
    console.log(`gradcampp fixtures on ${backend}: largest |deviation| cam ${worst.cam}, cam_small ${worst.cam_small}, logits ${worst.logits}`);
  });
  it('has at least one fixture', () => expect(fixtures.length).toBeGreaterThan(0));
  for (const fx of fixtures) {
    it(fx.file, () => {
      expect(fx.target_layer).toBe('conv2');
      const inputs = fx.inputs as TorchTensorJson;
      const n = inputs.shape[0];
      expect(inputs.shape).toEqual([n, 1, 28, 28]); // with one channel NCHW and NHWC agree
      const targets = fx.targets as number[] | null;
      const params = toTensors(weightsFromTorchJson(fx.model as Record<string, TorchTensorJson>));
      // A batch size that does not divide n, so the batch boundaries are exercised too.
      const got = explain(params, { data: Float32Array.from(inputs.data), n }, { ...THESIS.explain, batchSize: 5, ...(targets ? { targets } : {}) });
      disposeParams(params);
      const want = fx.want as GradcamWant;
      expect(Array.from(got.targets)).toEqual(want.target_classes);
      expect(got.nonFinite).toEqual([]);
      worst.cam = Math.max(worst.cam, expectClose(got.cams, want.cam.data, fx.tolerance, 'cam'));
      worst.cam_small = Math.max(worst.cam_small, expectClose(got.camSmall, want.cam_small.data, fx.tolerance, 'cam_small'));
      worst.logits = Math.max(worst.logits, expectClose(got.logits, want.logits.data, fx.tolerance, 'logits'));
    });
  }
});
