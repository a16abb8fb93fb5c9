import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

export const FIXTURE_DIR = join(import.meta.dirname, '..', '..', 'fixtures', 'reference');

export interface Tolerance {
  abs: number;
  rel: number;
}

export interface Fixture {
  file: string;
  kind: string;
  source: string;
  tolerance: Tolerance;
  [key: string]: unknown;
}

/** Every fixture file of a kind in fixtures/reference/, whatever its name (FORMAT.md). */
export function fixturesOfKind(kind: string): Fixture[] {
  return readdirSync(FIXTURE_DIR)
    .filter((f) => f.endsWith('.json'))
    .sort()
    .map((f) => ({ file: f, ...JSON.parse(readFileSync(join(FIXTURE_DIR, f), 'utf8')) }) as Fixture)
    .filter((fx) => fx.kind === kind);
}

/** The worst violation of |got-want| <= abs + rel*|want|; throws naming the first bad index. */
export function expectClose(got: ArrayLike<number>, want: ArrayLike<number>, tol: Tolerance, what: string): number {
  if (got.length !== want.length) throw new Error(`${what}: length ${got.length}, want ${want.length}`);
  let worst = 0;
  for (let i = 0; i < want.length; i++) {
    const d = Math.abs(got[i] - want[i]);
    if (!(d <= tol.abs + tol.rel * Math.abs(want[i]))) {
      throw new Error(`${what}[${i}]: got ${got[i]}, want ${want[i]} (|diff| ${d} > ${tol.abs} + ${tol.rel}*|want|)`);
    }
    worst = Math.max(worst, d);
  }
  return worst;
}

/** scipy.stats.t.ppf(p, df) as a `tost` reference fixture records it (for hand checks of intervals); throws when none does. */
export function scipyTQuantile(p: number, df: number): number {
  for (const fx of fixturesOfKind('tost')) {
    const q = fx.t_quantiles as { df: number[]; p: number[]; want: number[][] } | undefined;
    const [i, j] = [q?.p.indexOf(p) ?? -1, q?.df.indexOf(df) ?? -1];
    if (q && i >= 0 && j >= 0) return q.want[i][j];
  }
  throw new Error(`no tost fixture in ${FIXTURE_DIR} records the t quantile at p = ${p}, df = ${df}`);
}
