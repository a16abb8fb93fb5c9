// The localisation metrics of PROTOCOL.md Part 2, keyed by the result names
// (LOCALISATION_METRIC_NAMES), so the scorer and the report iterate one list.
import type { LocalisationMetricName } from '../../results/types.ts';
import { auc } from './auc.ts';
import { pointingGame } from './pointing-game.ts';
import { relevanceMass } from './relevance-mass.ts';
import { relevanceRank } from './relevance-rank.ts';
import type { LocalisationMetric } from './shared.ts';
import { softIoU } from './soft-iou.ts';
import { topKIntersection } from './top-k-intersection.ts';

export const LOCALISATION_METRICS: Record<LocalisationMetricName, LocalisationMetric> = {
  softIoU,
  pointingGame,
  relevanceMass,
  relevanceRank,
  topKIntersection,
  auc,
};
