import type { LevelMetrics } from '../results/types.ts';
import { writeFileAtomic } from '../store/atomic.ts';

const COLUMNS: Array<keyof LevelMetrics> = ['level', 'remainingWeights', 'density', 'cleanAccuracy', 'noisyAccuracy', 'meanIoU', 'heatmapMean', 'heatmapStd', 'zeroHeatmaps', 'finalTrainLoss', 'wallTimeS'];

/** The per-level CSV (one row per seed and level, sorted), rewritten whole as levels finish. */
export function writeLevelsCsv(path: string, rows: Array<{ seed: number; metrics: LevelMetrics }>, note: string): void {
  const sorted = [...rows].sort((a, b) => a.seed - b.seed || a.metrics.level - b.metrics.level);
  const lines = [`# ${note.replace(/\n/g, ' ')}`, ['seed', ...COLUMNS].join(',')];
  for (const r of sorted) lines.push([r.seed, ...COLUMNS.map((c) => String(r.metrics[c]))].join(','));
  writeFileAtomic(path, `${lines.join('\n')}\n`);
}
