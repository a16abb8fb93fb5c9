import { sign, verify, type KeyObject } from 'node:crypto';
import { decodeBase64, encodeBase64 } from './base64.ts';
import { algorithmOf, type SigningKey } from './keys.ts';

// DSSE (Dead Simple Signing Envelope, secure-systems-lab/dsse, protocol v1): the signature covers
// PAE(payloadType, payload), never the envelope's JSON text, so re-formatting report.json cannot
// break it and a changed payloadType can.

export const IN_TOTO_PAYLOAD_TYPE = 'application/vnd.in-toto+json';

export interface DsseSignature {
  /** Unauthenticated hint: hex sha256 of the signer's SPKI DER. */
  keyid?: string;
  /** base64 (standard or URL-safe) of the signature bytes. */
  sig: string;
}

export interface DsseEnvelope {
  payload: string;
  payloadType: string;
  signatures: DsseSignature[];
}

/** PAE(type, body) = "DSSEv1" SP LEN(type) SP type SP LEN(body) SP body, LEN in bytes, decimal. */
export function pae(payloadType: string, body: Uint8Array): Buffer {
  const type = Buffer.from(payloadType, 'utf8');
  return Buffer.concat([Buffer.from(`DSSEv1 ${type.length} `, 'ascii'), type, Buffer.from(` ${body.length} `, 'ascii'), body]);
}

/**
 * Signature bytes over `message`: ECDSA P-256 with SHA-256 in DER (what openssl and most
 * DSSE verifiers expect), or Ed25519 (which hashes internally, so no digest is named).
 */
export function signBytes(message: Uint8Array, key: SigningKey): Buffer {
  return key.algorithm === 'ed25519' ? sign(null, message, key.privateKey) : sign('sha256', message, { key: key.privateKey, dsaEncoding: 'der' });
}

/** True when `signature` is a valid signature of `message` by `publicKey`; malformed input is false. */
export function verifyBytes(message: Uint8Array, signature: Uint8Array, publicKey: KeyObject): boolean {
  const algorithm = algorithmOf(publicKey, 'public key');
  try {
    return algorithm === 'ed25519' ? verify(null, message, publicKey, signature) : verify('sha256', message, { key: publicKey, dsaEncoding: 'der' }, signature);
  } catch {
    // A malformed DER signature makes OpenSSL throw instead of answering false.
    return false;
  }
}

/** One-signature envelope over `body`. */
export function signEnvelope(payloadType: string, body: Uint8Array, key: SigningKey): DsseEnvelope {
  const sig = signBytes(pae(payloadType, body), key);
  return { payload: encodeBase64(body), payloadType, signatures: [{ keyid: key.keyid, sig: encodeBase64(sig) }] };
}

export interface EnvelopeCheck {
  /** True when at least one signature verifies with the key. */
  signatureOk: boolean;
  /** Decoded payload bytes, when the payload is valid base64. */
  body?: Buffer;
  /** Why the envelope is rejected, one message per problem. */
  reasons: string[];
  /** Observations that do not reject it (e.g. a keyid that is not the key's). */
  notes: string[];
}

/**
 * Checks the envelope's structure and its signatures against one trusted key, following the
 * DSSE verification steps: decode, verify the signature over PAE, then check the payload type.
 * Fields DSSE does not define are ignored, as the envelope spec requires.
 */
export function checkEnvelope(envelope: unknown, publicKey: KeyObject | null, keyid: string | null, expectedType: string): EnvelopeCheck {
  const reasons: string[] = [];
  const notes: string[] = [];
  if (typeof envelope !== 'object' || envelope === null || Array.isArray(envelope)) {
    return { signatureOk: false, reasons: ['report is not a DSSE envelope: not a JSON object'], notes };
  }
  const env = envelope as Record<string, unknown>;
  const missing = ['payload', 'payloadType', 'signatures'].filter((k) => !(k in env));
  if (missing.length) return { signatureOk: false, reasons: [`report is not a DSSE envelope: missing ${missing.join(', ')}`], notes };
  if (typeof env.payload !== 'string') reasons.push('envelope payload must be a string');
  if (typeof env.payloadType !== 'string') reasons.push('envelope payloadType must be a string');
  if (!Array.isArray(env.signatures) || env.signatures.length === 0) reasons.push('envelope signatures must be a non-empty array');
  if (reasons.length) return { signatureOk: false, reasons, notes };
  const payloadType = env.payloadType as string;
  const signatures = env.signatures as unknown[];

  let body: Buffer | undefined;
  try {
    body = decodeBase64(env.payload as string, 'payload');
  } catch (e) {
    reasons.push((e as Error).message);
  }

  const sigs: Buffer[] = [];
  const keyids: string[] = [];
  signatures.forEach((s, i) => {
    const entry = s as Record<string, unknown> | null;
    if (typeof entry !== 'object' || entry === null || typeof entry.sig !== 'string') {
      reasons.push(`signatures/${i}: sig must be a string`);
      return;
    }
    if (entry.keyid !== undefined && typeof entry.keyid !== 'string') reasons.push(`signatures/${i}: keyid must be a string`);
    else if (typeof entry.keyid === 'string' && entry.keyid !== '') keyids.push(entry.keyid);
    try {
      sigs.push(decodeBase64(entry.sig, `signatures/${i}/sig`));
    } catch (e) {
      reasons.push((e as Error).message);
    }
  });

  let signatureOk = false;
  if (publicKey && body) {
    const message = pae(payloadType, body);
    signatureOk = sigs.some((sig) => verifyBytes(message, sig, publicKey));
    if (!signatureOk) reasons.push(`signature does not verify with key ${keyid ?? '(given)'}`);
    // keyid is an unauthenticated hint (DSSE): worth saying when it disagrees, never a reason to accept.
    if (keyid && keyids.length && !keyids.includes(keyid)) notes.push(`the signature's keyid ${keyids.join(', ')} is not the key's keyid ${keyid}`);
  }
  if (payloadType !== expectedType) reasons.push(`payloadType is ${JSON.stringify(payloadType)}, expected ${expectedType}`);
  return { signatureOk, body, reasons, notes };
}
