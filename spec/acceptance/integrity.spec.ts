import { spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import { beforeAll, describe, expect, it } from 'vitest';
import { resolveProtocol, runId } from '../../src/protocol/index.ts';
import { loadSigningKey } from '../../src/report/keys.ts';
import { writeSignedReport } from '../../src/report/sign.ts';
import { predicateOfReportFile } from '../support/report-file.ts';

// Issue 16's integrity checks through the real CLI, on a tiny run (2 seeds, 2 levels, wasm):
// an edited checkpoint is refused on resume before anything is rewritten, a resume on another
// backend is refused, and a re-signed report with an edited metric passes the signature check
// but fails `verify --recompute`, naming seed, level and metric.

const BIN = join(import.meta.dirname, '..', '..', 'bin', 'prunecam.js');
const root = mkdtempSync(join(tmpdir(), 'prunecam-integrity-'));
const protocolFile = join(root, 'tiny.json');
writeFileSync(protocolFile, JSON.stringify({ extends: 'smoke', dataset: { name: 'mnist-embedded', trainLimit: 600, testLimit: 100 }, pruning: { levels: 2 } }));
const id = runId(resolveProtocol(protocolFile));
const keyPath = join(root, 'key.pem');
const env = { ...process.env, PRUNECAM_SIGNING_KEY: keyPath };
const pristine = join(root, 'pristine');

function cli(...args: string[]) {
  const r = spawnSync(process.execPath, [BIN, ...args], { env, encoding: 'utf8' });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** A fresh copy of the finished run's folder. */
function copyRun(name: string): string {
  const out = join(root, name);
  cpSync(pristine, out, { recursive: true });
  return out;
}

const runArgs = (out: string, ...more: string[]) => ['run', '--protocol', protocolFile, '--out', out, '--jobs', '1', '--backend', 'wasm', ...more];

describe('checkpoint and report integrity', () => {
  beforeAll(() => {
    expect(cli('keygen', '--out', keyPath).code).toBe(0);
    const r = cli(...runArgs(pristine));
    expect(r.code, r.stderr).toBe(0);
  }, 120_000);

  it('the report records schema version 2 and each level\'s provenance', () => {
    const p = predicateOfReportFile(join(pristine, id, 'report.json'));
    expect(p.schemaVersion).toBe(2);
    expect(p.resumedAt).toEqual([]);
    expect(p.environment.gpu).toBeNull(); // wasm computes on no GPU, whatever the machine has
    for (const s of p.seeds) for (const l of s.levels) expect(l.provenance).toMatchObject({ backend: 'wasm', trainingPath: 'fused' });
  });

  it('refuses to resume from a checkpoint whose metric was edited, naming the file, before rewriting levels.csv', () => {
    const out = copyRun('edited-checkpoint');
    const file = join(out, id, 'seed-334', 'level-01.ckpt.json.gz');
    const raw = JSON.parse(gunzipSync(readFileSync(file)).toString('utf8'));
    raw.metrics.meanIoU = 0.5;
    writeFileSync(file, gzipSync(JSON.stringify(raw, null, 1)));
    const csv = readFileSync(join(out, id, 'levels.csv'), 'utf8');
    const r = cli(...runArgs(out));
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`checkpoint ${file} does not match its recorded sha256`);
    expect(r.stderr).not.toMatch(/\n\s+at /);
    expect(readFileSync(join(out, id, 'levels.csv'), 'utf8')).toBe(csv);
  }, 60_000);

  it('refuses to resume a truncated checkpoint before rewriting levels.csv', () => {
    const out = copyRun('truncated-checkpoint');
    const file = join(out, id, 'seed-333', 'level-00.ckpt.json.gz');
    writeFileSync(file, readFileSync(file).subarray(0, 1000));
    const csv = readFileSync(join(out, id, 'levels.csv'), 'utf8');
    const r = cli(...runArgs(out));
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`checkpoint ${file} is unreadable (not a complete gzip file: unexpected end of file)`);
    expect(r.stderr).not.toMatch(/\n\s+at /);
    expect(readFileSync(join(out, id, 'levels.csv'), 'utf8')).toBe(csv);
  }, 60_000);

  it('refuses to resume with another backend, naming both', () => {
    const out = copyRun('other-backend');
    const r = cli('run', '--protocol', protocolFile, '--out', out, '--jobs', '1', '--backend', 'cpu');
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/pretrain\.ckpt\.json\.gz \(and 5 more\) was made with backend wasm, not cpu: resume with --backend wasm/);
  }, 60_000);

  it('a resume records the first start and the resume', () => {
    const out = copyRun('resumed');
    const r = cli(...runArgs(out));
    expect(r.code, r.stderr).toBe(0);
    const p = predicateOfReportFile(join(out, id, 'report.json'));
    const first = predicateOfReportFile(join(pristine, id, 'report.json'));
    expect(p.startedAt).toBe(first.startedAt);
    expect(p.resumedAt).toHaveLength(1);
    expect(p.resumedAt![0] > first.startedAt).toBe(true);
  }, 60_000);

  it('verify --recompute passes on the untouched run, --jobs 2 on another backend within tolerance, and --replay', () => {
    const report = join(pristine, id, 'report.json');
    const same = cli('verify', report, '--recompute');
    expect(same.code, same.stderr).toBe(0);
    expect(same.stdout).toMatch(/seed 334 level 1: identical/);
    const other = cli('verify', report, '--recompute', '--backend', 'cpu', '--jobs', '2', '--levels', '1');
    expect(other.code, other.stderr).toBe(0);
    expect(other.stdout).toMatch(/recomputing 2 level\(s\) of 2 seed\(s\) on cpu/);
    expect(other.stdout).toMatch(/seed 333 level 1: within tolerance .*accuracies ±0.1 pp, other numbers ±0.001\); largest deviation/);
    const replay = cli('verify', report, '--replay', '333:1');
    expect(replay.code, replay.stderr).toBe(0);
    expect(replay.stdout).toMatch(/OK replay: 1 level\(s\) match the report/);
  }, 120_000);

  it('a report re-signed after editing a metric passes the signature check but fails verify --recompute, naming seed, level and metric', () => {
    const out = copyRun('resigned');
    const report = join(out, id, 'report.json');
    const p = predicateOfReportFile(report);
    const reported = p.seeds[1].levels[1].meanIoU;
    p.seeds[1].levels[1].meanIoU = 0.5;
    writeSignedReport(join(out, id), p, { signingKey: loadSigningKey(keyPath) });
    expect(cli('verify', report).code).toBe(0);
    const r = cli('verify', report, '--recompute');
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`FAILED recompute: seed 334 level 1 meanIoU: report 0.5, recomputed ${reported}`);
  }, 60_000);

  it('still verifies the report of an earlier schema version', () => {
    const r = cli('verify', join(import.meta.dirname, '..', '..', 'reports', 'superseded', 'thesis-mnist-3-seeds', 'report.json'));
    expect(r.code, r.stderr).toBe(0);
  });
});
