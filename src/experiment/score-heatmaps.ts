import { PIXELS } from '../data/sources.ts';
import { heatmapSummary } from '../metrics/iou.ts';
import { scoreLocalisation } from '../metrics/localisation/index.ts';
import type { DeletionResult } from '../metrics/deletion.ts';
import type { MetricsConfig } from '../protocol/types.ts';
import type { HeatmapScores } from '../results/types.ts';

// One heatmap source's scores at one level (an explainer's or a baseline's): the localisation
// means, the heatmap statistics and the deletion AUC. Images whose heatmap is not finite are
// left out of every mean and counted (PROTOCOL.md Part 2), so the statistics are taken over the
// finite heatmaps only.

/** The finite heatmaps of a batch, compacted (the batch itself when all are finite). */
function finiteOnly(heatmaps: Float32Array, n: number, nonFinite: ReadonlySet<number>): Float32Array {
  if (nonFinite.size === 0) return heatmaps;
  const out = new Float32Array((n - nonFinite.size) * PIXELS);
  let at = 0;
  for (let i = 0; i < n; i++) {
    if (nonFinite.has(i)) continue;
    out.set(heatmaps.subarray(i * PIXELS, (i + 1) * PIXELS), at * PIXELS);
    at++;
  }
  return out;
}

/** Mean soft IoU over the finite heatmaps that are not all zero; null when there is none. */
export function meanNonZeroSoftIoU(heatmaps: Float32Array, perImage: Float64Array, n: number, skip: ReadonlySet<number>): number | null {
  let sum = 0;
  let count = 0;
  for (let img = 0; img < n; img++) {
    if (skip.has(img)) continue;
    let zero = true;
    for (let i = img * PIXELS; i < (img + 1) * PIXELS; i++) {
      if (heatmaps[i] !== 0) {
        zero = false;
        break;
      }
    }
    if (zero || !Number.isFinite(perImage[img])) continue;
    sum += perImage[img];
    count++;
  }
  return count === 0 ? null : sum / count;
}

export function scoreHeatmaps(
  heatmaps: Float32Array,
  cleanImages: Float32Array,
  n: number,
  nonFinite: readonly number[],
  metrics: Pick<MetricsConfig, 'maskThreshold' | 'topK'>,
  deletion: DeletionResult | null,
): HeatmapScores {
  const skip = new Set(nonFinite);
  const loc = scoreLocalisation(heatmaps, cleanImages, n, metrics, skip);
  const finite = finiteOnly(heatmaps, n, skip);
  const summary = finite.length > 0 ? heatmapSummary(finite, PIXELS) : { mean: null, std: null, zeroHeatmaps: 0 };
  // Each image's soft IoU as scoreLocalisation computed it (the same function, so the same values).
  const softIoUNonZero = meanNonZeroSoftIoU(heatmaps, loc.softIoU, n, skip);
  const localisation = Object.fromEntries(Object.entries(loc.means).map(([k, v]) => [k, Number.isNaN(v) ? null : v])) as HeatmapScores['localisation'];
  return {
    localisation,
    softIoUNonZero,
    deletionAuc: deletion?.meanAuc ?? null,
    deletionExcluded: deletion ? deletion.zeroHeatmaps + deletion.nonFiniteHeatmaps : 0,
    heatmapMean: summary.mean,
    heatmapStd: summary.std,
    zeroHeatmaps: summary.zeroHeatmaps,
    nonFiniteHeatmaps: skip.size,
  };
}

/** The levels at which the randomisation control runs: the protocol's list, or every fifth level. */
export function randomisationLevels(levels: number, chosen: number[] | null): number[] {
  if (chosen) return [...chosen].sort((a, b) => a - b);
  return Array.from({ length: Math.ceil(levels / 5) }, (_, i) => i * 5);
}
