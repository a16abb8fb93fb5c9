import { Ajv, type ErrorObject } from 'ajv';
import { PROTOCOL_SCHEMA } from '../protocol/schema.ts';

// JSON Schema of a sweep file. The grid's keys are dotted protocol paths ("dataset.name"); each
// must name a field of the protocol schema, and each cell is then validated as a protocol.

export class SweepError extends Error {
  override name = 'SweepError';
}

const GRID_PATH = '^[A-Za-z][A-Za-z0-9]*(\\.[A-Za-z][A-Za-z0-9]*)*$';

export const SWEEP_SCHEMA = {
  $id: 'https://prunecam.dev/schema/sweep.json',
  type: 'object',
  additionalProperties: false,
  required: ['protocol', 'grid'],
  properties: {
    name: { type: 'string', minLength: 1 },
    /** A built-in protocol name, a protocol file (relative to the sweep file), or a protocol object ({"extends": ...}). */
    protocol: { anyOf: [{ type: 'string', minLength: 1 }, { type: 'object' }] },
    grid: {
      type: 'object',
      minProperties: 1,
      propertyNames: { pattern: GRID_PATH },
      additionalProperties: { type: 'array', minItems: 1 },
    },
  },
} as const;

export interface SweepFile {
  name?: string;
  protocol: string | Record<string, unknown>;
  grid: Record<string, unknown[]>;
}

const ajv = new Ajv({ allErrors: true, strict: true });
const validate = ajv.compile(SWEEP_SCHEMA);

function describe(e: ErrorObject): string {
  const at = e.instancePath === '' ? '' : e.instancePath;
  if (e.keyword === 'additionalProperties') return `${at}/${(e.params as { additionalProperty: string }).additionalProperty}: unknown key`;
  if (e.keyword === 'propertyNames') return `${at}/${(e.params as { propertyName: string }).propertyName}: not a dotted protocol path such as "dataset.name"`;
  return `${at || '(top level)'}: ${e.message}`;
}

type SchemaNode = { properties?: Record<string, SchemaNode> };

/** Whether a dotted path names a field of the protocol schema. */
export function protocolFieldExists(path: string): boolean {
  let node: SchemaNode | undefined = PROTOCOL_SCHEMA as unknown as SchemaNode;
  for (const part of path.split('.')) {
    node = node?.properties?.[part];
    if (!node) return false;
  }
  return true;
}

/** Throws SweepError naming every problem of a parsed sweep file. */
export function assertValidSweep(raw: unknown, origin: string): asserts raw is SweepFile {
  let problems: string[];
  if (!validate(raw)) {
    problems = [...new Set((validate.errors ?? []).filter((e) => e.keyword !== 'anyOf' && e.keyword !== 'if').map(describe))];
  } else {
    problems = Object.keys((raw as SweepFile).grid)
      .filter((p) => !protocolFieldExists(p))
      .map((p) => `/grid/${p}: unknown protocol field '${p}'`);
  }
  if (problems.length) throw new SweepError(`invalid sweep ${origin}:\n  ${problems.join('\n  ')}`);
}
