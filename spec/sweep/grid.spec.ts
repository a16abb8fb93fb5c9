import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { main } from '../../src/cli/main.ts';
import { captureConsole } from '../support/console.ts';
import { expandSweep, loadSweepFile, unitsOf } from '../../src/sweep/grid.ts';
import { parseQueueUrl, redact } from '../../src/sweep/url.ts';
import { errorOf } from '../support/errors.ts';

const base = { extends: 'smoke', dataset: { name: 'mnist-embedded', trainLimit: 1000, testLimit: 200 }, pruning: { levels: 2 } };

describe('sweep files', () => {
  it('expands the grid into one protocol and run id per cell, last key fastest', () => {
    const plan = expandSweep({ protocol: base, grid: { 'pruning.fraction': [0.2, 0.5], 'dataset.trainLimit': [500, 1000] } }, 'test');
    expect(plan.cells.map((c) => c.label)).toEqual([
      'pruning.fraction=0.2 dataset.trainLimit=500',
      'pruning.fraction=0.2 dataset.trainLimit=1000',
      'pruning.fraction=0.5 dataset.trainLimit=500',
      'pruning.fraction=0.5 dataset.trainLimit=1000',
    ]);
    expect(plan.cells[3].config.pruning.fraction).toBe(0.5);
    expect(plan.cells[3].config.dataset).toEqual({ name: 'mnist-embedded', trainLimit: 1000, testLimit: 200 });
    expect(new Set(plan.cells.map((c) => c.runId)).size).toBe(4);
    expect(unitsOf(plan)).toHaveLength(8); // smoke: 2 seeds
    // The same sweep has the same id; a built-in name works as the base.
    expect(expandSweep({ protocol: base, grid: { 'pruning.fraction': [0.2, 0.5], 'dataset.trainLimit': [500, 1000] } }, 'again').id).toBe(plan.id);
    expect(expandSweep({ protocol: 'smoke', grid: { seeds: [[2, 3]] } }, 't').cells[0].config.seeds).toEqual([2, 3]);
  });

  it('reads a base protocol file relative to the sweep file', () => {
    const dir = mkdtempSync(join(tmpdir(), 'prunecam-sweep-file-'));
    writeFileSync(join(dir, 'base.json'), JSON.stringify({ ...base, name: 'mine' }));
    writeFileSync(join(dir, 'sweep.json'), JSON.stringify({ protocol: 'base.json', grid: { 'pruning.levels': [2, 3] } }));
    const plan = loadSweepFile(join(dir, 'sweep.json'));
    expect(plan.cells.map((c) => [c.config.name, c.config.pruning.levels, c.config.dataset.trainLimit])).toEqual([
      ['mine', 2, 1000],
      ['mine', 3, 1000],
    ]);
  });

  it('refuses unknown keys, unknown grid fields and invalid cells before any work, naming the field', () => {
    expect(errorOf(() => expandSweep({ protocol: 'smoke', grid: { seeds: [[1]] }, gird: {} }, 'f.json')).message).toContain('/gird: unknown key');
    expect(errorOf(() => expandSweep({ protocol: 'smoke', grid: { 'pruning.stratgy': ['random_global'] } }, 'f.json')).message).toContain("/grid/pruning.stratgy: unknown protocol field 'pruning.stratgy'");
    expect(errorOf(() => expandSweep({ protocol: 'smoke', grid: { 'pruning.strategy': [] } }, 'f.json')).message).toContain('/grid/pruning.strategy: must NOT have fewer than 1 items');
    const bad = errorOf(() => expandSweep({ protocol: base, grid: { 'pruning.strategy': ['sparse_global', 'magnitude'], 'pruning.levels': [2, 0] } }, 'f.json')).message;
    expect(bad).toContain('cell 2 (pruning.strategy="sparse_global" pruning.levels=0)');
    expect(bad).toContain('/pruning/levels: must be >= 1');
    expect(bad).toContain('/pruning/strategy: must be one of');
    expect(errorOf(() => expandSweep({ protocol: base, grid: { 'dataset.name': [7] } }, 'f.json')).message).toContain('/dataset/name: must be string, got number');
    expect(errorOf(() => expandSweep({ protocol: { extends: 'smoke', bogus: 1 }, grid: { seeds: [[1]] } }, 'f.json')).message).toContain('/bogus: unknown key');
  });
});

describe('queue URLs', () => {
  it('parses redis:// and rediss:// and never shows the password', () => {
    const c = parseQueueUrl('redis://:p%40ss@example.org:6380/2');
    expect(c).toMatchObject({ host: 'example.org', port: 6380, db: 2, password: 'p@ss', tls: false, display: 'redis://:***@example.org:6380/2' });
    expect(parseQueueUrl('rediss://example.org').tls).toBe(true);
    expect(parseQueueUrl('redis://localhost').display).toBe('redis://localhost/0');
    expect(redact('AUTH p@ss failed (p%40ss)', c)).toBe('AUTH *** failed (***)');
    expect(errorOf(() => parseQueueUrl('http://:pw@host:1')).message).not.toContain('pw');
    expect(errorOf(() => parseQueueUrl('redis://host/x')).message).toContain('database number');
  });
});

describe('sweep and worker command lines', () => {
  afterEach(() => vi.restoreAllMocks());
  it('usage errors exit 2 naming the problem; a bad sweep file exits 1 naming the field', async () => {
    const out = captureConsole();
    const saved = process.env.PRUNECAM_QUEUE;
    delete process.env.PRUNECAM_QUEUE;
    try {
      expect(await main(['sweep'])).toBe(2);
      expect(await main(['sweep', 'status'])).toBe(2);
      expect(await main(['worker'])).toBe(2);
      expect(await main(['worker', '--queue', 'redis://h', '--datasets', 'mnist,cifar'])).toBe(2);
      expect(await main(['sweep', 'x.json', '--queue', 'redis://h', '--jobs', '2'])).toBe(2);
      const dir = mkdtempSync(join(tmpdir(), 'prunecam-sweep-cli-'));
      writeFileSync(join(dir, 's.json'), JSON.stringify({ protocol: 'smoke', grid: { 'training.optimizer.momentum': ['0.9'] } }));
      expect(await main(['sweep', join(dir, 's.json'), '--out', join(dir, 'o')])).toBe(1);
    } finally {
      if (saved !== undefined) process.env.PRUNECAM_QUEUE = saved;
    }
    const text = out.join('\n');
    expect(text).toContain('expected a sweep file, or status / collect');
    expect(text).toContain('sweep status needs --queue URL');
    expect(text).toContain('--queue URL (or $PRUNECAM_QUEUE) is required');
    expect(text).toContain("--datasets must list names among mnist, mnist-embedded, fashion-mnist, got 'cifar'");
    expect(text).toContain('--jobs is for local runs');
    expect(text).toContain('cell 1 (training.optimizer.momentum="0.9")');
    expect(text).toContain('/training/optimizer/momentum: must be number, got string');
    expect(text).not.toMatch(/\n\s+at /);
  });
});
