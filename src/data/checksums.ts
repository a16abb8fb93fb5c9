// SHA-256 sums of the four original MNIST files and the check of a data directory against them.
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

/** The base names of the four MNIST files (without `.gz`), in the order they are reported. */
export const MNIST_BASES = [
  'train-images-idx3-ubyte',
  'train-labels-idx1-ubyte',
  't10k-images-idx3-ubyte',
  't10k-labels-idx1-ubyte',
] as const;

/**
 * SHA-256 of the original MNIST files, gzipped (as LeCun's site and its mirrors serve them) and
 * uncompressed. Copied from the project's shared copy of MNIST (/work/shared/data/mnist/SHA256SUMS);
 * its SOURCE.md records that those .gz files match the MD5 sums published with MNIST (e.g.
 * train-images-idx3-ubyte.gz: f68b3c2dcbeaaa9fbdd348bbdeb94873), so these are the sums of the
 * original files. MNIST itself publishes no SHA-256.
 */
export const MNIST_SHA256: Readonly<Record<string, string>> = {
  'train-images-idx3-ubyte.gz': '440fcabf73cc546fa21475e81ea370265605f56be210a4024d2ca8f203523609',
  'train-labels-idx1-ubyte.gz': '3552534a0a558bbed6aed32b30c495cca23d567ec52cac8be1a0730e8010255c',
  't10k-images-idx3-ubyte.gz': '8d422c7b0a1c1c79245a5bcf07fe86e33eeafee792b84584aec276f5a2dbc4e6',
  't10k-labels-idx1-ubyte.gz': 'f7ae60f92e00ec6debd23a6088c31dbd2371eca3ffa0defaefb259924204aec6',
  'train-images-idx3-ubyte': 'ba891046e6505d7aadcbbe25680a0738ad16aec93bde7f9b65e87a2fc25776db',
  'train-labels-idx1-ubyte': '65a50cbbf4e906d70832878ad85ccda5333a97f0f4c3dd2ef09a8a9eef7101c5',
  't10k-images-idx3-ubyte': '0fa7898d509279e482958e8ce81c8e77db3f2f8254e26661ceb7762c4d494ce7',
  't10k-labels-idx1-ubyte': 'ff7bcfd416de33731a308c3f266cc351222c34898ecbeaf847f06e48f7ec33f2',
};

export function sha256(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

export function sha256File(path: string): string {
  return sha256(readFileSync(path));
}

/**
 * The file that holds `base` in `dir`: the gzipped one when present, else the raw one, else null.
 * Loader and verifier share this rule, so `data verify` checks exactly the file a run reads.
 */
export function locate(dir: string, base: string): string | null {
  for (const name of [`${base}.gz`, base]) {
    if (existsSync(join(dir, name))) return name;
  }
  return null;
}

export type CheckStatus = 'OK' | 'MISMATCH' | 'MISSING';

export interface FileCheck {
  base: string;
  /** The file name checked (`.gz` or raw), null when neither is present. */
  file: string | null;
  status: CheckStatus;
  expected: string | null;
  actual: string | null;
}

/**
 * Checks every base file of `dir` (gz or raw, see `locate`) against `sums`. A file whose name has
 * no entry in `sums` counts as a MISMATCH: an unverifiable file must not pass as verified.
 */
export function verifyDir(
  dir: string,
  sums: Readonly<Record<string, string>> = MNIST_SHA256,
  bases: readonly string[] = MNIST_BASES,
): FileCheck[] {
  return bases.map((base): FileCheck => {
    const file = locate(dir, base);
    if (file === null) return { base, file, status: 'MISSING', expected: null, actual: null };
    const expected = sums[file] ?? null;
    const actual = sha256File(join(dir, file));
    return { base, file, status: expected !== null && actual === expected ? 'OK' : 'MISMATCH', expected, actual };
  });
}
