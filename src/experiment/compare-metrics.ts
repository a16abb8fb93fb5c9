// Comparing a level's recomputed evaluation with the numbers a report holds. Whatever the
// evaluator returns is compared, field by field and through nested objects (every explainer's
// and baseline's scores), so a metric added to the evaluator is covered without changes here.

export interface Tolerances {
  /** Largest allowed |difference| of an accuracy (a fraction: 0.001 is 0.1 percentage points). */
  accuracy: number;
  /** Largest allowed |difference| of every other number (metric means, counts, statistics). */
  other: number;
}

/** On the backend (and versions) that wrote the report: every number must be identical. */
export const IDENTICAL: Tolerances = { accuracy: 0, other: 0 };
/** On another backend or version: float results differ in their last bits, and it shows. */
export const CROSS_BACKEND: Tolerances = { accuracy: 0.001, other: 1e-3 };

export interface MetricDifference {
  /** Dotted path of the field, e.g. "meanIoU" or "methods.gradcam.localisation.softIoU". */
  metric: string;
  reported: unknown;
  recomputed: unknown;
  tolerance: number;
}

export interface Comparison {
  /** Every field outside its tolerance, in the evaluator's field order. */
  differences: MetricDifference[];
  /** The largest |difference| seen among the numbers that matched, by kind. */
  largest: { accuracy: number; other: number };
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Compares every leaf of `recomputed` with the same path in `reported` (null counts as a value). */
export function compareMetrics(reported: unknown, recomputed: unknown, tol: Tolerances): Comparison {
  const out: Comparison = { differences: [], largest: { accuracy: 0, other: 0 } };
  walk(reported, recomputed, '', tol, out);
  return out;
}

function walk(reported: unknown, recomputed: unknown, path: string, tol: Tolerances, out: Comparison): void {
  if (isObject(recomputed) || Array.isArray(recomputed)) {
    if (Array.isArray(recomputed) !== Array.isArray(reported) || !(isObject(reported) || Array.isArray(reported))) {
      out.differences.push({ metric: path || '(top level)', reported: reported ?? 'absent', recomputed: '(object)', tolerance: 0 });
      return;
    }
    for (const [k, v] of Object.entries(recomputed)) walk((reported as Record<string, unknown>)[k], v, path ? `${path}.${k}` : k, tol, out);
    return;
  }
  const isAccuracy = /accuracy$/i.test(path);
  const tolerance = isAccuracy ? tol.accuracy : tol.other;
  if (typeof recomputed === 'number' && typeof reported === 'number') {
    const d = Math.abs(recomputed - reported);
    // NaN/Infinity never appear in a report (JSON cannot carry them); treat them as a difference.
    if (d <= tolerance) {
      const kind = isAccuracy ? 'accuracy' : 'other';
      out.largest[kind] = Math.max(out.largest[kind], d);
      return;
    }
  } else if (recomputed === reported) {
    return;
  }
  out.differences.push({ metric: path, reported: reported === undefined ? 'absent' : reported, recomputed, tolerance });
}
