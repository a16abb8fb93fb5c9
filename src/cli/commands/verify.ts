// `prunecam verify REPORT`: checks a signed report's signature, schema and artifacts.
import { UsageError, parseArgs, str } from '../args.ts';
import { verifyReport, type VerifyResult } from '../../report/verify.ts';
import type { Command } from './types.ts';

const USAGE = `usage: prunecam verify REPORT [--pubkey PEM]

  Verifies a signed report (a DSSE envelope around an in-toto statement): the envelope, its
  payloadType, the signature, the statement and predicate against their schemas, and every
  artifact it lists (paths relative to the report's folder) against its sha256. A missing
  artifact fails verification, unless the report marks it optional (the checkpoints, which a
  published copy may leave out): those are checked when present and noted when absent.
  Exit status 0 only when everything verifies, else 1.

  --pubkey PEM   verify against this public key (one you trust). Without it the public key
                 shipped beside the report (public-key.pem) is used, which proves the report
                 is intact but not who signed it.`;

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
    const args = parseArgs(argv, { pubkey: { value: true } });
    if (args.positionals.length !== 1) throw new UsageError(`expected one REPORT, got ${args.positionals.length}`);
    const path = args.positionals[0];
    const result = verifyReport(path, { pubkey: str(args, 'pubkey') });
    const lines = describeVerification(path, result);
    (result.ok ? console.log : console.error)(lines.join('\n'));
    return result.ok ? 0 : 1;
  },
};
