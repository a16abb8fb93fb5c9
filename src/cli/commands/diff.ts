// `prunecam diff A B`: compares two reports level by level and flags drifts.
import { UsageError, flag, parseArgs, str, type ParsedArgs } from '../args.ts';
import { DEFAULT_TOLERANCES, diffReports, type DiffTolerances } from '../../audit/diff.ts';
import { verifyReport } from '../../report/verify.ts';
import type { ReportPredicate } from '../../report/types.ts';
import type { Command } from './types.ts';

const USAGE = `usage: prunecam diff A B [--json] [--tolerance-acc X] [--tolerance-iou Y] [--tolerance-corr Z]

  Compares two reports level by level: mean clean and noisy accuracy, mean IoU, density and
  remaining weights, then Pearson r, Spearman rho and Kendall tau. Prints each drift beyond
  tolerance. Exit status 0 when everything is within tolerance, 1 on drift, 2 when a report
  cannot be used. A report that does not verify is compared anyway, with a warning.

  --tolerance-acc X   absolute, on accuracies as fractions (default ${DEFAULT_TOLERANCES.accuracy} = 0.5 pp)
  --tolerance-iou Y   absolute, on mean IoU (default ${DEFAULT_TOLERANCES.iou})
  --tolerance-corr Z  absolute, on the correlation coefficients (default ${DEFAULT_TOLERANCES.correlation})
  Remaining weights must match exactly and density to 1e-9 (the pruning rule fixes them).
  --json              print the drifts as JSON`;

function tolerance(args: ParsedArgs, name: string, fallback: number): number {
  const v = str(args, name);
  if (v === undefined) return fallback;
  const x = Number(v);
  if (v.trim() === '' || !Number.isFinite(x) || x < 0) throw new UsageError(`--${name} must be a number >= 0, got '${v}'`);
  return x;
}

function load(label: string, path: string): ReportPredicate | null {
  const r = verifyReport(path);
  if (!r.predicate) {
    console.error(`prunecam diff: ${label} (${path}) is not a usable report:\n  - ${r.reasons.join('\n  - ')}`);
    return null;
  }
  if (!r.ok) console.error(`warning: ${label} (${path}) does not verify; comparing its unverified values:\n  - ${r.reasons.join('\n  - ')}`);
  return r.predicate;
}

export const DIFF: Command = {
  summary: 'compare two reports level by level; exit 1 on drift',
  usage: USAGE,
  async run(argv) {
    const args = parseArgs(argv, { json: { value: false }, 'tolerance-acc': { value: true }, 'tolerance-iou': { value: true }, 'tolerance-corr': { value: true } });
    if (args.positionals.length !== 2) throw new UsageError(`expected two reports A and B, got ${args.positionals.length}`);
    const tol: DiffTolerances = {
      accuracy: tolerance(args, 'tolerance-acc', DEFAULT_TOLERANCES.accuracy),
      iou: tolerance(args, 'tolerance-iou', DEFAULT_TOLERANCES.iou),
      correlation: tolerance(args, 'tolerance-corr', DEFAULT_TOLERANCES.correlation),
    };
    const [pathA, pathB] = args.positionals;
    const a = load('A', pathA);
    const b = load('B', pathB);
    if (!a || !b) return 2;
    const result = diffReports(a, b, tol);
    if (flag(args, 'json')) {
      console.log(JSON.stringify({ a: pathA, b: pathB, tolerances: tol, ...result }, null, 2));
    } else {
      const out = [`A: ${pathA} (run ${a.runId.slice(0, 12)}…)`, `B: ${pathB} (run ${b.runId.slice(0, 12)}…)`, ...result.notes.map((n) => `note: ${n}`)];
      out.push(`compared ${result.compared} values (tolerances: accuracy ±${tol.accuracy}, IoU ±${tol.iou}, correlation ±${tol.correlation})`);
      if (result.drifts.length === 0) out.push('no drift: within tolerance');
      else out.push(`DRIFT: ${result.drifts.length} value(s) beyond tolerance`, ...result.drifts.map((d) => `  - ${d.message}`));
      console.log(out.join('\n'));
    }
    return result.drifts.length ? 1 : 0;
  },
};
