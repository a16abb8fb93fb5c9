// `prunecam audit REPORT`: compares a report with the thesis's headline claims.
import { UsageError, flag, parseArgs, str } from '../args.ts';
import { auditReport, formatAuditTable, VERDICTS } from '../../audit/audit.ts';
import { DEFAULT_CLAIMS_PATH, loadClaims } from '../../audit/claims.ts';
import { verifyReport } from '../../report/verify.ts';
import { formatMethodMetricTable, methodMetricTable } from '../../analysis/method-metric-table.ts';
import { describeVerification } from './verify.ts';
import type { Command } from './types.ts';

const USAGE = `usage: prunecam audit REPORT [--json] [--pubkey PEM] [--claims FILE]

  Verifies REPORT (as 'prunecam verify' does), then judges each thesis claim from the report's
  per-seed values by PROTOCOL.md Part 2 "Statistics for claims": reproduced, not reproduced,
  inconclusive (seed noise too large to tell; says how many seeds would decide it), structural
  (fixed by the pruning rule) or not applicable (a Part 1 condition differs: another protocol or
  dataset, too few levels). Prints each claim's estimate, d (estimate − thesis value, or − the
  bound of a one-sided claim), the 90% interval of d, its df or bootstrap size, and the verdict.
  Then, for reports with PROTOCOL.md Part 2 scores, the method x metric table: each explainer's
  per-level mean metric against mean clean accuracy (Pearson r, per-seed r, bootstrap, Spearman
  rho, Holm-adjusted descriptive p-values) with the model-free baselines' scores. It makes no
  thesis claim and does not change the exit status.
  Exit status: 0 when the report verifies and no claim is not reproduced; 1 when it does not
  verify or a claim is not reproduced; 2 when the report cannot be read as a report at all.

  --json         print the verification and the verdicts as JSON
  --pubkey PEM   verify against this trusted public key
  --claims FILE  the claims with their tolerances (default ${DEFAULT_CLAIMS_PATH})`;

export const AUDIT: Command = {
  summary: "audit a report against the thesis's claims",
  usage: USAGE,
  async run(argv) {
    const args = parseArgs(argv, { json: { value: false }, pubkey: { value: true }, claims: { value: true } });
    if (args.positionals.length !== 1) throw new UsageError(`expected one REPORT, got ${args.positionals.length}`);
    const path = args.positionals[0];
    const claims = loadClaims(str(args, 'claims'));
    const verification = verifyReport(path, { pubkey: str(args, 'pubkey') });
    if (!verification.predicate) {
      console.error([...describeVerification(path, verification), 'cannot audit: the report has no valid predicate'].join('\n'));
      return 2;
    }
    const audit = auditReport(verification.predicate, claims);
    const exit = verification.ok && audit.counts['not reproduced'] === 0 ? 0 : 1;
    const table = methodMetricTable(verification.predicate);
    if (flag(args, 'json')) {
      const { ok, reasons, notes, keyid, keyTrust } = verification;
      console.log(JSON.stringify({ report: path, verification: { ok, reasons, notes, keyid, keyTrust }, audit, methodMetricTable: table }, null, 2));
      return exit;
    }
    const out = describeVerification(path, verification);
    if (!verification.ok) out.push('WARNING: the report does not verify; the values below are unverified');
    out.push('', formatAuditTable(audit), '');
    for (const r of audit.results.filter((x) => x.verdict !== 'not applicable')) out.push(`${r.id}: ${r.rule}`);
    const na = audit.results.filter((x) => x.verdict === 'not applicable' && x.reason !== undefined);
    // When the whole report is out of scope, one note says why instead of one line per claim.
    if (!audit.notes.some((n) => n.startsWith('no claim applies'))) for (const r of na) out.push(`${r.id}: not applicable: ${r.reason}`);
    out.push(...audit.notes.map((n) => `note: ${n}`));
    const c = audit.counts;
    out.push(VERDICTS.map((v) => `${c[v]} ${v}`).join(', '));
    if (table.cells.length) out.push('', formatMethodMetricTable(table));
    console.log(out.join('\n'));
    return exit;
  },
};
