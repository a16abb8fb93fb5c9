// Errors of the data pipeline. Every message names the file (or directory) and the problem, so
// the CLI can print it alone, without a stack trace.

/** A data file or directory that cannot be used: corrupt, wrong format or wrong checksum. */
export class DataError extends Error {
  override name = 'DataError';
}

/**
 * Data files that are not there at all. A separate class so that a caller can tell "not
 * downloaded yet" (and e.g. fall back to the embedded subset) from "present but damaged",
 * which must never be papered over.
 */
export class MissingDataError extends DataError {
  override name = 'MissingDataError';
}
