import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { canonicalBytes } from '../../src/report/canonical.ts';
import { IN_TOTO_PAYLOAD_TYPE, signEnvelope } from '../../src/report/dsse.ts';
import { generateSigningKey, publicKeyPem } from '../../src/report/keys.ts';
import { writeSignedReport } from '../../src/report/sign.ts';
import { verifyReport } from '../../src/report/verify.ts';
import { PREDICATE_TYPE } from '../../src/report/types.ts';
import { artifactFilesArb, predicateArb } from './support/arbitraries.ts';
import { fabricatePredicate, tempDir, writeFiles } from './support/fabricate.ts';

const ecdsa = generateSigningKey('ecdsa-p256');
const ed25519 = generateSigningKey('ed25519');
const keys = fc.constantFrom(ecdsa, ed25519);
const dirs: Array<() => void> = [];
afterAll(() => dirs.forEach((c) => c()));

function freshDir(): string {
  const { dir, cleanup } = tempDir();
  dirs.push(cleanup);
  return dir;
}

const CHECKPOINTS = ['seed-333/level-00.ckpt.json', 'seed-333/level-01.ckpt.json'];

/** A signed report of a fabricated predicate with two required and two optional artifacts (checkpoints), in a fresh folder. */
function signedRun(key = ecdsa) {
  const dir = freshDir();
  writeFiles(dir, { 'levels.csv': 'level,acc\n0,0.98\n', 'figures/x.svg': '<svg/>', [CHECKPOINTS[0]]: '{"level":0}', [CHECKPOINTS[1]]: '{"level":1}' });
  const written = writeSignedReport(dir, fabricatePredicate(), { artifacts: ['levels.csv', 'figures/x.svg', ...CHECKPOINTS], optionalArtifacts: CHECKPOINTS, signingKey: key });
  const envelope = JSON.parse(readFileSync(written.reportPath, 'utf8'));
  return { dir, path: written.reportPath, envelope };
}

const rewrite = (path: string, envelope: unknown) => writeFileSync(path, JSON.stringify(envelope));

describe('sign -> verify round trip', () => {
  it('verifies every schema-valid predicate it signed and returns it unchanged', () => {
    fc.assert(
      fc.property(predicateArb, artifactFilesArb, keys, (predicate, files, key) => {
        const dir = freshDir();
        writeFiles(dir, files);
        const w = writeSignedReport(dir, predicate, { artifacts: Object.keys(files), signingKey: key });
        const r = verifyReport(w.reportPath);
        expect(r.reasons).toEqual([]);
        expect(r.ok).toBe(true);
        // The artifacts' digests are the files' sha256 (node:crypto over the bytes written).
        const expectedArtifacts = Object.entries(files).map(([name, bytes]) => ({ name, sha256: createHash('sha256').update(bytes).digest('hex'), optional: false }));
        expect(r.predicate).toEqual({ ...predicate, artifacts: expectedArtifacts });
        rmSync(dir, { recursive: true, force: true });
      }),
      { numRuns: 40 },
    );
  });

  it('verifies with any of its optional artifacts absent, noting how many were not checked', () => {
    // Each artifact is required, optional and kept, or optional and deleted after signing.
    const roles = fc.constantFrom('required' as const, 'optional' as const, 'absent' as const);
    const filesWithRoles = artifactFilesArb.chain((files) => fc.tuple(fc.constant(files), fc.array(roles, { minLength: Object.keys(files).length, maxLength: Object.keys(files).length })));
    fc.assert(
      fc.property(filesWithRoles, ([files, role]) => {
        const dir = freshDir();
        writeFiles(dir, files);
        const names = Object.keys(files);
        const optional = names.filter((_, i) => role[i] !== 'required');
        const w = writeSignedReport(dir, fabricatePredicate({ levels: 2 }), { artifacts: names, optionalArtifacts: optional, signingKey: ecdsa });
        const absent = names.filter((_, i) => role[i] === 'absent');
        for (const name of absent) rmSync(join(dir, name));
        const r = verifyReport(w.reportPath);
        expect(r.reasons).toEqual([]);
        expect(r.ok).toBe(true);
        expect(r.predicate!.artifacts.map((a) => [a.name, a.optional])).toEqual(names.map((n, i) => [n, role[i] !== 'required']));
        expect(r.artifacts.map((a) => a.status)).toEqual(role.map((x) => (x === 'absent' ? 'absent' : 'ok')));
        const notes = r.notes.filter((n) => n.includes('optional artifact'));
        expect(notes).toHaveLength(absent.length ? 1 : 0);
        if (absent.length) expect(notes[0]).toMatch(new RegExp(`^${absent.length} optional artifact\\(s\\) not present, not checked: `));
        rmSync(dir, { recursive: true, force: true });
      }),
      { numRuns: 30 },
    );
  });

  it('writes an in-toto Statement v1 whose subjects are the artifacts, optional ones included', () => {
    const { envelope } = signedRun();
    expect(envelope.payloadType).toBe('application/vnd.in-toto+json');
    expect(envelope.signatures).toHaveLength(1);
    const statement = JSON.parse(Buffer.from(envelope.payload, 'base64').toString('utf8'));
    expect(statement._type).toBe('https://in-toto.io/Statement/v1');
    expect(statement.predicateType).toBe(PREDICATE_TYPE);
    expect(statement.subject).toEqual([
      { name: 'levels.csv', digest: { sha256: createHash('sha256').update('level,acc\n0,0.98\n').digest('hex') } },
      { name: 'figures/x.svg', digest: { sha256: createHash('sha256').update('<svg/>').digest('hex') } },
      { name: 'seed-333/level-00.ckpt.json', digest: { sha256: createHash('sha256').update('{"level":0}').digest('hex') } },
      { name: 'seed-333/level-01.ckpt.json', digest: { sha256: createHash('sha256').update('{"level":1}').digest('hex') } },
    ]);
    expect(statement.predicate.artifacts.map((a: { optional: boolean }) => a.optional)).toEqual([false, false, true, true]);
  });

  it('refuses optional artifacts that are not among the artifacts, before writing anything', () => {
    const dir = freshDir();
    writeFiles(dir, { 'levels.csv': 'x', 'seed-333/level-00.ckpt.json': '{}' });
    expect(() => writeSignedReport(dir, fabricatePredicate(), { artifacts: ['levels.csv'], optionalArtifacts: ['seed-333/level-00.ckpt.json'], signingKey: ecdsa })).toThrow(
      'cannot sign the report:\n  optional artifact "seed-333/level-00.ckpt.json" is not one of the artifacts',
    );
    expect(existsSync(join(dir, 'report.json'))).toBe(false);
  });
});

describe('optional artifacts (checkpoints a published copy may leave out)', () => {
  it('absent: the report verifies, with a note naming where the unchecked files were', () => {
    const { dir, path } = signedRun();
    rmSync(join(dir, 'seed-333'), { recursive: true });
    const r = verifyReport(path);
    expect(r.reasons).toEqual([]);
    expect(r.ok).toBe(true);
    expect(r.artifacts.map((a) => a.status)).toEqual(['ok', 'ok', 'absent', 'absent']);
    expect(r.notes).toContain('2 optional artifact(s) not present, not checked: seed-333/ (2)');
  });

  it('present but changed: verification fails, naming the file', () => {
    const { dir, path } = signedRun();
    rmSync(join(dir, 'seed-333/level-00.ckpt.json'));
    writeFileSync(join(dir, 'seed-333/level-01.ckpt.json'), '{"level":2}');
    const r = verifyReport(path);
    expect(r.ok).toBe(false);
    expect(r.signatureOk).toBe(true);
    expect(r.reasons).toHaveLength(1);
    const expected = createHash('sha256').update('{"level":1}').digest('hex').slice(0, 12);
    const found = createHash('sha256').update('{"level":2}').digest('hex').slice(0, 12);
    expect(r.reasons[0]).toBe(`artifact seed-333/level-01.ckpt.json: sha256 mismatch (report ${expected}…, file ${found}…)`);
    expect(r.notes).toContain('1 optional artifact(s) not present, not checked: seed-333/ (1)');
  });

  it('present but not a file: verification fails', () => {
    const { dir, path } = signedRun();
    rmSync(join(dir, 'seed-333/level-00.ckpt.json'));
    mkdirSync(join(dir, 'seed-333/level-00.ckpt.json'));
    expect(verifyReport(path).reasons).toEqual(['artifact seed-333/level-00.ckpt.json: not a regular file']);
  });

  it('a required artifact absent still fails, while absent optional ones are only noted', () => {
    const { dir, path } = signedRun();
    rmSync(join(dir, 'seed-333'), { recursive: true });
    rmSync(join(dir, 'levels.csv'));
    const r = verifyReport(path);
    expect(r.ok).toBe(false);
    expect(r.reasons).toEqual(['artifact levels.csv: missing']);
    expect(r.artifacts.map((a) => a.status)).toEqual(['missing', 'ok', 'absent', 'absent']);
    expect(r.notes).toContain('2 optional artifact(s) not present, not checked: seed-333/ (2)');
  });

  it('are re-signed as optional when the predicate already says so and no list is given', () => {
    const { dir, path } = signedRun();
    const first = verifyReport(path).predicate!;
    const again = writeSignedReport(dir, first, { signingKey: ecdsa, reportName: 'again.json' });
    expect(again.predicate.artifacts).toEqual(first.artifacts);
  });
});

describe('tampering is rejected', () => {
  it('rejects any single-byte change of the payload', () => {
    const { path, envelope } = signedRun();
    const payload = Buffer.from(envelope.payload, 'base64');
    fc.assert(
      fc.property(fc.nat(payload.length - 1), fc.integer({ min: 1, max: 255 }), (i, delta) => {
        const changed = Buffer.from(payload);
        changed[i] = (changed[i] + delta) & 0xff;
        rewrite(path, { ...envelope, payload: changed.toString('base64') });
        const r = verifyReport(path);
        expect(r.ok).toBe(false);
        expect(r.reasons).toContain(`signature does not verify with key ${ecdsa.keyid}`);
      }),
      { numRuns: 60 },
    );
  });

  it('rejects any single-byte change of the signature (ECDSA and Ed25519)', () => {
    for (const key of [ecdsa, ed25519]) {
      const { path, envelope } = signedRun(key);
      const sig = Buffer.from(envelope.signatures[0].sig, 'base64');
      fc.assert(
        fc.property(fc.nat(sig.length - 1), fc.integer({ min: 1, max: 255 }), (i, delta) => {
          const changed = Buffer.from(sig);
          changed[i] = (changed[i] + delta) & 0xff;
          rewrite(path, { ...envelope, signatures: [{ ...envelope.signatures[0], sig: changed.toString('base64') }] });
          const r = verifyReport(path);
          expect(r.ok).toBe(false);
          expect(r.reasons).toEqual([`signature does not verify with key ${key.keyid}`]);
        }),
        { numRuns: 40 },
      );
    }
  });

  it('rejects a swapped key, given with --pubkey or shipped beside the report', () => {
    const { dir, path } = signedRun();
    const other = generateSigningKey('ecdsa-p256');
    const otherPem = join(dir, 'other.pem');
    writeFileSync(otherPem, publicKeyPem(other.publicKey));
    const given = verifyReport(path, { pubkey: otherPem });
    expect(given.ok).toBe(false);
    expect(given.reasons).toEqual([`signature does not verify with key ${other.keyid}`]);
    expect(given.notes).toContain(`the signature's keyid ${ecdsa.keyid} is not the key's keyid ${other.keyid}`);
    writeFileSync(join(dir, 'public-key.pem'), publicKeyPem(other.publicKey));
    expect(verifyReport(path).reasons).toEqual([`signature does not verify with key ${other.keyid}`]);
  });

  it('verifies against a trusted --pubkey without the shipped-key warning', () => {
    const { dir, path } = signedRun();
    const pem = join(dir, 'trusted.pem');
    writeFileSync(pem, publicKeyPem(ecdsa.publicKey));
    const r = verifyReport(path, { pubkey: pem });
    expect(r).toMatchObject({ ok: true, keyTrust: 'trusted-key', reasons: [] });
    expect(r.notes.join()).not.toContain('shipped');
    expect(verifyReport(path).notes).toContain('verified against the key shipped with the report: this proves integrity, not who signed (pass --pubkey with a key you trust to check the signer)');
  });

  it('rejects a wrong payloadType, whether the signature covers it or not', () => {
    const { path, envelope } = signedRun();
    rewrite(path, { ...envelope, payloadType: 'application/json' });
    expect(verifyReport(path).reasons).toEqual([`signature does not verify with key ${ecdsa.keyid}`, 'payloadType is "application/json", expected application/vnd.in-toto+json']);
    // Correctly signed, but under a type that is not in-toto: the signature holds, the type does not.
    const body = Buffer.from(envelope.payload, 'base64');
    rewrite(path, signEnvelope('application/json', body, ecdsa));
    const r = verifyReport(path);
    expect(r.signatureOk).toBe(true);
    expect(r.ok).toBe(false);
    expect(r.reasons).toEqual(['payloadType is "application/json", expected application/vnd.in-toto+json']);
  });

  it('rejects a missing artifact and a changed artifact, naming each', () => {
    const { dir, path } = signedRun();
    rmSync(join(dir, 'figures/x.svg'));
    writeFileSync(join(dir, 'levels.csv'), 'level,acc\n0,0.99\n');
    const r = verifyReport(path);
    expect(r.ok).toBe(false);
    expect(r.signatureOk).toBe(true);
    expect(r.reasons).toHaveLength(2);
    expect(r.reasons[0]).toMatch(/^artifact levels\.csv: sha256 mismatch \(report [0-9a-f]{12}…, file [0-9a-f]{12}…\)$/);
    expect(r.reasons[1]).toBe('artifact figures/x.svg: missing');
    expect(r.artifacts.map((a) => a.status)).toEqual(['mismatch', 'missing', 'ok', 'ok']);
  });

  it('accepts the payload and signature in standard or URL-safe base64, padded or not', () => {
    const { path, envelope } = signedRun();
    const toUrl = (s: string) => Buffer.from(s, 'base64').toString('base64url');
    rewrite(path, { ...envelope, payload: toUrl(envelope.payload), signatures: [{ ...envelope.signatures[0], sig: toUrl(envelope.signatures[0].sig) }] });
    expect(verifyReport(path).reasons).toEqual([]);
    rewrite(path, envelope);
    expect(verifyReport(path).ok).toBe(true);
    rewrite(path, { ...envelope, payload: `${envelope.payload.slice(0, 10)}!${envelope.payload.slice(10)}` });
    expect(verifyReport(path).reasons).toEqual(['payload is not base64: it has characters outside one base64 alphabet']);
  });

  it('names schema violations by JSON pointer, even under a valid signature', () => {
    const dir = freshDir();
    const predicate = fabricatePredicate({ artifacts: [] }) as unknown as { seeds: Array<{ levels: Array<Record<string, unknown>> }> };
    predicate.seeds[0].levels[3].meanIoU = '0.2';
    const statement = { _type: 'https://in-toto.io/Statement/v1', subject: [{ name: 'x', digest: { sha256: 'a'.repeat(64) } }], predicateType: PREDICATE_TYPE, predicate };
    writeFileSync(join(dir, 'report.json'), JSON.stringify(signEnvelope(IN_TOTO_PAYLOAD_TYPE, canonicalBytes(statement), ecdsa)));
    writeFileSync(join(dir, 'public-key.pem'), publicKeyPem(ecdsa.publicKey));
    const r = verifyReport(join(dir, 'report.json'));
    expect(r.signatureOk).toBe(true);
    expect(r.reasons).toEqual(['predicate invalid: /seeds/0/levels/3/meanIoU must be number']);
    expect(r.predicate).toBeUndefined();
  });

  it('rejects a statement whose subjects disagree with the predicate, and an inconsistent runId', () => {
    const dir = freshDir();
    const predicate = { ...fabricatePredicate(), runId: 'b'.repeat(64), artifacts: [{ name: 'levels.csv', sha256: 'c'.repeat(64), optional: false }] };
    const statement = { _type: 'https://in-toto.io/Statement/v1', subject: [{ name: 'levels.csv', digest: { sha256: 'd'.repeat(64) } }], predicateType: PREDICATE_TYPE, predicate };
    writeFileSync(join(dir, 'report.json'), JSON.stringify(signEnvelope(IN_TOTO_PAYLOAD_TYPE, canonicalBytes(statement), ecdsa)));
    const keyPath = join(dir, 'k.pem');
    writeFileSync(keyPath, publicKeyPem(ecdsa.publicKey));
    const r = verifyReport(join(dir, 'report.json'), { pubkey: keyPath });
    expect(r.reasons[0]).toMatch(/^predicate inconsistent: runId bbbbbbbbbbbb… is not the sha256 of the protocol without its seeds \([0-9a-f]{12}…\)$/);
    expect(r.reasons.slice(1)).toEqual(['statement inconsistent: subject levels.csv: digest differs from predicate.artifacts', 'artifact levels.csv: missing']);
  });

  it('refuses artifact paths outside the run folder, when signing and when verifying', () => {
    const dir = freshDir();
    writeFiles(dir, { 'a.csv': 'x' });
    for (const bad of ['../a.csv', '/etc/passwd', 'sub/../a.csv', 'report.json', 'a\\b']) {
      expect(() => writeSignedReport(dir, fabricatePredicate(), { artifacts: [bad], signingKey: ecdsa })).toThrow(`artifact ${JSON.stringify(bad)}:`);
    }
    const predicate = { ...fabricatePredicate(), artifacts: [{ name: '../a.csv', sha256: 'c'.repeat(64), optional: true }] };
    const statement = { _type: 'https://in-toto.io/Statement/v1', subject: [{ name: '../a.csv', digest: { sha256: 'c'.repeat(64) } }], predicateType: PREDICATE_TYPE, predicate };
    writeFileSync(join(dir, 'report.json'), JSON.stringify(signEnvelope(IN_TOTO_PAYLOAD_TYPE, canonicalBytes(statement), ecdsa)));
    writeFileSync(join(dir, 'public-key.pem'), publicKeyPem(ecdsa.publicKey));
    const r = verifyReport(join(dir, 'report.json'));
    expect(r.reasons).toContain(`predicate inconsistent: artifact "../a.csv": has an empty, '.' or '..' segment`);
    expect(r.artifacts).toEqual([{ name: '../a.csv', status: 'bad-name', reason: `artifact "../a.csv": has an empty, '.' or '..' segment` }]);
  });

  it('reports unreadable input by name', () => {
    const dir = freshDir();
    expect(verifyReport(join(dir, 'nope.json')).reasons).toEqual([`report ${join(dir, 'nope.json')}: no such file`]);
    writeFileSync(join(dir, 'report.json'), '{not json');
    expect(verifyReport(join(dir, 'report.json')).reasons[0]).toMatch(/^report .* is not JSON: /);
    writeFileSync(join(dir, 'report.json'), JSON.stringify(signedRun().envelope));
    expect(verifyReport(join(dir, 'report.json')).reasons[0]).toBe('no public key: public-key.pem is missing beside the report; pass --pubkey');
    expect(existsSync(join(dir, 'public-key.pem'))).toBe(false);
  });
});
