import { createPublicKey } from 'node:crypto';
import { verify } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { checkEnvelope, IN_TOTO_PAYLOAD_TYPE, pae } from '../../src/report/dsse.ts';

// Expected values come from the DSSE specification (secure-systems-lab/dsse): protocol.md's test
// vector and testvectors/vectors.json. Both were checked independently with python3's
// `cryptography` package before being copied here.

describe('PAE', () => {
  it("matches DSSE protocol.md's test vector", () => {
    const bytes = pae('http://example.com/HelloWorld', Buffer.from('hello world'));
    expect(bytes.toString('latin1')).toBe('DSSEv1 29 http://example.com/HelloWorld 11 hello world');
  });

  it('is the bytes the DSSE reference implementation signed (ECDSA P-256 vector of protocol.md)', () => {
    // protocol.md: key X, Y on P-256; signature as raw r||s (IEEE P1363), base64.
    const toB64Url = (n: bigint) => Buffer.from(n.toString(16).padStart(64, '0'), 'hex').toString('base64url');
    const key = createPublicKey({
      key: {
        kty: 'EC',
        crv: 'P-256',
        x: toB64Url(46950820868899156662930047687818585632848591499744589407958293238635476079160n),
        y: toB64Url(5640078356564379163099075877009565129882514886557779369047442380624545832820n),
      },
      format: 'jwk',
    });
    const sig = Buffer.from('A3JqsQGtVsJ2O2xqrI5IcnXip5GToJ3F+FnZ+O88SjtR6rDAajabZKciJTfUiHqJPcIAriEGAHTVeCUjW2JIZA==', 'base64');
    const message = pae('http://example.com/HelloWorld', Buffer.from('hello world'));
    expect(verify('sha256', message, { key, dsaEncoding: 'ieee-p1363' }, sig)).toBe(true);
    // The same check fails for a one-byte-different PAE: the test can tell right from wrong.
    expect(verify('sha256', Buffer.concat([message, Buffer.from('!')]), { key, dsaEncoding: 'ieee-p1363' }, sig)).toBe(false);
  });

  it('measures LEN in UTF-8 bytes, not characters', () => {
    // vectors.json "non-ascii-payload-type": 29 bytes for 28 characters.
    const hex = '445353457631203239206170706c69636174696f6e2f766e642e6578c3a46d706c652b6a736f6e203433207b225f74797065223a2268747470733a2f2f696e2d746f746f2e696f2f53746174656d656e742f7631227d';
    expect(pae('application/vnd.exämple+json', Buffer.from('{"_type":"https://in-toto.io/Statement/v1"}')).toString('hex')).toBe(hex);
    // vectors.json "empty-payload": "... 0 " with a trailing space.
    expect(pae(IN_TOTO_PAYLOAD_TYPE, Buffer.alloc(0)).toString('latin1')).toBe('DSSEv1 28 application/vnd.in-toto+json 0 ');
  });
});

describe('checkEnvelope on the DSSE test vectors (Ed25519 key "A", RFC 8032 test key 1)', () => {
  const keyA = createPublicKey({ key: { kty: 'OKP', crv: 'Ed25519', x: Buffer.from('d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a', 'hex').toString('base64url') }, format: 'jwk' });
  const keyB = createPublicKey({ key: { kty: 'OKP', crv: 'Ed25519', x: Buffer.from('3d4017c3e843895a92b70aa74d1b7ebc9c982ccf2ec4968cc0cd55f12af4660c', 'hex').toString('base64url') }, format: 'jwk' });
  const statementPayload = 'eyJfdHlwZSI6Imh0dHBzOi8vaW4tdG90by5pby9TdGF0ZW1lbnQvdjEifQ==';

  it('accepts single-signature', () => {
    const env = { payload: statementPayload, payloadType: IN_TOTO_PAYLOAD_TYPE, signatures: [{ sig: '2WAfaHm5jluo0w+0rk8uVkluELJYWjSmU9x7EUzx+AyteDGJ4/nqyJXfmAUVFIAoQafWm7AxBZNw5M9ixNHiCA==', keyid: 'A' }] };
    const r = checkEnvelope(env, keyA, null, IN_TOTO_PAYLOAD_TYPE);
    expect(r).toMatchObject({ signatureOk: true, reasons: [] });
    expect(r.body?.toString()).toBe('{"_type":"https://in-toto.io/Statement/v1"}');
    // and rejects it under the other key
    expect(checkEnvelope(env, keyB, 'B', IN_TOTO_PAYLOAD_TYPE)).toMatchObject({ signatureOk: false, reasons: ['signature does not verify with key B'] });
  });

  it('accepts url-safe-base64', () => {
    const env = { payload: '-_-_Pj8=', payloadType: IN_TOTO_PAYLOAD_TYPE, signatures: [{ sig: 'P-_KHICeR7tI6S_YyejJTRtrXhcQyQ2LYPaL8h90KjC9qN8HU_svOQ6TuDOT1HIrsGW886DbWNWcCmX5twLrAw==', keyid: 'A' }] };
    const r = checkEnvelope(env, keyA, null, IN_TOTO_PAYLOAD_TYPE);
    expect(r).toMatchObject({ signatureOk: true, reasons: [] });
    expect(r.body?.toString('hex')).toBe('fbffbf3e3f');
  });

  it('accepts non-ascii-payload-type when that type is expected', () => {
    const env = { payload: statementPayload, payloadType: 'application/vnd.exämple+json', signatures: [{ sig: 'xmSk/ug66ysT7ayhkCIjhAq42zgZXSsEWuzUaNL7w2eGAdF/NU6/fRXPtmfN+5DNSAs5/i2lUnHjbbjPsu0tAw==', keyid: 'A' }] };
    expect(checkEnvelope(env, keyA, null, 'application/vnd.exämple+json')).toMatchObject({ signatureOk: true, reasons: [] });
  });

  it('accepts empty-payload', () => {
    const env = { payload: '', payloadType: IN_TOTO_PAYLOAD_TYPE, signatures: [{ sig: 'gSggCAaTLTYyRH6FIDBem6meyIynsYy8RTHVzwx9tnTb7Bg/1jMWnuVgI/gffqmbsC2VX5/jHfkkDqsj7CDbDg==', keyid: 'A' }] };
    expect(checkEnvelope(env, keyA, null, IN_TOTO_PAYLOAD_TYPE)).toMatchObject({ signatureOk: true, reasons: [] });
  });

  it('rejects payload-type-swapped', () => {
    const env = { payload: statementPayload, payloadType: 'application/vnd.example.other+json', signatures: [{ sig: '2WAfaHm5jluo0w+0rk8uVkluELJYWjSmU9x7EUzx+AyteDGJ4/nqyJXfmAUVFIAoQafWm7AxBZNw5M9ixNHiCA==', keyid: 'A' }] };
    const r = checkEnvelope(env, keyA, null, IN_TOTO_PAYLOAD_TYPE);
    expect(r.signatureOk).toBe(false);
    expect(r.reasons).toEqual(['signature does not verify with key (given)', 'payloadType is "application/vnd.example.other+json", expected application/vnd.in-toto+json']);
  });

  it('rejects empty-payload-type, a valid signature over a type nobody supports', () => {
    const env = { payload: statementPayload, payloadType: '', signatures: [{ sig: 'iC3q/+3Rm0+lpAJRueDmDh15PnwCfxKmS0NAfKsbv+zgulXQC/WM9trc+j1XEqlwDIg/vf/uNfebeD6sxInrDg==', keyid: 'A' }] };
    const r = checkEnvelope(env, keyA, null, IN_TOTO_PAYLOAD_TYPE);
    expect(r.signatureOk).toBe(true);
    expect(r.reasons).toEqual(['payloadType is "", expected application/vnd.in-toto+json']);
  });

  it('names structural problems and ignores fields DSSE does not define', () => {
    expect(checkEnvelope([], keyA, null, IN_TOTO_PAYLOAD_TYPE).reasons).toEqual(['report is not a DSSE envelope: not a JSON object']);
    expect(checkEnvelope({ payload: '' }, keyA, null, IN_TOTO_PAYLOAD_TYPE).reasons).toEqual(['report is not a DSSE envelope: missing payloadType, signatures']);
    expect(checkEnvelope({ payload: '', payloadType: IN_TOTO_PAYLOAD_TYPE, signatures: [] }, keyA, null, IN_TOTO_PAYLOAD_TYPE).reasons).toEqual(['envelope signatures must be a non-empty array']);
    const extra = { payload: '', payloadType: IN_TOTO_PAYLOAD_TYPE, extra: 1, signatures: [{ sig: 'gSggCAaTLTYyRH6FIDBem6meyIynsYy8RTHVzwx9tnTb7Bg/1jMWnuVgI/gffqmbsC2VX5/jHfkkDqsj7CDbDg==', other: true }] };
    expect(checkEnvelope(extra, keyA, null, IN_TOTO_PAYLOAD_TYPE)).toMatchObject({ signatureOk: true, reasons: [] });
  });
});
