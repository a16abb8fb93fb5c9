import * as tf from '@tensorflow/tfjs';
import { currentProvenance } from '../experiment/provenance.ts';
import { runFixtures } from './fixtures.ts';
import { compareWithGolden, goldenPath, readGolden, writeGolden, type DriftRow, type Measured } from './golden.ts';
import { runShortProtocol } from './short-run.ts';

/** Measures the fixtures and the short protocol on the active backend. */
export async function measure(): Promise<Measured> {
  const p = await currentProvenance();
  const fixtures = runFixtures();
  const short = await runShortProtocol();
  return { versions: { tfjs: tf.version.tfjs, backend: p.backend, backendVersion: p.backendVersion, trainingPath: p.trainingPath }, fixtures, ...short };
}

export type RegressOutcome = { kind: 'updated'; path: string; measured: Measured } | { kind: 'compared'; path: string; measured: Measured; exact: boolean; rows: DriftRow[] };

export class RegressError extends Error {
  override name = 'RegressError';
}

/** Compares with (or, with `update`, rewrites) the golden of the active backend in `dir`. */
export async function regress(o: { update: boolean; dir?: string }): Promise<RegressOutcome> {
  const measured = await measure();
  const path = goldenPath(measured.versions.backend, o.dir);
  if (o.update) {
    writeGolden(path, measured);
    return { kind: 'updated', path, measured };
  }
  const golden = readGolden(path);
  if (!golden) throw new RegressError(`no golden for backend ${measured.versions.backend}: ${path} does not exist; create it with 'prunecam regress --backend ${measured.versions.backend} --update' and commit it`);
  const rows = compareWithGolden(golden, measured);
  const exact = JSON.stringify(golden.versions) === JSON.stringify(measured.versions);
  return { kind: 'compared', path, measured, exact, rows };
}
