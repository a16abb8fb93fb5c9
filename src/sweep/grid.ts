import { readFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { dirname, isAbsolute, join } from 'node:path';
import { canonicalize } from 'json-canonicalize';
import { BUILTIN_PROTOCOLS } from '../protocol/builtin.ts';
import { layer, resolveProtocol, resolveProtocolObject, runId as runIdOf } from '../protocol/resolve.ts';
import { followDatasetNormalize } from '../protocol/dataset-normalize.ts';
import type { ProtocolConfig } from '../protocol/types.ts';
import { assertValidSweep, SweepError, type SweepFile } from './schema.ts';

// Grid expansion: the cartesian product of the grid's values, in the file's key order (the last
// key varies fastest). Each cell is the base protocol with its values layered on: one protocol,
// one run id, one run folder. The work unit is one seed of one cell.

export interface SweepCell {
  index: number;
  /** The grid values of this cell, by dotted path. */
  values: Record<string, unknown>;
  /** "dataset.name=mnist-embedded pruning.strategy=random_global" */
  label: string;
  config: ProtocolConfig;
  runId: string;
}

export interface SweepPlan {
  /** sha256 of the canonical list of (run id, seeds): the same sweep has the same id. */
  id: string;
  name: string;
  cells: SweepCell[];
}

export interface WorkUnit {
  cell: number;
  runId: string;
  seed: number;
}

export function unitsOf(plan: SweepPlan): WorkUnit[] {
  return plan.cells.flatMap((c) => c.config.seeds.map((seed) => ({ cell: c.index, runId: c.runId, seed })));
}

export const unitKey = (u: { runId: string; seed: number }) => `${u.runId}-${u.seed}`;

/** { "a.b": v } as the nested override { a: { b: v } }. */
function nest(values: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [path, v] of Object.entries(values)) {
    const parts = path.split('.');
    let at = out;
    for (const p of parts.slice(0, -1)) at = (at[p] ??= {}) as Record<string, unknown>;
    at[parts.at(-1)!] = v;
  }
  return out;
}

function product(grid: Record<string, unknown[]>): Array<Record<string, unknown>> {
  let cells: Array<Record<string, unknown>> = [{}];
  for (const [path, values] of Object.entries(grid)) cells = cells.flatMap((c) => values.map((v) => ({ ...c, [path]: v })));
  return cells;
}

/** The base protocol as a raw object to layer cells on ({"extends": ...} kept for resolution). */
function baseObject(protocol: SweepFile['protocol'], baseDir: string): Record<string, unknown> {
  if (typeof protocol !== 'string') return protocol;
  if (BUILTIN_PROTOCOLS[protocol]) return { extends: protocol };
  const file = isAbsolute(protocol) ? protocol : join(baseDir, protocol);
  // A full protocol or {"extends": ...}: resolve it once to validate, then layer on its resolved form.
  const resolved = resolveProtocol(file) as unknown as Record<string, unknown>;
  const { name: _n, ...rest } = resolved;
  return { extends: 'thesis', ...rest, name: resolved.name };
}

/** Validates and expands a parsed sweep file; every cell is validated before any work. */
export function expandSweep(raw: unknown, origin: string, baseDir = '.'): SweepPlan {
  assertValidSweep(raw, origin);
  const base = baseObject(raw.protocol, baseDir);
  const cells: SweepCell[] = [];
  const problems: string[] = [];
  // The base protocol resolved once (a cell over dataset.name takes that dataset's D2 statistics).
  let resolvedBase: ProtocolConfig | null = null;
  const baseConfig = () => (resolvedBase ??= resolveProtocolObject(structuredClone(base), 'the base protocol'));
  product(raw.grid).forEach((values, index) => {
    const label = Object.entries(values).map(([k, v]) => `${k}=${JSON.stringify(v)}`).join(' ');
    try {
      const typeProblems: string[] = [];
      const merged = layer(structuredClone(base), nest(values), typeProblems);
      if (typeProblems.length) throw new Error(`invalid protocol: ${typeProblems.join('; ')}`);
      const config = followDatasetNormalize(baseConfig(), resolveProtocolObject(merged, `cell ${index + 1} (${label})`));
      cells.push({ index, values, label, config, runId: runIdOf(config) });
    } catch (e) {
      problems.push((e as Error).message.replace(/^invalid protocol: /, `cell ${index + 1} (${label}): `));
    }
  });
  if (problems.length) throw new SweepError(`invalid sweep ${origin}:\n  ${problems.join('\n  ')}`);
  const seen = new Map<string, SweepCell>();
  for (const c of cells) {
    const twin = seen.get(c.runId);
    if (twin) throw new SweepError(`invalid sweep ${origin}: cells ${twin.index + 1} (${twin.label}) and ${c.index + 1} (${c.label}) are the same run ${c.runId.slice(0, 12)}…; vary a field that changes the protocol`);
    seen.set(c.runId, c);
  }
  const id = createHash('sha256').update(canonicalize(cells.map((c) => ({ runId: c.runId, seeds: c.config.seeds })))).digest('hex');
  return { id, name: raw.name ?? `sweep-${id.slice(0, 12)}`, cells };
}

export function loadSweepFile(path: string): SweepPlan {
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(path, 'utf8'));
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    throw new SweepError(err.code === 'ENOENT' ? `sweep file ${path} does not exist` : `sweep file ${path} is not valid JSON: ${err.message}`);
  }
  return expandSweep(raw, path, dirname(path));
}
