import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runExperiment, type RunOutcome } from '../../src/experiment/run.ts';
import { createProgress } from '../../src/experiment/progress.ts';
import { methodsBlock, nullDifferencesBlock, pruningArmsBlock, randomisationBlock, sideBySideBlock } from '../../src/render/results-markdown.ts';

// The README's Part 2 blocks on two tiny runs that differ only in the pruning strategy
// (magnitude vs random_global), checked against what the design fixes independently of the code
// under test: level 0 is the same network in both arms (same seed, initialisation and
// pretraining, nothing pruned), so every paired difference there is exactly 0; the baselines are
// model-free, so both arms score them the same; RandomCAM's channel weights do not depend on fc,
// so randomising fc leaves its maps unchanged; and a paired difference to RandomCAM is the mean
// over seeds of each seed's mean over levels of (method − RandomCAM), recomputed here by hand.

const root = mkdtempSync(join(tmpdir(), 'prunecam-results-part2-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
const quiet = createProgress({ seeds: [], levels: 0, pretrainEpochs: 0, retrainEpochs: 0 }, { write: () => true, isTTY: false } as unknown as NodeJS.WriteStream, false);

async function tinyRun(strategy: string): Promise<RunOutcome> {
  const file = join(root, `${strategy}.json`);
  const protocol = {
    extends: 'smoke',
    seeds: [333, 334],
    dataset: { name: 'mnist-embedded', trainLimit: 1200, testLimit: 200 },
    pruning: { levels: 3, strategy },
    metrics: { deletion: { images: 40, steps: 8 } },
    controls: { randomisation: { levels: [0], images: 40 } },
  };
  writeFileSync(file, JSON.stringify(protocol));
  return runExperiment({ protocol: file, backend: 'auto', out: join(root, 'runs'), progress: quiet });
}

let magnitude: RunOutcome;
let random: RunOutcome;
beforeAll(async () => {
  magnitude = await tinyRun('sparse_global');
  random = await tinyRun('random_global');
}, 300_000);

const rowsOf = (table: string) => table.split('\n').slice(2).map((line) => line.replace(/^\| | \|$/g, '').split(' | '));

describe('README Part 2 blocks', () => {
  it('pruning arms: level 0 is the same network in both arms, so its paired differences are exactly 0', () => {
    const rows = rowsOf(pruningArmsBlock(magnitude.predicate, random.predicate, [0, 1, 2]));
    expect(rows.map((r) => r[0])).toEqual(['0', '1', '2']);
    expect(rows[0][2]).toBe(rows[0][3]);
    expect(rows[0][4]).toBe('0.0 pp [0.0, 0.0]');
    expect(rows[0][7]).toBe('0.000 [0.000, 0.000]');
  });

  it('pruning arms with different seed lists: every column is over the seeds both arms have', () => {
    const only333 = { ...magnitude.predicate, seeds: magnitude.predicate.seeds.filter((s) => s.seed === 333) };
    const [row] = rowsOf(pruningArmsBlock(only333, random.predicate, [1]));
    const acc = (p: typeof only333) => p.seeds.find((s) => s.seed === 333)!.levels[1].cleanAccuracy;
    expect(row[2]).toBe(`${(100 * acc(magnitude.predicate)).toFixed(1)}%`);
    expect(row[3]).toBe(`${(100 * acc(random.predicate)).toFixed(1)}%`); // seed 333 alone, not the mean of 333 and 334
    expect(row[4]).toBe(`${(100 * (acc(magnitude.predicate) - acc(random.predicate))).toFixed(1)} pp`); // one seed: no interval
  });

  it('baselines score the same in both arms (they do not depend on the network)', () => {
    const baselineRows = (t: string) => rowsOf(t).filter((r) => r[0].startsWith('baseline'));
    const a = baselineRows(methodsBlock(magnitude.predicate));
    expect(a.length).toBe(magnitude.predicate.protocol.explain.baselines.length);
    expect(baselineRows(methodsBlock(random.predicate))).toEqual(a);
  });

  it("randomising fc leaves RandomCAM's maps unchanged (similarity 1)", () => {
    const row = rowsOf(randomisationBlock(magnitude.predicate, 0)).find((r) => r[0].startsWith('RandomCAM'));
    expect(row?.[1]).toBe('1.000 [1.000, 1.000]');
    expect(randomisationBlock(magnitude.predicate, 1)).toMatch(/no randomisation control at level 1/);
  });

  it('paired differences to RandomCAM are the seeds’ mean over levels of (method − RandomCAM)', () => {
    const rows = rowsOf(nullDifferencesBlock(magnitude.predicate, ['softIoU']));
    expect(rows.some((r) => r[0].startsWith('RandomCAM'))).toBe(false);
    const perSeed = magnitude.predicate.seeds.map((s) => s.levels.reduce((a, l) => a + (l.methods!.gradcampp!.localisation.softIoU! - l.methods!.randomcam!.localisation.softIoU!), 0) / s.levels.length);
    const m = perSeed.reduce((a, b) => a + b, 0) / perSeed.length;
    expect(rows.find((r) => r[0] === 'Grad-CAM++')?.[1].split(' ')[0]).toBe(m.toFixed(3));
  });

  it('side by side: one column per report, seeds and compute time from each', () => {
    const t = sideBySideBlock([{ label: 'magnitude', p: magnitude.predicate }, { label: 'random', p: random.predicate }]);
    const rows = rowsOf(t);
    expect(t.split('\n')[0]).toBe('|  | magnitude | random |');
    expect(rows.find((r) => r[0] === 'seeds')?.slice(1)).toEqual(['2', '2']);
    expect(rows.find((r) => r[0] === 'clean accuracy at level 10 [95%]')?.slice(1)).toEqual(['n/a', 'n/a']);
  });
});
