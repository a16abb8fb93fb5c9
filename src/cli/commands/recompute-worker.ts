import { parseBackendChoice } from '../../backend/select.ts';
import { recomputeWorkerMain } from '../../experiment/recompute-workers.ts';
import { parseArgs, str, UsageError } from '../args.ts';
import { parseSeeds } from './run.ts';
import type { Command } from './types.ts';

/** Internal: a worker process of `prunecam verify --recompute --jobs N`, recomputing some seeds. */
export const RECOMPUTE_WORKER: Command = {
  summary: '(internal) worker process of prunecam verify --recompute',
  usage: 'usage: prunecam _recompute REPORT --seeds S[,S...] --backend B [--levels L[,L...]] [--data-dir DIR]',
  async run(argv) {
    const a = parseArgs(argv, { seeds: { value: true }, levels: { value: true }, backend: { value: true }, 'data-dir': { value: true } });
    const seeds = str(a, 'seeds');
    const levels = str(a, 'levels');
    if (a.positionals.length !== 1 || !seeds) throw new UsageError('REPORT and --seeds are required');
    await recomputeWorkerMain(a.positionals[0], parseSeeds(seeds), {
      backend: parseBackendChoice(str(a, 'backend') ?? 'auto'),
      dataDir: str(a, 'data-dir'),
      levels: levels === undefined ? undefined : parseSeeds(levels),
    });
    return 0;
  },
};
