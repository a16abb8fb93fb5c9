import type { BaselineName } from '../results/types.ts';
import { centreBaseline } from './centre.ts';
import { inputBaseline } from './input.ts';
import type { Baseline } from './types.ts';
import { uniformBaseline } from './uniform.ts';

// The one list of model-free baselines, keyed by BASELINE_NAMES (src/results/types.ts); the
// Record type makes a missing entry a compile error. Adding one: a file here and a line below.
export const BASELINES: Readonly<Record<BaselineName, Baseline>> = {
  input: inputBaseline,
  centre: centreBaseline,
  uniform: uniformBaseline,
};
