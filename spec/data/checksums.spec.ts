// verifyDir on small fake files whose sums come from node:crypto, and the CLI's verify output.
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, afterEach, describe, expect, it, vi } from 'vitest';
import { MNIST_BASES, verifyDir } from '../../src/data/checksums.ts';
import { DATA } from '../../src/cli/commands/data.ts';

const tmp = mkdtempSync(join(tmpdir(), 'prunecam-sums-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
afterEach(() => vi.restoreAllMocks());

const hex = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');

/** A directory with one small gzipped file per MNIST base name, and the table of their sums. */
function fakeDir(name: string): { dir: string; sums: Record<string, string> } {
  const dir = join(tmp, name);
  mkdirSync(dir);
  const sums: Record<string, string> = {};
  MNIST_BASES.forEach((base, i) => {
    const bytes = gzipSync(Uint8Array.from({ length: 50 + i }, (_, j) => (j * 7 + i) & 255));
    writeFileSync(join(dir, `${base}.gz`), bytes);
    sums[`${base}.gz`] = hex(bytes);
  });
  return { dir, sums };
}

/** Runs the CLI command in-process; returns its exit code and printed lines. */
async function cli(argv: string[]): Promise<{ code: number; out: string }> {
  const lines: string[] = [];
  vi.spyOn(console, 'log').mockImplementation((...a: unknown[]) => void lines.push(a.join(' ')));
  const code = await DATA.run(argv);
  return { code, out: lines.join('\n') };
}

describe('verifyDir', () => {
  it('reports OK for files matching the table', () => {
    const { dir, sums } = fakeDir('ok');
    const checks = verifyDir(dir, sums);
    expect(checks.map((c) => [c.file, c.status])).toEqual(MNIST_BASES.map((b) => [`${b}.gz`, 'OK']));
  });

  it('reports a flipped byte as MISMATCH naming the file, with both sums', () => {
    const { dir, sums } = fakeDir('flip');
    const path = join(dir, 't10k-images-idx3-ubyte.gz');
    const bytes = readFileSync(path);
    bytes[20] ^= 0x01;
    writeFileSync(path, bytes);
    const bad = verifyDir(dir, sums).filter((c) => c.status !== 'OK');
    expect(bad).toEqual([
      { base: 't10k-images-idx3-ubyte', file: 't10k-images-idx3-ubyte.gz', status: 'MISMATCH', expected: sums['t10k-images-idx3-ubyte.gz'], actual: hex(bytes) },
    ]);
  });

  it('reports an absent file as MISSING and prefers .gz over the raw file when both exist', () => {
    const { dir, sums } = fakeDir('missing');
    unlinkSync(join(dir, 'train-labels-idx1-ubyte.gz'));
    writeFileSync(join(dir, 'train-images-idx3-ubyte'), 'raw, not in the table');
    const checks = verifyDir(dir, sums);
    expect(checks.map((c) => [c.base, c.file, c.status])).toEqual([
      ['train-images-idx3-ubyte', 'train-images-idx3-ubyte.gz', 'OK'],
      ['train-labels-idx1-ubyte', null, 'MISSING'],
      ['t10k-images-idx3-ubyte', 't10k-images-idx3-ubyte.gz', 'OK'],
      ['t10k-labels-idx1-ubyte', 't10k-labels-idx1-ubyte.gz', 'OK'],
    ]);
  });

  it('checks a raw file when there is no .gz, and a name without a sum never passes', () => {
    const { dir, sums } = fakeDir('raw');
    unlinkSync(join(dir, 'train-images-idx3-ubyte.gz'));
    const raw = Uint8Array.of(1, 2, 3);
    writeFileSync(join(dir, 'train-images-idx3-ubyte'), raw);
    expect(verifyDir(dir, { ...sums, 'train-images-idx3-ubyte': hex(raw) })[0]).toMatchObject({ file: 'train-images-idx3-ubyte', status: 'OK' });
    expect(verifyDir(dir, sums)[0]).toMatchObject({ file: 'train-images-idx3-ubyte', status: 'MISMATCH', expected: null });
  });
});

describe('prunecam data verify', () => {
  it('prints MISSING for every file of an empty directory and exits 1', async () => {
    const dir = join(tmp, 'empty');
    const { code, out } = await cli(['verify', '--data-dir', dir]);
    expect(code).toBe(1);
    for (const b of MNIST_BASES) expect(out).toMatch(new RegExp(`MISSING +${b}\\(\\.gz\\)`));
    expect(out).toContain(`4 of 4 MNIST files not OK; run \`npx prunecam data fetch --data-dir ${dir}\``);
  });

  it('prints MISMATCH for files that are not the published MNIST files', async () => {
    const { dir } = fakeDir('cli-fake');
    const { code, out } = await cli(['verify', '--data-dir', dir]);
    expect(code).toBe(1);
    expect(out).toMatch(/MISMATCH +train-images-idx3-ubyte\.gz +\(sha256 [0-9a-f]{64}, expected 440fcabf73cc546fa21475e81ea370265605f56be210a4024d2ca8f203523609\)/);
  });

  it('rejects unknown sub-commands and options', async () => {
    await expect(DATA.run(['check'])).rejects.toThrow("unknown sub-command 'check' (fetch or verify)");
    await expect(DATA.run([])).rejects.toThrow('missing sub-command');
    await expect(DATA.run(['verify', '--mirror', 'http://x/'])).rejects.toThrow('unknown option --mirror');
    await expect(DATA.run(['fetch', '--mirror', 'ftp://x/', '--data-dir', join(tmp, 'never')])).rejects.toThrow("--mirror must be an http(s) URL, got 'ftp://x/'");
    await expect(DATA.run(['fetch', '--mirror'])).rejects.toThrow('--mirror needs a value');
  });
});
