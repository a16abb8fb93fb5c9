import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { predicateOfReportFile } from '../support/report-file.ts';

// On a fresh machine without data/mnist, `prunecam run` says so, tells how to fetch the files,
// and falls back to the embedded subset, labelled as such in the console, the CSV and the report.

const BIN = join(import.meta.dirname, '..', '..', 'bin', 'prunecam.js');

describe('fallback to the embedded MNIST subset', () => {
  it('runs on mnist-embedded when the MNIST folder is missing, and labels every output a subset', () => {
    const root = mkdtempSync(join(tmpdir(), 'prunecam-fallback-'));
    const protocol = join(root, 'p.json');
    writeFileSync(protocol, JSON.stringify({ extends: 'smoke', dataset: { trainLimit: 400, testLimit: 100 }, training: { pretrain: [{ epochs: 1, lr: 0.01 }] }, pruning: { levels: 1 }, explain: { examples: 1 } }));
    const keygen = spawnSync(process.execPath, [BIN, 'keygen', '--out', join(root, 'key.pem')], { encoding: 'utf8' });
    expect(keygen.status, keygen.stderr).toBe(0);
    const r = spawnSync(process.execPath, [BIN, 'run', '--protocol', protocol, '--data-dir', join(root, 'no-such-dir'), '--out', join(root, 'runs'), '--jobs', '1'], {
      encoding: 'utf8',
      env: { ...process.env, PRUNECAM_SIGNING_KEY: join(root, 'key.pem') },
    });
    expect(r.status, r.stderr).toBe(0);
    expect(r.stderr).toContain('prunecam data fetch');
    expect(r.stderr).toMatch(/Falling back to mnist-embedded: a 10,000-image SUBSET/);
    const runDir = r.stdout.match(/finished: (\S+)/)![1];
    // The CSV stays plain (a header row first, readable by pandas/R/csv); the subset label lives in the report.
    expect(readFileSync(join(runDir, 'levels.csv'), 'utf8').split('\n')[0]).toMatch(/^seed,level,/);
    const predicate = predicateOfReportFile(join(runDir, 'report.json'));
    expect(predicate.dataset).toMatchObject({ name: 'mnist-embedded', subset: true });
    expect(predicate.protocol.dataset.name).toBe('mnist-embedded');
    expect(readFileSync(join(runDir, 'report.html'), 'utf8')).toMatch(/subset/i);
  }, 120_000);

  it('refuses the fallback when the dataset was asked for explicitly', () => {
    const root = mkdtempSync(join(tmpdir(), 'prunecam-fallback-'));
    const r = spawnSync(process.execPath, [BIN, 'run', '--protocol', 'smoke', '--dataset', 'mnist', '--data-dir', join(root, 'none'), '--out', join(root, 'runs')], { encoding: 'utf8' });
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/missing.*prunecam data fetch/s);
    expect(r.stderr).not.toMatch(/\n\s+at /);
  }, 60_000);
});
