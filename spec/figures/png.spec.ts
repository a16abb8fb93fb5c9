import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import zlib from 'node:zlib';
import pngjs from 'pngjs';
import { afterAll, describe, expect, it } from 'vitest';
import { composeExamples, composeMethodsGrid, encodePng, writeExamplesPng, type HeatmapExample } from '../../src/render/png.ts';

// Every PNG is decoded by pngjs (an independent decoder that checks the chunk CRCs); the expected
// pixel values are derived by hand from the layout and the jet formula documented in png.ts.

const { PNG } = pngjs;
const decode = (bytes: Buffer) => PNG.sync.read(bytes, { checkCRC: true });
/** RGBA of pixel (x, y) of a pngjs-decoded image. */
const rgbaAt = (img: { width: number; data: Buffer }, x: number, y: number) => [...img.data.subarray((y * img.width + x) * 4, (y * img.width + x) * 4 + 4)];

const dir = mkdtempSync(join(tmpdir(), 'prunecam-png-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('encodePng', () => {
  it('writes a greyscale image that decodes to the same pixels', () => {
    const data = Uint8Array.from([0, 17, 255, 128, 64, 1]); // 3 wide, 2 high
    const png = decode(encodePng({ width: 3, height: 2, channels: 1, data }));
    expect([png.width, png.height]).toEqual([3, 2]);
    expect(rgbaAt(png, 1, 0)).toEqual([17, 17, 17, 255]);
    expect(rgbaAt(png, 2, 0)).toEqual([255, 255, 255, 255]);
    expect(rgbaAt(png, 0, 1)).toEqual([128, 128, 128, 255]);
    expect(rgbaAt(png, 2, 1)).toEqual([1, 1, 1, 255]);
  });

  it('writes an RGB image that decodes to the same pixels', () => {
    const data = Uint8Array.from([255, 0, 0, 0, 255, 0, 0, 0, 255, 10, 20, 30]); // 2x2
    const png = decode(encodePng({ width: 2, height: 2, channels: 3, data }));
    expect(rgbaAt(png, 0, 0)).toEqual([255, 0, 0, 255]);
    expect(rgbaAt(png, 1, 0)).toEqual([0, 255, 0, 255]);
    expect(rgbaAt(png, 0, 1)).toEqual([0, 0, 255, 255]);
    expect(rgbaAt(png, 1, 1)).toEqual([10, 20, 30, 255]);
  });

  it('every chunk CRC matches zlib.crc32 over type + data', () => {
    const bytes = encodePng({ width: 5, height: 4, channels: 3, data: new Uint8Array(60).map((_, i) => i * 4) });
    expect([...bytes.subarray(0, 8)]).toEqual([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
    const types: string[] = [];
    for (let o = 8; o < bytes.length; ) {
      const len = bytes.readUInt32BE(o);
      types.push(bytes.toString('ascii', o + 4, o + 8));
      expect(bytes.readUInt32BE(o + 8 + len)).toBe(zlib.crc32(bytes.subarray(o + 4, o + 8 + len)));
      o += 12 + len;
    }
    expect(types).toEqual(['IHDR', 'IDAT', 'IEND']);
  });

  it('rejects inconsistent input with a message naming the problem', () => {
    expect(() => encodePng({ width: 2, height: 2, channels: 3, data: new Uint8Array(11) })).toThrow(/11 bytes.*needs 12/);
    expect(() => encodePng({ width: 0, height: 2, channels: 1, data: new Uint8Array(0) })).toThrow(/width 0/);
    expect(() => encodePng({ width: 1, height: 1, channels: 2 as 1, data: new Uint8Array(2) })).toThrow(/channels 2/);
  });
});

/** 28x28 image that is `fill` everywhere except the given (row, col) -> value entries. */
function image(fill: number, points: Array<[number, number, number]> = []): Float32Array {
  const a = new Float32Array(784).fill(fill);
  for (const [r, c, v] of points) a[r * 28 + c] = v;
  return a;
}

describe('example heatmap grid', () => {
  const example = (label: number, predicted: number): HeatmapExample => ({
    clean: image(0, [[3, 5, 1]]),
    noisy: image(0.2),
    heatmap: image(0, [[10, 10, 1], [0, 0, 0.5]]),
    label,
    predicted,
  });
  const examples = [example(7, 7), example(3, 8)];

  // Layout with scale 4, gap 4 (P = 112): width 4P + 7g = 476, height g + 2(P + g) = 236;
  // row r at y = 4 + 116r; panel k at x = 12 + 116k; marker stripe x in [4, 8).
  const panelX = (k: number) => 12 + 116 * k;
  const rowY = (r: number) => 4 + 116 * r;
  /** Centre of source pixel (row, col) of panel k in grid row r. */
  const at = (png: { width: number; data: Buffer }, r: number, k: number, row: number, col: number) =>
    rgbaAt(png, panelX(k) + col * 4 + 2, rowY(r) + row * 4 + 2).slice(0, 3);

  it('lays out input, noisy input, jet heatmap and overlay per row, upscaled x4 with gaps', () => {
    const path = join(dir, 'nested', 'seed-333-level-00.png');
    expect(writeExamplesPng(path, examples)).toEqual({ width: 476, height: 236 });
    const png = decode(readFileSync(path));
    expect([png.width, png.height]).toEqual([476, 236]);
    for (const r of [0, 1]) {
      // clean: the one lit pixel is white, its neighbour black; the whole 4x4 block is lit.
      expect(at(png, r, 0, 3, 5)).toEqual([255, 255, 255]);
      expect(rgbaAt(png, panelX(0) + 20, rowY(r) + 12).slice(0, 3)).toEqual([255, 255, 255]);
      expect(rgbaAt(png, panelX(0) + 23, rowY(r) + 15).slice(0, 3)).toEqual([255, 255, 255]);
      expect(rgbaAt(png, panelX(0) + 24, rowY(r) + 15).slice(0, 3)).toEqual([0, 0, 0]);
      expect(at(png, r, 0, 3, 4)).toEqual([0, 0, 0]);
      // noisy: 0.2 -> 51 everywhere.
      expect(at(png, r, 1, 0, 0)).toEqual([51, 51, 51]);
      expect(at(png, r, 1, 27, 27)).toEqual([51, 51, 51]);
      // heatmap, jet: 0 -> (0, 0, .5), 0.5 -> (.5, 1, .5), 1 -> (.5, 0, 0); .5*255 rounds to 128.
      expect(at(png, r, 2, 5, 5)).toEqual([0, 0, 128]);
      expect(at(png, r, 2, 0, 0)).toEqual([128, 255, 128]);
      expect(at(png, r, 2, 10, 10)).toEqual([128, 0, 0]);
      // overlay = (jet + clean) / max; max is 1.5 (blue of jet(0) + the lit pixel).
      expect(at(png, r, 3, 3, 5)).toEqual([170, 170, 255]);
      expect(at(png, r, 3, 0, 0)).toEqual([85, 170, 85]);
      expect(at(png, r, 3, 10, 10)).toEqual([85, 0, 0]);
      expect(at(png, r, 3, 20, 20)).toEqual([0, 0, 85]);
      // gaps are white: left margin, between panels, after the last panel.
      expect(rgbaAt(png, 0, rowY(r) + 50).slice(0, 3)).toEqual([255, 255, 255]);
      expect(rgbaAt(png, panelX(1) - 1, rowY(r) + 50).slice(0, 3)).toEqual([255, 255, 255]);
      expect(rgbaAt(png, 475, rowY(r) + 50).slice(0, 3)).toEqual([255, 255, 255]);
    }
    // between the rows and the marker stripe: green when predicted == label, red otherwise.
    expect(rgbaAt(png, 200, rowY(1) - 1).slice(0, 3)).toEqual([255, 255, 255]);
    expect(rgbaAt(png, 5, rowY(0) + 50).slice(0, 3)).toEqual([0, 150, 0]);
    expect(rgbaAt(png, 5, rowY(1) + 50).slice(0, 3)).toEqual([200, 0, 0]);
  });

  it('honours scale and gap', () => {
    const img = composeExamples([examples[0]], { scale: 1, gap: 2 });
    // 4*28 + 7*2 = 126 wide, 2 + 28 + 2 = 32 high.
    expect([img.width, img.height]).toEqual([126, 32]);
    const png = decode(encodePng(img));
    // clean pixel (3,5) of panel 0 at x = 6 + 5, y = 2 + 3.
    expect(rgbaAt(png, 11, 5).slice(0, 3)).toEqual([255, 255, 255]);
    expect(rgbaAt(png, 12, 5).slice(0, 3)).toEqual([0, 0, 0]);
  });

  it('rejects bad examples with a message naming the example, field and pixel', () => {
    const bad = { ...examples[0], heatmap: image(0, [[1, 1, 1.5]]) };
    expect(() => composeExamples([bad])).toThrow(/example 0 heatmap\[29\] = 1.5 is outside \[0, 1\]/);
    expect(() => composeExamples([examples[0], { ...examples[0], noisy: image(Number.NaN) }])).toThrow(/example 1 noisy\[0\] = NaN/);
    expect(() => composeExamples([{ ...examples[0], noisy: new Float32Array(100) }])).toThrow(/example 0 noisy: 100 pixels, want 784/);
    expect(() => composeExamples([])).toThrow(/no examples/);
    expect(() => composeExamples([{ ...examples[0], predicted: 1.5 }])).toThrow(/predicted 1.5/);
    expect(() => composeExamples(examples, { scale: 0 })).toThrow(/scale 0/);
  });
});

describe('every-method grid', () => {
  it('rows of images, columns noisy + one jet panel per source, at the documented offsets', () => {
    const side = 28;
    const noisy = new Float32Array(side * side).fill(0.5);
    const zero = new Float32Array(side * side);
    const one = new Float32Array(side * side).fill(1);
    const img = composeMethodsGrid([{ noisy, heatmaps: [zero, one, [...one].map(() => NaN)] }, { noisy, heatmaps: [one, zero, zero] }], { scale: 2, gap: 3 });
    const P = side * 2;
    // width = c(P+g)+g with c = 4 columns, height = n(P+g)+g with n = 2 rows
    expect(img.width).toBe(4 * (P + 3) + 3);
    expect(img.height).toBe(2 * (P + 3) + 3);
    const decoded = decode(encodePng(img));
    const at = (x: number, y: number) => [...decoded.data.subarray((y * decoded.width + x) * 4, (y * decoded.width + x) * 4 + 3)];
    expect(at(3, 3)).toEqual([128, 128, 128]); // noisy 0.5 in grey
    expect(at(3 + (P + 3), 3)).toEqual([0, 0, 128]); // jet(0) = (0, 0, 0.5)
    expect(at(3 + 2 * (P + 3), 3)).toEqual([128, 0, 0]); // jet(1) = (0.5, 0, 0)
    expect(at(3 + 3 * (P + 3), 3)).toEqual([0, 0, 128]); // non-finite drawn as 0
    expect(at(3 + (P + 3), 3 + (P + 3))).toEqual([128, 0, 0]);
    expect(at(1, 1)).toEqual([255, 255, 255]);
    expect(() => composeMethodsGrid([{ noisy, heatmaps: [zero] }, { noisy, heatmaps: [] }])).toThrow(/row 1 has 0 heatmaps/);
  });
});
