import { parseBackendChoice, selectBackend } from '../../backend/select.ts';
import { driftTable, sameVersions } from '../../regress/golden.ts';
import { regress } from '../../regress/regress.ts';
import { flag, parseArgs, str, UsageError } from '../args.ts';
import type { Command } from './types.ts';

const USAGE = `usage: prunecam regress [--backend auto|tensorflow|wasm|cpu] [--update] [--golden-dir DIR]

  Runs the reference fixtures (forward, train-steps, gradcampp) and a short deterministic
  protocol (mnist-embedded, 800 images, 100 pretraining steps, two levels) and compares them
  with golden/regress-<backend>.json. With the tfjs and backend versions the golden records,
  every number must be identical. With other versions the fixtures must stay within their
  reference tolerances and the first 100 training losses within 1e-4 relative; the short
  run's end metrics are printed as drift without failing. Exit 1 on a failure.

  --update         rewrite the golden with this machine's numbers and versions (after an
                   upgrade whose drift you have reviewed; see docs/upgrading.md)
  --golden-dir DIR where the goldens are (default: the repository's golden/)`;

export const REGRESS: Command = {
  summary: 'check numerics against the committed golden (after a tfjs or driver upgrade)',
  usage: USAGE,
  async run(argv) {
    const a = parseArgs(argv, { backend: { value: true }, update: { value: false }, 'golden-dir': { value: true } });
    if (a.positionals.length) throw new UsageError(`unexpected argument '${a.positionals[0]}'`);
    await selectBackend(parseBackendChoice(str(a, 'backend') ?? 'auto'));
    const t0 = performance.now();
    const r = await regress({ update: flag(a, 'update'), dir: str(a, 'golden-dir') });
    const v = r.measured.versions;
    const took = `${((performance.now() - t0) / 1000).toFixed(1)} s`;
    console.log(`regress on ${v.backend} (${v.backendVersion}, ${v.trainingPath} training path), ${took}`);
    if (r.kind === 'updated') {
      console.log(`wrote ${r.path}: ${r.measured.fixtures.length} fixtures, ${r.measured.losses.length} losses, ${Object.keys(r.measured.endMetrics).length} end metrics`);
      const bad = r.measured.fixtures.find((f) => f.violation);
      if (bad) {
        console.error(`FAILED: fixture ${bad.file} is outside its reference tolerance (${bad.violation}); the golden was written but this backend is wrong`);
        return 1;
      }
      return 0;
    }
    console.log(r.exact ? `same versions as ${r.path}: every number must be identical` : `versions differ from ${r.path}: fixtures within tolerance, losses within 1e-4 relative, end metrics reported as drift`);
    console.log(driftTable(r.rows));
    const failed = r.rows.filter((row) => row.status === 'FAIL');
    if (failed.length) {
      console.error(`FAILED: ${failed.length} check(s), first: ${failed[0].check}: golden ${failed[0].golden}, now ${failed[0].now}`);
      return 1;
    }
    console.log('OK: no regression');
    return 0;
  },
};
