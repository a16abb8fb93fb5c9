import type { Command } from './types.ts';
import { DATA } from './data.ts';
import { VERIFY } from './verify.ts';
import { AUDIT } from './audit.ts';
import { DIFF } from './diff.ts';
import { KEYGEN } from './keygen.ts';
import { RUN } from './run.ts';
import { SEED_WORKER } from './seed-worker.ts';
import { BENCH } from './bench.ts';
import { RECOMPUTE_WORKER } from './recompute-worker.ts';
import { REGRESS } from './regress.ts';
import { RESULTS } from './results.ts';
import { SWEEP } from './sweep.ts';
import { WORKER } from './worker.ts';

// The explicit list of sub-commands (one file each).
export const COMMANDS: Record<string, Command> = {
  run: RUN,
  data: DATA,
  verify: VERIFY,
  audit: AUDIT,
  diff: DIFF,
  keygen: KEYGEN,
  _seed: SEED_WORKER,
  _recompute: RECOMPUTE_WORKER,
  bench: BENCH,
  regress: REGRESS,
  results: RESULTS,
  sweep: SWEEP,
  worker: WORKER,
};
