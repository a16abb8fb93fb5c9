import { cpus } from 'node:os';
import { int, parseArgs, str, UsageError } from '../args.ts';
import type { BackendChoice } from '../../backend/select.ts';
import { connect } from '../../sweep/redis.ts';
import { renderSnapshot, snapshot } from '../../sweep/status.ts';
import { collectFromQueue, runSweep, type SweepOutcome } from '../../sweep/sweep.ts';
import type { Command } from './types.ts';

const BACKENDS = ['auto', 'tensorflow', 'wasm', 'cpu'];

const USAGE = `usage: prunecam sweep SWEEP.json [--out reports/runs] [--jobs N] [--queue URL]
                      [--backend auto|tensorflow|wasm|cpu] [--data-dir DIR] [--key PEM]
                      [--attempts 3] [--backoff-ms 2000]
       prunecam sweep status --queue URL [--sweep ID]
       prunecam sweep collect --queue URL [--out reports/runs] [--sweep ID] [--key PEM]

A sweep file names a base protocol and a grid of protocol fields to vary:
  {"name": "...", "protocol": "smoke" | "FILE" | {"extends": "smoke", ...},
   "grid": {"dataset.name": ["mnist-embedded", "fashion-mnist"], "pruning.strategy": [...]}}
Each grid cell is one protocol: one run id, one run folder OUT/<run id>/ with its signed report.
The summary (table, CSV, figure across cells) goes to OUT/sweep-<sweep id>/. Every cell is
validated before any work.

Without --queue the seeds run in N local worker processes (default: the number of cores).
--queue redis://[:password@]host:port[/db] (rediss:// for TLS) puts each seed on a BullMQ queue
instead; run 'prunecam worker --queue URL' on any number of machines. This process then waits,
shows the same table as 'sweep status', and writes and signs the reports itself (workers never
need the key). A second coordinator of the same sweep is refused; 'sweep status' is read-only.
'sweep collect' writes the finished cells later, from Redis alone. Exit 1 when a cell failed.
$PRUNECAM_QUEUE stands for --queue (keeps a password off the command line, which ps shows).`;

function printOutcome(o: SweepOutcome): boolean {
  console.log(o.status);
  let ok = true;
  for (const c of o.cells) {
    const cell = o.plan.cells[c.cell];
    if (c.status === 'done') {
      console.log(`cell ${c.cell + 1} (${cell.label}): ${c.outcome!.reportPath} (${c.outcome!.verified ? 'verified' : 'VERIFICATION FAILED'})`);
      if (!c.outcome!.verified) ok = false;
    } else {
      ok = false;
      console.log(`cell ${c.cell + 1} (${cell.label}): ${c.status.toUpperCase()}${c.errors.length ? `\n  ${c.errors.join('\n  ')}` : ''}`);
    }
  }
  console.log(`summary ${o.summary.join(', ')}`);
  return ok;
}

export const SWEEP: Command = {
  summary: 'run a grid of protocols (local worker processes or a BullMQ queue)',
  usage: USAGE,
  async run(argv) {
    const a = parseArgs(argv, {
      out: { value: true },
      jobs: { value: true },
      queue: { value: true },
      backend: { value: true },
      'data-dir': { value: true },
      key: { value: true },
      attempts: { value: true },
      'backoff-ms': { value: true },
      sweep: { value: true },
    });
    const [first, ...more] = a.positionals;
    if (!first) throw new UsageError('expected a sweep file, or status / collect');
    if (more.length) throw new UsageError(`unexpected argument '${more[0]}'`);
    const queue = str(a, 'queue') ?? (process.env.PRUNECAM_QUEUE || undefined);
    const out = str(a, 'out') ?? 'reports/runs';
    if (first === 'status' || first === 'collect') {
      if (!queue) throw new UsageError(`sweep ${first} needs --queue URL (or $PRUNECAM_QUEUE)`);
      if (first === 'status') {
        const c = await connect(queue);
        try {
          const snaps = await snapshot(c, str(a, 'sweep'));
          if (!snaps.length) console.log(`no sweep recorded on ${c.conn.display}`);
          for (const s of snaps) console.log(renderSnapshot(s));
        } finally {
          c.redis.disconnect();
        }
        return 0;
      }
      const outcomes = await collectFromQueue(queue, out, str(a, 'key'), str(a, 'sweep'), (l) => console.error(l));
      return outcomes.map(printOutcome).every(Boolean) ? 0 : 1;
    }
    const backend = str(a, 'backend') ?? 'auto';
    if (!BACKENDS.includes(backend)) throw new UsageError(`--backend must be one of ${BACKENDS.join(', ')}, got '${backend}'`);
    if (queue && a.options.jobs !== undefined) throw new UsageError('--jobs is for local runs; with --queue the workers set their own --concurrency');
    const outcome = await runSweep({
      file: first,
      out,
      jobs: int(a, 'jobs') ?? cpus().length,
      queue,
      backend: backend as BackendChoice,
      dataDir: str(a, 'data-dir'),
      key: str(a, 'key'),
      attempts: int(a, 'attempts') ?? 3,
      backoffMs: int(a, 'backoff-ms', 0) ?? 2000,
    });
    return printOutcome(outcome) ? 0 : 1;
  },
};

