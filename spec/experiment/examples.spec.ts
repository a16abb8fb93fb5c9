import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadDataset } from '../../src/data/sources.ts';
import { seedEvaluator } from '../../src/experiment/evaluate.ts';
import { describeExamples, exampleFile, existingExamples, hasExample, removeUnselectedExamples } from '../../src/experiment/examples.ts';
import { initWeights } from '../../src/model/params.ts';
import { resolveProtocolObject } from '../../src/protocol/resolve.ts';
import { onesMask } from '../../src/train/masks.ts';
import { specBackend } from '../support/backend.ts';

// Example PNGs for a few seeds and levels, not all of them: the protocol's first 3 seeds and, on
// runs of more than 6 levels, levels 0, 5, 10, … and the last.

const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));
const freshDir = () => {
  const d = mkdtempSync(join(tmpdir(), 'prunecam-examples-'));
  dirs.push(d);
  return d;
};
const selection = (seeds: number[], levels: number) => ({ seeds, pruning: { levels } }) as Parameters<typeof hasExample>[0];

describe('the example selection', () => {
  it('a 20-seed, 27-level run: the first 3 seeds (protocol order) at levels 0, 5, …, 25 and 26', () => {
    const seeds = [360, 333, 334, ...Array.from({ length: 17 }, (_, i) => 335 + i)];
    const config = selection(seeds, 27);
    const chosen = seeds.flatMap((s) => Array.from({ length: 27 }, (_, l) => [s, l]).filter(([, l]) => hasExample(config, s, l)));
    expect(new Set(chosen.map(([s]) => s))).toEqual(new Set([360, 333, 334]));
    expect(chosen.filter(([s]) => s === 360).map(([, l]) => l)).toEqual([0, 5, 10, 15, 20, 25, 26]);
    expect(chosen).toHaveLength(21);
    expect(describeExamples(config)).toBe('seeds 360, 333, 334, levels 0, 5, 10, … and 26');
  });

  it('every level of runs of up to 6 levels; the last level once when it is a multiple of 5', () => {
    expect(Array.from({ length: 6 }, (_, l) => hasExample(selection([1], 6), 1, l))).toEqual([true, true, true, true, true, true]);
    expect(Array.from({ length: 7 }, (_, l) => l).filter((l) => hasExample(selection([1], 7), 1, l))).toEqual([0, 5, 6]);
    expect(Array.from({ length: 11 }, (_, l) => l).filter((l) => hasExample(selection([1], 11), 1, l))).toEqual([0, 5, 10]);
    expect(hasExample(selection([1, 2, 3, 4], 3), 4, 0)).toBe(false);
    expect(describeExamples(selection([1, 2], 3))).toBe('seeds 1, 2, every level');
  });

  it('lists the selected files that exist and removes the other seed-level PNGs, not the every-method grids', () => {
    const dir = freshDir();
    const config = selection([5, 6, 7, 8], 8);
    mkdirSync(join(dir, 'examples'));
    for (const s of config.seeds) for (let l = 0; l < 8; l++) if (!(s === 6 && l === 5)) writeFileSync(join(dir, exampleFile(s, l)), 'png');
    writeFileSync(join(dir, 'examples/methods-seed-5-level-03.png'), 'png');
    expect(removeUnselectedExamples(dir, config)).toBe(32 - 1 - 8);
    expect(readdirSync(join(dir, 'examples')).sort()).toEqual(
      ['methods-seed-5-level-03.png', ...[5, 6, 7].flatMap((s) => [0, 5, 7].map((l) => exampleFile(s, l).slice('examples/'.length)))].filter((f) => f !== 'seed-6-level-05.png').sort(),
    );
    expect(existingExamples(dir, config)).toEqual(['examples/seed-5-level-00.png', 'examples/seed-5-level-05.png', 'examples/seed-5-level-07.png', 'examples/seed-6-level-00.png', 'examples/seed-6-level-07.png', 'examples/seed-7-level-00.png', 'examples/seed-7-level-05.png', 'examples/seed-7-level-07.png']);
    expect(removeUnselectedExamples(dir, config)).toBe(0);
  });
});

describe('the evaluator writes the selected example PNGs only, with the same metrics', () => {
  const config = resolveProtocolObject({
    extends: 'smoke',
    seeds: [1, 2, 3, 4],
    dataset: { name: 'mnist-embedded', trainLimit: 100, testLimit: 8 },
    pruning: { levels: 8 },
    explain: { methods: ['gradcampp'], baselines: [], examples: 2 },
    metrics: { deletion: { images: 0 } },
    controls: { randomisation: { images: 0 } },
  });
  beforeAll(async () => {
    await specBackend();
  });

  it('seed 1 at levels 5 and 7, not at level 3; seed 4 (the 4th) never', async () => {
    const dir = freshDir();
    const test = loadDataset(config.dataset).test;
    const w = initWeights(1);
    const at = (seed: number, level: number) => seedEvaluator(config, test, seed, dir)(w, level, onesMask());
    const unselected = await at(1, 3);
    const selected = await at(1, 5);
    await at(1, 7);
    await at(4, 0);
    expect(readdirSync(join(dir, 'examples')).sort()).toEqual(['seed-1-level-05.png', 'seed-1-level-07.png']);
    expect(existsSync(join(dir, exampleFile(4, 0)))).toBe(false);
    // Grad-CAM++ alone, no randomisation: the level changes nothing but whether a PNG is written.
    expect(selected).toEqual(unselected);
  });
});
