import type { SeedResult } from '../results/types.ts';
import { mean, summarise, type SeedSummary } from '../statistics/summary.ts';
import { SOURCE_METRICS, metricOf, scoresOf, sourcesOf, type SourceMetric } from './sources.ts';

// Each explainer against the RandomCAM null (PROTOCOL.md Part 2): per seed, the difference
// method − RandomCAM of a metric, averaged over the levels where both were scored, then the mean
// of those per-seed differences with its 95% t-interval over seeds (the seeds are the sample;
// the pairing removes what a seed's network shares between the two). For deletion AUC lower is
// better, so a faithful method has a negative difference.

export const NULL_METHOD = 'randomcam';

export interface PairedDifference {
  method: string;
  metric: SourceMetric;
  /** Per seed: mean over levels of (method − RandomCAM), null when no level has both. */
  perSeed: Array<{ seed: number; d: number | null }>;
  /** Over the seeds with a difference; null when none has one. */
  summary: SeedSummary | null;
}

/** Every explainer but RandomCAM, on every metric; empty when the report has no RandomCAM scores. */
export function pairedDifferences(seeds: readonly SeedResult[], metrics: readonly SourceMetric[] = SOURCE_METRICS): PairedDifference[] {
  const sources = sourcesOf(seeds).filter((s) => s.kind === 'explainer');
  const nul = sources.find((s) => s.name === NULL_METHOD);
  if (!nul) return [];
  const sorted = [...seeds].sort((a, b) => a.seed - b.seed);
  const out: PairedDifference[] = [];
  for (const source of sources.filter((s) => s.name !== NULL_METHOD)) {
    for (const metric of metrics) {
      const perSeed = sorted.map((s) => {
        const ds = s.levels
          .map((m) => {
            const a = metricOf(scoresOf(m, source), metric);
            const b = metricOf(scoresOf(m, nul), metric);
            return a === null || b === null ? null : a - b;
          })
          .filter((v): v is number => v !== null);
        return { seed: s.seed, d: ds.length ? mean(ds) : null };
      });
      const ds = perSeed.map((x) => x.d).filter((v): v is number => v !== null);
      out.push({ method: source.name, metric, perSeed, summary: ds.length ? summarise(ds) : null });
    }
  }
  return out;
}
