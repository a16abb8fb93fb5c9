import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { main } from '../../src/cli/main.ts';
import { captureConsole } from '../support/console.ts';

afterEach(() => vi.restoreAllMocks());

describe('prunecam command line', () => {
  it('lists the commands, hides internal ones, and rejects an unknown command (exit 2)', async () => {
    let out = captureConsole();
    expect(await main(['--help'])).toBe(0);
    const help = out.join('\n');
    for (const c of ['run', 'data', 'verify', 'audit', 'diff', 'keygen', 'bench']) expect(help).toMatch(new RegExp(`^  ${c} `, 'm'));
    expect(help).not.toContain('_seed');
    vi.restoreAllMocks();
    out = captureConsole();
    expect(await main(['frobnicate'])).toBe(2);
    expect(out.join('\n')).toContain("unknown command 'frobnicate'");
  });

  it('run: an unknown option or a bad value is a usage error (exit 2) naming it', async () => {
    const out = captureConsole();
    expect(await main(['run', '--protocl', 'smoke'])).toBe(2);
    expect(await main(['run', '--backend', 'gpu'])).toBe(2);
    expect(await main(['run', '--seeds', '1,x'])).toBe(2);
    expect(await main(['run', '--jobs', '0'])).toBe(2);
    const text = out.join('\n');
    expect(text).toContain('unknown option --protocl');
    expect(text).toContain("--backend must be one of auto, tensorflow, wasm, cpu, got 'gpu'");
    expect(text).toContain("--seeds must list seeds and ranges like 333-352 or 333,335,340-345: 'x' is not a seed or a range of seeds");
    expect(text).toContain("--jobs must be a whole number >= 1, got '0'");
  });

  it('run: a protocol file with an unknown key fails before any work (exit 1), naming the field, no stack', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'prunecam-cli-'));
    writeFileSync(join(dir, 'p.json'), JSON.stringify({ extends: 'smoke', training: { optimizer: { momentum: '0.9' } } }));
    const out = captureConsole();
    expect(await main(['run', '--protocol', join(dir, 'p.json'), '--out', join(dir, 'runs')])).toBe(1);
    const text = out.join('\n');
    expect(text).toContain('/training/optimizer/momentum: must be number, got string');
    expect(text).not.toMatch(/\n\s+at /);
  });
});
