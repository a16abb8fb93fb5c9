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

  it('--json prints exactly one line with the backend and two positive rates (the real binary)', () => {
    const r = spawnSync(process.execPath, [BIN, 'bench', '--json', '--backend', 'wasm', '--images', '256'], { encoding: 'utf8', timeout: 120_000 });
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

  it('without --json prints a table naming the backend, its versions and both rates (a partial last batch too)', async () => {
    const r = await cli('--backend', 'wasm', '--images', '130');
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
    ] as const) {
      const r = await cli(...args);
      expect(r.status, args.join(' ')).toBe(2);
      expect(r.stderr).toContain(message);
      expect(r.stderr).toContain('usage: prunecam bench');
      expect(r.stderr).not.toMatch(/\n\s+at /);
    }
  });
});
