import { describe, expect, it } from 'vitest';
import { compareMetrics, CROSS_BACKEND, IDENTICAL } from '../../src/experiment/compare-metrics.ts';

describe('compareMetrics', () => {
  const reported = { cleanAccuracy: 0.9, meanIoU: 0.25, zeroHeatmaps: 0, methods: { gradcam: { localisation: { softIoU: 0.5 }, deletionAuc: null } }, wallTimeS: 3 };

  it('passes identical numbers and ignores fields the evaluator does not return (wall time)', () => {
    const r = compareMetrics(reported, { cleanAccuracy: 0.9, meanIoU: 0.25, zeroHeatmaps: 0, methods: { gradcam: { localisation: { softIoU: 0.5 }, deletionAuc: null } } }, IDENTICAL);
    expect(r.differences).toEqual([]);
  });

  it('on the same backend, names the first field that differs at all, nested fields by dotted path', () => {
    const r = compareMetrics(reported, { cleanAccuracy: 0.9, meanIoU: 0.25, zeroHeatmaps: 0, methods: { gradcam: { localisation: { softIoU: 0.5000001 }, deletionAuc: null } } }, IDENTICAL);
    expect(r.differences).toEqual([{ metric: 'methods.gradcam.localisation.softIoU', reported: 0.5, recomputed: 0.5000001, tolerance: 0 }]);
  });

  it('across backends, allows 0.1 pp on accuracies and 1e-3 on other numbers', () => {
    // 0.9 -> 0.9009: 0.09 pp; 0.25 -> 0.2509: 9e-4.
    expect(compareMetrics(reported, { cleanAccuracy: 0.9009, meanIoU: 0.2509 }, CROSS_BACKEND).differences).toEqual([]);
    // 0.9 -> 0.902: 0.2 pp.
    expect(compareMetrics(reported, { cleanAccuracy: 0.902 }, CROSS_BACKEND).differences.map((d) => d.metric)).toEqual(['cleanAccuracy']);
    // 0.25 -> 0.2515: 1.5e-3.
    expect(compareMetrics(reported, { meanIoU: 0.2515 }, CROSS_BACKEND).differences[0]).toEqual({ metric: 'meanIoU', reported: 0.25, recomputed: 0.2515, tolerance: 1e-3 });
  });

  it('reports the largest deviation of those that matched, by kind', () => {
    const r = compareMetrics(reported, { cleanAccuracy: 0.9005, meanIoU: 0.2502 }, CROSS_BACKEND);
    expect(r.largest.accuracy).toBeCloseTo(0.0005, 12);
    expect(r.largest.other).toBeCloseTo(0.0002, 12);
  });

  it('treats a metric the report lacks, and NaN, as differences', () => {
    expect(compareMetrics(reported, { noisyAccuracy: 0.5 }, CROSS_BACKEND).differences).toEqual([{ metric: 'noisyAccuracy', reported: 'absent', recomputed: 0.5, tolerance: 0.001 }]);
    expect(compareMetrics(reported, { meanIoU: NaN }, CROSS_BACKEND).differences.map((d) => d.metric)).toEqual(['meanIoU']);
  });
});
