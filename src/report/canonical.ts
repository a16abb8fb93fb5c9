import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { canonicalize } from 'json-canonicalize';

// One way to turn JSON into bytes: RFC 8785 (JCS). The signed payload and every digest of JSON
// content use it, so the same value always has the same bytes whatever key order built it.

/** RFC 8785 canonical JSON of `value`. Throws for values JSON cannot carry (NaN, Infinity). */
export function canonicalJson(value: unknown): string {
  return canonicalize(value);
}

/** UTF-8 bytes of the canonical JSON of `value`. */
export function canonicalBytes(value: unknown): Buffer {
  return Buffer.from(canonicalJson(value), 'utf8');
}

/** Lower-case hex sha256 of bytes or of a string's UTF-8 bytes. */
export function sha256Hex(data: Uint8Array | string): string {
  return createHash('sha256').update(data).digest('hex');
}

/** Lower-case hex sha256 of a file's bytes (artifacts are digested as stored, byte for byte). */
export function sha256File(path: string): string {
  return sha256Hex(readFileSync(path));
}
