import { execFileSync, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { generateSigningKey, keyIdOf, loadPublicKey } from '../../src/report/keys.ts';
import { writeSignedReport } from '../../src/report/sign.ts';
import { verifyReport } from '../../src/report/verify.ts';
import { PREDICATE_TYPE } from '../../src/report/types.ts';
import { fabricatePredicate, tempDir, writeFiles } from './support/fabricate.ts';

// prunecam's signatures checked by tools that share none of its code: the openssl command
// (signature, keyid) and python3 (canonical JSON). The PAE bytes are assembled here by hand
// from the DSSE definition, not with prunecam's pae().

const cleanups: Array<() => void> = [];
afterAll(() => cleanups.forEach((c) => c()));
function dir(): string {
  const t = tempDir();
  cleanups.push(t.cleanup);
  return t.dir;
}

/** DSSE PAE for the in-toto payload type: "application/vnd.in-toto+json" is 28 bytes. */
function handPae(body: Buffer): Buffer {
  return Buffer.concat([Buffer.from(`DSSEv1 28 application/vnd.in-toto+json ${body.length} `, 'ascii'), body]);
}

function openssl(args: string[]): { status: number | null; out: string } {
  const r = spawnSync('openssl', args, { encoding: 'utf8' });
  return { status: r.status, out: `${r.stdout}${r.stderr}`.trim() };
}

/** Signs a fabricated run with `key`; returns the folder, the decoded payload and signature files. */
function signedForOpenssl(algorithm: 'ecdsa-p256' | 'ed25519') {
  const d = dir();
  writeFiles(d, { 'levels.csv': 'level\n0\n' });
  writeSignedReport(d, fabricatePredicate(), { artifacts: ['levels.csv'], signingKey: generateSigningKey(algorithm) });
  const envelope = JSON.parse(readFileSync(join(d, 'report.json'), 'utf8'));
  const body = Buffer.from(envelope.payload, 'base64');
  writeFileSync(join(d, 'pae.bin'), handPae(body));
  writeFileSync(join(d, 'sig.bin'), Buffer.from(envelope.signatures[0].sig, 'base64'));
  const tampered = Buffer.from(body);
  tampered[tampered.length - 2] ^= 1;
  writeFileSync(join(d, 'pae-tampered.bin'), handPae(tampered));
  return { d, envelope, body };
}

describe('openssl verifies what prunecam signs', () => {
  it('ECDSA P-256 / SHA-256, DER signature', () => {
    const { d } = signedForOpenssl('ecdsa-p256');
    const ok = openssl(['dgst', '-sha256', '-verify', join(d, 'public-key.pem'), '-signature', join(d, 'sig.bin'), join(d, 'pae.bin')]);
    expect(ok).toEqual({ status: 0, out: 'Verified OK' });
    const bad = openssl(['dgst', '-sha256', '-verify', join(d, 'public-key.pem'), '-signature', join(d, 'sig.bin'), join(d, 'pae-tampered.bin')]);
    expect(bad.status).toBe(1);
    expect(bad.out).toContain('Verification failure');
  });

  it('Ed25519', () => {
    const { d } = signedForOpenssl('ed25519');
    const verify = (pae: string) => openssl(['pkeyutl', '-verify', '-pubin', '-inkey', join(d, 'public-key.pem'), '-rawin', '-in', join(d, pae), '-sigfile', join(d, 'sig.bin')]);
    expect(verify('pae.bin')).toEqual({ status: 0, out: 'Signature Verified Successfully' });
    expect(verify('pae-tampered.bin').status).toBe(1);
  });

  it('keyid is the sha256 of the public key DER as openssl writes it', () => {
    const { d, envelope } = signedForOpenssl('ecdsa-p256');
    const der = execFileSync('openssl', ['pkey', '-pubin', '-in', join(d, 'public-key.pem'), '-outform', 'DER']);
    expect(envelope.signatures[0].keyid).toBe(createHash('sha256').update(der).digest('hex'));
  });

  it("the payload is the statement's RFC 8785 canonical JSON (re-serialised by python3)", () => {
    const { body } = signedForOpenssl('ecdsa-p256');
    const py = execFileSync('python3', ['-c', PYTHON_JCS], { input: body });
    expect(py.toString('utf8')).toBe(body.toString('utf8'));
    // The check can fail: python's own float format (1e-06) is not RFC 8785's (0.000001).
    expect(body.toString('utf8')).toContain('"alphaEps":0.000001');
    expect(body.toString('utf8')).toContain('"p":1e-14');
  });
});

/**
 * RFC 8785 in python, written from the RFC for the check above: keys sorted, no whitespace,
 * JSON.stringify-style string escapes, numbers in ECMAScript Number::toString form (shortest
 * round-trip digits from repr, then ECMA-262 §6.1.6.1.20's layout rules).
 */
const PYTHON_JCS = `
import json, sys
from decimal import Decimal
def num(x):
    if isinstance(x, int): return str(x)
    if x == 0: return '0'
    sign, digits, exp = Decimal(repr(x)).as_tuple()
    digits = list(digits)
    while len(digits) > 1 and digits[-1] == 0:
        digits.pop(); exp += 1
    k = len(digits); n = exp + k; s = ''.join(map(str, digits))
    if k <= n <= 21: out = s + '0' * (n - k)
    elif 0 < n <= 21: out = s[:n] + '.' + s[n:]
    elif -6 < n <= 0: out = '0.' + '0' * (-n) + s
    else:
        e = n - 1
        out = s[0] + ('.' + s[1:] if k > 1 else '') + 'e' + ('+' if e >= 0 else '-') + str(abs(e))
    return ('-' if sign else '') + out
def dump(v):
    if v is None: return 'null'
    if v is True: return 'true'
    if v is False: return 'false'
    if isinstance(v, (int, float)): return num(v)
    if isinstance(v, str): return json.dumps(v, ensure_ascii=False)
    if isinstance(v, list): return '[' + ','.join(dump(x) for x in v) + ']'
    return '{' + ','.join(dump(k) + ':' + dump(v[k]) for k in sorted(v, key=lambda k: k.encode('utf-16-be'))) + '}'
sys.stdout.write(dump(json.load(sys.stdin)))
`;

describe('prunecam verifies what openssl signs', () => {
  it('accepts an envelope assembled by hand around an openssl ECDSA signature', () => {
    const d = dir();
    execFileSync('openssl', ['genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256', '-out', join(d, 'key.pem')]);
    execFileSync('openssl', ['pkey', '-in', join(d, 'key.pem'), '-pubout', '-out', join(d, 'public-key.pem')]);
    writeFiles(d, { 'levels.csv': 'level\n0\n' });
    const predicate = { ...fabricatePredicate(), artifacts: [{ name: 'levels.csv', sha256: createHash('sha256').update('level\n0\n').digest('hex'), optional: false }] };
    const statement = { _type: 'https://in-toto.io/Statement/v1', subject: [{ name: 'levels.csv', digest: { sha256: predicate.artifacts[0].sha256 } }], predicateType: PREDICATE_TYPE, predicate };
    // Plain JSON.stringify, not canonical: the signature covers bytes, whatever their layout.
    const body = Buffer.from(JSON.stringify(statement), 'utf8');
    writeFileSync(join(d, 'pae.bin'), handPae(body));
    execFileSync('openssl', ['dgst', '-sha256', '-sign', join(d, 'key.pem'), '-out', join(d, 'sig.der'), join(d, 'pae.bin')]);
    const envelope = { payloadType: 'application/vnd.in-toto+json', payload: body.toString('base64url'), signatures: [{ sig: readFileSync(join(d, 'sig.der')).toString('base64') }] };
    writeFileSync(join(d, 'report.json'), JSON.stringify(envelope));
    const r = verifyReport(join(d, 'report.json'));
    expect(r.reasons).toEqual([]);
    expect(r.ok).toBe(true);
    expect(r.keyid).toBe(keyIdOf(loadPublicKey(join(d, 'public-key.pem'))));
  });
});
