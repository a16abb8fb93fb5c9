import { int, flag, parseArgs, str, UsageError } from '../args.ts';
import type { BackendChoice } from '../../backend/select.ts';
import { runWorker } from '../../sweep/worker.ts';
import { DATASET_NAMES } from '../../sweep/compat.ts';
import type { DatasetName } from '../../protocol/types.ts';
import type { Command } from './types.ts';

const BACKENDS = ['auto', 'tensorflow', 'wasm', 'cpu'];

const USAGE = `usage: prunecam worker --queue URL [--concurrency 1] [--exit-when-idle]
                       [--backend auto|tensorflow|wasm|cpu] [--data-dir DIR] [--datasets a,b]
                       [--lock-ms 30000]

Takes seed jobs of 'prunecam sweep --queue URL' and runs them (each in a child process).
It serves one queue per dataset it can load here (or per --datasets name), keyed by prunecam version, backend and the
dataset files' SHA-256, and prints which at start: jobs it could not reproduce stay for others.
Each finished level's checkpoint is stored in Redis, so a worker killed mid-seed loses at most
the level in progress; another worker continues the seed once BullMQ finds the job stalled
(after --lock-ms). --exit-when-idle: exit once its queues have nothing waiting, delayed or
running (start workers after the sweep was queued). Needs no signing key.
$PRUNECAM_QUEUE stands for --queue (keeps a password off the command line, which ps shows).`;

export const WORKER: Command = {
  summary: 'process the seed jobs of queued sweeps (run on any number of machines)',
  usage: USAGE,
  async run(argv) {
    const a = parseArgs(argv, {
      queue: { value: true },
      concurrency: { value: true },
      'exit-when-idle': { value: false },
      backend: { value: true },
      'data-dir': { value: true },
      datasets: { value: true },
      'lock-ms': { value: true },
    });
    if (a.positionals.length) throw new UsageError(`unexpected argument '${a.positionals[0]}'`);
    const url = str(a, 'queue') ?? (process.env.PRUNECAM_QUEUE || undefined);
    if (!url) throw new UsageError('--queue URL (or $PRUNECAM_QUEUE) is required');
    const backend = str(a, 'backend') ?? 'auto';
    if (!BACKENDS.includes(backend)) throw new UsageError(`--backend must be one of ${BACKENDS.join(', ')}, got '${backend}'`);
    const datasets = str(a, 'datasets')?.split(',').map((d) => d.trim());
    const bad = datasets?.find((d) => !(DATASET_NAMES as string[]).includes(d));
    if (bad !== undefined) throw new UsageError(`--datasets must list names among ${DATASET_NAMES.join(', ')}, got '${bad}'`);
    return runWorker({
      datasets: datasets as DatasetName[] | undefined,
      url,
      concurrency: int(a, 'concurrency') ?? 1,
      exitWhenIdle: flag(a, 'exit-when-idle'),
      backend: backend as BackendChoice,
      dataDir: str(a, 'data-dir'),
      lockMs: int(a, 'lock-ms', 1000) ?? 30_000,
      log: (line) => console.log(`[${new Date().toISOString()}] ${line}`),
    });
  },
};
