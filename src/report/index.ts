// The report module's public API: what the run loop and the CLI commands call.
export * from './types.ts';
export { PUBLIC_KEY_FILE, REPORT_FILE, completePredicate, signPredicate, writeSignedReport, type UnsignedPredicate, type WriteReportOptions, type WrittenReport } from './sign.ts';
export { SHIPPED_KEY_WARNING, verifyReport, type VerifyOptions, type VerifyResult } from './verify.ts';
export { auditReport, formatValue, type AuditResult, type ClaimResult, type Verdict } from './audit.ts';
export { DEFAULT_CLAIMS_PATH, loadClaims, parseClaims, type Claim, type ClaimsFile } from './claims.ts';
export { DEFAULT_TOLERANCES, diffReports, type DiffResult, type DiffTolerances, type Drift } from './diff.ts';
export { REPORT_PREDICATE_SCHEMA, STATEMENT_SCHEMA, ReportSchemaError, assertWritablePredicate, nonFinitePaths, predicateErrors } from './schema.ts';
export { defaultKeyPath, generateSigningKey, keyIdOf, loadPublicKey, loadSigningKey, resolveSigningKey, writeKeyPair, type SigningKey } from './keys.ts';
