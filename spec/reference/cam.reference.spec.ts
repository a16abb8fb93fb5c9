import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { explainAll } from '../../src/explain/explain.ts';
import { explainerOfLibraryClass } from '../../src/explain/registry.ts';
import { weightsFromTorchJson, type TorchTensorJson } from '../../src/model/layout.ts';
import { disposeParams, toTensors } from '../../src/model/params.ts';
import { THESIS } from '../../src/protocol/builtin.ts';
import { expectClose, fixturesOfKind, type Fixture } from '../support/fixtures.ts';
import { specBackend } from '../support/backend.ts';

// Every `cam` fixture (pytorch-grad-cam 1.4.6, the class named by `method`, on conv2 with
// OpenCV's resize) and every `gradcampp` fixture (the same with GradCAMPlusPlus, from before
// `method` existed): final cams, the pre-resize cams, the target classes and the logits must
// match the library. The explainer is looked up by library class in the registry, so a fixture
// for a class no explainer reproduces fails rather than being skipped.
const fixtures: Array<Fixture & { method: string }> = [
  ...fixturesOfKind('cam').map((fx) => ({ ...fx, method: fx.method as string })),
  ...fixturesOfKind('gradcampp').map((fx) => ({ ...fx, method: 'GradCAMPlusPlus' })),
];

interface CamWant {
  cam: TorchTensorJson;
  cam_small: TorchTensorJson;
  target_classes: number[];
  logits: TorchTensorJson;
}

/** Largest |deviation| per library class, printed once at the end. */
const worst = new Map<string, { cam: number; cam_small: number; logits: number }>();
let backend = '';

describe('cam and gradcampp fixtures (pytorch-grad-cam reference)', () => {
  beforeAll(async () => {
    backend = await specBackend();
  });
  afterAll(() => {
    for (const [method, w] of worst) console.log(`${method} fixtures on ${backend}: largest |deviation| cam ${w.cam}, cam_small ${w.cam_small}, logits ${w.logits}`);
  });
  it('has cam fixtures and gradcampp fixtures', () => {
    expect(fixturesOfKind('cam').length).toBeGreaterThan(0);
    expect(fixturesOfKind('gradcampp').length).toBeGreaterThan(0);
  });
  for (const fx of fixtures) {
    it(fx.file, () => {
      const method = explainerOfLibraryClass(fx.method);
      if (method === null) throw new Error(`${fx.file}: no explainer reproduces pytorch-grad-cam class '${fx.method}'`);
      expect(fx.target_layer).toBe('conv2');
      const inputs = fx.inputs as TorchTensorJson;
      const n = inputs.shape[0];
      expect(inputs.shape).toEqual([n, 1, 28, 28]); // with one channel NCHW and NHWC agree
      const targets = fx.targets as number[] | null;
      const params = toTensors(weightsFromTorchJson(fx.model as Record<string, TorchTensorJson>));
      // A batch size that does not divide n, so the batch boundaries are exercised too.
      let got;
      try {
        got = explainAll(params, { data: Float32Array.from(inputs.data), n }, [method], { ...THESIS.explain, batchSize: 5, ...(targets ? { targets } : {}) });
      } finally {
        disposeParams(params);
      }
      const want = fx.want as CamWant;
      const heat = got.byMethod[method]!;
      expect(Array.from(got.targets)).toEqual(want.target_classes);
      expect(heat.nonFinite).toEqual([]);
      const w = worst.get(fx.method) ?? { cam: 0, cam_small: 0, logits: 0 };
      w.cam = Math.max(w.cam, expectClose(heat.cams, want.cam.data, fx.tolerance, 'cam'));
      w.cam_small = Math.max(w.cam_small, expectClose(heat.camSmall, want.cam_small.data, fx.tolerance, 'cam_small'));
      w.logits = Math.max(w.logits, expectClose(got.logits, want.logits.data, fx.tolerance, 'logits'));
      worst.set(fx.method, w);
    });
  }
});
