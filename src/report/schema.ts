import { Ajv, type ErrorObject } from 'ajv';
import { LEGACY_PROTOCOL_SCHEMA, PROTOCOL_SCHEMA } from '../protocol/schema.ts';
import {
  PREDICATE_TYPE,
  type ArtifactDigest,
  type Correlation,
  type DatasetIdentity,
  type Environment,
  type LevelAggregate,
  type LevelMetrics,
  type MeanStd,
  type Provenance,
  type ReportPredicate,
  type SeedSummary,
  type SeedResult,
} from './types.ts';
import {
  BASELINE_NAMES,
  EXPLAINER_NAMES,
  LOCALISATION_METRIC_NAMES,
  type HeatmapScores,
  type LocalisationMetricName,
  type RandomisationStage,
} from '../results/types.ts';

// JSON Schema of the report predicate and of the in-toto statement around it. Every object is
// closed (a misspelt or foreign field is an error) and every number has the range its meaning
// allows. Accuracies, IoU, density and heatmap statistics are fractions in [0, 1], not percent.
// ajv's `number` type already rejects NaN and Infinity; `nonFinitePaths` names them before a
// write because JSON itself cannot carry them. Objects are built with `closedObject<T>()`, whose
// properties must name exactly T's fields, so a field added to types.ts without a schema entry
// (or the reverse) fails `tsc`.

export const IN_TOTO_STATEMENT_TYPE = 'https://in-toto.io/Statement/v1';

const SHA256_HEX = '^[0-9a-f]{64}$';
/** RFC 3339 date-time, e.g. 2025-01-31T12:00:00.000Z. */
const DATE_TIME = '^\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}(\\.\\d+)?(Z|[+-]\\d{2}:\\d{2})$';

type Schema = Record<string, unknown>;

/**
 * A closed object schema whose properties are exactly the fields of T, all required (every
 * field of the report types is required; "absent" is spelled null).
 */
function closedObject<T>() {
  return <P extends { [K in keyof T]: Schema } & Record<Exclude<keyof P, keyof T>, never>>(properties: P): Schema => ({
    type: 'object',
    additionalProperties: false,
    required: Object.keys(properties),
    properties,
  });
}

/** `schema` with `keys` no longer required: fields added in a later report version, absent in older reports. */
function optionalFields(schema: Schema, keys: string[]): Schema {
  return { ...schema, required: (schema.required as string[]).filter((k) => !keys.includes(k)) };
}

const nullable = (schema: Schema): Schema => ({ anyOf: [schema, { type: 'null' }] });

const fraction = { type: 'number', minimum: 0, maximum: 1 } as const;
const nonNegative = { type: 'number', minimum: 0 } as const;
const count = { type: 'integer', minimum: 0 } as const;
const pValue = { type: 'number', minimum: 0, maximum: 1 } as const;
const coefficient = { type: 'number', minimum: -1, maximum: 1 } as const;

const legacyMeanStd = (range: { minimum: number; maximum?: number }): Schema => closedObject<MeanStd>()({ mean: { type: 'number', ...range }, std: nonNegative });
const seedSummary = (range: { minimum: number; maximum?: number }): Schema =>
  closedObject<SeedSummary>()({ mean: { type: 'number', ...range }, sd: nonNegative, n: { type: 'integer', minimum: 1 }, lo95: nullable({ type: 'number' }), hi95: nullable({ type: 'number' }) });

const provenance = closedObject<Provenance>()({
  backend: { type: 'string', minLength: 1 },
  backendVersion: { type: 'string' },
  trainingPath: { enum: ['fused', 'autodiff'] },
  prunecamVersion: { type: 'string' },
  gitCommit: nullable({ type: 'string' }),
});

const nullableFraction = nullable(fraction);
const heatmapScores = optionalFields(closedObject<HeatmapScores>()({
  localisation: closedObject<HeatmapScores['localisation']>()(Object.fromEntries(LOCALISATION_METRIC_NAMES.map((m) => [m, nullableFraction])) as Record<LocalisationMetricName, Schema>),
  softIoUNonZero: nullableFraction,
  deletionAuc: nullableFraction,
  deletionExcluded: count,
  heatmapMean: nullableFraction,
  heatmapStd: nullableFraction,
  zeroHeatmaps: count,
  nonFiniteHeatmaps: count,
}), ['softIoUNonZero']);
/** A map keyed by some of `names`, each value matching `value`. */
const partialMap = (names: readonly string[], value: Schema): Schema => ({ type: 'object', additionalProperties: false, properties: Object.fromEntries(names.map((n) => [n, value])) });
const randomisationStage = closedObject<RandomisationStage>()({
  stage: { enum: ['fc', 'conv2', 'conv1'] },
  similarity: partialMap(EXPLAINER_NAMES, closedObject<{ mean: number | null; n: number; undefinedCount: number }>()({ mean: nullable(coefficient), n: count, undefinedCount: count })),
});

const levelMetrics = optionalFields(closedObject<Required<LevelMetrics>>()({
  level: count,
  remainingWeights: count,
  density: fraction,
  cleanAccuracy: fraction,
  noisyAccuracy: fraction,
  meanIoU: fraction,
  heatmapMean: fraction,
  heatmapStd: fraction,
  zeroHeatmaps: count,
  nonFiniteHeatmaps: count,
  methods: partialMap(EXPLAINER_NAMES, heatmapScores),
  baselines: partialMap(BASELINE_NAMES, heatmapScores),
  randomisation: { type: 'array', items: randomisationStage },
  finalTrainLoss: nonNegative,
  wallTimeS: nonNegative,
  provenance,
}), ['methods', 'baselines', 'randomisation', 'provenance']);

const seedResult = closedObject<SeedResult>()({
  seed: { type: 'integer', minimum: 0, maximum: 4294967295 },
  pretrain: closedObject<SeedResult['pretrain']>()({ finalTrainLoss: nonNegative, wallTimeS: nonNegative }),
  levels: { type: 'array', items: levelMetrics },
});

// The aggregate row, in the current form (SeedSummary per metric) and in the form reports had
// before PROTOCOL.md Part 2 ({mean, std}); which one a report must use follows its protocol.
const aggregateRow = (summary: (range: { minimum: number; maximum?: number }) => Schema): Schema => {
  const frac = summary({ minimum: 0, maximum: 1 });
  return closedObject<LevelAggregate>()({
    level: count,
    remainingWeights: count,
    density: fraction,
    cleanAccuracy: frac,
    noisyAccuracy: frac,
    meanIoU: frac,
    heatmapStd: frac,
    heatmapMean: frac,
    zeroHeatmaps: summary({ minimum: 0 }),
    nonFiniteHeatmaps: summary({ minimum: 0 }),
  });
};
const levelAggregate = aggregateRow(seedSummary);
const legacyLevelAggregate = aggregateRow(legacyMeanStd);

const correlation = closedObject<Correlation>()({
  pearson: closedObject<Correlation['pearson']>()({ r: coefficient, p: pValue, df: count }),
  spearman: closedObject<Correlation['spearman']>()({ rho: coefficient, p: pValue }),
  kendall: closedObject<Correlation['kendall']>()({ tau: coefficient, p: pValue, method: { enum: ['exact', 'asymptotic'] } }),
  n: count,
});

const artifactDigest = closedObject<ArtifactDigest>()({
  name: { type: 'string', minLength: 1 },
  sha256: { type: 'string', pattern: SHA256_HEX },
  optional: { type: 'boolean' },
});

const text = { type: 'string' } as const;

const currentPredicate = optionalFields(closedObject<ReportPredicate>()({
    schemaVersion: { type: 'integer', minimum: 2 },
    runId: { type: 'string', pattern: SHA256_HEX },
    // The protocol's own schema (closed, ranged), shared with the run command's validation.
    protocol: { $ref: PROTOCOL_SCHEMA.$id },
    dataset: closedObject<DatasetIdentity>()({
      name: { type: 'string', minLength: 1 },
      subset: { type: 'boolean' },
      description: text,
      trainImages: count,
      testImages: count,
      files: { type: 'object', additionalProperties: { type: 'string', pattern: SHA256_HEX } },
    }),
    environment: closedObject<Environment>()({
      prunecamVersion: text,
      gitCommit: nullable(text),
      node: text,
      tfjs: text,
      backend: text,
      backendVersion: text,
      cpu: text,
      os: text,
      gpu: nullable(text),
    }),
    startedAt: { type: 'string', pattern: DATE_TIME },
    resumedAt: { type: 'array', items: { type: 'string', pattern: DATE_TIME } },
    finishedAt: { type: 'string', pattern: DATE_TIME },
    computeTimeS: nonNegative,
    seeds: { type: 'array', minItems: 1, items: seedResult },
    aggregate: { type: 'array', items: levelAggregate },
    correlation: nullable(correlation),
    artifacts: { type: 'array', items: artifactDigest },
}), ['schemaVersion', 'resumedAt']);

/**
 * A report written before PROTOCOL.md Part 2 (e.g. reports/superseded/thesis-mnist-3-seeds): its
 * protocol has explain.method and no metrics/controls/statistics, its aggregate {mean, std}.
 * Signed reports are immutable, so the schema keeps reading them; readers derive intervals from
 * the per-seed values, which both forms carry.
 */
const legacyPredicate: Schema = {
  ...currentPredicate,
  properties: { ...(currentPredicate.properties as Record<string, Schema>), protocol: LEGACY_PROTOCOL_SCHEMA, aggregate: { type: 'array', items: legacyLevelAggregate } },
};

/** True when a predicate's protocol predates Part 2 (no `statistics` field). */
export function isLegacyProtocol(protocol: unknown): boolean {
  return typeof protocol === 'object' && protocol !== null && !('statistics' in protocol);
}

export const REPORT_PREDICATE_SCHEMA: Schema = {
  $id: 'https://prunecam.dev/schema/report-predicate.json',
  // if/then/else rather than anyOf, so a broken report's errors name the fields of its own form.
  if: { type: 'object', required: ['protocol'], properties: { protocol: { type: 'object', not: { properties: { statistics: true }, required: ['statistics'] } } } },
  then: legacyPredicate,
  else: currentPredicate,
};

/** The in-toto Statement v1 layer; its predicate is checked by REPORT_PREDICATE_SCHEMA separately. */
export const STATEMENT_SCHEMA = {
  $id: 'https://prunecam.dev/schema/report-statement.json',
  type: 'object',
  additionalProperties: false,
  required: ['_type', 'subject', 'predicateType', 'predicate'],
  properties: {
    _type: { const: IN_TOTO_STATEMENT_TYPE },
    // in-toto-golang's Statement.Validate rejects an empty subject, so a report needs one artifact.
    subject: {
      type: 'array',
      minItems: 1,
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['name', 'digest'],
        properties: {
          name: { type: 'string', minLength: 1 },
          digest: {
            type: 'object',
            additionalProperties: false,
            required: ['sha256'],
            properties: { sha256: { type: 'string', pattern: SHA256_HEX } },
          },
        },
      },
    },
    predicateType: { const: PREDICATE_TYPE },
    predicate: { type: 'object' },
  },
} as const;

const ajv = new Ajv({ allErrors: true, strict: true });
ajv.addSchema(PROTOCOL_SCHEMA);
const validatePredicateSchema = ajv.compile(REPORT_PREDICATE_SCHEMA);
const validateStatementSchema = ajv.compile(STATEMENT_SCHEMA);

/** One message per error: "<JSON pointer> <problem>", e.g. "/seeds/0/levels/3/meanIoU must be number". */
function describe(e: ErrorObject): string {
  const at = e.instancePath === '' ? '(top level)' : e.instancePath;
  switch (e.keyword) {
    case 'additionalProperties':
      return `${e.instancePath}/${(e.params as { additionalProperty: string }).additionalProperty} is not a known field`;
    case 'required':
      return `${e.instancePath}/${(e.params as { missingProperty: string }).missingProperty} is missing`;
    case 'enum':
      return `${at} must be one of ${JSON.stringify((e.params as { allowedValues: unknown[] }).allowedValues)}`;
    case 'const':
      return `${at} must be ${JSON.stringify((e.params as { allowedValue: unknown }).allowedValue)}`;
    default:
      return `${at} ${e.message}`;
  }
}

function messages(errors: ErrorObject[] | null | undefined): string[] {
  // anyOf/oneOf/if wrappers only repeat their branches' errors.
  return [...new Set((errors ?? []).filter((e) => !['anyOf', 'oneOf', 'if'].includes(e.keyword)).map(describe))];
}

/** Schema violations of a report predicate (empty when valid). */
export function predicateErrors(value: unknown): string[] {
  return validatePredicateSchema(value) ? [] : messages(validatePredicateSchema.errors);
}

/** Schema violations of an in-toto statement's envelope fields (empty when valid). */
export function statementErrors(value: unknown): string[] {
  return validateStatementSchema(value) ? [] : messages(validateStatementSchema.errors);
}

/** JSON pointers of every NaN, Infinity or -Infinity inside `value`. */
export function nonFinitePaths(value: unknown, path = ''): Array<{ path: string; value: number }> {
  if (typeof value === 'number') return Number.isFinite(value) ? [] : [{ path: path || '(top level)', value }];
  if (Array.isArray(value)) return value.flatMap((v, i) => nonFinitePaths(v, `${path}/${i}`));
  if (typeof value === 'object' && value !== null) {
    return Object.entries(value).flatMap(([k, v]) => nonFinitePaths(v, `${path}/${k.replace(/~/g, '~0').replace(/\//g, '~1')}`));
  }
  return [];
}

/** A predicate that cannot be written or read; `message` lists every problem by field path. */
export class ReportSchemaError extends Error {
  override name = 'ReportSchemaError';
}

/**
 * Throws ReportSchemaError unless `predicate` can be written as JSON and matches the schema.
 * NaN/Infinity are named first: JSON would silently turn them into null.
 */
export function assertWritablePredicate(predicate: unknown): asserts predicate is ReportPredicate {
  const bad = nonFinitePaths(predicate);
  if (bad.length) {
    throw new ReportSchemaError(`cannot write the report: JSON cannot carry NaN or Infinity, found ${bad.map((b) => `${b.path} = ${b.value}`).join(', ')}`);
  }
  // Validate what will actually be written (undefined fields vanish, Dates become strings).
  const errors = predicateErrors(JSON.parse(JSON.stringify(predicate)));
  if (errors.length) throw new ReportSchemaError(`predicate invalid:\n  ${errors.join('\n  ')}`);
}
