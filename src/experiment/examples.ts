import { existsSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { ProtocolConfig } from '../protocol/types.ts';

// Which seeds and levels get a Grad-CAM++ example PNG: the protocol's first 3 seeds (in
// config.seeds order) and, on runs of more than 6 levels, levels 0, 5, 10, … and the last one;
// every level otherwise. One PNG per seed and level (540 for 20 seeds x 27 levels) would not fit
// a published report folder. A presentation rule, not a protocol field: it changes neither the
// run id nor any metric. The every-method grids (methodsExampleFile) keep their own rule.

/** How many of the protocol's seeds (the first ones) get example PNGs. */
export const EXAMPLE_SEEDS = 3;
/** Above this many levels, only every EXAMPLE_LEVEL_STEP-th level and the last get example PNGs. */
export const ALL_EXAMPLE_LEVELS_UP_TO = 6;
export const EXAMPLE_LEVEL_STEP = 5;

type Selection = Pick<ProtocolConfig, 'seeds' | 'pruning'>;

/** Example heatmaps of a seed and level, relative to the run folder. */
export function exampleFile(seed: number, level: number): string {
  return `examples/seed-${seed}-level-${String(level).padStart(2, '0')}.png`;
}

const EXAMPLE_NAME = /^seed-(\d+)-level-(\d+)\.png$/;

/** True when the evaluator writes (and the report shows) an example PNG for this seed and level. */
export function hasExample(config: Selection, seed: number, level: number): boolean {
  if (!config.seeds.slice(0, EXAMPLE_SEEDS).includes(seed)) return false;
  const levels = config.pruning.levels;
  return levels <= ALL_EXAMPLE_LEVELS_UP_TO || level % EXAMPLE_LEVEL_STEP === 0 || level === levels - 1;
}

/** The selection in words, for progress lines and notes. */
export function describeExamples(config: Selection): string {
  const seeds = config.seeds.slice(0, EXAMPLE_SEEDS).join(', ');
  return config.pruning.levels <= ALL_EXAMPLE_LEVELS_UP_TO ? `seeds ${seeds}, every level` : `seeds ${seeds}, levels 0, ${EXAMPLE_LEVEL_STEP}, ${2 * EXAMPLE_LEVEL_STEP}, … and ${config.pruning.levels - 1}`;
}

/** The selected example PNGs that exist in the run folder, seed by seed in protocol order, levels ascending. */
export function existingExamples(runDir: string, config: Selection): string[] {
  return config.seeds
    .flatMap((seed) => Array.from({ length: config.pruning.levels }, (_, level) => ({ seed, level })))
    .filter(({ seed, level }) => hasExample(config, seed, level))
    .map(({ seed, level }) => exampleFile(seed, level))
    .filter((f) => existsSync(join(runDir, f)));
}

/**
 * Deletes the example PNGs (seed-<s>-level-XX.png) outside the selection, e.g. every level's of
 * a run begun by an earlier version, so the signed folder holds what the report lists. Returns
 * how many it deleted; the every-method grids are not touched.
 */
export function removeUnselectedExamples(runDir: string, config: Selection): number {
  const dir = join(runDir, 'examples');
  if (!existsSync(dir)) return 0;
  let removed = 0;
  for (const name of readdirSync(dir)) {
    const m = EXAMPLE_NAME.exec(name);
    if (!m || hasExample(config, Number(m[1]), Number(m[2]))) continue;
    rmSync(join(dir, name));
    removed++;
  }
  return removed;
}
