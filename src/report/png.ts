import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { deflateSync } from 'node:zlib';
import { jet } from './figures-colormap.ts';

// A minimal PNG writer (8-bit greyscale or RGB, no interlace, filter 0 on every row) and the
// example-heatmap grid of the thesis's Figure 2.4. No text is drawn: the file name and the HTML
// report carry the captions.

export interface RasterImage {
  width: number;
  height: number;
  /** 1: greyscale, 3: RGB; `data` is row-major, `channels` bytes per pixel. */
  channels: 1 | 3;
  data: Uint8Array;
}

const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

/** CRC-32 (ISO 3309, polynomial 0xEDB88320) table, as the PNG spec's sample code builds it. */
const CRC_TABLE = (() => {
  const table = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    table[n] = c >>> 0;
  }
  return table;
})();

export function crc32(bytes: Uint8Array): number {
  let c = 0xffffffff;
  for (let i = 0; i < bytes.length; i++) c = CRC_TABLE[(c ^ bytes[i]) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

function chunk(type: string, body: Uint8Array): Buffer {
  const head = Buffer.alloc(8);
  head.writeUInt32BE(body.length, 0);
  head.write(type, 4, 'ascii');
  const crc = Buffer.alloc(4);
  // The CRC covers the chunk type and data, not the length.
  crc.writeUInt32BE(crc32(Buffer.concat([head.subarray(4), body])), 0);
  return Buffer.concat([head, body, crc]);
}

/** Encodes an 8-bit greyscale or RGB image as PNG bytes. */
export function encodePng(image: RasterImage): Buffer {
  const { width, height, channels, data } = image;
  for (const [name, v] of [['width', width], ['height', height]] as const) {
    if (!Number.isInteger(v) || v < 1 || v > 0x7fffffff) throw new RangeError(`encodePng: ${name} ${v} is not a positive integer`);
  }
  if (channels !== 1 && channels !== 3) throw new RangeError(`encodePng: channels ${channels} is not 1 (grey) or 3 (RGB)`);
  const rowBytes = width * channels;
  if (data.length !== rowBytes * height) {
    throw new RangeError(`encodePng: data has ${data.length} bytes, a ${width}x${height}x${channels} image needs ${rowBytes * height}`);
  }
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr[8] = 8; // bit depth
  ihdr[9] = channels === 1 ? 0 : 2; // colour type: greyscale / truecolour
  ihdr[10] = 0; // compression: deflate
  ihdr[11] = 0; // filter method 0
  ihdr[12] = 0; // no interlace
  // Every scanline starts with its filter-type byte; 0 (None) keeps the writer trivial.
  const raw = Buffer.alloc((rowBytes + 1) * height);
  for (let y = 0; y < height; y++) {
    raw[y * (rowBytes + 1)] = 0;
    raw.set(data.subarray(y * rowBytes, (y + 1) * rowBytes), y * (rowBytes + 1) + 1);
  }
  return Buffer.concat([PNG_SIGNATURE, chunk('IHDR', ihdr), chunk('IDAT', deflateSync(raw)), chunk('IEND', new Uint8Array(0))]);
}

/** One row of the example grid. All images are square, row-major, values in [0,1]. */
export interface HeatmapExample {
  clean: ArrayLike<number>;
  noisy: ArrayLike<number>;
  heatmap: ArrayLike<number>;
  label: number;
  predicted: number;
}

export interface ExamplesGridOptions {
  /** Nearest-neighbour upscaling factor of every panel (default 4). */
  scale?: number;
  /** Gap in pixels between panels, between rows and around the grid (default 4). */
  gap?: number;
}

/**
 * Grid layout, in output pixels (g = gap, P = side*scale):
 *   width  = 4P + 7g: margin g, marker stripe g, g, then 4 panels separated by g, margin g;
 *   height = g + n(P + g).
 * Row r starts at y = g + r(P+g); panel k at x = 3g + k(P+g); the marker stripe covers
 * x in [g, 2g) for the row's height. Panels: 0 clean, 1 noisy, 2 jet(heatmap),
 * 3 overlay = (jet(heatmap) + clean) / max over the panel (pytorch-grad-cam's show_cam_on_image).
 */
export const PANELS = ['clean', 'noisy', 'heatmap', 'overlay'] as const;
const BACKGROUND = 255;
/** Marker stripe colours: the prediction was right / wrong. */
export const MARK_CORRECT: readonly [number, number, number] = [0, 150, 0];
export const MARK_WRONG: readonly [number, number, number] = [200, 0, 0];

function checkImage(values: ArrayLike<number>, what: string, side: number): void {
  if (values == null || typeof values.length !== 'number') throw new TypeError(`${what}: not an array of pixel values`);
  if (values.length !== side * side) throw new RangeError(`${what}: ${values.length} pixels, want ${side * side} (${side}x${side})`);
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (!(v >= 0 && v <= 1)) throw new RangeError(`${what}[${i}] = ${v} is outside [0, 1]`);
  }
}

function option(value: number | undefined, fallback: number, name: string, min: number, max: number): number {
  const v = value ?? fallback;
  if (!Number.isInteger(v) || v < min || v > max) throw new RangeError(`examples grid: ${name} ${v} must be an integer in ${min}..${max}`);
  return v;
}

const byte = (v: number): number => Math.round(Math.min(1, Math.max(0, v)) * 255);

/** The four RGB panels of one example, each side x side, components in [0,1]. */
function panelsOf(ex: HeatmapExample, n: number): Float64Array[] {
  const grey = (src: ArrayLike<number>): Float64Array => {
    const out = new Float64Array(n * 3);
    for (let i = 0; i < n; i++) out[3 * i] = out[3 * i + 1] = out[3 * i + 2] = src[i];
    return out;
  };
  const heat = new Float64Array(n * 3);
  const overlay = new Float64Array(n * 3);
  let max = 0;
  for (let i = 0; i < n; i++) {
    const c = jet(ex.heatmap[i]);
    for (let k = 0; k < 3; k++) {
      heat[3 * i + k] = c[k];
      overlay[3 * i + k] = c[k] + ex.clean[i];
      max = Math.max(max, overlay[3 * i + k]);
    }
  }
  // jet never returns black, so max > 0.
  for (let i = 0; i < overlay.length; i++) overlay[i] /= max;
  return [grey(ex.clean), grey(ex.noisy), heat, overlay];
}

/** Composes the example grid (one row per example) as an RGB image. */
export function composeExamples(examples: readonly HeatmapExample[], opts: ExamplesGridOptions = {}): RasterImage {
  if (!Array.isArray(examples) || examples.length === 0) throw new RangeError('examples grid: no examples given');
  const scale = option(opts.scale, 4, 'scale', 1, 32);
  const gap = option(opts.gap, 4, 'gap', 1, 64);
  const n = examples[0].clean?.length ?? 0;
  const side = Math.round(Math.sqrt(n));
  if (side < 1 || side * side !== n) throw new RangeError(`examples grid: example 0 has ${n} clean pixels, not a square image`);
  examples.forEach((ex, e) => {
    for (const field of ['clean', 'noisy', 'heatmap'] as const) checkImage(ex[field], `example ${e} ${field}`, side);
    for (const field of ['label', 'predicted'] as const) {
      if (!Number.isInteger(ex[field])) throw new RangeError(`example ${e} ${field} ${ex[field]} is not an integer class`);
    }
  });

  const P = side * scale;
  const width = 4 * P + 7 * gap;
  const height = gap + examples.length * (P + gap);
  const data = new Uint8Array(width * height * 3).fill(BACKGROUND);
  const put = (x: number, y: number, rgb: ArrayLike<number>): void => {
    const o = (y * width + x) * 3;
    data[o] = rgb[0];
    data[o + 1] = rgb[1];
    data[o + 2] = rgb[2];
  };

  examples.forEach((ex, r) => {
    const y0 = gap + r * (P + gap);
    const mark = ex.label === ex.predicted ? MARK_CORRECT : MARK_WRONG;
    for (let y = y0; y < y0 + P; y++) for (let x = gap; x < 2 * gap; x++) put(x, y, mark);
    panelsOf(ex, n).forEach((panel, k) => {
      const x0 = 3 * gap + k * (P + gap);
      for (let y = 0; y < P; y++) {
        for (let x = 0; x < P; x++) {
          const i = Math.floor(y / scale) * side + Math.floor(x / scale);
          put(x0 + x, y0 + y, [byte(panel[3 * i]), byte(panel[3 * i + 1]), byte(panel[3 * i + 2])]);
        }
      }
    });
  });
  return { width, height, channels: 3, data };
}

/** Writes the example grid as a PNG (creating the folder); returns its pixel size. */
export function writeExamplesPng(path: string, examples: readonly HeatmapExample[], opts: ExamplesGridOptions = {}): { width: number; height: number } {
  const image = composeExamples(examples, opts);
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, encodePng(image));
  return { width: image.width, height: image.height };
}
