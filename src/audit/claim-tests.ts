import { correlate } from '../metrics/stats.ts';
import { bootstrapSeeds, percentileInterval } from '../statistics/bootstrap.ts';
import { levelMeans } from '../statistics/correlation.ts';
import { equivalenceTest, meanBounds95, oneSidedVerdict, tostVerdict, type StatVerdict } from '../statistics/equivalence.ts';
import { mean } from '../statistics/summary.ts';
import type { Claim, Criterion, LevelMetric, Measure } from './claims.ts';
import type { SeedResult } from '../report/types.ts';

// The statistical rule for each kind of claim (PROTOCOL.md Part 2 "Statistics for claims"),
// computed from the report's per-seed values only, so anyone can recompute a verdict from
// report.json: per-level means → equivalence test against the thesis's 3-seed mean; changes
// between levels → paired per-seed differences; a maximum over levels and correlations → the
// percentile bootstrap over seeds (at least minBootstrapSeeds seeds); densities → structural.

export interface BootstrapConfig {
  resamples: number;
  minSeeds: number;
  streamSeed: number;
}

export interface ClaimTest {
  test: 'equivalence' | 'paired differences' | 'bootstrap' | 'structural';
  /** Our estimate: the mean over seeds, the mean paired change, the full-sample statistic. */
  estimate: number;
  /** estimate − reference; the reference is the thesis value (equivalence) or the claim's bound (one-sided). */
  d: number;
  /** The 90% interval of d (its ends are the one-sided 95% bounds); null when there is none. */
  lo90: number | null;
  hi90: number | null;
  /** Student t degrees of freedom (null for the bootstrap and structural claims). */
  df: number | null;
  /** Bootstrap resamples (null otherwise). */
  resamples: number | null;
  verdict: StatVerdict | 'structural';
  /** What decided the verdict, with the numbers. */
  rule: string;
  seedsNeeded?: number | null;
}

type Series = { seed: number; levels: SeedResult['levels'] };

const EPS = 1e-9;
const f = (v: number) => (Math.abs(v) >= 1e-3 || v === 0 ? v.toFixed(4) : v.toExponential(2));

function reference(claim: Claim): number {
  const c = claim.criterion;
  return c.kind === 'atLeast' ? c.min : c.kind === 'below' ? c.max : claim.thesis;
}

/** Verdict of an interval [lo, hi] of the estimate (not d) under a criterion. */
function intervalVerdict(lo: number, hi: number, claim: Claim): { verdict: StatVerdict; rule: string } {
  const c = claim.criterion;
  const iv = `[${f(lo)}, ${f(hi)}]`;
  switch (c.kind) {
    case 'within': {
      const v = tostVerdict(lo - claim.thesis, hi - claim.thesis, c.tolerance + EPS);
      const what = v === 'reproduced' ? 'lies inside' : v === 'not reproduced' ? 'lies entirely outside' : 'straddles';
      return { verdict: v, rule: `90% interval ${iv} ${what} ${f(claim.thesis)} ± ${f(c.tolerance)}` };
    }
    case 'atLeast':
    case 'below': {
      const m = c.kind === 'atLeast' ? c.min : c.max;
      const v = oneSidedVerdict(lo + (c.kind === 'atLeast' ? EPS : 0), hi, m, c.kind);
      const bound = c.kind === 'atLeast' ? (v === 'not reproduced' ? `upper 95% bound ${f(hi)} < ${f(m)}` : `lower 95% bound ${f(lo)} ${v === 'reproduced' ? '≥' : '<'} ${f(m)}`) : v === 'not reproduced' ? `lower 95% bound ${f(lo)} ≥ ${f(m)}` : `upper 95% bound ${f(hi)} ${v === 'reproduced' ? '<' : '≥'} ${f(m)}`;
      return { verdict: v, rule: `one-sided: ${bound}` };
    }
    case 'roundsTo':
      throw new Error(`claim ${claim.id}: roundsTo is a structural criterion, not a statistical one`);
  }
}

function fromInterval(test: ClaimTest['test'], claim: Claim, estimate: number, lo: number | null, hi: number | null, df: number | null, resamples: number | null, noInterval: string): ClaimTest {
  const ref = reference(claim);
  if (lo === null || hi === null) return { test, estimate, d: estimate - ref, lo90: null, hi90: null, df, resamples, verdict: 'inconclusive', rule: noInterval };
  const { verdict, rule } = intervalVerdict(lo, hi, claim);
  return { test, estimate, d: estimate - ref, lo90: lo - ref, hi90: hi - ref, df, resamples, verdict, rule: `${test}: ${rule}` };
}

const at = (s: Series, level: number, metric: LevelMetric) => s.levels[level][metric];

/** The statistical test of one claim on the report's seeds (sorted by seed id by the caller). */
export function testClaim(claim: Claim, seeds: readonly Series[], boot: BootstrapConfig, thesisSeeds: number): ClaimTest {
  const m: Measure = claim.measure;
  const c: Criterion = claim.criterion;
  const n = seeds.length;
  switch (m.kind) {
    case 'levelDensity': {
      // The pruning rule fixes the density; a mismatch is a bug in the rule, not seed noise.
      const est = mean(seeds.map((s) => s.levels[m.level].density));
      const scale = c.kind === 'roundsTo' ? c : { scale: 100, decimals: 2 };
      const round = (v: number) => Math.round(v * scale.scale * 10 ** scale.decimals);
      const ok = round(est) === round(claim.thesis);
      return { test: 'structural', estimate: est, d: est - claim.thesis, lo90: null, hi90: null, df: null, resamples: null, verdict: ok ? 'structural' : 'not reproduced', rule: ok ? 'structural: fixed by the pruning rule, prints as the thesis printed it (not evidence)' : 'structural: the pruning rule should fix this value and it does not print as the thesis printed it' };
    }
    case 'levelMean': {
      const values = seeds.map((s) => at(s, m.level, m.metric));
      if (c.kind === 'within') {
        const e = equivalenceTest(values, claim.thesis, c.tolerance + EPS, thesisSeeds);
        return { test: 'equivalence', estimate: mean(values), d: e.d, lo90: e.lo90, hi90: e.hi90, df: e.df, resamples: null, verdict: e.verdict, rule: `equivalence: ${e.rule}`, seedsNeeded: e.seedsNeeded };
      }
      const b = meanBounds95(values);
      return fromInterval('equivalence', claim, b.mean, b.lo, b.hi, b.df, null, `${n} seed: no seed spread, no interval (n = 1 is inconclusive)`);
    }
    case 'levelMeanChange': {
      // Paired: each seed's own change cancels what the seed shares between levels.
      const diffs = seeds.map((s) => at(s, m.to, m.metric) - at(s, m.from, m.metric));
      const b = meanBounds95(diffs);
      return fromInterval('paired differences', claim, b.mean, b.lo, b.hi, b.df, null, 'one seed: no spread of the per-seed changes, no interval (n = 1 is inconclusive)');
    }
    case 'peakLevelMean':
    case 'correlation': {
      const stat = statisticOf(m);
      const estimate = stat(seeds);
      if (n < boot.minSeeds) {
        return { test: 'bootstrap', estimate, d: estimate - reference(claim), lo90: null, hi90: null, df: null, resamples: null, verdict: 'inconclusive', rule: `bootstrap: ${n} seed${n === 1 ? '' : 's'}, the bootstrap needs at least ${boot.minSeeds} (PROTOCOL.md Part 2)` };
      }
      const byId = new Map(seeds.map((s) => [s.seed, s]));
      const res = bootstrapSeeds([...byId.keys()], boot.resamples, boot.streamSeed, (ids) => stat(ids.map((id) => byId.get(id)!)));
      const { lo, hi } = percentileInterval(res, 0.9);
      return fromInterval('bootstrap', claim, estimate, lo, hi, null, res.resamples, '');
    }
  }
}

/** The statistic a bootstrap claim measures, as a function of a (re)sample of seeds. */
function statisticOf(m: Extract<Measure, { kind: 'peakLevelMean' | 'correlation' }>): (seeds: readonly Series[]) => number {
  if (m.kind === 'peakLevelMean') {
    return (seeds) => Math.max(...levelMeans(seeds.map((s) => ({ seed: s.seed, x: s.levels.slice(0, m.levels).map((l) => l[m.metric]), y: [] })), (s) => s.x));
  }
  const [group, key] = m.statistic.split('.') as ['pearson' | 'spearman' | 'kendall', string];
  return (seeds) => {
    const series = seeds.map((s) => ({ seed: s.seed, x: s.levels.map((l) => l.cleanAccuracy), y: s.levels.map((l) => l.meanIoU) }));
    const c = correlate(levelMeans(series, (s) => s.x), levelMeans(series, (s) => s.y));
    return (c[group] as unknown as Record<string, number>)[key];
  };
}
