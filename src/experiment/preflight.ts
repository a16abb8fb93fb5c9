import { CheckpointError, existingCheckpointPath, loadCheckpoint } from '../prune/checkpoint.ts';
import type { Provenance } from '../results/types.ts';
import { provenanceConflict } from './provenance.ts';

// Before a run writes anything derived (levels.csv, figures, report), every checkpoint already
// in the run folder is loaded once: its digest and structure checked, and its provenance
// compared with this process's. A damaged or foreign checkpoint then stops the run while the
// folder's derived files still describe its finished levels.

/**
 * Checks every existing checkpoint of `seeds` (pretraining and levels 0..levels-1). Throws one
 * CheckpointError listing every problem, each naming its file.
 */
export function checkExistingCheckpoints(runDir: string, runId: string, seeds: number[], levels: number, current: Provenance): number {
  const problems: string[] = [];
  // One line per distinct conflict (they are usually the whole folder's), naming the first file.
  const conflicts = new Map<string, { first: string; n: number }>();
  let checked = 0;
  for (const seed of seeds) {
    for (const level of ['pretrain' as const, ...Array.from({ length: levels }, (_, i) => i)]) {
      const path = existingCheckpointPath(runDir, seed, level);
      if (!path) continue;
      try {
        const ck = loadCheckpoint(runDir, runId, seed, level)!;
        const conflict = provenanceConflict(ck.provenance, current);
        if (conflict) {
          const advice = `${conflict}: resume with --backend ${ck.provenance.backend} (training path ${ck.provenance.trainingPath}), or start a new run folder with --out`;
          const c = conflicts.get(advice);
          if (c) c.n++;
          else conflicts.set(advice, { first: path, n: 1 });
        }
        checked++;
      } catch (e) {
        if (!(e instanceof CheckpointError)) throw e;
        problems.push(e.message);
      }
    }
  }
  for (const [advice, c] of conflicts) problems.push(`checkpoint ${c.first}${c.n > 1 ? ` (and ${c.n - 1} more)` : ''} was made with ${advice}`);
  if (problems.length) throw new CheckpointError(`cannot resume ${runDir}; nothing was rewritten:\n  ${problems.join('\n  ')}`);
  return checked;
}
