import { readFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { Ajv, type ErrorObject } from 'ajv';
import { canonicalize } from 'json-canonicalize';
import { BUILTIN_PROTOCOLS } from './builtin.ts';
import { PROTOCOL_SCHEMA } from './schema.ts';
import { parseSeedList } from './seed-list.ts';
import type { ProtocolConfig } from './types.ts';

/** A protocol that failed validation; `message` names every offending field by its JSON path. */
export class ProtocolError extends Error {
  override name = 'ProtocolError';
}

const ajv = new Ajv({ allErrors: true, strict: true });
const validateProtocol = ajv.compile(PROTOCOL_SCHEMA);

function describe(e: ErrorObject): string {
  const at = e.instancePath === '' ? '(top level)' : e.instancePath;
  if (e.keyword === 'additionalProperties') {
    return `${at === '(top level)' ? '' : at}/${(e.params as { additionalProperty: string }).additionalProperty}: unknown key`;
  }
  if (e.keyword === 'enum') return `${at}: must be one of ${JSON.stringify((e.params as { allowedValues: unknown[] }).allowedValues)}`;
  return `${at}: ${e.message}`;
}

/** Every schema violation (unknown keys included) and cross-field problem of `config`. */
function protocolProblems(config: unknown): string[] {
  return validateProtocol(config)
    ? crossFieldProblems(config as ProtocolConfig)
    : [...new Set((validateProtocol.errors ?? []).filter((e) => e.keyword !== 'anyOf').map(describe))];
}

/**
 * Throws one ProtocolError listing `earlier` problems (type changes found while layering) and
 * every problem of `config`, so a user fixes a protocol file in one pass.
 */
export function assertValidProtocol(config: unknown, origin: string, earlier: string[] = []): asserts config is ProtocolConfig {
  const msgs = [...earlier, ...protocolProblems(config)];
  if (msgs.length > 0) throw new ProtocolError(`invalid protocol ${origin}:\n  ${msgs.join('\n  ')}`);
}

/** Rules that JSON Schema cannot state: fields that must agree with each other. */
function crossFieldProblems(c: ProtocolConfig): string[] {
  const out: string[] = [];
  (c.controls.randomisation.levels ?? []).forEach((l, i) => {
    if (l >= c.pruning.levels) out.push(`/controls/randomisation/levels/${i}: level ${l} does not exist (the run has levels 0..${c.pruning.levels - 1})`);
  });
  if (c.metrics.topK > 784) out.push(`/metrics/topK: must be at most 784`);
  return out;
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/**
 * Layers `override` over `base`: objects merge key by key, anything else (arrays included)
 * replaces. Keys absent from `base` are kept so that validation reports them as unknown. A
 * value whose JSON type differs from the base's is a type change: it is added to `problems`
 * and the base's value kept, so validation does not report the same field twice.
 */
export function layer(base: unknown, override: unknown, problems: string[], path = ''): unknown {
  if (!isPlainObject(override)) return override;
  if (!isPlainObject(base)) {
    if (base === undefined) return override;
    problems.push(`${path || '(top level)'}: must be ${jsonType(base)}, got object`);
    return base;
  }
  const out: Record<string, unknown> = { ...base };
  for (const [k, v] of Object.entries(override)) {
    if (k in base && base[k] !== null && v !== null && jsonType(base[k]) !== jsonType(v)) {
      problems.push(`${path}/${k}: must be ${jsonType(base[k])}, got ${jsonType(v)}`);
      continue;
    }
    out[k] = layer(base[k], v, problems, `${path}/${k}`);
  }
  return out;
}

function jsonType(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'array';
  return typeof v;
}

/**
 * Resolves a protocol: a built-in name (`thesis`, `smoke`) or a JSON file path. A file holds
 * `{"extends": "thesis" | "smoke", ...overrides}` (default base: thesis) or a full protocol.
 */
export function resolveProtocol(spec: string): ProtocolConfig {
  const builtin = BUILTIN_PROTOCOLS[spec];
  if (builtin) return structuredClone(builtin);
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(spec, 'utf8'));
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    if (err.code === 'ENOENT') {
      throw new ProtocolError(`unknown protocol '${spec}': not a built-in (${Object.keys(BUILTIN_PROTOCOLS).join(', ')}) and no such file`);
    }
    throw new ProtocolError(`protocol file ${spec} is not valid JSON: ${err.message}`);
  }
  return resolveProtocolObject(raw, spec);
}

/** Resolves a parsed protocol object (see resolveProtocol) and validates it. */
export function resolveProtocolObject(raw: unknown, origin = '(object)'): ProtocolConfig {
  if (!isPlainObject(raw)) throw new ProtocolError(`invalid protocol ${origin}: must be a JSON object`);
  const { extends: baseName = 'thesis', ...overrides } = raw;
  // A protocol file may write its seeds as ranges ("333-352", or ["333-340", 400]).
  if (typeof overrides.seeds === 'string' || (Array.isArray(overrides.seeds) && overrides.seeds.some((s) => typeof s === 'string'))) {
    try {
      overrides.seeds = parseSeedList(overrides.seeds as string | Array<string | number>);
    } catch (e) {
      throw new ProtocolError(`invalid protocol ${origin}:\n  /seeds: ${(e as Error).message}`);
    }
  }
  if (typeof baseName !== 'string' || !BUILTIN_PROTOCOLS[baseName]) {
    throw new ProtocolError(`invalid protocol ${origin}: /extends: must be one of ${JSON.stringify(Object.keys(BUILTIN_PROTOCOLS))}`);
  }
  const problems: string[] = [];
  const merged = layer(structuredClone(BUILTIN_PROTOCOLS[baseName]), overrides, problems);
  assertValidProtocol(merged, origin, problems);
  return merged;
}

/** Applies command-line overrides (e.g. --seeds, --dataset) to a resolved protocol and re-validates. */
export function withOverrides(config: ProtocolConfig, overrides: Record<string, unknown>, origin = 'command-line options'): ProtocolConfig {
  const problems: string[] = [];
  const merged = layer(structuredClone(config), overrides, problems);
  assertValidProtocol(merged, `(${origin})`, problems);
  return merged;
}

/**
 * The run id: sha256 of the RFC 8785 canonical JSON of the resolved protocol without its seed
 * list. Seeds are a sample (PROTOCOL.md Part 2), so adding seeds to a finished run keeps its
 * folder: its seed-N subfolders are reused and only the new seeds are computed.
 */
export function runId(config: ProtocolConfig): string {
  const { seeds: _seeds, ...rest } = config;
  return createHash('sha256').update(canonicalize(rest)).digest('hex');
}

/** The run id of reports written before Part 2: the hash covered the seed list too. */
export function legacyRunId(config: unknown): string {
  return createHash('sha256').update(canonicalize(config)).digest('hex');
}

/** Total epochs of an lr table. */
export function epochsOf(table: { epochs: number }[]): number {
  return table.reduce((s, r) => s + r.epochs, 0);
}

/** The learning rate of the 0-based epoch `e` within an lr table. */
export function lrAt(table: { epochs: number; lr: number }[], e: number): number {
  let left = e;
  for (const row of table) {
    if (left < row.epochs) return row.lr;
    left -= row.epochs;
  }
  throw new RangeError(`epoch ${e} is past the lr table's ${epochsOf(table)} epochs`);
}
