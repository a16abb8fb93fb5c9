import type { DatasetName, NormalizeConfig, ProtocolConfig } from './types.ts';

// D2 normalises with each dataset's own training-set statistics (PROTOCOL.md "Data", and Part 2:
// "Fashion-MNIST uses its own training-set statistics for D2"). A protocol is written for one
// dataset; when only its dataset changes (`--dataset fashion-mnist`, a sweep cell over
// `dataset.name`), the statistics follow, so the new dataset is not normalised with MNIST's.

export const DATASET_NORMALIZE: Readonly<Record<DatasetName, NormalizeConfig>> = {
  mnist: { mean: 0.1307, std: 0.3081 },
  // The embedded subset is MNIST's own images: MNIST's statistics.
  'mnist-embedded': { mean: 0.1307, std: 0.3081 },
  'fashion-mnist': { mean: 0.286, std: 0.353 },
};

const same = (a: NormalizeConfig, b: NormalizeConfig) => a.mean === b.mean && a.std === b.std;

/**
 * `after` with the D2 statistics of its dataset when `before` used its own dataset's statistics
 * and the change kept them; a normalisation that was set on purpose (any other value) is kept.
 */
export function followDatasetNormalize(before: ProtocolConfig, after: ProtocolConfig): ProtocolConfig {
  const was = before.data.normalize;
  if (before.dataset.name === after.dataset.name || !same(was, DATASET_NORMALIZE[before.dataset.name]) || !same(after.data.normalize, was)) return after;
  return { ...after, data: { ...after.data, normalize: { ...DATASET_NORMALIZE[after.dataset.name] } } };
}
