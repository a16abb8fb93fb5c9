import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { predicateOfReportFile } from '../support/report-file.ts';

// Stopping a local sweep (Ctrl-C, or SIGTERM from a scheduler) stops it: no further seed starts,
// the running worker stops, the command exits non-zero saying how to resume, and no report is
// written for a run whose seeds did not all finish. Before the fix the coordinator counted the
// killed worker as a failed seed and went on to the next one. Running the command again finishes
// the run, and its report keeps the first start. Runs the real CLI.

const BIN = join(import.meta.dirname, '..', '..', 'bin', 'prunecam.js');
const root = mkdtempSync(join(tmpdir(), 'prunecam-sweep-interrupt-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
const protocol = { extends: 'smoke', seeds: [333, 334], dataset: { name: 'mnist-embedded', trainLimit: 1200, testLimit: 200 }, pruning: { levels: 3 } };
const sweepFile = join(root, 'sweep.json');
writeFileSync(sweepFile, JSON.stringify({ name: 'interrupt', protocol, grid: { 'pruning.fraction': [0.2] } }));

describe('local sweep interrupted by SIGTERM', () => {
  it('stops after the running seed, exits 1 naming the signal and how to resume, writes no report', async () => {
    const out = join(root, 'out');
    const child = spawn(process.execPath, [BIN, 'sweep', sweepFile, '--out', out, '--jobs', '1']);
    const exited = new Promise<number | null>((resolve) => child.on('exit', (c) => resolve(c)));
    let output = '';
    const seen = new Promise<void>((resolve) => {
      const onData = (d: Buffer) => {
        output += d.toString();
        // The first seed has finished a level: interrupt it mid-seed.
        if (/seed 333 \(cell 1\): active 1\/3 levels/.test(output)) resolve();
      };
      child.stdout.on('data', onData);
      child.stderr.on('data', onData);
    });
    await seen;
    const t0 = Date.now();
    child.kill('SIGTERM');
    const code = await exited;
    expect(Date.now() - t0).toBeLessThan(30_000);
    expect(code, output).toBe(1);
    expect(output).toMatch(/SweepInterruptedError: stopped by SIGTERM after 0 of 2 seed\(s\) finished/);
    expect(output).toMatch(/running the same command again resumes/);
    // The second seed never started, and nothing was signed.
    const runs = readdirSync(out).filter((d) => /^[0-9a-f]{64}$/.test(d));
    expect(runs).toHaveLength(1);
    const dir = join(out, runs[0]);
    expect(existsSync(join(dir, 'seed-333'))).toBe(true);
    expect(existsSync(join(dir, 'seed-334'))).toBe(false);
    expect(existsSync(join(dir, 'report.json'))).toBe(false);
    expect(readdirSync(dir)).not.toContain('run.lock');
    expect(output).not.toMatch(/seed 334/);

    // The same command again finishes the run; its report is dated by the first start, with the
    // resume listed (not by the sweep that happened to finish it).
    const t1 = Date.now();
    const again = spawn(process.execPath, [BIN, 'sweep', sweepFile, '--out', out, '--jobs', '1']);
    let rest = '';
    again.stdout.on('data', (d: Buffer) => (rest += d.toString()));
    again.stderr.on('data', (d: Buffer) => (rest += d.toString()));
    expect(await new Promise<number | null>((resolve) => again.on('exit', (c) => resolve(c))), rest).toBe(0);
    const p = predicateOfReportFile(join(dir, 'report.json'));
    expect(Date.parse(p.startedAt)).toBeLessThan(t0);
    expect(p.resumedAt).toHaveLength(1);
    expect(Date.parse(p.resumedAt![0])).toBeGreaterThanOrEqual(t1 - 1000);
  }, 180_000);
});
