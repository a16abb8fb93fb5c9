import { existsSync, readFileSync } from 'node:fs';
import type { KeyObject } from 'node:crypto';
import { dirname, join } from 'node:path';
import { checkArtifacts, describeAbsent, type ArtifactCheck } from './artifacts.ts';
import { consistencyProblems } from './consistency.ts';
import { checkEnvelope, IN_TOTO_PAYLOAD_TYPE } from './dsse.ts';
import { keyIdOf, loadPublicKey } from './keys.ts';
import { predicateErrors, statementErrors } from './schema.ts';
import { PUBLIC_KEY_FILE } from './sign.ts';
import { subjectMismatches, type ReportStatement } from './statement.ts';
import type { ReportPredicate } from './types.ts';

export interface VerifyOptions {
  /** A public key the user trusts (PEM). Default: public-key.pem beside the report. */
  pubkey?: string;
}

/** Which key the signature was checked against. */
export type KeyTrust = 'trusted-key' | 'shipped-key' | 'no-key';

export interface VerifyResult {
  /** True only when every check passed. */
  ok: boolean;
  /** One message per failed check, e.g. "artifact levels.csv: sha256 mismatch (...)". */
  reasons: string[];
  /** Observations that do not fail verification. */
  notes: string[];
  /**
   * The predicate whenever the payload parsed and matched the schema, even if another check
   * failed (audit and diff show unverified data with a warning); trust it only when `ok`.
   */
  predicate?: ReportPredicate;
  keyTrust: KeyTrust;
  keyid?: string;
  publicKeyPath?: string;
  signatureOk: boolean;
  artifacts: ArtifactCheck[];
}

export const SHIPPED_KEY_WARNING = 'verified against the key shipped with the report: this proves integrity, not who signed (pass --pubkey with a key you trust to check the signer)';

function readJson(path: string): { value?: unknown; reason?: string } {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    return { reason: err.code === 'ENOENT' ? `report ${path}: no such file` : `cannot read report ${path}: ${err.message}` };
  }
  try {
    return { value: JSON.parse(text) };
  } catch (e) {
    return { reason: `report ${path} is not JSON: ${(e as Error).message}` };
  }
}

/**
 * Verifies a signed report: envelope structure, payloadType, the signature over the PAE, the
 * in-toto statement and the predicate against their schemas and each other, and every artifact
 * present (relative to the report's folder) against its digest. A missing required artifact
 * fails verification; a missing optional one (a checkpoint left out of a published copy) is
 * only noted.
 */
export function verifyReport(path: string, opts: VerifyOptions = {}): VerifyResult {
  const result: VerifyResult = { ok: false, reasons: [], notes: [], keyTrust: 'no-key', signatureOk: false, artifacts: [] };
  const { value: envelope, reason } = readJson(path);
  if (reason) return { ...result, reasons: [reason] };

  let publicKey: KeyObject | null = null;
  const keyPath = opts.pubkey ?? join(dirname(path), PUBLIC_KEY_FILE);
  if (opts.pubkey || existsSync(keyPath)) {
    try {
      publicKey = loadPublicKey(keyPath);
      result.keyTrust = opts.pubkey ? 'trusted-key' : 'shipped-key';
      result.keyid = keyIdOf(publicKey);
      result.publicKeyPath = keyPath;
    } catch (e) {
      result.reasons.push((e as Error).message);
    }
  } else {
    result.reasons.push(`no public key: ${PUBLIC_KEY_FILE} is missing beside the report; pass --pubkey`);
  }

  const env = checkEnvelope(envelope, publicKey, result.keyid ?? null, IN_TOTO_PAYLOAD_TYPE);
  result.signatureOk = env.signatureOk;
  result.reasons.push(...env.reasons);
  result.notes.push(...env.notes);

  if (env.body) {
    // Parsed only to report everything that is wrong at once; `ok` still needs the signature.
    let statement: unknown;
    try {
      statement = JSON.parse(env.body.toString('utf8'));
    } catch (e) {
      result.reasons.push(`payload is not JSON: ${(e as Error).message}`);
    }
    if (statement !== undefined) checkStatement(statement, dirname(path), result);
  }
  result.ok = result.reasons.length === 0 && result.signatureOk;
  if (result.ok && result.keyTrust === 'shipped-key') result.notes.push(SHIPPED_KEY_WARNING);
  return result;
}

function checkStatement(statement: unknown, dir: string, result: VerifyResult): void {
  const sErrors = statementErrors(statement);
  result.reasons.push(...sErrors.map((e) => `statement invalid: ${e}`));
  const predicate = (statement as { predicate?: unknown } | null)?.predicate;
  if (predicate === undefined || typeof predicate !== 'object' || predicate === null) return;
  const pErrors = predicateErrors(predicate);
  result.reasons.push(...pErrors.map((e) => `predicate invalid: ${e}`));
  if (pErrors.length) return;
  const p = predicate as ReportPredicate;
  result.predicate = p;
  result.reasons.push(...consistencyProblems(p).map((e) => `predicate inconsistent: ${e}`));
  if (sErrors.length === 0) result.reasons.push(...subjectMismatches(statement as ReportStatement).map((e) => `statement inconsistent: ${e}`));
  result.artifacts = checkArtifacts(dir, p.artifacts);
  result.reasons.push(...result.artifacts.filter((a) => a.reason).map((a) => a.reason!));
  const absent = result.artifacts.filter((a) => a.status === 'absent').map((a) => a.name);
  if (absent.length) result.notes.push(`${absent.length} optional artifact(s) not present, not checked: ${describeAbsent(absent)}`);
}
