// The IDX file format of the MNIST distribution (http://yann.lecun.com/exdb/mnist/):
//   bytes 0-1  zero
//   byte  2    element type (0x08 = unsigned byte; the only type MNIST-like files use)
//   byte  3    number of dimensions
//   then one big-endian uint32 per dimension, then the body in row-major order.
// So the magic number of a uint8 image file (3 dims) is 0x00000803 = 2051 and of a label file
// (1 dim) 0x00000801 = 2049. Files may be gzipped; gzip is detected by its magic bytes 1f 8b,
// not by the file name.
import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import { DataError, MissingDataError } from './errors.ts';

export const IDX_UBYTE = 0x08;
export const IMAGES_MAGIC = 2051;
export const LABELS_MAGIC = 2049;

/** A decoded uint8 IDX file: its dimensions and row-major body. */
export interface IdxArray {
  dims: number[];
  data: Uint8Array;
}

/** What a caller expects a file to hold; checked against the magic number. */
export type IdxKind = 'images' | 'labels';

const EXPECTED_MAGIC: Record<IdxKind, number> = { images: IMAGES_MAGIC, labels: LABELS_MAGIC };

const IDX_TYPE_NAMES: Record<number, string> = {
  0x08: 'unsigned byte',
  0x09: 'signed byte',
  0x0b: 'int16',
  0x0c: 'int32',
  0x0d: 'float32',
  0x0e: 'float64',
};

const hex32 = (n: number) => `0x${(n >>> 0).toString(16).padStart(8, '0')}`;

export function isGzip(bytes: Uint8Array): boolean {
  return bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b;
}

/** Gunzips when the bytes start with the gzip magic, else returns them as they are. */
export function maybeGunzip(bytes: Uint8Array, name: string): Uint8Array {
  if (!isGzip(bytes)) return bytes;
  try {
    return gunzipSync(bytes);
  } catch (e) {
    throw new DataError(`${name}: not a valid gzip stream (${(e as Error).message})`);
  }
}

/**
 * Decodes the (already decompressed) bytes of a uint8 IDX file. `name` is used in every error
 * message; `kind`, when given, also checks the magic number (2051 images, 2049 labels).
 */
export function parseIdx(bytes: Uint8Array, name: string, kind?: IdxKind): IdxArray {
  if (bytes.length < 4) throw new DataError(`${name}: truncated header: ${bytes.length} bytes, an IDX header needs at least 4`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const magic = view.getUint32(0);
  if (kind !== undefined && magic !== EXPECTED_MAGIC[kind]) {
    throw new DataError(`${name}: bad magic ${hex32(magic)} (expected ${EXPECTED_MAGIC[kind]} for ${kind})`);
  }
  if (bytes[0] !== 0 || bytes[1] !== 0) throw new DataError(`${name}: bad magic ${hex32(magic)} (an IDX file starts with two zero bytes)`);
  const type = bytes[2];
  if (type !== IDX_UBYTE) {
    const known = IDX_TYPE_NAMES[type];
    throw new DataError(`${name}: unsupported IDX element type 0x${type.toString(16).padStart(2, '0')}${known ? ` (${known})` : ''}: only 0x08 (unsigned byte) is supported`);
  }
  const ndim = bytes[3];
  if (ndim === 0) throw new DataError(`${name}: bad IDX header: 0 dimensions`);
  const headerLength = 4 + 4 * ndim;
  if (bytes.length < headerLength) {
    throw new DataError(`${name}: truncated header: ${bytes.length} bytes, a ${ndim}-dim IDX header needs ${headerLength}`);
  }
  const dims: number[] = [];
  for (let i = 0; i < ndim; i++) dims.push(view.getUint32(4 + 4 * i));
  // Products of uint32s stay exact in a double up to 2^53, far beyond any file we can hold.
  const expected = dims.reduce((a, b) => a * b, 1);
  const found = bytes.length - headerLength;
  const shape = `${dims.join('x')}${ndim > 1 ? ` = ${expected}` : ''}`;
  if (found < expected) throw new DataError(`${name}: truncated body: header says ${shape} bytes, found ${found}`);
  if (found > expected) throw new DataError(`${name}: body longer than its header: header says ${shape} bytes, found ${found}`);
  return { dims, data: bytes.subarray(headerLength) };
}

/** Reads a gzipped or raw uint8 IDX file; errors name the file (by its base name). */
export function readIdxFile(path: string, kind?: IdxKind): IdxArray {
  const name = basename(path);
  let bytes: Uint8Array;
  try {
    bytes = readFileSync(path);
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    if (err.code === 'ENOENT') throw new MissingDataError(`${path}: no such file`);
    throw new DataError(`${path}: cannot read: ${err.message}`);
  }
  return parseIdx(maybeGunzip(bytes, name), name, kind);
}

/** Encodes a uint8 IDX file (gzipped when asked). The body length must match the dimensions. */
export function encodeIdx(dims: readonly number[], data: Uint8Array, options: { gzip?: boolean } = {}): Uint8Array {
  if (dims.length < 1 || dims.length > 255) throw new RangeError(`IDX needs 1..255 dimensions, got ${dims.length}`);
  for (const d of dims) {
    if (!Number.isInteger(d) || d < 0 || d > 0xffffffff) throw new RangeError(`IDX dimension must be a uint32, got ${d}`);
  }
  const expected = dims.reduce((a, b) => a * b, 1);
  if (data.length !== expected) throw new RangeError(`IDX body has ${data.length} bytes, dimensions ${dims.join('x')} need ${expected}`);
  const headerLength = 4 + 4 * dims.length;
  const out = new Uint8Array(headerLength + data.length);
  const view = new DataView(out.buffer);
  out[2] = IDX_UBYTE;
  out[3] = dims.length;
  dims.forEach((d, i) => view.setUint32(4 + 4 * i, d));
  out.set(data, headerLength);
  if (!options.gzip) return out;
  // A plain Uint8Array, not a Buffer: Buffer's slice() is a view, which callers would not expect.
  const gz = gzipSync(out);
  return new Uint8Array(gz.buffer, gz.byteOffset, gz.byteLength);
}
