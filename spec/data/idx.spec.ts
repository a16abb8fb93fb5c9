// The IDX reader/writer against hand-written bytes (the format as LeCun's page describes it),
// round trips as properties, and every kind of damage with its documented message.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { DataError, MissingDataError } from '../../src/data/errors.ts';
import { encodeIdx, maybeGunzip, parseIdx, readIdxFile } from '../../src/data/idx.ts';
import { errorOf } from '../support/errors.ts';

const tmp = mkdtempSync(join(tmpdir(), 'prunecam-idx-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

// 2 images of 2x3 pixels, written out by hand: magic 00 00 08 03, dims 2, 2, 3 (big-endian).
const HAND_IMAGES = Uint8Array.from([0, 0, 8, 3, 0, 0, 0, 2, 0, 0, 0, 2, 0, 0, 0, 3, 0, 1, 2, 253, 254, 255, 10, 20, 30, 40, 50, 60]);
const HAND_LABELS = Uint8Array.from([0, 0, 8, 1, 0, 0, 0, 3, 7, 0, 9]);

/** Decodes bytes the way readIdxFile does, without a file. */
const decode = (bytes: Uint8Array, name = 'x.idx', kind?: 'images' | 'labels') => parseIdx(maybeGunzip(bytes, name), name, kind);


describe('IDX reader on hand-written bytes', () => {
  it('decodes an images file, raw and gzipped, from disk', () => {
    writeFileSync(join(tmp, 'hand-images'), HAND_IMAGES);
    writeFileSync(join(tmp, 'hand-images.gz'), gzipSync(HAND_IMAGES));
    for (const f of ['hand-images', 'hand-images.gz']) {
      const idx = readIdxFile(join(tmp, f), 'images');
      expect(idx.dims).toEqual([2, 2, 3]);
      expect(Array.from(idx.data)).toEqual([0, 1, 2, 253, 254, 255, 10, 20, 30, 40, 50, 60]);
    }
  });

  it('decodes a labels file', () => {
    const idx = decode(HAND_LABELS, 'l', 'labels');
    expect(idx.dims).toEqual([3]);
    expect(Array.from(idx.data)).toEqual([7, 0, 9]);
  });

  it('encodes the same bytes it was given by hand', () => {
    expect(Array.from(encodeIdx([2, 2, 3], HAND_IMAGES.subarray(16)))).toEqual(Array.from(HAND_IMAGES));
    expect(Array.from(encodeIdx([3], Uint8Array.from([7, 0, 9])))).toEqual(Array.from(HAND_LABELS));
  });

  it('reports a missing file as MissingDataError naming its path', () => {
    const e = errorOf(() => readIdxFile(join(tmp, 'nope.gz')));
    expect(e).toBeInstanceOf(MissingDataError);
    expect(e.message).toBe(`${join(tmp, 'nope.gz')}: no such file`);
  });
});

const dimsArb = fc.array(fc.integer({ min: 0, max: 7 }), { minLength: 1, maxLength: 4 });
const idxArb = dimsArb.chain((dims) => {
  const n = dims.reduce((a, b) => a * b, 1);
  return fc.record({ dims: fc.constant(dims), data: fc.uint8Array({ minLength: n, maxLength: n }), gzip: fc.boolean() });
});

describe('IDX round trips (properties)', () => {
  it('decode(encode(dims, bytes)) gives back dims and bytes, gzipped or raw', () => {
    fc.assert(
      fc.property(idxArb, ({ dims, data, gzip }) => {
        const encoded = encodeIdx(dims, data, { gzip });
        expect(encoded[0] === 0x1f && encoded[1] === 0x8b).toBe(gzip);
        const back = decode(encoded);
        expect(back.dims).toEqual(dims);
        expect(Array.from(back.data)).toEqual(Array.from(data));
      }),
    );
  });

  it('round trips through a file on disk', () => {
    let k = 0;
    fc.assert(
      fc.property(idxArb, ({ dims, data, gzip }) => {
        const path = join(tmp, `rt-${k++}${gzip ? '.gz' : ''}`);
        writeFileSync(path, encodeIdx(dims, data, { gzip }));
        const back = readIdxFile(path);
        expect(back.dims).toEqual(dims);
        expect(Array.from(back.data)).toEqual(Array.from(data));
      }),
      { numRuns: 30 },
    );
  });
});

describe('IDX corruption gives the documented error', () => {
  it('truncated header: any cut inside the header', () => {
    fc.assert(
      fc.property(idxArb, fc.nat(), ({ dims, data }, cutSeed) => {
        const bytes = encodeIdx(dims, data);
        const headerLength = 4 + 4 * dims.length;
        const cut = cutSeed % headerLength;
        const e = errorOf(() => decode(bytes.slice(0, cut), 'f.idx'));
        expect(e).toBeInstanceOf(DataError);
        expect(e.message).toBe(
          cut < 4
            ? `f.idx: truncated header: ${cut} bytes, an IDX header needs at least 4`
            : `f.idx: truncated header: ${cut} bytes, a ${dims.length}-dim IDX header needs ${headerLength}`,
        );
      }),
    );
  });

  it('truncated body: any cut inside the body, raw or gzipped', () => {
    const nonEmpty = idxArb.filter(({ data }) => data.length > 0);
    fc.assert(
      fc.property(nonEmpty, fc.nat(), ({ dims, data, gzip }, cutSeed) => {
        const found = cutSeed % data.length;
        const raw = encodeIdx(dims, data).slice(0, 4 + 4 * dims.length + found);
        const e = errorOf(() => decode(gzip ? gzipSync(raw) : raw, 'f.idx'));
        const shape = dims.length > 1 ? `${dims.join('x')} = ${data.length}` : `${dims[0]}`;
        expect(e.message).toBe(`f.idx: truncated body: header says ${shape} bytes, found ${found}`);
      }),
    );
  });

  it('names the file and sizes as in the MNIST case', () => {
    const bytes = new Uint8Array(16 + 1234);
    bytes.set([0, 0, 8, 3, 0, 0, 0xea, 0x60, 0, 0, 0, 28, 0, 0, 0, 28]); // 60000 = 0xea60
    const path = join(tmp, 'train-images-idx3-ubyte.gz');
    writeFileSync(path, gzipSync(bytes));
    const e = errorOf(() => readIdxFile(path, 'images'));
    expect(e).toBeInstanceOf(DataError);
    expect(e.message).toBe('train-images-idx3-ubyte.gz: truncated body: header says 60000x28x28 = 47040000 bytes, found 1234');
  });

  it('wrong count in the header: a dimension larger than the body, or a body longer than the header says', () => {
    // Header says 3 images of 2x3 while the body holds 2: the hand file with dim 0 patched to 3.
    const more = HAND_IMAGES.slice();
    more[7] = 3;
    expect(errorOf(() => decode(more, 'f')).message).toBe('f: truncated body: header says 3x2x3 = 18 bytes, found 12');
    const longer = Uint8Array.from([...HAND_LABELS, 5]);
    expect(errorOf(() => decode(longer, 'l')).message).toBe('l: body longer than its header: header says 3 bytes, found 4');
  });

  it('wrong magic: labels where images are expected and the reverse', () => {
    expect(errorOf(() => decode(HAND_LABELS, 'a.gz', 'images')).message).toBe('a.gz: bad magic 0x00000801 (expected 2051 for images)');
    expect(errorOf(() => decode(HAND_IMAGES, 'b.gz', 'labels')).message).toBe('b.gz: bad magic 0x00000803 (expected 2049 for labels)');
  });

  it('wrong magic: non-zero leading bytes, unsupported element type, zero dimensions', () => {
    const lead = HAND_LABELS.slice();
    lead[0] = 1;
    expect(errorOf(() => decode(lead, 'f')).message).toBe('f: bad magic 0x01000801 (an IDX file starts with two zero bytes)');
    const float = HAND_LABELS.slice();
    float[2] = 0x0d;
    expect(errorOf(() => decode(float, 'f')).message).toBe(
      'f: unsupported IDX element type 0x0d (float32): only 0x08 (unsigned byte) is supported',
    );
    expect(errorOf(() => decode(Uint8Array.of(0, 0, 8, 0), 'f')).message).toBe('f: bad IDX header: 0 dimensions');
  });

  it('a damaged gzip stream (cut short, or garbage after the magic) is not a valid gzip stream', () => {
    const gz = gzipSync(HAND_IMAGES);
    for (const bad of [gz.subarray(0, gz.length - 12), Uint8Array.of(0x1f, 0x8b, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10)]) {
      const e = errorOf(() => decode(bad, 'train-images-idx3-ubyte.gz'));
      expect(e).toBeInstanceOf(DataError);
      expect(e.message).toMatch(/^train-images-idx3-ubyte\.gz: not a valid gzip stream \(.+\)$/);
    }
  });

  it('the writer refuses a body that does not match its dimensions', () => {
    expect(() => encodeIdx([2, 3], new Uint8Array(5))).toThrow('IDX body has 5 bytes, dimensions 2x3 need 6');
  });
});
