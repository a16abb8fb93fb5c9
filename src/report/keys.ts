import { createPrivateKey, createPublicKey, generateKeyPairSync, type KeyObject } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, isAbsolute, join } from 'node:path';
import { sha256Hex } from './canonical.ts';

// Signing keys: ECDSA P-256 (the default, what most in-toto/DSSE tooling verifies) or Ed25519.
// Private keys are PKCS#8 PEM files with mode 0600; public keys are SPKI PEM. The keyid is the
// hex sha256 of the public key's SPKI DER, so anyone can recompute it from the PEM.

export type KeyAlgorithm = 'ecdsa-p256' | 'ed25519';

/** Thrown for a key a user has to fix (missing, unreadable, wrong type). */
export class KeyError extends Error {
  override name = 'KeyError';
}

export interface SigningKey {
  privateKey: KeyObject;
  publicKey: KeyObject;
  algorithm: KeyAlgorithm;
  keyid: string;
}

export type KeySource = 'option' | 'env' | 'default' | 'created';

export interface ResolvedSigningKey extends SigningKey {
  path: string;
  source: KeySource;
}

export const SIGNING_KEY_ENV = 'PRUNECAM_SIGNING_KEY';

/** The algorithm of a key, or a KeyError naming what it is instead. */
export function algorithmOf(key: KeyObject, origin: string): KeyAlgorithm {
  if (key.asymmetricKeyType === 'ed25519') return 'ed25519';
  if (key.asymmetricKeyType === 'ec' && key.asymmetricKeyDetails?.namedCurve === 'prime256v1') return 'ecdsa-p256';
  const what = key.asymmetricKeyType === 'ec' ? `an EC key on curve ${key.asymmetricKeyDetails?.namedCurve}` : `a ${key.asymmetricKeyType} key`;
  throw new KeyError(`${origin} is ${what}; prunecam signs with ECDSA P-256 or Ed25519 only`);
}

/** hex sha256 of the public key's SPKI DER encoding. */
export function keyIdOf(publicKey: KeyObject): string {
  return sha256Hex(publicKey.export({ type: 'spki', format: 'der' }));
}

export function publicKeyPem(publicKey: KeyObject): string {
  return publicKey.export({ type: 'spki', format: 'pem' }).toString();
}

function readKeyFile(path: string, what: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    if (err.code === 'ENOENT') throw new KeyError(`${what} ${path} does not exist`);
    throw new KeyError(`cannot read ${what} ${path}: ${err.message}`);
  }
}

/** Loads an unencrypted PEM private key (PKCS#8 or SEC1) for signing. */
export function loadSigningKey(path: string): SigningKey {
  const pem = readKeyFile(path, 'signing key');
  // OpenSSL's own error for a missing passphrase is "interrupted or cancelled": say what it means.
  if (/-----BEGIN ENCRYPTED PRIVATE KEY-----|Proc-Type: 4,ENCRYPTED/.test(pem)) {
    throw new KeyError(`signing key ${path} is encrypted; prunecam needs an unencrypted key (kept with mode 0600)`);
  }
  let privateKey: KeyObject;
  try {
    privateKey = createPrivateKey(pem);
  } catch (e) {
    throw new KeyError(`signing key ${path} is not a PEM private key: ${(e as Error).message}`);
  }
  return signingKeyFrom(privateKey, `signing key ${path}`);
}

export function signingKeyFrom(privateKey: KeyObject, origin = 'signing key'): SigningKey {
  const algorithm = algorithmOf(privateKey, origin);
  const publicKey = createPublicKey(privateKey);
  return { privateKey, publicKey, algorithm, keyid: keyIdOf(publicKey) };
}

/** Loads a PEM public key (SPKI); a private key PEM is accepted too and its public half used. */
export function loadPublicKey(path: string): KeyObject {
  const pem = readKeyFile(path, 'public key');
  let key: KeyObject;
  try {
    key = createPublicKey(pem);
  } catch (e) {
    throw new KeyError(`public key ${path} is not a PEM public key: ${(e as Error).message}`);
  }
  algorithmOf(key, `public key ${path}`);
  return key;
}

export function generateSigningKey(algorithm: KeyAlgorithm = 'ecdsa-p256'): SigningKey {
  const { privateKey } = algorithm === 'ed25519' ? generateKeyPairSync('ed25519') : generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
  return signingKeyFrom(privateKey);
}

/** The public key file written beside a private key: `signing-key.pem` -> `signing-key.pub.pem`. */
export function publicKeyPathFor(privateKeyPath: string): string {
  return privateKeyPath.endsWith('.pem') ? `${privateKeyPath.slice(0, -4)}.pub.pem` : `${privateKeyPath}.pub.pem`;
}

/**
 * Writes a key pair: the private key (PKCS#8 PEM, mode 0600, never over an existing file unless
 * `overwrite`) and its public key beside it. The folder is created with mode 0700 if missing.
 */
export function writeKeyPair(path: string, key: SigningKey, overwrite = false): { privatePath: string; publicPath: string } {
  if (!overwrite && existsSync(path)) throw new KeyError(`${path} already exists; refusing to replace a signing key (use --force)`);
  const dir = dirname(path);
  if (!existsSync(dir)) mkdirSync(dir, { recursive: true, mode: 0o700 });
  const pem = key.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
  // 'wx' fails if another process created the file meanwhile; mode applies at creation only,
  // hence the chmod when overwriting.
  writeFileSync(path, pem, { mode: 0o600, flag: overwrite ? 'w' : 'wx' });
  chmodSync(path, 0o600);
  const publicPath = publicKeyPathFor(path);
  writeFileSync(publicPath, publicKeyPem(key.publicKey), { mode: 0o644 });
  return { privatePath: path, publicPath };
}

/** `${XDG_CONFIG_HOME:-~/.config}/prunecam/signing-key.pem`; a relative XDG_CONFIG_HOME is ignored (XDG spec). */
export function defaultKeyPath(env: NodeJS.ProcessEnv = process.env): string {
  const xdg = env.XDG_CONFIG_HOME;
  const base = xdg && isAbsolute(xdg) ? xdg : join(env.HOME || homedir(), '.config');
  return join(base, 'prunecam', 'signing-key.pem');
}

/**
 * The key to sign with: `keyPath` (--key), else $PRUNECAM_SIGNING_KEY, else the default key,
 * created on first use. An explicitly named key that does not exist is an error, never created.
 */
export function resolveSigningKey(opts: { keyPath?: string; env?: NodeJS.ProcessEnv } = {}): ResolvedSigningKey {
  const env = opts.env ?? process.env;
  if (opts.keyPath) return { ...loadSigningKey(opts.keyPath), path: opts.keyPath, source: 'option' };
  const fromEnv = env[SIGNING_KEY_ENV];
  if (fromEnv) {
    if (!existsSync(fromEnv)) throw new KeyError(`${SIGNING_KEY_ENV} names ${fromEnv}, which does not exist (create it with: prunecam keygen --out ${fromEnv})`);
    return { ...loadSigningKey(fromEnv), path: fromEnv, source: 'env' };
  }
  const path = defaultKeyPath(env);
  if (existsSync(path)) return { ...loadSigningKey(path), path, source: 'default' };
  const key = generateSigningKey('ecdsa-p256');
  try {
    writeKeyPair(path, key);
  } catch (e) {
    // Another prunecam process created the default key first: use that one.
    if ((e as NodeJS.ErrnoException).code === 'EEXIST') return { ...loadSigningKey(path), path, source: 'default' };
    throw e;
  }
  return { ...key, path, source: 'created' };
}
