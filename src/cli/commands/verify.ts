// `prunecam verify REPORT`: checks a signed report's signature, schema and artifacts.
import { flag, int, UsageError, parseArgs, str } from '../args.ts';
import { parseBackendChoice } from '../../backend/select.ts';
import { verifyReport, type VerifyResult } from '../../report/verify.ts';
import type { Command } from './types.ts';
import { parseSeeds } from './run.ts';
import { parseReplay, runRecompute, runReplay, type RecomputeCliOptions } from './verify-recompute.ts';

const USAGE = `usage: prunecam verify REPORT [--pubkey PEM]
       prunecam verify REPORT --recompute [--seeds LIST] [--levels LIST] [--jobs N] [--backend B] [--data-dir DIR]
       prunecam verify REPORT --replay SEED:LEVEL [--backend B] [--data-dir DIR]

  Verifies a signed report (a DSSE envelope around an in-toto statement): the envelope, its
  payloadType, the signature, the statement and predicate against their schemas, and every
  artifact it lists (paths relative to the report's folder) against its sha256. A missing
  artifact fails verification, unless the report marks it optional (the checkpoints, which a
  published copy may leave out): those are checked when present and noted when absent.
  Exit status 0 only when everything verifies, else 1.

  --pubkey PEM   verify against this public key (one you trust). Without it the public key
                 shipped beside the report (public-key.pem) is used, which proves the report
                 is intact but not who signed it.

  --recompute    also re-evaluate every level's checkpointed weights with the evaluator of
                 'prunecam run' and compare every number with the report: identical on the
                 backend (and versions) that produced it; on another, accuracies within 0.1 pp
                 and other numbers within 1e-3. Names the first seed, level and metric that
                 differ. Needs the checkpoints. --seeds, --levels (comma-separated) restrict
                 it; --jobs N runs seeds in N processes.
  --replay S:L   retrain seed S's level L from the checkpoints it depends on and compare the
                 weights, final loss and evaluation.
  --backend B    auto|tensorflow|wasm|cpu (default: the backend the report records).
  --data-dir DIR the run's data folder (default data/mnist).`;

/** The human-readable account of a verification, also used by audit and diff. */
export function describeVerification(path: string, r: VerifyResult): string[] {
  const lines = [`verifying ${path}`];
  if (r.keyid) lines.push(`  key: ${r.keyid} from ${r.publicKeyPath}${r.keyTrust === 'shipped-key' ? ' (shipped with the report)' : ''}`);
  const p = r.predicate;
  if (p) {
    const optional = p.artifacts.filter((a) => a.optional).length;
    lines.push(`  run: ${p.runId.slice(0, 12)}…, protocol ${p.protocol.name}, ${p.seeds.length} seed(s), ${p.aggregate.length} level(s), ${p.artifacts.length} artifact(s)${optional ? ` (${optional} optional)` : ''}`);
  }
  if (r.ok) {
    // Absent optional artifacts were not checked; the note below says so.
    const checked = r.artifacts.filter((a) => a.status === 'ok').length;
    lines.push(`OK: signature, statement, predicate and ${checked} artifact(s) verified`);
  } else {
    lines.push(`FAILED: ${r.reasons.length} problem${r.reasons.length === 1 ? '' : 's'}`, ...r.reasons.map((m) => `  - ${m}`));
  }
  lines.push(...r.notes.map((n) => `note: ${n}`));
  return lines;
}

export const VERIFY: Command = {
  summary: 'verify a signed report: signature, schema, artifacts',
  usage: USAGE,
  async run(argv) {
    const args = parseArgs(argv, {
      pubkey: { value: true },
      recompute: { value: false },
      replay: { value: true },
      seeds: { value: true },
      levels: { value: true },
      jobs: { value: true },
      backend: { value: true },
      'data-dir': { value: true },
    });
    if (args.positionals.length !== 1) throw new UsageError(`expected one REPORT, got ${args.positionals.length}`);
    const path = args.positionals[0];
    const replay = str(args, 'replay');
    if (replay !== undefined && flag(args, 'recompute')) throw new UsageError('--recompute and --replay are separate checks: give one');
    const recomputeOnly = ['seeds', 'levels', 'jobs'].filter((k) => k in args.options && !flag(args, 'recompute'));
    if (recomputeOnly.length) throw new UsageError(`--${recomputeOnly[0]} applies to --recompute`);
    const result = verifyReport(path, { pubkey: str(args, 'pubkey') });
    const lines = describeVerification(path, result);
    (result.ok ? console.log : console.error)(lines.join('\n'));
    if (!result.ok || (replay === undefined && !flag(args, 'recompute'))) return result.ok ? 0 : 1;
    const backend = str(args, 'backend');
    const seeds = str(args, 'seeds');
    const levels = str(args, 'levels');
    const o: RecomputeCliOptions = {
      backend: backend === undefined ? undefined : parseBackendChoice(backend),
      dataDir: str(args, 'data-dir'),
      seeds: seeds === undefined ? undefined : parseSeeds(seeds),
      levels: levels === undefined ? undefined : parseSeeds(levels),
      jobs: int(args, 'jobs'),
    };
    return replay !== undefined ? runReplay(path, parseReplay(replay), o) : runRecompute(path, o);
  },
};
