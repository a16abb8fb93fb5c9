// Writes the golden signed smoke reports used by spec/report/golden.spec.ts and the demo:
//   npx tsx spec/report/support/make-golden.ts
// The reports are fabricated (hand-chosen values, no training) but schema-valid and signed with
// golden/test-signing-key.pem, a TEST-ONLY key committed on purpose. ECDSA signatures are
// randomised, so re-running changes the signatures (not the payloads).
// Each report also lists its seed's per-level checkpoints as OPTIONAL artifacts. They are written
// (placeholders) to be digested, then deleted: the committed goldens are, like a real published
// run, copies without their checkpoints, and still verify.
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { SMOKE } from '../../../src/protocol/builtin.ts';
import { generateSigningKey, loadSigningKey } from '../../../src/report/keys.ts';
import { writeSignedReport } from '../../../src/report/sign.ts';
import type { ReportPredicate } from '../../../src/report/types.ts';
import { fabricatePredicate, writeFiles, type LevelValues } from './fabricate.ts';

export const GOLDEN_DIR = join(import.meta.dirname, '..', '..', '..', 'golden');
export const TEST_KEY = join(GOLDEN_DIR, 'test-signing-key.pem');

const TEST_KEY_HEADER = `TEST ONLY. This private key is published in the prunecam repository to sign the fabricated
golden reports (golden/report-smoke-*.json). Anyone can sign with it: never use it for a real
report. Real reports are signed with the key from 'prunecam keygen'.

`;

/** Hand-chosen smoke-run values (1 seed, 3 levels). */
const SMOKE_A: LevelValues[] = [
  { cleanAccuracy: 0.912, noisyAccuracy: 0.905, meanIoU: 0.171, heatmapStd: 0.21 },
  { cleanAccuracy: 0.918, noisyAccuracy: 0.911, meanIoU: 0.176, heatmapStd: 0.215 },
  { cleanAccuracy: 0.921, noisyAccuracy: 0.914, meanIoU: 0.183, heatmapStd: 0.22 },
];
/** The same run with two regressions: level 1 noisy accuracy -0.9 pp, level 2 mean IoU +0.032. */
const SMOKE_DRIFTED: LevelValues[] = [SMOKE_A[0], { ...SMOKE_A[1], noisyAccuracy: 0.902 }, { ...SMOKE_A[2], meanIoU: 0.215 }];

function smokePredicate(values: LevelValues[]): ReportPredicate {
  return fabricatePredicate({
    protocol: SMOKE,
    values: (l) => values[l],
    correlation: null,
    dataset: { description: 'MNIST, first 2000 training and 500 test images (fabricated golden report)', trainImages: 2000, testImages: 500 },
  });
}

function levelsCsv(p: ReportPredicate): string {
  const rows = p.aggregate.map((a) => [a.level, a.remainingWeights, a.cleanAccuracy.mean, a.noisyAccuracy.mean, a.meanIoU.mean].join(','));
  return ['level,remainingWeights,cleanAccuracy,noisyAccuracy,meanIoU', ...rows, ''].join('\n');
}

/** Placeholder checkpoint files of a fabricated run (relative path -> content); never committed. */
function placeholderCheckpoints(dir: string, p: ReportPredicate): Record<string, string> {
  const files: Record<string, string> = {};
  for (const s of p.seeds) {
    for (const l of s.levels) {
      const level = String(l.level).padStart(2, '0');
      files[`${dir}/seed-${s.seed}/level-${level}.ckpt.json`] = `${JSON.stringify({ fabricated: true, runId: p.runId, seed: s.seed, level: l.level })}\n`;
    }
  }
  return files;
}

function main(): void {
  if (!existsSync(TEST_KEY)) {
    const pem = generateSigningKey('ecdsa-p256').privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
    writeFileSync(TEST_KEY, TEST_KEY_HEADER + pem, { mode: 0o644 });
  }
  const key = loadSigningKey(TEST_KEY);
  for (const [name, values] of [['a', SMOKE_A], ['drifted', SMOKE_DRIFTED]] as const) {
    const predicate = smokePredicate(values);
    const artifact = `report-smoke/levels-${name}.csv`;
    const checkpointsDir = `report-smoke/checkpoints-${name}`;
    const checkpoints = placeholderCheckpoints(checkpointsDir, predicate);
    writeFiles(GOLDEN_DIR, { [artifact]: levelsCsv(predicate), ...checkpoints });
    const w = writeSignedReport(GOLDEN_DIR, predicate, {
      artifacts: [artifact, ...Object.keys(checkpoints)],
      optionalArtifacts: Object.keys(checkpoints),
      signingKey: key,
      reportName: `report-smoke-${name}.json`,
    });
    rmSync(join(GOLDEN_DIR, checkpointsDir), { recursive: true });
    console.log(`wrote ${w.reportPath} (keyid ${w.keyid}; ${Object.keys(checkpoints).length} optional checkpoint(s) digested, then removed)`);
  }
  console.log(readFileSync(join(GOLDEN_DIR, 'public-key.pem'), 'utf8').trim());
}

main();
