import { afterEach, describe, expect, it, vi } from 'vitest';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { main } from '../../src/cli/main.ts';

// `prunecam bench` as a user runs it: output format and argument errors. No speed is asserted
// (the machine is shared); the numbers only have to be positive whole rates.

const BIN = join(import.meta.dirname, '..', '..', 'bin', 'prunecam.js');

/** Runs the CLI in this process, capturing what it prints. */
async function cli(...args: string[]): Promise<{ status: number; stdout: string; stderr: string }> {
  const out: string[] = [];
  const err: string[] = [];
  vi.spyOn(console, 'log').mockImplementation((...a: unknown[]) => void out.push(a.join(' ')));
  vi.spyOn(console, 'error').mockImplementation((...a: unknown[]) => void err.push(a.join(' ')));
  const status = await main(['bench', ...args]);
  vi.restoreAllMocks();
  return { status, stdout: out.join('\n'), stderr: err.join('\n') };
}

describe('prunecam bench', () => {
  afterEach(() => vi.restoreAllMocks());

  it('--json --skip-level prints exactly one line with the backend and two positive rates (the real binary)', () => {
    const r = spawnSync(process.execPath, [BIN, 'bench', '--json', '--skip-level', '--backend', 'wasm', '--images', '256'], { encoding: 'utf8', timeout: 120_000 });
    expect(r.status, r.stderr).toBe(0);
    const lines = r.stdout.trim().split('\n');
    expect(lines).toHaveLength(1);
    const out = JSON.parse(lines[0]) as Record<string, unknown>;
    expect(Object.keys(out)).toEqual(['backend', 'train_images_per_s', 'gradcampp_images_per_s']);
    expect(out.backend).toBe('wasm');
    for (const k of ['train_images_per_s', 'gradcampp_images_per_s']) {
      expect(Number.isInteger(out[k]) && (out[k] as number) > 0, `${k} = ${out[k]}`).toBe(true);
    }
  });

  it('--json --level-only times one level of the protocol through the run code: its parts add up to level_s', () => {
    const r = spawnSync(process.execPath, [BIN, 'bench', '--json', '--level-only', '--protocol', 'smoke', '--backend', 'wasm'], { encoding: 'utf8', timeout: 120_000 });
    expect(r.status, r.stderr).toBe(0);
    const lines = r.stdout.trim().split('\n');
    expect(lines).toHaveLength(1);
    const out = JSON.parse(lines[0]) as Record<string, unknown>;
    expect(Object.keys(out)).toEqual(['backend', 'dataset', 'subset', 'level_s', 'train_s', 'eval_s', 'explain_s', 'metrics_s', 'level_part2_s', 'setup_s']);
    expect(['mnist', 'mnist-embedded']).toContain(out.dataset);
    expect(out.subset).toBe(out.dataset === 'mnist-embedded');
    for (const k of ['train_s', 'eval_s', 'explain_s', 'metrics_s', 'setup_s']) expect(typeof out[k] === 'number' && (out[k] as number) >= 0, `${k} = ${out[k]}`).toBe(true);
    expect(out.train_s as number).toBeGreaterThan(0);
    const parts = (out.train_s as number) + (out.eval_s as number) + (out.explain_s as number) + (out.metrics_s as number);
    expect(Math.abs(parts - (out.level_s as number))).toBeLessThanOrEqual(0.03); // each rounded to 0.01 s
    // smoke has Part 2 (every explainer, baselines, deletion, randomisation): its extra time is reported.
    expect(typeof out.level_part2_s === 'number' && (out.level_part2_s as number) > 0, `level_part2_s = ${out.level_part2_s}`).toBe(true);
  });

  it('without --json prints a table naming the backend, its versions and both rates (a partial last batch too)', async () => {
    const r = await cli('--backend', 'wasm', '--images', '130', '--skip-level');
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^backend +wasm \(tfjs \d+\.\d+\.\d+, tfjs-backend-wasm \d+\.\d+\.\d+\)$/m);
    expect(r.stdout).toMatch(/^images per pass +130$/m);
    expect(r.stdout).toMatch(/^training +\d+ images\/s \(batch 128; last loss \d+\.\d{4}\)$/m);
    expect(r.stdout).toMatch(/^Grad-CAM\+\+ +\d+ images\/s \(batch 1000\)$/m);
  });

  it('bad arguments exit 2 with a message and the usage, no stack', async () => {
    for (const [args, message] of [
      [['--backend', 'webgpu'], "--backend: unknown backend 'webgpu' (expected one of: auto, tensorflow, wasm, cpu)"],
      [['--images', '0'], "--images must be a whole number >= 1, got '0'"],
      [['--fast'], 'unknown option --fast'],
      [['extra'], "unexpected argument 'extra'"],
      [['--skip-level', '--level-only'], '--skip-level and --level-only exclude each other'],
      [['--protocol', 'nope', '--skip-level'], "--protocol: unknown protocol 'nope'"],
    ] as const) {
      const r = await cli(...args);
      expect(r.status, args.join(' ')).toBe(2);
      expect(r.stderr).toContain(message);
      expect(r.stderr).toContain('usage: prunecam bench');
      expect(r.stderr).not.toMatch(/\n\s+at /);
    }
  });
});
