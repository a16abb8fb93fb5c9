import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { selectBackend, type BackendChoice } from '../../backend/select.ts';
import { seedWorkerMain } from '../../experiment/seeds.ts';
import { resolveProtocolObject, runId } from '../../protocol/resolve.ts';
import { parseSeeds } from './run.ts';
import { parseArgs, str, UsageError } from '../args.ts';
import type { Command } from './types.ts';

/** Internal: a worker process of `prunecam run --jobs N`, running some seeds of a run folder. */
export const SEED_WORKER: Command = {
  summary: '(internal) worker process of prunecam run',
  usage: 'usage: prunecam _seed --run-dir DIR --seeds S[,S...] --backend B [--data-dir DIR]',
  async run(argv) {
    const a = parseArgs(argv, { 'run-dir': { value: true }, seeds: { value: true }, backend: { value: true }, 'data-dir': { value: true } });
    const runDir = str(a, 'run-dir');
    const seeds = str(a, 'seeds');
    if (!runDir || !seeds) throw new UsageError('--run-dir and --seeds are required');
    const config = resolveProtocolObject(JSON.parse(readFileSync(join(runDir, 'protocol.json'), 'utf8')), `${runDir}/protocol.json`);
    const backend = await selectBackend((str(a, 'backend') ?? 'auto') as BackendChoice);
    await seedWorkerMain({ config, runId: runId(config), runDir, dataDir: str(a, 'data-dir'), backend }, parseSeeds(seeds));
    return 0;
  },
};
