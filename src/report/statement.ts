import { IN_TOTO_STATEMENT_TYPE } from './schema.ts';
import { PREDICATE_TYPE, type ReportPredicate } from './types.ts';

/** in-toto Statement v1 carrying a report: its subjects are the run's artifact files. */
export interface ReportStatement {
  _type: typeof IN_TOTO_STATEMENT_TYPE;
  subject: Array<{ name: string; digest: { sha256: string } }>;
  predicateType: typeof PREDICATE_TYPE;
  predicate: ReportPredicate;
}

export function buildStatement(predicate: ReportPredicate): ReportStatement {
  return {
    _type: IN_TOTO_STATEMENT_TYPE,
    subject: predicate.artifacts.map((a) => ({ name: a.name, digest: { sha256: a.sha256 } })),
    predicateType: PREDICATE_TYPE,
    predicate,
  };
}

/** Where the statement's subjects and the predicate's artifact list disagree (they are written from one list). */
export function subjectMismatches(statement: ReportStatement): string[] {
  const subjects = new Map(statement.subject.map((s) => [s.name, s.digest.sha256]));
  const artifacts = new Map(statement.predicate.artifacts.map((a) => [a.name, a.sha256]));
  const problems: string[] = [];
  for (const [name, sha] of subjects) {
    if (!artifacts.has(name)) problems.push(`subject ${name} is not in predicate.artifacts`);
    else if (artifacts.get(name) !== sha) problems.push(`subject ${name}: digest differs from predicate.artifacts`);
  }
  for (const name of artifacts.keys()) if (!subjects.has(name)) problems.push(`predicate.artifacts ${name} is not a subject`);
  return problems;
}
