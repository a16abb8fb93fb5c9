import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Ajv, type ErrorObject } from 'ajv';

// The thesis claims an audit checks, as data (golden/thesis-claims.json): what the thesis
// printed, how to measure it from a report predicate, and the tolerance with its rationale.

export type LevelMetric = 'cleanAccuracy' | 'noisyAccuracy' | 'meanIoU' | 'heatmapStd' | 'heatmapMean';
export type CorrelationStatistic = 'pearson.r' | 'pearson.p' | 'spearman.rho' | 'spearman.p' | 'kendall.tau' | 'kendall.p';

export type Measure =
  /** aggregate[level][metric].mean */
  | { kind: 'levelMean'; metric: LevelMetric; level: number }
  /** aggregate[level].density */
  | { kind: 'levelDensity'; level: number }
  /** max over levels 0..levels-1 of aggregate[l][metric].mean */
  | { kind: 'peakLevelMean'; metric: LevelMetric; levels: number }
  /** aggregate[to][metric].mean - aggregate[from][metric].mean */
  | { kind: 'levelMeanChange'; metric: LevelMetric; from: number; to: number }
  /** a statistic of predicate.correlation, which must be over n levels */
  | { kind: 'correlation'; statistic: CorrelationStatistic; n: number };

export type Criterion =
  /** |measured - thesis| <= tolerance */
  | { kind: 'within'; tolerance: number }
  /** measured >= min */
  | { kind: 'atLeast'; min: number }
  /** measured < max */
  | { kind: 'below'; max: number }
  /** measured and thesis print the same after scaling (e.g. percent) and rounding to `decimals` */
  | { kind: 'roundsTo'; scale: number; decimals: number };

/** How values print: percent (98.17%), pp (a difference of fractions, in percentage points), plain, pvalue. */
export type Unit = 'percent' | 'pp' | 'plain' | 'pvalue';

export interface Claim {
  id: string;
  claim: string;
  thesisText: string;
  thesis: number;
  unit: Unit;
  measure: Measure;
  criterion: Criterion;
  rationale: string;
}

export interface ClaimsFile {
  $comment?: string;
  source: string;
  applicability: {
    /** The built-in protocol the thesis ran. */
    protocol: string;
    /** Protocol fields (JSON pointers) a replication may change and still be audited. */
    mayDiffer: Array<{ path: string; why: string }>;
    dataset: { name: string; subset: boolean; trainImages: number; testImages: number; why: string };
    thesisSeeds: number;
  };
  claims: Claim[];
}

const levelMetric = { enum: ['cleanAccuracy', 'noisyAccuracy', 'meanIoU', 'heatmapStd', 'heatmapMean'] };
const level = { type: 'integer', minimum: 0 };
const closed = (required: string[], properties: Record<string, unknown>) => ({ type: 'object', additionalProperties: false, required, properties });
const text = { type: 'string', minLength: 1 };

export const CLAIMS_SCHEMA = closed(['source', 'applicability', 'claims'], {
  $comment: { type: 'string' },
  source: text,
  applicability: closed(['protocol', 'mayDiffer', 'dataset', 'thesisSeeds'], {
    protocol: text,
    mayDiffer: { type: 'array', items: closed(['path', 'why'], { path: { type: 'string', pattern: '^(/[^/]+)+$' }, why: text }) },
    dataset: closed(['name', 'subset', 'trainImages', 'testImages', 'why'], {
      name: text,
      subset: { type: 'boolean' },
      trainImages: level,
      testImages: level,
      why: text,
    }),
    thesisSeeds: { type: 'integer', minimum: 1 },
  }),
  claims: {
    type: 'array',
    minItems: 1,
    items: closed(['id', 'claim', 'thesisText', 'thesis', 'unit', 'measure', 'criterion', 'rationale'], {
      id: { type: 'string', pattern: '^[a-z0-9-]+$' },
      claim: text,
      thesisText: text,
      thesis: { type: 'number' },
      unit: { enum: ['percent', 'pp', 'plain', 'pvalue'] },
      measure: {
        oneOf: [
          closed(['kind', 'metric', 'level'], { kind: { const: 'levelMean' }, metric: levelMetric, level }),
          closed(['kind', 'level'], { kind: { const: 'levelDensity' }, level }),
          closed(['kind', 'metric', 'levels'], { kind: { const: 'peakLevelMean' }, metric: levelMetric, levels: { type: 'integer', minimum: 1 } }),
          closed(['kind', 'metric', 'from', 'to'], { kind: { const: 'levelMeanChange' }, metric: levelMetric, from: level, to: level }),
          closed(['kind', 'statistic', 'n'], {
            kind: { const: 'correlation' },
            statistic: { enum: ['pearson.r', 'pearson.p', 'spearman.rho', 'spearman.p', 'kendall.tau', 'kendall.p'] },
            n: { type: 'integer', minimum: 3 },
          }),
        ],
      },
      criterion: {
        oneOf: [
          closed(['kind', 'tolerance'], { kind: { const: 'within' }, tolerance: { type: 'number', minimum: 0 } }),
          closed(['kind', 'min'], { kind: { const: 'atLeast' }, min: { type: 'number' } }),
          closed(['kind', 'max'], { kind: { const: 'below' }, max: { type: 'number' } }),
          closed(['kind', 'scale', 'decimals'], { kind: { const: 'roundsTo' }, scale: { type: 'number', exclusiveMinimum: 0 }, decimals: { type: 'integer', minimum: 0, maximum: 10 } }),
        ],
      },
      rationale: text,
    }),
  },
});

const validateClaims = new Ajv({ allErrors: true, strict: true }).compile(CLAIMS_SCHEMA);

/** The claims file shipped with prunecam. */
export const DEFAULT_CLAIMS_PATH = fileURLToPath(new URL('../../golden/thesis-claims.json', import.meta.url));

function describe(e: ErrorObject): string {
  return `${e.instancePath || '(top level)'} ${e.message}${e.keyword === 'additionalProperties' ? ` (${(e.params as { additionalProperty: string }).additionalProperty})` : ''}`;
}

/** Parses and validates a claims object; throws naming every problem. */
export function parseClaims(raw: unknown, origin = '(claims)'): ClaimsFile {
  if (!validateClaims(raw)) {
    throw new Error(`invalid claims file ${origin}:\n  ${[...new Set((validateClaims.errors ?? []).map(describe))].join('\n  ')}`);
  }
  const file = raw as unknown as ClaimsFile;
  const ids = file.claims.map((c) => c.id);
  const dup = ids.find((id, i) => ids.indexOf(id) !== i);
  if (dup) throw new Error(`invalid claims file ${origin}: claim id ${dup} appears twice`);
  return file;
}

export function loadClaims(path = DEFAULT_CLAIMS_PATH): ClaimsFile {
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(path, 'utf8'));
  } catch (e) {
    throw new Error(`cannot read claims file ${path}: ${(e as Error).message}`);
  }
  return parseClaims(raw, path);
}
