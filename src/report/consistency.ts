import { legacyRunId, runId } from '../protocol/resolve.ts';
import { isLegacyProtocol } from './schema.ts';
import { artifactListProblems } from './artifacts.ts';
import type { ReportPredicate } from './types.ts';

// Rules a schema cannot state: fields that must agree with each other. Audit and diff index
// levels by number, so the level lists must be 0, 1, 2, ... in order.

/** Problems of a schema-valid predicate (empty when consistent). */
export function consistencyProblems(p: ReportPredicate): string[] {
  const problems: string[] = [];
  const expectedRunId = isLegacyProtocol(p.protocol) ? legacyRunId(p.protocol) : runId(p.protocol);
  if (p.runId !== expectedRunId) problems.push(`runId ${p.runId.slice(0, 12)}… is not the sha256 of the protocol without its seeds (${expectedRunId.slice(0, 12)}…)`);
  const seen = new Set<number>();
  p.seeds.forEach((s, i) => {
    if (seen.has(s.seed)) problems.push(`/seeds/${i}: seed ${s.seed} appears twice`);
    seen.add(s.seed);
    if (!p.protocol.seeds.includes(s.seed)) problems.push(`/seeds/${i}: seed ${s.seed} is not one of the protocol's seeds`);
    s.levels.forEach((l, j) => {
      if (l.level !== j) problems.push(`/seeds/${i}/levels/${j}/level is ${l.level}, expected ${j} (levels run 0, 1, 2, ... in order)`);
    });
  });
  p.aggregate.forEach((a, j) => {
    if (a.level !== j) problems.push(`/aggregate/${j}/level is ${a.level}, expected ${j} (levels run 0, 1, 2, ... in order)`);
  });
  problems.push(...artifactListProblems(p.artifacts.map((a) => a.name)));
  return problems;
}
