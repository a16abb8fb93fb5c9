import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodeBase64 } from '../../src/report/base64.ts';

// DSSE: "Either standard or URL-safe base64 encodings are allowed. Signers may use either, and
// verifiers MUST accept either." Expected encodings come from Node's own encoders (RFC 4648).

describe('decodeBase64', () => {
  it('accepts standard and URL-safe base64, padded or not, of any bytes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 50 }), (bytes) => {
        const b = Buffer.from(bytes);
        for (const text of [b.toString('base64'), b.toString('base64url'), b.toString('base64').replace(/=+$/, '')]) {
          expect(decodeBase64(text, 'x').equals(b)).toBe(true);
        }
      }),
    );
  });

  it('decodes the RFC 4648 test vectors', () => {
    // RFC 4648 §10.
    const vectors: Array<[string, string]> = [['', ''], ['f', 'Zg=='], ['fo', 'Zm8='], ['foo', 'Zm9v'], ['foob', 'Zm9vYg=='], ['fooba', 'Zm9vYmE='], ['foobar', 'Zm9vYmFy']];
    for (const [plain, encoded] of vectors) expect(decodeBase64(encoded, 'x').toString('latin1')).toBe(plain);
    // 0xfb 0xff 0xbf: '+' and '/' in the standard alphabet, '-' and '_' in the URL-safe one.
    expect([...decodeBase64('-_-_', 'x')]).toEqual([0xfb, 0xff, 0xbf]);
    expect([...decodeBase64('+/+/', 'x')]).toEqual([0xfb, 0xff, 0xbf]);
  });

  it('rejects what Node would silently skip or misread', () => {
    expect(() => decodeBase64('Zm9v!', 'payload')).toThrow('payload is not base64: it has characters outside one base64 alphabet');
    expect(() => decodeBase64('Zm 9v', 'payload')).toThrow('outside one base64 alphabet');
    expect(() => decodeBase64('+/-_', 'payload')).toThrow('outside one base64 alphabet');
    expect(() => decodeBase64('Zm9vY', 'payload')).toThrow('length 5 is impossible');
    expect(() => decodeBase64('Zg=', 'payload')).toThrow('length 3 is impossible');
    // 'Zh==' decodes to 'f' like 'Zg==' but its last character carries non-zero stray bits.
    expect(() => decodeBase64('Zh==', 'payload')).toThrow('stray bits');
  });
});
