// DSSE allows the standard and the URL-safe base64 alphabets (RFC 4648 §4, §5) and verifiers
// must accept both. Node's own decoder is lenient: it skips characters it does not know, so
// "a!b" decodes like "ab". Here decoding is strict, so a changed character in a report can never
// be silently dropped: only one alphabet's characters, correct padding, and no stray bits in
// the last character (the canonical encoding of the decoded bytes).

const STANDARD = /^[A-Za-z0-9+/]*$/;
const URL_SAFE = /^[A-Za-z0-9_-]*$/;

/** Standard base64 with padding: what prunecam writes. */
export function encodeBase64(bytes: Uint8Array): string {
  return Buffer.from(bytes).toString('base64');
}

/**
 * Decodes standard or URL-safe base64, padded or not. Throws an Error saying what is wrong;
 * `what` names the field in that message.
 */
export function decodeBase64(text: string, what: string): Buffer {
  const body = text.replace(/={1,2}$/, '');
  const padded = body.length !== text.length;
  if (!STANDARD.test(body) && !URL_SAFE.test(body)) {
    throw new Error(`${what} is not base64: it has characters outside one base64 alphabet`);
  }
  if (body.length % 4 === 1 || (padded && text.length % 4 !== 0)) {
    throw new Error(`${what} is not base64: its length ${text.length} is impossible`);
  }
  const bytes = Buffer.from(body.replace(/-/g, '+').replace(/_/g, '/'), 'base64');
  if (bytes.toString('base64').replace(/=+$/, '') !== body.replace(/-/g, '+').replace(/_/g, '/')) {
    throw new Error(`${what} is not base64: its last character carries stray bits`);
  }
  return bytes;
}
