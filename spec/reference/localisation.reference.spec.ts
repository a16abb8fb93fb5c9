import { afterAll, describe, expect, it } from 'vitest';
import { LOCALISATION_METRICS } from '../../src/metrics/localisation/index.ts';
import type { TorchTensorJson } from '../../src/model/layout.ts';
import { LOCALISATION_METRIC_NAMES, type LocalisationMetricName } from '../../src/results/types.ts';
import { expectClose, fixturesOfKind } from '../support/fixtures.ts';

// Every `localisation` fixture (Quantus 0.6.0 PointingGame, RelevanceMassAccuracy,
// RelevanceRankAccuracy, TopKIntersection, AUC; numpy soft IoU): each metric's per-image scores.
const fixtures = fixturesOfKind('localisation');

/** FORMAT.md's key of each metric in `want`. */
const WANT_KEY: Record<LocalisationMetricName, string> = {
  softIoU: 'soft_iou',
  pointingGame: 'pointing_game',
  relevanceMass: 'relevance_mass_accuracy',
  relevanceRank: 'relevance_rank_accuracy',
  topKIntersection: 'top_k_intersection',
  auc: 'auc',
};

const worst = Object.fromEntries(LOCALISATION_METRIC_NAMES.map((m) => [m, 0])) as Record<LocalisationMetricName, number>;

describe('localisation fixtures (Quantus 0.6.0 reference)', () => {
  afterAll(() => {
    console.log(`localisation fixtures: largest |deviation| ${LOCALISATION_METRIC_NAMES.map((m) => `${m} ${worst[m].toExponential(2)}`).join(', ')}`);
  });
  it('has at least one fixture', () => expect(fixtures.length).toBeGreaterThan(0));
  for (const fx of fixtures) {
    it(fx.file, () => {
      const heatmaps = fx.heatmaps as TorchTensorJson;
      const images = fx.images as TorchTensorJson;
      const n = heatmaps.shape[0];
      expect(heatmaps.shape).toEqual([n, 28, 28]);
      expect(images.shape).toEqual([n, 28, 28]);
      const options = { maskThreshold: fx.mask_threshold as number, topK: fx.top_k as number };
      const want = fx.want as Record<string, number[]>;
      for (const name of LOCALISATION_METRIC_NAMES) {
        const got = LOCALISATION_METRICS[name](Float32Array.from(heatmaps.data), Float32Array.from(images.data), n, options);
        worst[name] = Math.max(worst[name], expectClose(got, want[WANT_KEY[name]], fx.tolerance, name));
      }
    });
  }
});
