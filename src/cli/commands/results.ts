// `prunecam results`: the README's Results section, rendered from the signed reports.
import { readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { currentResults, renderResultsFromTemplate, spliceResults } from '../../render/results-template.ts';
import { flag, parseArgs, str, UsageError } from '../args.ts';
import type { Command } from './types.ts';

const USAGE = `usage: prunecam results [--check | --print] [--root DIR]

  Renders docs/results-template.md: its placeholders become the claim tables, correlations,
  method x metric tables, controls and single numbers of the signed reports the template names
  (each verified against its folder's public key first). Without a flag, writes the result
  into README.md between its "results:begin" and "results:end" markers.

  --check   exit 1 when README.md's results block differs from the rendering (what the spec checks)
  --print   print the rendering instead of writing README.md
  --root    the repository root (default: the current directory)`;

export const RESULTS: Command = {
  summary: "write (or check) the README's Results section from the committed reports",
  usage: USAGE,
  async run(argv) {
    const a = parseArgs(argv, { check: { value: false }, print: { value: false }, root: { value: true } });
    if (a.positionals.length) throw new UsageError(`unexpected argument '${a.positionals[0]}'`);
    if (flag(a, 'check') && flag(a, 'print')) throw new UsageError('--check and --print exclude each other');
    const root = resolve(str(a, 'root') ?? '.');
    const rendered = renderResultsFromTemplate(root);
    if (flag(a, 'print')) {
      console.log(rendered);
      return 0;
    }
    const readmePath = join(root, 'README.md');
    const readme = readFileSync(readmePath, 'utf8');
    if (flag(a, 'check')) {
      const same = currentResults(readme) === rendered.trim();
      console.log(same ? 'README.md results match the reports' : 'README.md results differ from the reports: run `npx prunecam results`');
      return same ? 0 : 1;
    }
    const next = spliceResults(readme, rendered);
    if (next !== readme) writeFileSync(readmePath, next);
    console.log(next === readme ? 'README.md results already up to date' : 'README.md results rewritten from the reports');
    return 0;
  },
};
