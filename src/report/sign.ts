import { join } from 'node:path';
import { digestArtifacts } from './artifacts.ts';
import { canonicalBytes } from './canonical.ts';
import { consistencyProblems } from './consistency.ts';
import { IN_TOTO_PAYLOAD_TYPE, signEnvelope, type DsseEnvelope } from './dsse.ts';
import { publicKeyPem, resolveSigningKey, type KeySource, type SigningKey } from './keys.ts';
import { assertWritablePredicate, ReportSchemaError, statementErrors } from './schema.ts';
import { buildStatement } from './statement.ts';
import type { ArtifactDigest, ReportPredicate } from './types.ts';
import { writeFileAtomic } from '../store/atomic.ts';

// report.json is a DSSE envelope whose payload is the RFC 8785 canonical JSON of an in-toto
// Statement v1 (subjects: the run's artifact files; predicate: the report). The signer's public
// key is written beside it as public-key.pem (SPKI PEM): verify uses it when no trusted key is
// given. It is deliberately not embedded in the envelope: DSSE 1.1 says an unauthenticated
// field must not supply the key that verifies the signature.
// Every artifact is a subject and is digested when signing; the optional ones (checkpoints a
// published copy may leave out) are checked by verify only when present.

export const REPORT_FILE = 'report.json';
export const PUBLIC_KEY_FILE = 'public-key.pem';

export interface WriteReportOptions {
  /** Artifact paths relative to the run folder; default: the names in `predicate.artifacts`. */
  artifacts?: string[];
  /**
   * The artifacts (a subset of `artifacts`) a published copy may leave out, e.g. the per-level
   * checkpoints; verify checks them only when present. Default: none, or when `artifacts` is
   * not given either, those marked optional in `predicate.artifacts`.
   */
  optionalArtifacts?: string[];
  /** Sign with this key; default: `keyPath`, else $PRUNECAM_SIGNING_KEY, else the default key. */
  signingKey?: SigningKey;
  keyPath?: string;
  /** Environment for key resolution (tests pass their own). */
  env?: NodeJS.ProcessEnv;
  /** File name of the report in the run folder (default report.json). */
  reportName?: string;
}

export interface WrittenReport {
  reportPath: string;
  publicKeyPath: string;
  keyid: string;
  /** Where the key came from, when resolved here rather than passed in. */
  keySource: KeySource | 'given';
  keyPath: string | null;
  predicate: ReportPredicate;
}

/** A predicate before signing: its artifacts' digests are (re)taken from the files. */
export type UnsignedPredicate = Omit<ReportPredicate, 'artifacts'> & { artifacts?: ArtifactDigest[] };

/** The report predicate with its artifacts' digests taken from the files, validated. */
export function completePredicate(runDir: string, predicate: UnsignedPredicate, names?: string[], optionalNames?: string[]): ReportPredicate {
  const listed = predicate.artifacts ?? [];
  const artifacts = digestArtifacts(runDir, names ?? listed.map((a) => a.name), optionalNames ?? (names ? [] : listed.filter((a) => a.optional).map((a) => a.name)));
  if (artifacts.length === 0) throw new ReportSchemaError('cannot sign the report: it lists no artifacts (an in-toto statement needs at least one subject)');
  const full = { ...predicate, artifacts };
  assertWritablePredicate(full);
  const problems = consistencyProblems(full);
  if (problems.length) throw new ReportSchemaError(`predicate inconsistent:\n  ${problems.join('\n  ')}`);
  return full;
}

/** The signed envelope of a complete, valid predicate. */
export function signPredicate(predicate: ReportPredicate, key: SigningKey): DsseEnvelope {
  const statement = buildStatement(predicate);
  const errors = statementErrors(statement);
  if (errors.length) throw new ReportSchemaError(`statement invalid:\n  ${errors.join('\n  ')}`);
  return signEnvelope(IN_TOTO_PAYLOAD_TYPE, canonicalBytes(statement), key);
}

/**
 * Digests the artifacts, validates the predicate, signs it and writes runDir/report.json and
 * runDir/public-key.pem, each atomically. Nothing is written (and no key is created) when the
 * predicate is invalid.
 */
export function writeSignedReport(runDir: string, predicate: UnsignedPredicate, opts: WriteReportOptions = {}): WrittenReport {
  const full = completePredicate(runDir, predicate, opts.artifacts, opts.optionalArtifacts);
  const resolved = opts.signingKey ? null : resolveSigningKey({ keyPath: opts.keyPath, env: opts.env });
  const key = opts.signingKey ?? resolved!;
  const envelope = signPredicate(full, key);
  const reportPath = join(runDir, opts.reportName ?? REPORT_FILE);
  const publicKeyPath = join(runDir, PUBLIC_KEY_FILE);
  writeFileAtomic(publicKeyPath, publicKeyPem(key.publicKey));
  writeFileAtomic(reportPath, `${JSON.stringify(envelope, null, 2)}\n`);
  return {
    reportPath,
    publicKeyPath,
    keyid: key.keyid,
    keySource: resolved ? resolved.source : 'given',
    keyPath: resolved ? resolved.path : null,
    predicate: full,
  };
}
