import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { resolveProtocol, runId } from '../../src/protocol/index.ts';
import type { ReportPredicate } from '../../src/report/types.ts';
import { predicateOfReportFile } from '../support/report-file.ts';

// A killed run resumes to the same numbers as an uninterrupted one; a second process on the same
// run folder is refused; a lock left by a killed process does not block. Runs the real CLI.

const BIN = join(import.meta.dirname, '..', '..', 'bin', 'prunecam.js');
const root = mkdtempSync(join(tmpdir(), 'prunecam-resume-'));
const protocolFile = join(root, 'tiny.json');
writeFileSync(protocolFile, JSON.stringify({ extends: 'smoke', dataset: { name: 'mnist-embedded', trainLimit: 1200, testLimit: 200 }, pruning: { levels: 3 } }));
const id = runId(resolveProtocol(protocolFile));
const keyEnv = { ...process.env, PRUNECAM_SIGNING_KEY: join(root, 'key.pem') };

function args(out: string): string[] {
  return [BIN, 'run', '--protocol', protocolFile, '--out', out, '--jobs', '1'];
}

function runToEnd(out: string) {
  const r = spawnSync(process.execPath, args(out), { env: keyEnv, encoding: 'utf8' });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

const predicateOf = (out: string): ReportPredicate => predicateOfReportFile(join(out, id, 'report.json'));

/** Every number of every level except wall times. */
function numbers(p: ReportPredicate) {
  return p.seeds.map((s) => s.levels.map(({ wallTimeS: _t, ...m }) => m));
}

async function waitFor(path: string, timeoutMs: number): Promise<void> {
  const t0 = Date.now();
  while (!existsSync(path)) {
    if (Date.now() - t0 > timeoutMs) throw new Error(`timed out waiting for ${path}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

describe('resumable runs', () => {
  beforeAll(() => {
    const k = spawnSync(process.execPath, [BIN, 'keygen', '--out', keyEnv.PRUNECAM_SIGNING_KEY], { encoding: 'utf8' });
    expect(k.status, k.stderr).toBe(0);
  });

  it('a run killed after its first level resumes to the numbers of an uninterrupted run', async () => {
    const straight = join(root, 'straight');
    const killed = join(root, 'killed');
    expect(runToEnd(straight).code).toBe(0);

    const child = spawn(process.execPath, args(killed), { env: keyEnv, stdio: 'ignore' });
    await waitFor(join(killed, id, 'seed-333', 'level-00.ckpt.json.gz'), 60_000);
    child.kill('SIGKILL');
    await new Promise((r) => child.once('exit', r));
    expect(existsSync(join(killed, id, 'seed-333', 'level-02.ckpt.json.gz'))).toBe(false);

    const resumed = runToEnd(killed);
    expect(resumed.code, resumed.stderr).toBe(0);
    expect(resumed.stderr).toMatch(/level +0 \(checkpoint\)/);
    expect(numbers(predicateOf(killed))).toEqual(numbers(predicateOf(straight)));
  }, 180_000);

  it('refuses a second process on the same run folder, and takes over a stale lock', async () => {
    const out = join(root, 'locked');
    mkdirSync(join(out, id), { recursive: true });
    // A live process owns the lock: this test's own pid.
    writeFileSync(join(out, id, 'run.lock'), `${process.pid}\n`);
    const refused = runToEnd(out);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/is in use by process \d+/);
    expect(refused.stderr).not.toMatch(/\n\s+at /); // no stack trace

    // A lock whose process is gone (a killed run): the rerun proceeds.
    const dead = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' });
    writeFileSync(join(out, id, 'run.lock'), `${dead.stdout}\n`);
    const r = runToEnd(out);
    expect(r.code, r.stderr).toBe(0);
    expect(existsSync(join(out, id, 'run.lock'))).toBe(false);
  }, 180_000);
});
