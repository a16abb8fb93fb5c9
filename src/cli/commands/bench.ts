// `prunecam bench`: training and Grad-CAM++ throughput on this machine, on the workload of
// /work/shared/bench/torch_reference_bench.py (see src/backend/bench-workload.ts), and the wall
// time of one real pruning level (src/backend/bench-level.ts), the workload of
// torch_reference_level.py.
import { UsageError, flag, int, parseArgs, str } from '../args.ts';
import { backendInfo, parseBackendChoice, selectBackend, type BackendChoice } from '../../backend/select.ts';
import { BENCH_DEFAULTS, runBench, type BenchResult } from '../../backend/bench-workload.ts';
import { levelBenchData, runLevelBench, type LevelBenchResult } from '../../backend/bench-level.ts';
import { resolveProtocol } from '../../protocol/resolve.ts';
import type { Command } from './types.ts';

const USAGE = `usage: prunecam bench [--json] [--backend auto|tensorflow|wasm|cpu] [--images N]
                     [--skip-level | --level-only] [--protocol NAME|FILE] [--data-dir DIR]

  Kernels: trains the thesis CNN (batch ${BENCH_DEFAULTS.batch}, SGD lr 0.01, momentum 0.9, weight decay 1e-4)
  on synthetic 28x28 images for ${BENCH_DEFAULTS.warmupSteps} warm-up steps, then times one pass over N images;
  then times Grad-CAM++ over the same N images in batches of ${BENCH_DEFAULTS.explainBatch} (forward,
  gradient, CAM, resize, both min-max normalisations) after ${BENCH_DEFAULTS.explainWarmupPasses} untimed pass (V8
  optimises the WebAssembly kernels only after they have run a while; a run's later levels
  see that speed). The same workload as torch_reference_bench.py, so the numbers compare
  with PyTorch's on the same core.

  Level: one pruning level of the protocol through the code of \`prunecam run\`: retraining
  (10 epochs on 60,000 MNIST images for the thesis protocol), clean accuracy, Grad-CAM++ of the
  noisy test set, the scores. The same work as torch_reference_level.py. Without the MNIST
  files it runs on the embedded subset and says so (dataset, subset).

  --json         print one line: {"backend":…,"train_images_per_s":…,"gradcampp_images_per_s":…,
                 "dataset":…,"subset":…,"level_s":…,"train_s":…,"eval_s":…,"explain_s":…,
                 "metrics_s":…,"level_part2_s":…,"setup_s":…} (kernel or level keys left out
                 with --level-only / --skip-level; level_part2_s: what Part 2 adds, null when the protocol has none)
  --backend B    tfjs backend (default auto: tensorflow if tfjs-node loads, else wasm, else cpu)
  --images N     images per timed kernel pass (default ${BENCH_DEFAULTS.images})
  --skip-level   kernels only (quick)
  --level-only   the level only
  --protocol P   protocol of the level (default thesis; smoke is a seconds-long one)
  --data-dir D   MNIST folder (default data/mnist)`;

function backendOption(value: string): BackendChoice {
  try {
    return parseBackendChoice(value);
  } catch (e) {
    throw new UsageError(`--backend: ${(e as Error).message}`);
  }
}

const seconds = (s: number) => Math.round(s * 100) / 100;

export const BENCH: Command = {
  summary: 'measure training and Grad-CAM++ throughput (images/s) and the wall time of one pruning level',
  usage: USAGE,
  async run(argv) {
    const args = parseArgs(argv, {
      json: { value: false },
      backend: { value: true },
      images: { value: true },
      'skip-level': { value: false },
      'level-only': { value: false },
      protocol: { value: true },
      'data-dir': { value: true },
    });
    if (args.positionals.length > 0) throw new UsageError(`unexpected argument '${args.positionals[0]}'`);
    const choice = backendOption(str(args, 'backend') ?? 'auto');
    const images = int(args, 'images') ?? BENCH_DEFAULTS.images;
    const skipLevel = flag(args, 'skip-level');
    const levelOnly = flag(args, 'level-only');
    if (skipLevel && levelOnly) throw new UsageError('--skip-level and --level-only exclude each other');
    let protocol;
    try {
      protocol = resolveProtocol(str(args, 'protocol') ?? 'thesis');
    } catch (e) {
      throw new UsageError(`--protocol: ${(e as Error).message}`);
    }
    await selectBackend(choice);
    const info = await backendInfo();
    const r: BenchResult | null = levelOnly ? null : await runBench({ ...BENCH_DEFAULTS, images });
    let level: LevelBenchResult | null = null;
    if (!skipLevel) {
      const { config, dataset } = levelBenchData(protocol, str(args, 'data-dir'));
      level = runLevelBench(config, dataset);
    }
    const train = r && Math.round(r.trainImagesPerS);
    const cams = r && Math.round(r.gradcamppImagesPerS);
    if (flag(args, 'json')) {
      const out: Record<string, unknown> = { backend: info.backend };
      if (r) Object.assign(out, { train_images_per_s: train, gradcampp_images_per_s: cams });
      if (level) {
        Object.assign(out, {
          dataset: level.dataset,
          subset: level.subset,
          level_s: seconds(level.levelS),
          train_s: seconds(level.trainS),
          eval_s: seconds(level.evalS),
          explain_s: seconds(level.explainS),
          metrics_s: seconds(level.metricsS),
          level_part2_s: level.part2S === null ? null : seconds(level.part2S),
          setup_s: seconds(level.setupS),
        });
      }
      console.log(JSON.stringify(out));
    } else {
      const rows: Array<[string, string]> = [['backend', `${info.backend} (${info.version})`]];
      if (r) {
        rows.push(
          ['images per pass', String(images)],
          ['training', `${train} images/s (batch ${BENCH_DEFAULTS.batch}; last loss ${r.lastLoss.toFixed(4)})`],
          ['Grad-CAM++', `${cams} images/s (batch ${BENCH_DEFAULTS.explainBatch})`],
        );
      }
      if (level) {
        const s = (v: number) => `${v.toFixed(2)} s`;
        rows.push(
          ['level data', `${level.dataset}${level.subset ? ' (SUBSET)' : ''}: ${level.trainImages} train / ${level.testImages} test, ${level.epochs} epochs`],
          ['level', `${s(level.levelS)} = train ${s(level.trainS)} + eval ${s(level.evalS)} + explain ${s(level.explainS)} + metrics ${s(level.metricsS)}`],
          ['level part 2', level.part2S === null ? 'none in this protocol' : s(level.part2S)],
          ['seed set-up', `${s(level.setupS)} (once per seed, not in the level)`],
          ['level results', `clean ${level.evaluation.cleanAccuracy.toFixed(4)}, noisy ${level.evaluation.noisyAccuracy.toFixed(4)}, IoU ${level.evaluation.meanIoU.toFixed(4)}, final loss ${level.finalTrainLoss.toFixed(4)}`],
        );
      }
      const width = Math.max(...rows.map(([k]) => k.length));
      console.log(rows.map(([k, v]) => `${k.padEnd(width)}  ${v}`).join('\n'));
    }
    return 0;
  },
};
