import { BUILTIN_PROTOCOLS } from '../protocol/builtin.ts';
import type { ClaimsFile, Claim, Criterion, Measure, Unit } from './claims.ts';
import { differingPaths } from './json-diff.ts';
import type { ReportPredicate } from './types.ts';

// Audits a report against the thesis's headline claims. A claim is "not applicable" when the
// run cannot speak to it (a different protocol or dataset, too few levels, no correlation),
// never silently "not reproduced".

export type Verdict = 'reproduced' | 'not reproduced' | 'not applicable';

export interface ClaimResult {
  id: string;
  claim: string;
  thesisText: string;
  thesis: number;
  /** The value measured from the report, null when the report lacks it. */
  measured: number | null;
  measuredText: string;
  toleranceText: string;
  verdict: Verdict;
  /** Why not applicable / not reproduced. */
  reason?: string;
  rationale: string;
}

export interface AuditResult {
  results: ClaimResult[];
  /** Report-wide observations (e.g. seed count, why nothing applies). */
  notes: string[];
  counts: Record<Verdict, number>;
}

/** Comparisons allow this much float rounding (0.9867 - 0.9817 is 0.005000000000000004). */
const EPS = 1e-9;

/** Why the whole report cannot be compared with the thesis, or null when it can. */
function reportInapplicable(p: ReportPredicate, claims: ClaimsFile): string | null {
  const app = claims.applicability;
  const thesis = BUILTIN_PROTOCOLS[app.protocol];
  if (!thesis) throw new Error(`claims file names protocol '${app.protocol}', which is not a built-in protocol`);
  const diffs = differingPaths(p.protocol, thesis, app.mayDiffer.map((m) => m.path));
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

interface Measured {
  value: number | null;
  /** Why the value cannot be measured from this report. */
  missing?: string;
}

function levelsNeeded(m: Measure): number {
  switch (m.kind) {
    case 'levelMean':
    case 'levelDensity':
      return m.level + 1;
    case 'peakLevelMean':
      return m.levels;
    case 'levelMeanChange':
      return Math.max(m.from, m.to) + 1;
    case 'correlation':
      return 0;
  }
}

function measure(p: ReportPredicate, m: Measure): Measured {
  const need = levelsNeeded(m);
  if (p.aggregate.length < need) return { value: null, missing: `needs ${need} levels, the report has ${p.aggregate.length}` };
  const agg = p.aggregate;
  switch (m.kind) {
    case 'levelMean':
      return { value: agg[m.level][m.metric].mean };
    case 'levelDensity':
      return { value: agg[m.level].density };
    case 'peakLevelMean':
      return { value: Math.max(...agg.slice(0, m.levels).map((a) => a[m.metric].mean)) };
    case 'levelMeanChange':
      return { value: agg[m.to][m.metric].mean - agg[m.from][m.metric].mean };
    case 'correlation': {
      const c = p.correlation;
      if (!c) return { value: null, missing: 'the report has no correlation' };
      if (c.n !== m.n) return { value: null, missing: `needs a correlation over ${m.n} levels, the report's is over ${c.n}` };
      const [group, stat] = m.statistic.split('.') as ['pearson' | 'spearman' | 'kendall', string];
      return { value: (c[group] as unknown as Record<string, number>)[stat] };
    }
  }
}

function passes(value: number, thesis: number, c: Criterion): boolean {
  switch (c.kind) {
    case 'within':
      return Math.abs(value - thesis) <= c.tolerance + EPS;
    case 'atLeast':
      return value >= c.min - EPS;
    case 'below':
      return value < c.max;
    case 'roundsTo': {
      const round = (v: number) => Math.round(v * c.scale * 10 ** c.decimals);
      return round(value) === round(thesis);
    }
  }
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

/** Verdict on every claim of `claims` for one report predicate. */
export function auditReport(predicate: ReportPredicate, claims: ClaimsFile): AuditResult {
  const notes: string[] = [];
  const wholeReport = reportInapplicable(predicate, claims);
  if (wholeReport) notes.push(`no claim applies: ${wholeReport}`);
  const seeds = predicate.seeds.length;
  if (!wholeReport && seeds !== claims.applicability.thesisSeeds) {
    notes.push(`the report averages ${seeds} seed${seeds === 1 ? '' : 's'}; the thesis averaged ${claims.applicability.thesisSeeds}, and the tolerances assume that many`);
  }
  const results = claims.claims.map((claim): ClaimResult => {
    const m = measure(predicate, claim.measure);
    const signed = claim.measure.kind === 'levelMeanChange';
    const base = {
      id: claim.id,
      claim: claim.claim,
      thesisText: claim.thesisText,
      thesis: claim.thesis,
      measured: m.value,
      measuredText: m.value === null ? '—' : formatValue(m.value, claim.unit, signed),
      toleranceText: toleranceText(claim),
      rationale: claim.rationale,
    };
    if (wholeReport) return { ...base, verdict: 'not applicable', reason: wholeReport };
    if (m.value === null) return { ...base, verdict: 'not applicable', reason: m.missing };
    return passes(m.value, claim.thesis, claim.criterion)
      ? { ...base, verdict: 'reproduced' }
      : { ...base, verdict: 'not reproduced', reason: `measured ${base.measuredText}, outside ${base.toleranceText}${claim.criterion.kind === 'within' ? ` of ${claim.thesisText}` : ''}` };
  });
  const counts: Record<Verdict, number> = { reproduced: 0, 'not reproduced': 0, 'not applicable': 0 };
  for (const r of results) counts[r.verdict]++;
  return { results, notes, counts };
}
