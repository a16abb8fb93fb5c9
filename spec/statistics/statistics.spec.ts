import { describe, expect, it } from 'vitest';
import { bootstrapSeeds, percentileInterval } from '../../src/statistics/bootstrap.ts';
import { correlationInference } from '../../src/statistics/correlation.ts';
import { equivalenceTest, meanBounds95, oneSidedVerdict, seedsNeeded, tostVerdict } from '../../src/statistics/equivalence.ts';
import { firstDifferences, percentile, summarise } from '../../src/statistics/summary.ts';
import { tCdf, tQuantile } from '../../src/statistics/t-distribution.ts';

// Hand-computed cases for the seed statistics. Quantiles in closed form: df = 1 is Cauchy,
// t = tan(π(p − 1/2)); df = 2 has t = (2p − 1)/sqrt(2p(1 − p)).

const T95_1 = Math.tan(Math.PI * 0.45);
const T95_2 = 0.9 / Math.sqrt(2 * 0.95 * 0.05);
const T975_2 = 0.95 / Math.sqrt(2 * 0.975 * 0.025);

describe('t distribution', () => {
  it('CDF at the quantile returns p; the median is 0', () => {
    expect(tCdf(T95_2, 2)).toBeCloseTo(0.95, 13);
    expect(tCdf(-T95_1, 1)).toBeCloseTo(0.05, 14);
    expect(tQuantile(0.5, 7)).toBe(0);
  });
  it('matches the closed forms for df = 1 and 2', () => {
    expect(tQuantile(0.9, 1)).toBeCloseTo(Math.tan(Math.PI * 0.4), 12);
    expect(tQuantile(0.95, 1)).toBeCloseTo(T95_1, 12);
    expect(tQuantile(0.95, 2)).toBeCloseTo(T95_2, 13);
    expect(tQuantile(0.975, 2)).toBeCloseTo(T975_2, 13);
  });
  it('matches mpmath (30 digits, inverting betainc) where SciPy 1.10.1 is off by ~5e-9', () => {
    expect(tQuantile(0.95, 4)).toBeCloseTo(2.1318467863266503, 13);
    expect(tQuantile(0.95, 30)).toBeCloseTo(1.6972608865939578, 13);
    expect(tQuantile(0.975, 39)).toBeCloseTo(2.0226909200367611, 13);
  });
  it('rejects p outside (0, 1) and df <= 0', () => {
    expect(() => tQuantile(1, 3)).toThrow('p must lie in (0, 1)');
    expect(() => tQuantile(0.9, 0)).toThrow('df must be > 0');
  });
});

describe('summarise (the generic per-seed aggregate)', () => {
  it('mean, sd, n and the 95% t-interval', () => {
    const s = summarise([1, 2, 3]);
    expect(s).toMatchObject({ mean: 2, sd: 1, n: 3 });
    const half = T975_2 / Math.sqrt(3);
    expect(s.lo95).toBeCloseTo(2 - half, 12);
    expect(s.hi95).toBeCloseTo(2 + half, 12);
  });
  it('n = 1 has no interval', () => expect(summarise([0.3])).toEqual({ mean: 0.3, sd: 0, n: 1, lo95: null, hi95: null }));
  it('rejects empty and non-finite input', () => {
    expect(() => summarise([])).toThrow('no values');
    expect(() => summarise([1, Number.NaN])).toThrow('value 1 is NaN');
  });
  it('first differences and type-7 percentiles', () => {
    expect(firstDifferences([1, 4, 2])).toEqual([3, -2]);
    expect(percentile([0, 10, 20, 30], 0.5)).toBe(15);
    expect(percentile([0, 10, 20, 30], 0.05)).toBeCloseTo(1.5, 12);
  });
});

describe('equivalence test: one hand case per verdict', () => {
  it('n = 1: inconclusive, no interval, no seed count (no spread to extrapolate)', () => {
    const r = equivalenceTest([0.98], 0.9817, 0.005);
    expect(r).toMatchObject({ verdict: 'inconclusive', df: 0, lo90: null, hi90: null, seedsNeeded: null });
    expect(r.d).toBeCloseTo(-0.0017, 14);
  });
  it('n = 2, straddling: inconclusive, and 3 seeds would decide it', () => {
    // d = 0, s = 0.002/√2, SE = s·sqrt(1/2 + 1/3); half = t(0.95,1)·SE = 0.008151 > δ = 0.005.
    // With 3 seeds: t(0.95,2)·s·sqrt(2/3) = 0.002384 < 0.005, so 3.
    const r = equivalenceTest([0.98, 0.982], 0.981, 0.005);
    const s = 0.002 / Math.SQRT2;
    expect(r.verdict).toBe('inconclusive');
    expect(r.hi90!).toBeCloseTo(T95_1 * s * Math.sqrt(1 / 2 + 1 / 3), 12);
    expect(r.seedsNeeded).toBe(3);
    expect(r.rule).toContain('3 seeds would fit I90 inside ±0.0050');
  });
  it('n = 2 with no spread: reproduced when |d| < δ', () => {
    const r = equivalenceTest([0.98, 0.98], 0.981, 0.005);
    expect(r).toMatchObject({ verdict: 'reproduced', df: 1, sd: 0 });
    expect(r.lo90).toBeCloseTo(-0.001, 14);
    expect(r.rule).toMatch(/^TOST: I90/);
  });
  it('n = 2, far off: not reproduced (mirror test)', () => {
    // d = -0.075, s = 0.01/√2, half = 6.3138·0.0070711·0.91287 = 0.040755 → I90 [-0.1158, -0.0342].
    const r = equivalenceTest([0.9, 0.91], 0.98, 0.005);
    expect(r.verdict).toBe('not reproduced');
    expect(r.hi90!).toBeCloseTo(-0.075 + T95_1 * (0.01 / Math.SQRT2) * Math.sqrt(5 / 6), 11);
    expect(r.rule).toMatch(/^mirror test/);
  });
  it('inconclusive with no number of seeds when z·s·sqrt(1/3) >= δ − |d|', () => {
    // z(0.95)·0.01·0.57735 = 0.0094966 ≥ 0.005 − 0.004.
    expect(seedsNeeded(0.004, 0.01, 0.005, 3)).toBeNull();
    const r = equivalenceTest([0.97, 0.98, 0.99], 0.976, 0.005);
    expect(r.verdict).toBe('inconclusive');
    expect(r.seedsNeeded).toBeNull();
    expect(r.rule).toContain('no number of seeds would decide it');
  });
  it('tostVerdict bounds are strict inside (−δ, δ) and strict outside [−δ, δ]', () => {
    expect(tostVerdict(-0.01, 0.01, 0.01)).toBe('inconclusive');
    expect(tostVerdict(-0.0099, 0.0099, 0.01)).toBe('reproduced');
    expect(tostVerdict(0.01, 0.02, 0.01)).toBe('inconclusive');
    expect(tostVerdict(0.0101, 0.02, 0.01)).toBe('not reproduced');
  });
});

describe('one-sided claims', () => {
  it('atLeast and below, each verdict', () => {
    expect(oneSidedVerdict(0.81, 0.9, 0.8, 'atLeast')).toBe('reproduced');
    expect(oneSidedVerdict(0.7, 0.79, 0.8, 'atLeast')).toBe('not reproduced');
    expect(oneSidedVerdict(0.7, 0.9, 0.8, 'atLeast')).toBe('inconclusive');
    expect(oneSidedVerdict(1e-5, 1e-4, 1e-3, 'below')).toBe('reproduced');
    expect(oneSidedVerdict(1e-3, 1e-2, 1e-3, 'below')).toBe('not reproduced');
    expect(oneSidedVerdict(1e-4, 1e-2, 1e-3, 'below')).toBe('inconclusive');
  });
  it('meanBounds95 of paired differences: mean ∓ t(0.95, n−1)·sd/√n', () => {
    const b = meanBounds95([-0.01, 0, 0.01]);
    expect(b.mean).toBeCloseTo(0, 15);
    expect(b.hi!).toBeCloseTo((T95_2 * 0.01) / Math.sqrt(3), 13);
    expect(meanBounds95([0.2])).toMatchObject({ lo: null, hi: null, df: 0 });
  });
});

describe('bootstrap over seeds', () => {
  const values = new Map([
    [333, 0.1],
    [334, 0.3],
    [335, 0.2],
    [336, 0.6],
  ]);
  const meanOf = (ids: number[]) => ids.reduce((a, id) => a + values.get(id)!, 0) / ids.length;
  it('is deterministic for a fixed stream seed', () => {
    expect(bootstrapSeeds([333, 334, 335, 336], 500, 7, meanOf)).toEqual(bootstrapSeeds([333, 334, 335, 336], 500, 7, meanOf));
  });
  it('does not depend on the order of the seed list', () => {
    expect(bootstrapSeeds([336, 334, 333, 335], 500, 7, meanOf)).toEqual(bootstrapSeeds([333, 334, 335, 336], 500, 7, meanOf));
  });
  it('changes with the stream seed, and stays within the range of the statistic', () => {
    const a = bootstrapSeeds([333, 334, 335, 336], 500, 7, meanOf);
    expect(a.sorted).not.toEqual(bootstrapSeeds([333, 334, 335, 336], 500, 8, meanOf).sorted);
    const { lo, hi } = percentileInterval(a, 0.95);
    expect(lo).toBeGreaterThanOrEqual(0.1);
    expect(hi).toBeLessThanOrEqual(0.6);
    expect(lo).toBeLessThan(0.3);
    expect(hi).toBeGreaterThan(0.3);
  });
  it('drops and counts resamples where the statistic is undefined', () => {
    const r = bootstrapSeeds([1, 2], 200, 1, (ids) => (ids[0] === ids[1] ? Number.NaN : 1));
    expect(r.sorted.length + r.undefinedCount).toBe(200);
    expect(r.undefinedCount).toBeGreaterThan(0);
  });
});

describe('correlation inference', () => {
  // Seed 1: y = 2x exactly (r = 1); seed 2: y = −x + c is r = −1 on its own.
  const series = [
    { seed: 2, x: [1, 2, 4], y: [4, 3, 1] },
    { seed: 1, x: [1, 2, 3], y: [2, 4, 6] },
  ];
  it('per-seed r, summarised over seeds; first differences of the per-level means', () => {
    const c = correlationInference(series, { resamples: 100, minSeeds: 10, streamSeed: 1 });
    expect(c.perSeed.values.map((v) => v.seed)).toEqual([1, 2]);
    expect(c.perSeed.values[0].r).toBeCloseTo(1, 14);
    expect(c.perSeed.values[1].r).toBeCloseTo(-1, 14);
    expect(c.perSeed.summary).toMatchObject({ n: 2 });
    expect(c.perSeed.summary!.mean).toBeCloseTo(0, 14);
    // r = ±1: sd √2, t(0.975, 1) = 12.706, so the t-interval is ±12.7; a correlation's bounds stop at ±1.
    expect([c.perSeed.summary!.lo95, c.perSeed.summary!.hi95]).toEqual([-1, 1]);
    // Means x = [1, 2, 3.5], y = [3, 3.5, 3.5]; Δx = [1, 1.5], Δy = [0.5, 0]: two points, r = −1.
    expect(c.firstDifferences).toBeNull(); // two differences: r needs at least 3 pairs
    expect(c.bootstrap).toBeNull();
    expect(c.bootstrapSkipped).toBe('2 seeds; the bootstrap needs at least 10');
  });
  it('first-difference r on four levels', () => {
    const c = correlationInference([{ seed: 1, x: [0, 1, 3, 6], y: [0, 2, 6, 12] }], { resamples: 100, minSeeds: 10, streamSeed: 1 });
    // Δx = [1, 2, 3], Δy = [2, 4, 6]: r = 1.
    expect(c.firstDifferences!.r).toBeCloseTo(1, 14);
    expect(c.firstDifferences!.n).toBe(3);
  });
  it('bootstrap interval with enough seeds brackets the full-sample r and ignores list order', () => {
    const many = Array.from({ length: 10 }, (_, i) => ({ seed: 100 + i, x: [1, 2, 3, 4], y: [1, 2 + (i % 3) * 0.5, 3, 4 - (i % 2)] }));
    const boot = { resamples: 300, minSeeds: 10, streamSeed: 5 };
    const a = correlationInference(many, boot);
    const b = correlationInference([...many].reverse(), boot);
    expect(a.bootstrap).toEqual(b.bootstrap);
    expect(a.bootstrap!.lo95).toBeLessThanOrEqual(a.bootstrap!.hi95);
    expect(a.bootstrap!.resamples).toBe(300);
  });
});
