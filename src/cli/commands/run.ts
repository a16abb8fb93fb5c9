import { int, parseArgs, str, UsageError } from '../args.ts';
import type { BackendChoice } from '../../backend/select.ts';
import type { DatasetName } from '../../protocol/types.ts';
import { runExperiment } from '../../experiment/run.ts';
import type { Command } from './types.ts';
import { parseSeedList } from '../../protocol/seed-list.ts';

const BACKENDS = ['auto', 'tensorflow', 'wasm', 'cpu'];
const DATASETS = ['mnist', 'mnist-embedded', 'fashion-mnist'];

const USAGE = `usage: prunecam run [--protocol thesis|smoke|FILE] [--seeds 333-352|333,334,335]
                    [--dataset mnist|mnist-embedded|fashion-mnist] [--data-dir DIR]
                    [--backend auto|tensorflow|wasm|cpu] [--jobs N] [--out reports/runs] [--key PEM]

Runs (or resumes) the experiment into OUT/<run id>/: gzipped checkpoints per level, levels.csv,
figures, example heatmaps (first 3 seeds, selected levels), the signed report.json and report.html. Re-running the same
configuration skips finished levels. The run id does not depend on the seeds: running again
with more seeds (e.g. --seeds 333-352 after 333-335) computes only the new ones. Without MNIST files in data/mnist it falls back to the
embedded 10,000-image subset (say --dataset mnist to refuse the fallback).`;

/** --seeds: numbers and inclusive ranges, e.g. 333-352 or 333,335,340-345. */
export function parseSeeds(v: string): number[] {
  try {
    return parseSeedList(v);
  } catch (e) {
    throw new UsageError(`--seeds must list seeds and ranges like 333-352 or 333,335,340-345: ${(e as Error).message}`);
  }
}

export const RUN: Command = {
  summary: 'run or resume the experiment (default: the thesis protocol on data/mnist)',
  usage: USAGE,
  async run(argv) {
    const a = parseArgs(argv, {
      protocol: { value: true },
      seeds: { value: true },
      dataset: { value: true },
      'data-dir': { value: true },
      backend: { value: true },
      jobs: { value: true },
      out: { value: true },
      key: { value: true },
    });
    if (a.positionals.length) throw new UsageError(`unexpected argument '${a.positionals[0]}'`);
    const backend = str(a, 'backend') ?? 'auto';
    if (!BACKENDS.includes(backend)) throw new UsageError(`--backend must be one of ${BACKENDS.join(', ')}, got '${backend}'`);
    const dataset = str(a, 'dataset');
    if (dataset !== undefined && !DATASETS.includes(dataset)) throw new UsageError(`--dataset must be one of ${DATASETS.join(', ')}, got '${dataset}'`);
    const seeds = str(a, 'seeds');
    const outcome = await runExperiment({
      protocol: str(a, 'protocol') ?? 'thesis',
      seeds: seeds === undefined ? undefined : parseSeeds(seeds),
      dataset: dataset as DatasetName | undefined,
      dataDir: str(a, 'data-dir'),
      backend: backend as BackendChoice,
      jobs: int(a, 'jobs'),
      out: str(a, 'out') ?? 'reports/runs',
      key: str(a, 'key'),
    });
    const c = outcome.predicate.correlation;
    console.log(`\nrun ${outcome.runId} finished: ${outcome.runDir}`);
    if (c) console.log(`Pearson r(accuracy, IoU) = ${c.pearson.r.toFixed(4)} (p = ${c.pearson.p.toExponential(2)}, df ${c.pearson.df}); Spearman ρ = ${c.spearman.rho.toFixed(4)}; Kendall τ = ${c.kendall.tau.toFixed(4)}`);
    console.log(`report ${outcome.reportPath} (${outcome.verified ? 'verified' : 'VERIFICATION FAILED'})\nhtml   ${outcome.htmlPath}`);
    return outcome.verified ? 0 : 1;
  },
};
