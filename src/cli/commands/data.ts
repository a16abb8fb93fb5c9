// `prunecam data fetch|verify`: get the MNIST files and check them against their published sums.
import { UsageError, parseArgs, str } from '../args.ts';
import { MNIST_BASES, MNIST_SHA256, verifyDir, type FileCheck } from '../../data/checksums.ts';
import { DEFAULT_MIRRORS, fetchFiles } from '../../data/fetch.ts';
import { DEFAULT_MNIST_DIR } from '../../data/sources.ts';
import type { Command } from './types.ts';

const USAGE = `usage: prunecam data <fetch|verify> [options]

  prunecam data fetch [--data-dir DIR] [--mirror URL]...
      Downloads the four MNIST .gz files into DIR (default ${DEFAULT_MNIST_DIR}), each from the
      first mirror that delivers it complete and with its published SHA-256. Files already
      present with the right sum are kept. Each --mirror (repeatable) is a base URL; given any,
      they replace the default mirrors:
        ${DEFAULT_MIRRORS.join('\n        ')}

  prunecam data verify [--data-dir DIR]
      Checks the four MNIST files in DIR (.gz or uncompressed) against their published SHA-256
      and prints OK, MISMATCH or MISSING for each. Exit status 0 only when all four are OK.`;

/** Removes every `--name URL` / `--name=URL` from argv (args.ts keeps only the last of a repeated option). */
function takeRepeated(argv: string[], name: string): { values: string[]; rest: string[] } {
  const values: string[] = [];
  const rest: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === `--${name}`) {
      const v = argv[++i];
      if (v === undefined || v.startsWith('--')) throw new UsageError(`--${name} needs a value`);
      values.push(v);
    } else if (a.startsWith(`--${name}=`)) {
      values.push(a.slice(name.length + 3));
    } else {
      rest.push(a);
    }
  }
  return { values, rest };
}

function checkMirror(m: string): string {
  let url: URL;
  try {
    url = new URL(m);
  } catch {
    throw new UsageError(`--mirror must be an http(s) URL, got '${m}'`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new UsageError(`--mirror must be an http(s) URL, got '${m}'`);
  return m;
}

function describe(c: FileCheck): string {
  const name = c.file ?? `${c.base}(.gz)`;
  const detail =
    c.status === 'MISMATCH'
      ? c.expected === null
        ? `  (sha256 ${c.actual}; no published sum for this name)`
        : `  (sha256 ${c.actual}, expected ${c.expected})`
      : '';
  return `${c.status.padEnd(8)}  ${name}${detail}`;
}

function verify(dir: string): number {
  const checks = verifyDir(dir);
  console.log(`${dir}:`);
  for (const c of checks) console.log(`  ${describe(c)}`);
  const bad = checks.filter((c) => c.status !== 'OK').length;
  if (bad === 0) {
    console.log(`all ${checks.length} MNIST files OK`);
    return 0;
  }
  console.log(`${bad} of ${checks.length} MNIST files not OK; run \`npx prunecam data fetch${dir === DEFAULT_MNIST_DIR ? '' : ` --data-dir ${dir}`}\``);
  return 1;
}

async function fetchMnist(dir: string, mirrors: string[]): Promise<number> {
  // Skip a file that is present and correct in either form (.gz or uncompressed).
  const needed: Record<string, string> = {};
  for (const c of verifyDir(dir)) {
    if (c.status === 'OK') console.log(`${c.file}: already present, sha256 OK`);
    else needed[`${c.base}.gz`] = MNIST_SHA256[`${c.base}.gz`];
  }
  if (Object.keys(needed).length > 0) await fetchFiles({ dir, mirrors, files: needed, log: (l) => console.log(l) });
  console.log(`all ${MNIST_BASES.length} MNIST files present in ${dir} with their published sha256`);
  return 0;
}

export const DATA: Command = {
  summary: 'download (fetch) or check (verify) the MNIST files',
  usage: USAGE,
  async run(argv) {
    const [sub, ...args] = argv;
    if (sub !== 'fetch' && sub !== 'verify') {
      throw new UsageError(sub === undefined ? 'missing sub-command (fetch or verify)' : `unknown sub-command '${sub}' (fetch or verify)`);
    }
    const { values: mirrorArgs, rest } = sub === 'fetch' ? takeRepeated(args, 'mirror') : { values: [], rest: args };
    const parsed = parseArgs(rest, { 'data-dir': { value: true } });
    if (parsed.positionals.length > 0) throw new UsageError(`unexpected argument '${parsed.positionals[0]}'`);
    const dir = str(parsed, 'data-dir') ?? DEFAULT_MNIST_DIR;
    if (sub === 'verify') return verify(dir);
    return fetchMnist(dir, mirrorArgs.length > 0 ? mirrorArgs.map(checkMirror) : DEFAULT_MIRRORS);
  },
};
