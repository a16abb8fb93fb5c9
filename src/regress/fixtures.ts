import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { explainAll } from '../explain/explain.ts';
import { forward, PARAM_NAMES } from '../model/cnn.ts';
import { weightsFromTorchJson, type TorchTensorJson } from '../model/layout.ts';
import { disposeParams, toTensors } from '../model/params.ts';
import { THESIS } from '../protocol/builtin.ts';
import { sha256Hex } from '../report/canonical.ts';
import { replayTrainSteps, type TrainStepsCase } from '../train/replay-fixture.ts';

// The reference fixtures (fixtures/reference, FORMAT.md) of the kinds that exercise tfjs
// numerics: forward logits, SGD training steps and Grad-CAM++ heatmaps. Each is computed on the
// active backend, checked against the reference library's values within the fixture's own
// tolerance, and digested so a golden can tell "bit-identical" from "within tolerance".

export const FIXTURE_DIR = join(import.meta.dirname, '..', '..', 'fixtures', 'reference');
export const REGRESS_FIXTURE_KINDS = ['forward', 'train-steps', 'gradcampp'] as const;

interface Tolerance {
  abs: number;
  rel: number;
}

interface Fixture {
  file: string;
  kind: string;
  tolerance: Tolerance;
  [key: string]: unknown;
}

export interface FixtureOutcome {
  file: string;
  /** sha256 of the outputs' float32 bytes, in a fixed order. */
  digest: string;
  /** Largest |got - want| over the outputs. */
  maxDeviation: number;
  /** The first output outside the fixture's tolerance, or null. */
  violation: string | null;
}

function fixtures(): Fixture[] {
  return readdirSync(FIXTURE_DIR)
    .filter((f) => f.endsWith('.json'))
    .sort()
    .map((f) => ({ file: f, ...JSON.parse(readFileSync(join(FIXTURE_DIR, f), 'utf8')) }) as Fixture)
    .filter((fx) => (REGRESS_FIXTURE_KINDS as readonly string[]).includes(fx.kind));
}

/** Outputs of one fixture on the active backend, each with the reference values it must match. */
function outputsOf(fx: Fixture): Array<{ what: string; got: ArrayLike<number>; want: ArrayLike<number> }> {
  const params = toTensors(weightsFromTorchJson(fx.model as Record<string, TorchTensorJson>));
  const want = fx.want as Record<string, TorchTensorJson & { losses?: number[] } & Record<string, unknown>>;
  if (fx.kind === 'forward') {
    const inputs = fx.inputs as TorchTensorJson;
    const n = inputs.shape[0];
    const logits = tf.tidy(() => forward(params, tf.tensor4d(inputs.data, [n, 28, 28, 1])).dataSync());
    disposeParams(params);
    return [{ what: 'logits', got: logits, want: want.logits.data }];
  }
  if (fx.kind === 'gradcampp') {
    const inputs = fx.inputs as TorchTensorJson;
    const n = inputs.shape[0];
    const targets = fx.targets as number[] | null;
    const got = explainAll(params, { data: Float32Array.from(inputs.data), n }, ['gradcampp'], { ...THESIS.explain, batchSize: 5, ...(targets ? { targets } : {}) });
    disposeParams(params);
    return [
      { what: 'cam', got: got.byMethod.gradcampp!.cams, want: want.cam.data },
      { what: 'logits', got: got.logits, want: want.logits.data },
    ];
  }
  disposeParams(params);
  return trainSteps(fx);
}

function trainSteps(fx: Fixture) {
  const { losses, after } = replayTrainSteps(fx as unknown as TrainStepsCase);
  const want = fx.want as { losses: number[]; model_after: Record<string, TorchTensorJson> };
  const wantW = weightsFromTorchJson(want.model_after);
  return [{ what: 'losses', got: losses, want: want.losses }, ...PARAM_NAMES.map((n) => ({ what: n, got: after[n], want: wantW[n] }))];
}

/** Runs every fixture of REGRESS_FIXTURE_KINDS on the active backend. */
export function runFixtures(): FixtureOutcome[] {
  return fixtures().map((fx) => {
    const outputs = outputsOf(fx);
    let maxDeviation = 0;
    let violation: string | null = null;
    for (const { what, got, want } of outputs) {
      for (let i = 0; i < want.length; i++) {
        const d = Math.abs(got[i] - want[i]);
        if (!(d <= fx.tolerance.abs + fx.tolerance.rel * Math.abs(want[i])) && violation === null) {
          violation = `${what}[${i}]: got ${got[i]}, want ${want[i]} (|diff| ${d.toExponential(2)} > ${fx.tolerance.abs} + ${fx.tolerance.rel}*|want|)`;
        }
        if (Number.isFinite(d)) maxDeviation = Math.max(maxDeviation, d);
      }
    }
    const bytes = Buffer.concat(outputs.map((o) => Buffer.from(Float32Array.from(o.got).buffer)));
    return { file: fx.file, digest: sha256Hex(bytes), maxDeviation, violation };
  });
}
