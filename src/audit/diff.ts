import { aggregateLevels } from '../experiment/aggregate.ts';
import { differingPaths } from './json-diff.ts';
import type { LevelAggregate, ReportPredicate } from '../report/types.ts';

// Compares two reports level by level, for regressions: did a code or environment change move
// the results? Runs of one protocol on one backend are seeded and should match exactly; the
// default tolerances allow for a different backend or machine, where float32 differences grow
// through training into seed-like noise, and flag anything larger.

export interface DiffTolerances {
  /** Absolute, on per-level mean clean and noisy accuracy (fractions): 0.005 = 0.5 pp. */
  accuracy: number;
  /** Absolute, on per-level mean IoU. */
  iou: number;
  /** Absolute, on Pearson r, Spearman rho and Kendall tau. */
  correlation: number;
}

/**
 * Chosen, not measured (revise once the same protocol has run on two backends):
 * accuracy 0.5 pp: the binomial spread of one accuracy on 10,000 test images is 0.14 pp, so a
 * seed-like difference stays inside and a broken training step should not. IoU 0.02: below a
 * third of the thesis's level 0 -> 10 change (0.057), the effect the study is about.
 * Correlation 0.05: r over 26 levels moves by a few hundredths when one level's collapse shifts.
 * Remaining weights must be equal and density equal to 1e-9: the pruning rule fixes them.
 */
export const DEFAULT_TOLERANCES: DiffTolerances = { accuracy: 0.005, iou: 0.02, correlation: 0.05 };

const DENSITY_TOLERANCE = 1e-9;

export interface Drift {
  /** The level, or null for report-wide values (correlations). */
  level: number | null;
  metric: string;
  a: number | null;
  b: number | null;
  tolerance: number;
  message: string;
}

export interface DiffResult {
  drifts: Drift[];
  /** How many values were compared. */
  compared: number;
  notes: string[];
}

/**
 * The 95% interval bounds of each level's mean, compared with the mean's tolerance: a change in
 * seed spread (one seed diverging) moves them even when the mean stays. Recomputed from the
 * per-seed values, so reports written before the aggregate carried intervals compare too.
 */
const INTERVAL_METRICS: Array<{ metric: 'cleanAccuracy' | 'noisyAccuracy' | 'meanIoU'; tol: (t: DiffTolerances) => number }> = [
  { metric: 'cleanAccuracy', tol: (t) => t.accuracy },
  { metric: 'noisyAccuracy', tol: (t) => t.accuracy },
  { metric: 'meanIoU', tol: (t) => t.iou },
];

const LEVEL_METRICS: Array<{ metric: string; get: (l: LevelAggregate) => number; tol: (t: DiffTolerances) => number }> = [
  { metric: 'cleanAccuracy', get: (l) => l.cleanAccuracy.mean, tol: (t) => t.accuracy },
  { metric: 'noisyAccuracy', get: (l) => l.noisyAccuracy.mean, tol: (t) => t.accuracy },
  { metric: 'meanIoU', get: (l) => l.meanIoU.mean, tol: (t) => t.iou },
  { metric: 'density', get: (l) => l.density, tol: () => DENSITY_TOLERANCE },
  { metric: 'remainingWeights', get: (l) => l.remainingWeights, tol: () => 0 },
];

const CORRELATIONS: Array<{ metric: string; get: (p: ReportPredicate) => number | undefined }> = [
  { metric: 'pearson.r', get: (p) => p.correlation?.pearson.r },
  { metric: 'spearman.rho', get: (p) => p.correlation?.spearman.rho },
  { metric: 'kendall.tau', get: (p) => p.correlation?.kendall.tau },
];

function fmt(v: number): string {
  return Number.isInteger(v) ? String(v) : v.toFixed(4);
}

function compare(level: number | null, metric: string, a: number, b: number, tolerance: number): Drift | null {
  const d = Math.abs(a - b);
  // The 1e-12 absorbs float rounding of the subtraction itself.
  if (d <= tolerance + 1e-12) return null;
  const where = level === null ? metric : `level ${level} ${metric}`;
  return { level, metric, a, b, tolerance, message: `${where}: A ${fmt(a)}, B ${fmt(b)}, |Δ| ${fmt(d)} > ${fmt(tolerance)}` };
}

function checkTolerances(t: DiffTolerances): void {
  for (const [k, v] of Object.entries(t)) if (!(Number.isFinite(v) && v >= 0)) throw new RangeError(`tolerance ${k} must be a finite number >= 0, got ${v}`);
}

/** Per-level summaries recomputed from a report's seeds; null when the seeds cannot be aggregated (ragged levels). */
function seedAggregate(p: ReportPredicate): LevelAggregate[] | null {
  try {
    return aggregateLevels(p.seeds);
  } catch {
    return null;
  }
}

/** Drifts between reports A and B beyond the tolerances; empty `drifts` means within tolerance. */
export function diffReports(a: ReportPredicate, b: ReportPredicate, tolerances: DiffTolerances = DEFAULT_TOLERANCES): DiffResult {
  checkTolerances(tolerances);
  const notes: string[] = [];
  const drifts: Drift[] = [];
  let compared = 0;
  if (a.runId !== b.runId) {
    notes.push(`the reports ran different protocols (differing at ${differingPaths(a.protocol, b.protocol).join(', ')}); compared anyway`);
  }
  const levels = Math.max(a.aggregate.length, b.aggregate.length);
  const intervalsA = seedAggregate(a);
  const intervalsB = seedAggregate(b);
  for (let level = 0; level < levels; level++) {
    const la = a.aggregate[level];
    const lb = b.aggregate[level];
    if (!la || !lb) {
      drifts.push({ level, metric: 'level', a: la ? level : null, b: lb ? level : null, tolerance: 0, message: `level ${level}: present in ${la ? 'A' : 'B'} only` });
      continue;
    }
    for (const m of LEVEL_METRICS) {
      compared++;
      const d = compare(level, m.metric, m.get(la), m.get(lb), m.tol(tolerances));
      if (d) drifts.push(d);
    }
    const ia = intervalsA?.[level];
    const ib = intervalsB?.[level];
    if (!ia || !ib) continue;
    for (const m of INTERVAL_METRICS) {
      for (const bound of ['lo95', 'hi95'] as const) {
        const va = ia[m.metric][bound];
        const vb = ib[m.metric][bound];
        if (va === null || vb === null) continue; // one seed: no interval to compare
        compared++;
        const d = compare(level, `${m.metric}.${bound}`, va, vb, m.tol(tolerances));
        if (d) drifts.push(d);
      }
    }
  }
  if (!a.correlation !== !b.correlation) {
    drifts.push({ level: null, metric: 'correlation', a: null, b: null, tolerance: tolerances.correlation, message: `correlation: present in ${a.correlation ? 'A' : 'B'} only` });
  } else if (a.correlation && b.correlation) {
    for (const m of CORRELATIONS) {
      compared++;
      const d = compare(null, m.metric, m.get(a)!, m.get(b)!, tolerances.correlation);
      if (d) drifts.push(d);
    }
  }
  return { drifts, compared, notes };
}
