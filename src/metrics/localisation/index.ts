// The localisation metrics' public surface: the registry, the scorer and the shared types.
export { LOCALISATION_METRICS } from './registry.ts';
export { scoreLocalisation, type LocalisationScores } from './score.ts';
export type { LocalisationMetric, LocalisationOptions } from './shared.ts';
