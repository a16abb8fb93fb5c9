import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadSweepFile } from '../../src/sweep/grid.ts';

// Every committed sweep file expands (schema, cells, protocols), and the three publishing sweeps
// run what issue 17 asks for: the thesis protocol on MNIST with magnitude pruning over seeds
// 333–352, with random pruning over 333–342, and on Fashion-MNIST (with its own normalisation,
// PROTOCOL.md D2) over 333–342.

const DIR = join(import.meta.dirname, '..', '..', 'sweeps');
const seeds = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => from + i);

describe('committed sweep files', () => {
  it.each(readdirSync(DIR).filter((f) => f.endsWith('.json')))('%s expands into valid cells', (file) => {
    expect(loadSweepFile(join(DIR, file)).cells.length).toBeGreaterThan(0);
  });

  it.each([
    ['publish-thesis-mnist.json', 'mnist', 'sparse_global', seeds(333, 352), { mean: 0.1307, std: 0.3081 }],
    ['publish-thesis-mnist-random-pruning.json', 'mnist', 'random_global', seeds(333, 342), { mean: 0.1307, std: 0.3081 }],
    ['publish-thesis-fashion-mnist.json', 'fashion-mnist', 'sparse_global', seeds(333, 342), { mean: 0.286, std: 0.353 }],
  ])('%s: one thesis cell on %s, %s pruning', (file, dataset, strategy, seedList, normalize) => {
    const { cells } = loadSweepFile(join(DIR, file));
    expect(cells).toHaveLength(1);
    const c = cells[0].config;
    expect(c.name).toBe('thesis');
    expect(c.dataset.name).toBe(dataset);
    expect(c.pruning.strategy).toBe(strategy);
    expect(c.pruning.levels).toBe(26);
    expect(c.seeds).toEqual(seedList);
    expect(c.data.normalize).toEqual(normalize);
  });
});
