import { readFileSync } from 'node:fs';
import type { ReportPredicate } from '../../src/report/types.ts';

/**
 * The predicate of a signed report.json, decoded from its DSSE envelope without checking the
 * signature: for specs that inspect what a run wrote (verification has specs of its own).
 */
export function predicateOfReportFile(path: string): ReportPredicate {
  const envelope = JSON.parse(readFileSync(path, 'utf8')) as { payload: string };
  return (JSON.parse(Buffer.from(envelope.payload, 'base64').toString('utf8')) as { predicate: ReportPredicate }).predicate;
}
