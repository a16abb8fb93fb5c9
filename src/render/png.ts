import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { PNG } from 'pngjs';
import { jet } from './figures-colormap.ts';

// PNG encoding (8-bit greyscale or RGB) by pngjs, and the example-heatmap grid of the thesis's
// Figure 2.4. No text is drawn: the file name and the HTML report carry the captions.

export interface RasterImage {
  width: number;
  height: number;
  /** 1: greyscale, 3: RGB; `data` is row-major, `channels` bytes per pixel. */
  channels: 1 | 3;
  data: Uint8Array;
}

/** Encodes an 8-bit greyscale or RGB image as PNG bytes; the arguments are checked first so a bad image is named, not mis-encoded. */
export function encodePng(image: RasterImage): Buffer {
  const { width, height, channels, data } = image;
  for (const [name, v] of [['width', width], ['height', height]] as const) {
    if (!Number.isInteger(v) || v < 1 || v > 0x7fffffff) throw new RangeError(`encodePng: ${name} ${v} is not a positive integer`);
  }
  if (channels !== 1 && channels !== 3) throw new RangeError(`encodePng: channels ${channels} is not 1 (grey) or 3 (RGB)`);
  if (data.length !== width * channels * height) {
    throw new RangeError(`encodePng: data has ${data.length} bytes, a ${width}x${height}x${channels} image needs ${width * channels * height}`);
  }
  // pngjs colour types: 0 greyscale, 2 truecolour; input in the same layout, no alpha.
  const colorType = channels === 1 ? 0 : 2;
  const png = new PNG({ width, height, colorType, inputColorType: colorType, inputHasAlpha: false, bitDepth: 8 });
  png.data = Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  return PNG.sync.write(png, { colorType, inputColorType: colorType, inputHasAlpha: false, bitDepth: 8 });
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

/** Writes an image as a PNG (creating the folder); returns its pixel size. */
function writeImagePng(path: string, image: RasterImage): { width: number; height: number } {
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, encodePng(image));
  return { width: image.width, height: image.height };
}

/** Writes the example grid as a PNG (creating the folder); returns its pixel size. */
export function writeExamplesPng(path: string, examples: readonly HeatmapExample[], opts: ExamplesGridOptions = {}): { width: number; height: number } {
  return writeImagePng(path, composeExamples(examples, opts));
}

/** One row of the every-method grid: the noisy input, then one heatmap per source (values in [0, 1]; non-finite drawn as 0). */
export interface MethodsGridRow {
  noisy: ArrayLike<number>;
  heatmaps: ReadonlyArray<ArrayLike<number>>;
}

/**
 * The every-method example grid (PROTOCOL.md Part 2): one row per image; columns: the noisy input
 * (grey), then each source's heatmap in jet, in the order given (the caller names the columns).
 * Layout like composeExamples without the marker stripe: panel k at x = g + k(P+g), row r at
 * y = g + r(P+g); width = c(P+g) + g for c columns, height = n(P+g) + g.
 */
export function composeMethodsGrid(rows: readonly MethodsGridRow[], opts: ExamplesGridOptions = {}): RasterImage {
  if (rows.length === 0) throw new RangeError('methods grid: no rows given');
  const scale = option(opts.scale, 3, 'scale', 1, 32);
  const gap = option(opts.gap, 4, 'gap', 1, 64);
  const n = rows[0].noisy.length;
  const side = Math.round(Math.sqrt(n));
  if (side < 1 || side * side !== n) throw new RangeError(`methods grid: row 0 has ${n} pixels, not a square image`);
  const columns = 1 + rows[0].heatmaps.length;
  rows.forEach((r, i) => {
    if (r.heatmaps.length !== columns - 1) throw new RangeError(`methods grid: row ${i} has ${r.heatmaps.length} heatmaps, row 0 has ${columns - 1}`);
    checkImage(r.noisy, `row ${i} noisy`, side);
    r.heatmaps.forEach((h, k) => {
      if (h.length !== n) throw new RangeError(`methods grid: row ${i} heatmap ${k} has ${h.length} pixels, want ${n}`);
    });
  });
  const P = side * scale;
  const width = columns * (P + gap) + gap;
  const height = rows.length * (P + gap) + gap;
  const data = new Uint8Array(width * height * 3).fill(BACKGROUND);
  rows.forEach((r, ri) => {
    const y0 = gap + ri * (P + gap);
    const panels: Array<(i: number) => readonly [number, number, number]> = [
      (i) => [r.noisy[i], r.noisy[i], r.noisy[i]],
      ...r.heatmaps.map((h) => (i: number) => {
        const v = h[i];
        return jet(Number.isFinite(v) ? Math.min(1, Math.max(0, v)) : 0);
      }),
    ];
    panels.forEach((colour, k) => {
      const x0 = gap + k * (P + gap);
      for (let y = 0; y < P; y++) {
        for (let x = 0; x < P; x++) {
          const c = colour(Math.floor(y / scale) * side + Math.floor(x / scale));
          const o = ((y0 + y) * width + x0 + x) * 3;
          data[o] = byte(c[0]);
          data[o + 1] = byte(c[1]);
          data[o + 2] = byte(c[2]);
        }
      }
    });
  });
  return { width, height, channels: 3, data };
}

/** Writes the every-method grid as a PNG (creating the folder); returns its pixel size. */
export function writeMethodsGridPng(path: string, rows: readonly MethodsGridRow[], opts: ExamplesGridOptions = {}): { width: number; height: number } {
  return writeImagePng(path, composeMethodsGrid(rows, opts));
}
