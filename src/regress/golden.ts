import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { writeFileAtomic } from '../store/atomic.ts';
import type { FixtureOutcome } from './fixtures.ts';
import type { ShortRunResult } from './short-run.ts';

// golden/regress-<backend>.json: what `prunecam regress` measured on one backend, with the
// versions that measured it. With the same versions every number must be identical (the
// computation is deterministic); with others, the fixtures must stay within their reference
// tolerances and the first training losses within LOSS_REL_TOLERANCE, while the end metrics of
// the short run (which amplify tiny differences over hundreds of steps) are only reported.

export const GOLDEN_FORMAT = 'prunecam-regress/v1';
export const LOSS_REL_TOLERANCE = 1e-4;
export const GOLDEN_DIR = join(import.meta.dirname, '..', '..', 'golden');

export interface Versions {
  tfjs: string;
  backend: string;
  /** e.g. "tfjs 4.22.0, tfjs-backend-wasm 4.22.0". */
  backendVersion: string;
  trainingPath: string;
}

export interface Golden extends ShortRunResult {
  format: typeof GOLDEN_FORMAT;
  versions: Versions;
  fixtures: Record<string, { digest: string; maxDeviation: number }>;
}

export interface Measured extends ShortRunResult {
  versions: Versions;
  fixtures: FixtureOutcome[];
}

export type RowStatus = 'identical' | 'within' | 'drift' | 'FAIL';

export interface DriftRow {
  check: string;
  status: RowStatus;
  golden: string;
  now: string;
}

export function goldenPath(backend: string, dir = GOLDEN_DIR): string {
  return join(dir, `regress-${backend}.json`);
}

export function readGolden(path: string): Golden | null {
  if (!existsSync(path)) return null;
  const g = JSON.parse(readFileSync(path, 'utf8')) as Golden;
  if (g.format !== GOLDEN_FORMAT) throw new Error(`${path}: format ${JSON.stringify(g.format)}, expected ${GOLDEN_FORMAT}; rewrite it with --update`);
  return g;
}

export function writeGolden(path: string, m: Measured): void {
  const golden: Golden = {
    format: GOLDEN_FORMAT,
    versions: m.versions,
    fixtures: Object.fromEntries(m.fixtures.map((f) => [f.file, { digest: f.digest, maxDeviation: f.maxDeviation }])),
    losses: m.losses,
    endMetrics: m.endMetrics,
  };
  writeFileAtomic(path, `${JSON.stringify(golden, null, 1)}\n`);
}

export function sameVersions(a: Versions, b: Versions): boolean {
  return a.tfjs === b.tfjs && a.backend === b.backend && a.backendVersion === b.backendVersion && a.trainingPath === b.trainingPath;
}

const fmt = (v: number | null | undefined) => (v === undefined ? 'absent' : v === null ? 'null' : String(v));

/** One row per check; a FAIL row makes the regression fail. */
export function compareWithGolden(g: Golden, m: Measured): DriftRow[] {
  const exact = sameVersions(g.versions, m.versions);
  const rows: DriftRow[] = [];
  for (const f of m.fixtures) {
    const want = g.fixtures[f.file];
    const identical = want?.digest === f.digest;
    // A fixture outside its reference tolerance fails whatever the versions.
    const status: RowStatus = f.violation ? 'FAIL' : identical ? 'identical' : exact ? 'FAIL' : 'within';
    rows.push({ check: `fixture ${f.file}`, status, golden: want ? `max dev ${want.maxDeviation.toExponential(2)}` : 'absent', now: f.violation ?? `max dev ${f.maxDeviation.toExponential(2)}${identical ? '' : ' (bits differ)'}` });
  }
  for (const name of Object.keys(g.fixtures)) {
    if (!m.fixtures.some((f) => f.file === name)) rows.push({ check: `fixture ${name}`, status: 'FAIL', golden: 'present', now: 'absent' });
  }
  let worstRel = 0;
  let firstBad = -1;
  m.losses.forEach((v, i) => {
    const w = g.losses[i];
    const rel = w === undefined ? Infinity : Math.abs(v - w) / Math.max(Math.abs(w), Number.MIN_VALUE);
    if (Number.isFinite(rel)) worstRel = Math.max(worstRel, rel);
    if ((exact ? v !== w : !(rel <= LOSS_REL_TOLERANCE)) && firstBad < 0) firstBad = i;
  });
  if (m.losses.length !== g.losses.length && firstBad < 0) firstBad = Math.min(m.losses.length, g.losses.length);
  rows.push({
    check: `first ${g.losses.length} training losses`,
    status: firstBad >= 0 ? 'FAIL' : worstRel === 0 ? 'identical' : 'within',
    golden: exact ? 'identical' : `rel ≤ ${LOSS_REL_TOLERANCE}`,
    now: firstBad >= 0 ? `step ${firstBad + 1}: ${fmt(m.losses[firstBad])} vs ${fmt(g.losses[firstBad])} (largest rel ${worstRel.toExponential(2)})` : `largest rel ${worstRel.toExponential(2)}`,
  });
  for (const [name, want] of Object.entries(g.endMetrics)) {
    const got = m.endMetrics[name];
    const status: RowStatus = got === want ? 'identical' : exact ? 'FAIL' : 'drift';
    rows.push({ check: name, status, golden: fmt(want), now: fmt(got) });
  }
  return rows;
}

/** The drift table: every row that is not identical, plus a count of those that are. */
export function driftTable(rows: DriftRow[]): string {
  const shown = rows.filter((r) => r.status !== 'identical');
  const widths = [Math.max(5, ...shown.map((r) => r.check.length)), 9, Math.max(6, ...shown.map((r) => r.golden.length))];
  const line = (c: string[]) => `  ${c[0].padEnd(widths[0])}  ${c[1].padEnd(widths[1])}  ${c[2].padEnd(widths[2])}  ${c[3]}`;
  const out = [`${rows.length - shown.length} of ${rows.length} checks identical to the golden`];
  if (shown.length) out.push(line(['check', 'status', 'golden', 'now']), ...shown.map((r) => line([r.check, r.status, r.golden, r.now])));
  return out.join('\n');
}
