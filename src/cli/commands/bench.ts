// `prunecam bench`: training and Grad-CAM++ throughput on this machine, on the workload of
// /work/shared/bench/torch_reference_bench.py (see src/backend/bench-workload.ts).
import { UsageError, flag, int, parseArgs, str } from '../args.ts';
import { backendInfo, parseBackendChoice, selectBackend, type BackendChoice } from '../../backend/select.ts';
import { BENCH_DEFAULTS, runBench } from '../../backend/bench-workload.ts';
import type { Command } from './types.ts';

const USAGE = `usage: prunecam bench [--json] [--backend auto|tensorflow|wasm|cpu] [--images N]

  Trains the thesis CNN (batch ${BENCH_DEFAULTS.batch}, SGD lr 0.01, momentum 0.9, weight decay 1e-4) on
  synthetic 28x28 images for ${BENCH_DEFAULTS.warmupSteps} warm-up steps, then times one pass over N images;
  then times Grad-CAM++ over the same N images in batches of ${BENCH_DEFAULTS.explainBatch} (forward,
  gradient, CAM, resize, both min-max normalisations). The same workload as
  torch_reference_bench.py, so the numbers compare with PyTorch's on the same core.

  --json         print one line: {"backend":…,"train_images_per_s":…,"gradcampp_images_per_s":…}
  --backend B    tfjs backend (default auto: tensorflow if tfjs-node loads, else wasm, else cpu)
  --images N     images per timed pass (default ${BENCH_DEFAULTS.images})`;

function backendOption(value: string): BackendChoice {
  try {
    return parseBackendChoice(value);
  } catch (e) {
    throw new UsageError(`--backend: ${(e as Error).message}`);
  }
}

export const BENCH: Command = {
  summary: 'measure training and Grad-CAM++ throughput (images/s)',
  usage: USAGE,
  async run(argv) {
    const args = parseArgs(argv, { json: { value: false }, backend: { value: true }, images: { value: true } });
    if (args.positionals.length > 0) throw new UsageError(`unexpected argument '${args.positionals[0]}'`);
    const choice = backendOption(str(args, 'backend') ?? 'auto');
    const images = int(args, 'images') ?? BENCH_DEFAULTS.images;
    await selectBackend(choice);
    const info = await backendInfo();
    const r = await runBench({ ...BENCH_DEFAULTS, images });
    const train = Math.round(r.trainImagesPerS);
    const cams = Math.round(r.gradcamppImagesPerS);
    if (flag(args, 'json')) {
      console.log(JSON.stringify({ backend: info.backend, train_images_per_s: train, gradcampp_images_per_s: cams }));
    } else {
      const rows: Array<[string, string]> = [
        ['backend', `${info.backend} (${info.version})`],
        ['images per pass', String(images)],
        ['training', `${train} images/s (batch ${BENCH_DEFAULTS.batch}; last loss ${r.lastLoss.toFixed(4)})`],
        ['Grad-CAM++', `${cams} images/s (batch ${BENCH_DEFAULTS.explainBatch})`],
      ];
      const width = Math.max(...rows.map(([k]) => k.length));
      console.log(rows.map(([k, v]) => `${k.padEnd(width)}  ${v}`).join('\n'));
    }
    return 0;
  },
};
