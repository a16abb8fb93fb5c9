import { copyFileSync, cpSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it, vi } from 'vitest';
import { main } from '../../src/cli/main.ts';
import { generateSigningKey, loadSigningKey, publicKeyPem } from '../../src/report/keys.ts';
import { tempDir, writeFiles } from './support/fabricate.ts';
import { captureConsole } from '../support/console.ts';

const GOLDEN = join(import.meta.dirname, '..', '..', 'golden');
const cleanups: Array<() => void> = [];
afterAll(() => cleanups.forEach((c) => c()));
afterEach(() => vi.restoreAllMocks());


/** A copy of the golden smoke report with its key and artifact, to tamper with. */
function goldenCopy(): string {
  const { dir, cleanup } = tempDir();
  cleanups.push(cleanup);
  for (const f of ['report-smoke-a.json', 'public-key.pem']) copyFileSync(join(GOLDEN, f), join(dir, f));
  cpSync(join(GOLDEN, 'report-smoke'), join(dir, 'report-smoke'), { recursive: true });
  return dir;
}

describe('prunecam verify', () => {
  const keyid = loadSigningKey(join(GOLDEN, 'test-signing-key.pem')).keyid;

  // The golden reports list their smoke run's 3 level checkpoints (seed 333, levels 0-2) as
  // optional artifacts, which are not committed (golden/report-smoke/README.md).
  it('exits 0 on the golden report, notes the absent optional checkpoints and that the shipped key proves integrity only', async () => {
    const out = captureConsole();
    const path = join(GOLDEN, 'report-smoke-a.json');
    expect(await main(['verify', path])).toBe(0);
    const lines = out.join('\n').split('\n');
    expect(lines).toHaveLength(6);
    expect(lines[0]).toBe(`verifying ${path}`);
    expect(lines[1]).toBe(`  key: ${keyid} from ${join(GOLDEN, 'public-key.pem')} (shipped with the report)`);
    expect(lines[2]).toMatch(/^ {2}run: [0-9a-f]{12}…, protocol smoke, 1 seed\(s\), 3 level\(s\), 4 artifact\(s\) \(3 optional\)$/);
    expect(lines[3]).toBe('OK: signature, statement, predicate and 1 artifact(s) verified');
    expect(lines[4]).toBe('note: 3 optional artifact(s) not present, not checked: report-smoke/checkpoints-a/seed-333/ (3)');
    expect(lines[5]).toBe('note: verified against the key shipped with the report: this proves integrity, not who signed (pass --pubkey with a key you trust to check the signer)');
  });

  it('exits 1 when an optional checkpoint is present but not the signed one', async () => {
    const dir = goldenCopy();
    writeFiles(dir, { 'report-smoke/checkpoints-a/seed-333/level-01.ckpt.json': '{"not":"the signed checkpoint"}\n' });
    const out = captureConsole();
    expect(await main(['verify', join(dir, 'report-smoke-a.json')])).toBe(1);
    const text = out.join('\n');
    expect(text).toMatch(/^FAILED: 1 problem\n {2}- artifact report-smoke\/checkpoints-a\/seed-333\/level-01\.ckpt\.json: sha256 mismatch \(report [0-9a-f]{12}…, file [0-9a-f]{12}…\)$/m);
    expect(text).toContain('note: 2 optional artifact(s) not present, not checked: report-smoke/checkpoints-a/seed-333/ (2)');
  });

  it('exits 1 naming each problem of a tampered copy', async () => {
    const dir = goldenCopy();
    const path = join(dir, 'report-smoke-a.json');
    const envelope = JSON.parse(readFileSync(path, 'utf8'));
    envelope.payloadType = 'application/json';
    writeFileSync(path, JSON.stringify(envelope));
    rmSync(join(dir, 'report-smoke', 'levels-a.csv'));
    const out = captureConsole();
    expect(await main(['verify', path])).toBe(1);
    expect(out.join('\n')).toContain(
      [
        'FAILED: 3 problems',
        `  - signature does not verify with key ${keyid}`,
        '  - payloadType is "application/json", expected application/vnd.in-toto+json',
        '  - artifact report-smoke/levels-a.csv: missing',
      ].join('\n'),
    );
  });

  it('--pubkey: accepts the signer, rejects another key', async () => {
    const dir = goldenCopy();
    writeFileSync(join(dir, 'signer.pem'), publicKeyPem(loadSigningKey(join(GOLDEN, 'test-signing-key.pem')).publicKey));
    const other = generateSigningKey();
    writeFileSync(join(dir, 'other.pem'), publicKeyPem(other.publicKey));
    let out = captureConsole();
    expect(await main(['verify', join(dir, 'report-smoke-a.json'), '--pubkey', join(dir, 'signer.pem')])).toBe(0);
    expect(out.join('\n')).not.toContain('shipped');
    vi.restoreAllMocks();
    out = captureConsole();
    expect(await main(['verify', join(dir, 'report-smoke-a.json'), '--pubkey', join(dir, 'other.pem')])).toBe(1);
    expect(out.join('\n')).toContain(`  - signature does not verify with key ${other.keyid}`);
  });

  it('exits 2 on a usage error', async () => {
    captureConsole();
    expect(await main(['verify'])).toBe(2);
    expect(await main(['verify', 'a', '--key', 'x'])).toBe(2);
  });
});
