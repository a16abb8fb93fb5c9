// The signed report: its types, schema, signing and verification. Auditing against the thesis
// lives in src/audit, rendering (HTML, figures, PNG) in src/render.
export * from './types.ts';
export { PUBLIC_KEY_FILE, REPORT_FILE, completePredicate, signPredicate, writeSignedReport, type UnsignedPredicate, type WriteReportOptions, type WrittenReport } from './sign.ts';
export { SHIPPED_KEY_WARNING, verifyReport, type VerifyOptions, type VerifyResult } from './verify.ts';
export { REPORT_PREDICATE_SCHEMA, STATEMENT_SCHEMA, ReportSchemaError, assertWritablePredicate, nonFinitePaths, predicateErrors } from './schema.ts';
export { defaultKeyPath, generateSigningKey, keyIdOf, loadPublicKey, loadSigningKey, resolveSigningKey, writeKeyPair, type SigningKey } from './keys.ts';
