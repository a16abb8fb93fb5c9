import { backendInfo } from '../backend/select.ts';
import type { Provenance } from '../results/types.ts';
import { hasFusedKernels } from '../train/step.ts';
import { gitCommit, packageVersion, PRUNECAM_ROOT } from './environment.ts';

// What produces a level's numbers, recorded per level (checkpoint and report). Backends and
// training paths round differently, so a run folder's levels must all come from one of each.

let cached: { backend: string; value: Provenance } | null = null;

/** The provenance of work done now, on the active backend (call selectBackend first). */
export async function currentProvenance(): Promise<Provenance> {
  const info = await backendInfo();
  // git runs twice per call; the answer does not change within a process for one backend.
  if (cached?.backend !== info.backend) {
    cached = {
      backend: info.backend,
      value: {
        backend: info.backend,
        backendVersion: info.version,
        trainingPath: hasFusedKernels() ? 'fused' : 'autodiff',
        prunecamVersion: packageVersion(PRUNECAM_ROOT),
        gitCommit: gitCommit(),
      },
    };
  }
  return cached.value;
}

/**
 * Why work recorded as `recorded` cannot be continued as `current` (another backend or training
 * path), naming both; null when it can. Version changes are allowed: they are recorded per level.
 */
export function provenanceConflict(recorded: Provenance, current: Provenance): string | null {
  const problems: string[] = [];
  if (recorded.backend !== current.backend) problems.push(`backend ${recorded.backend}, not ${current.backend}`);
  if (recorded.trainingPath !== current.trainingPath) problems.push(`training path ${recorded.trainingPath}, not ${current.trainingPath}`);
  return problems.length ? problems.join(' and ') : null;
}
