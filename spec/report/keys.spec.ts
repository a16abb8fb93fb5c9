import { generateKeyPairSync } from 'node:crypto';
import { readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it, vi } from 'vitest';
import { main } from '../../src/cli/main.ts';
import { defaultKeyPath, keyIdOf, loadPublicKey, loadSigningKey, resolveSigningKey } from '../../src/report/keys.ts';
import { tempDir } from './support/fabricate.ts';

// Key handling never touches the real ~/.config: every test passes its own environment.

const cleanups: Array<() => void> = [];
afterAll(() => cleanups.forEach((c) => c()));
afterEach(() => vi.restoreAllMocks());
function dir(): string {
  const t = tempDir();
  cleanups.push(t.cleanup);
  return t.dir;
}
const mode = (path: string) => statSync(path).mode & 0o777;

describe('default key path', () => {
  it('follows XDG_CONFIG_HOME, falling back to ~/.config (a relative XDG_CONFIG_HOME is invalid)', () => {
    expect(defaultKeyPath({ XDG_CONFIG_HOME: '/x/conf', HOME: '/home/u' })).toBe('/x/conf/prunecam/signing-key.pem');
    expect(defaultKeyPath({ HOME: '/home/u' })).toBe('/home/u/.config/prunecam/signing-key.pem');
    expect(defaultKeyPath({ XDG_CONFIG_HOME: 'rel', HOME: '/home/u' })).toBe('/home/u/.config/prunecam/signing-key.pem');
  });
});

describe('resolveSigningKey', () => {
  it('creates the default key on first use with mode 0600, then reuses it', () => {
    const env = { XDG_CONFIG_HOME: dir() };
    const first = resolveSigningKey({ env });
    expect(first.source).toBe('created');
    expect(first.path).toBe(join(env.XDG_CONFIG_HOME, 'prunecam', 'signing-key.pem'));
    expect(first.algorithm).toBe('ecdsa-p256');
    expect(mode(first.path)).toBe(0o600);
    expect(mode(join(env.XDG_CONFIG_HOME, 'prunecam'))).toBe(0o700);
    const second = resolveSigningKey({ env });
    expect(second.source).toBe('default');
    expect(second.keyid).toBe(first.keyid);
  });

  it('prefers --key, then PRUNECAM_SIGNING_KEY', () => {
    const d = dir();
    const env = { XDG_CONFIG_HOME: d, PRUNECAM_SIGNING_KEY: join(d, 'env.pem') };
    expect(() => resolveSigningKey({ env })).toThrow(`PRUNECAM_SIGNING_KEY names ${join(d, 'env.pem')}, which does not exist (create it with: prunecam keygen --out ${join(d, 'env.pem')})`);
    const { privateKey } = generateKeyPairSync('ed25519');
    writeFileSync(join(d, 'env.pem'), privateKey.export({ type: 'pkcs8', format: 'pem' }));
    expect(resolveSigningKey({ env })).toMatchObject({ source: 'env', algorithm: 'ed25519' });
    expect(() => resolveSigningKey({ env, keyPath: join(d, 'none.pem') })).toThrow(`signing key ${join(d, 'none.pem')} does not exist`);
  });

  it('refuses keys it cannot sign with, by name', () => {
    const d = dir();
    const rsa = generateKeyPairSync('rsa', { modulusLength: 1024 }).privateKey.export({ type: 'pkcs8', format: 'pem' });
    writeFileSync(join(d, 'rsa.pem'), rsa);
    expect(() => loadSigningKey(join(d, 'rsa.pem'))).toThrow(`signing key ${join(d, 'rsa.pem')} is a rsa key; prunecam signs with ECDSA P-256 or Ed25519 only`);
    const p384 = generateKeyPairSync('ec', { namedCurve: 'secp384r1' }).privateKey.export({ type: 'pkcs8', format: 'pem' });
    writeFileSync(join(d, 'p384.pem'), p384);
    expect(() => loadSigningKey(join(d, 'p384.pem'))).toThrow('is an EC key on curve secp384r1');
    const enc = generateKeyPairSync('ec', { namedCurve: 'prime256v1' }).privateKey.export({ type: 'pkcs8', format: 'pem', cipher: 'aes-256-cbc', passphrase: 'pw' });
    writeFileSync(join(d, 'enc.pem'), enc);
    expect(() => loadSigningKey(join(d, 'enc.pem'))).toThrow('is encrypted');
    writeFileSync(join(d, 'junk.pem'), 'hello');
    expect(() => loadPublicKey(join(d, 'junk.pem'))).toThrow(`public key ${join(d, 'junk.pem')} is not a PEM public key`);
  });
});

describe('prunecam keygen', () => {
  it('writes a 0600 private key and its public key, prints the keyid, refuses to overwrite', async () => {
    const d = dir();
    const log = vi.spyOn(console, 'log').mockImplementation(() => {});
    const err = vi.spyOn(console, 'error').mockImplementation(() => {});
    const out = join(d, 'k.pem');
    expect(await main(['keygen', '--out', out])).toBe(0);
    expect(mode(out)).toBe(0o600);
    const pub = loadPublicKey(join(d, 'k.pub.pem'));
    expect(loadSigningKey(out).keyid).toBe(keyIdOf(pub));
    expect(log.mock.calls.map((c) => c[0])).toEqual([`wrote ECDSA P-256 signing key ${out} (mode 0600)`, `wrote public key ${join(d, 'k.pub.pem')}`, `keyid ${keyIdOf(pub)}`]);
    const before = readFileSync(out, 'utf8');
    expect(await main(['keygen', '--out', out])).toBe(1);
    expect(err.mock.calls[0][0]).toBe(`prunecam keygen: KeyError: ${out} already exists; refusing to replace a signing key (use --force)`);
    expect(readFileSync(out, 'utf8')).toBe(before);
    expect(await main(['keygen', '--out', out, '--ed25519', '--force'])).toBe(0);
    expect(loadSigningKey(out).algorithm).toBe('ed25519');
    expect(mode(out)).toBe(0o600);
  });
});
