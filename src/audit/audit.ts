import { THESIS } from '../protocol/builtin.ts';
import { BUILTIN_PROTOCOLS } from '../protocol/builtin.ts';
import type { ClaimsFile, Claim, Unit } from './claims.ts';
import { testClaim, type ClaimTest } from './claim-tests.ts';
import { differingPaths } from './json-diff.ts';
import { formatTable } from './table.ts';
import { correlationInference, type CorrelationInference } from '../statistics/correlation.ts';
import type { ReportPredicate } from '../report/types.ts';

// Audits a report against the thesis's headline claims with the rules of PROTOCOL.md Part 2
// "Statistics for claims" (src/report/claim-tests.ts), so a verdict separates a real difference
// from seed noise: reproduced, not reproduced, inconclusive (with the seeds that would decide
// it), structural (fixed by the pruning rule), or not applicable (the run's Part 1 conditions
// differ from the thesis's). Everything is recomputed from the report's per-seed values.

export type Verdict = 'reproduced' | 'not reproduced' | 'inconclusive' | 'structural' | 'not applicable';
export const VERDICTS: readonly Verdict[] = ['reproduced', 'not reproduced', 'inconclusive', 'structural', 'not applicable'];

export interface ClaimResult {
  id: string;
  claim: string;
  thesisText: string;
  thesis: number;
  /** Our estimate from the report (mean over seeds, mean change, full-sample statistic), null when the report lacks it. */
  measured: number | null;
  measuredText: string;
  toleranceText: string;
  verdict: Verdict;
  /** Which test decided (equivalence, paired differences, bootstrap, structural); null when not applicable. */
  test: ClaimTest['test'] | null;
  /** measured − reference (the thesis value for ± claims, the bound for one-sided claims). */
  d: number | null;
  /** 90% interval of d (ends = one-sided 95% bounds); null when there is none (n = 1, too few seeds to bootstrap). */
  lo90: number | null;
  hi90: number | null;
  intervalText: string;
  /** Student t degrees of freedom of the interval, or null (bootstrap, structural). */
  df: number | null;
  /** Bootstrap resamples, or null. */
  resamples: number | null;
  /** Seeds that would decide an inconclusive equivalence claim (null: none would, or not computed). */
  seedsNeeded?: number | null;
  /** The rule that decided the verdict, with its numbers. */
  rule: string;
  /** Why not applicable / not reproduced / inconclusive. */
  reason?: string;
  rationale: string;
}

export interface AuditResult {
  results: ClaimResult[];
  /** Report-wide observations (e.g. seed count, why nothing applies). */
  notes: string[];
  counts: Record<Verdict, number>;
}

/**
 * Part 2 protocol fields (and the seed list): PROTOCOL.md says they never make a thesis claim
 * inapplicable, whatever a claims file lists. `/explain/method` is the pre-Part 2 spelling.
 */
const NEVER_INAPPLICABLE = ['/seeds', '/explain/methods', '/explain/baselines', '/explain/method', '/metrics', '/controls', '/statistics'];

/** Why the whole report cannot be compared with the thesis (a Part 1 condition differs), or null when it can. */
function reportInapplicable(p: ReportPredicate, claims: ClaimsFile): string | null {
  const app = claims.applicability;
  const thesis = BUILTIN_PROTOCOLS[app.protocol];
  if (!thesis) throw new Error(`claims file names protocol '${app.protocol}', which is not a built-in protocol`);
  const diffs = differingPaths(p.protocol, thesis, [...app.mayDiffer.map((m) => m.path), ...NEVER_INAPPLICABLE]);
  if (diffs.length) return `protocol '${p.protocol.name}' differs from the thesis protocol at ${diffs.join(', ')}`;
  const ds = p.dataset;
  const want = app.dataset;
  const dsProblems: string[] = [];
  if (ds.name !== want.name) dsProblems.push(`dataset is ${ds.name}, not ${want.name}`);
  if (ds.subset !== want.subset) dsProblems.push(ds.subset ? `dataset is a subset of ${ds.name}` : 'dataset is not the expected subset');
  if (ds.trainImages !== want.trainImages) dsProblems.push(`${ds.trainImages} training images, not ${want.trainImages}`);
  if (ds.testImages !== want.testImages) dsProblems.push(`${ds.testImages} test images, not ${want.testImages}`);
  return dsProblems.length ? dsProblems.join('; ') : null;
}

/** Why this claim cannot be measured from the report (too few levels), or null. */
function claimInapplicable(p: ReportPredicate, claim: Claim): string | null {
  const m = claim.measure;
  const levels = Math.min(...p.seeds.map((s) => s.levels.length));
  const need = m.kind === 'levelMean' || m.kind === 'levelDensity' ? m.level + 1 : m.kind === 'peakLevelMean' ? m.levels : m.kind === 'levelMeanChange' ? Math.max(m.from, m.to) + 1 : m.n;
  if (m.kind === 'correlation' && levels !== m.n) return `needs a correlation over ${m.n} levels, the report has ${levels}`;
  if (levels < need) return `needs ${need} levels, the report has ${levels}`;
  return null;
}

/** A value as the claims table prints it. `signed` for differences. */
export function formatValue(v: number, unit: Unit, signed = false): string {
  const sign = signed && v > 0 ? '+' : '';
  switch (unit) {
    case 'percent': {
      const pct = v * 100;
      return `${sign}${Math.abs(pct) >= 1 ? pct.toFixed(2) : pct.toPrecision(3)}%`;
    }
    case 'pp':
      return `${sign}${(v * 100).toFixed(2)} pp`;
    case 'pvalue':
      return v !== 0 && v < 0.001 ? v.toExponential(1) : v.toPrecision(2);
    case 'plain':
      // One decimal more than the thesis prints, so a value just outside a bound does not print as the bound.
      return `${sign}${v.toFixed(4)}`;
  }
}

function toleranceText(claim: Claim): string {
  const c = claim.criterion;
  const band = (v: number) => (claim.unit === 'percent' || claim.unit === 'pp' ? `${(v * 100).toFixed(2)} pp` : v.toFixed(3));
  switch (c.kind) {
    case 'within':
      return `±${band(c.tolerance)}`;
    case 'atLeast':
      return `≥ ${claim.unit === 'pp' || claim.unit === 'percent' ? band(c.min) : c.min.toFixed(3)}`;
    case 'below':
      return `< ${c.max}`;
    case 'roundsTo':
      return `prints as ${(claim.thesis * c.scale).toFixed(c.decimals)}${c.scale === 100 ? '%' : ''}`;
  }
}

function intervalText(t: ClaimTest, unit: Unit): string {
  if (t.lo90 === null || t.hi90 === null) return '—';
  return `[${formatValue(t.lo90, unit === 'percent' ? 'pp' : unit, true)}, ${formatValue(t.hi90, unit === 'percent' ? 'pp' : unit, true)}]`;
}

/** Verdict on every claim of `claims` for one report predicate. */
export function auditReport(predicate: ReportPredicate, claims: ClaimsFile): AuditResult {
  const notes: string[] = [];
  const wholeReport = reportInapplicable(predicate, claims);
  if (wholeReport) notes.push(`no claim applies: ${wholeReport}`);
  // Reports written before Part 2 have no statistics settings: the defaults apply.
  const stats = predicate.protocol.statistics ?? THESIS.statistics;
  const boot = { resamples: stats.bootstrapResamples, minSeeds: stats.minBootstrapSeeds, streamSeed: stats.bootstrapSeed };
  const seeds = [...predicate.seeds].sort((a, b) => a.seed - b.seed);
  if (!wholeReport) {
    const n = seeds.length;
    notes.push(
      `${n} seed${n === 1 ? '' : 's'} (${seeds.map((s) => s.seed).join(', ')}); equivalence intervals include the sampling error of the thesis's own ${claims.applicability.thesisSeeds}-seed mean; ` +
        (n < boot.minSeeds ? `the peak and correlation claims need at least ${boot.minSeeds} seeds for the bootstrap` : `bootstrap: ${boot.resamples} resamples, stream seed ${boot.streamSeed}`),
    );
  }
  const results = claims.claims.map((claim): ClaimResult => {
    const base = { id: claim.id, claim: claim.claim, thesisText: claim.thesisText, thesis: claim.thesis, toleranceText: toleranceText(claim), rationale: claim.rationale };
    const inapplicable = wholeReport ?? claimInapplicable(predicate, claim);
    if (inapplicable) {
      return { ...base, measured: null, measuredText: '—', verdict: 'not applicable', test: null, d: null, lo90: null, hi90: null, intervalText: '—', df: null, resamples: null, rule: 'not applicable: a Part 1 condition differs', reason: inapplicable };
    }
    const t = testClaim(claim, seeds, boot, claims.applicability.thesisSeeds);
    const signed = claim.measure.kind === 'levelMeanChange';
    const measuredText = formatValue(t.estimate, claim.unit, signed);
    const r: ClaimResult = {
      ...base,
      measured: t.estimate,
      measuredText,
      verdict: t.verdict,
      test: t.test,
      d: t.d,
      lo90: t.lo90,
      hi90: t.hi90,
      intervalText: intervalText(t, claim.unit),
      df: t.df,
      resamples: t.resamples,
      rule: t.rule,
    };
    if (t.seedsNeeded !== undefined) r.seedsNeeded = t.seedsNeeded;
    if (t.verdict === 'not reproduced' || t.verdict === 'inconclusive') r.reason = `measured ${measuredText}, d = ${formatValue(t.d, claim.unit === 'percent' ? 'pp' : claim.unit, true)}${r.intervalText === '—' ? '' : `, 90% interval of d ${r.intervalText}`}: ${t.rule}`;
    return r;
  });
  const counts = Object.fromEntries(VERDICTS.map((v) => [v, 0])) as Record<Verdict, number>;
  for (const r of results) counts[r.verdict]++;
  return { results, notes, counts };
}

/** A formatted d: percentage points for percent claims, else plain; '—' for structural or missing. */
function dText(r: ClaimResult): string {
  if (r.d === null || r.test === 'structural') return '—';
  const pp = r.toleranceText.includes('pp') || r.intervalText.includes('pp');
  const sign = r.d > 0 ? '+' : '';
  if (pp) return `${sign}${(r.d * 100).toFixed(2)} pp`;
  return `${sign}${Math.abs(r.d) < 1e-3 && r.d !== 0 ? r.d.toExponential(1) : r.d.toFixed(4)}`;
}

const dfText = (r: ClaimResult): string => (r.df !== null ? `df ${r.df}` : r.resamples !== null ? `B ${r.resamples}` : '—');

/** The rows report.html's claim table shows. */
export function auditRows(audit: AuditResult): Array<{ claim: string; thesis: string; measured: string; tolerance: string; d: string; interval: string; df: string; verdict: Verdict; rule: string }> {
  return audit.results.map((r) => ({ claim: r.claim, thesis: r.thesisText, measured: r.measuredText, tolerance: r.toleranceText, d: dText(r), interval: r.intervalText, df: dfText(r), verdict: r.verdict, rule: r.reason && r.verdict === 'not applicable' ? `not applicable: ${r.reason}` : r.rule }));
}

/** Per-seed r, the bootstrap interval of the Part 1 r and r on first differences, from a report's seeds. */
export function correlationInferenceOf(p: ReportPredicate): CorrelationInference | null {
  const stats = p.protocol.statistics ?? THESIS.statistics;
  const series = p.seeds.map((s) => ({ seed: s.seed, x: s.levels.map((l) => l.cleanAccuracy), y: s.levels.map((l) => l.meanIoU) }));
  if (series.length === 0 || series[0].x.length < 3) return null;
  return correlationInference(series, { resamples: stats.bootstrapResamples, minSeeds: stats.minBootstrapSeeds, streamSeed: stats.bootstrapSeed });
}

/** The audit as a plain-text table: claim, thesis, measured, tolerance, d, its 90% interval, df or bootstrap size, verdict. */
export function formatAuditTable(audit: AuditResult): string {
  return formatTable(
    ['claim', 'thesis', 'measured', 'tolerance', 'd', '90% interval of d', 'df / B', 'verdict'],
    audit.results.map((r) => [r.id, r.thesisText, r.measuredText, r.toleranceText, dText(r), r.intervalText, dfText(r), r.verdict]),
  );
}
