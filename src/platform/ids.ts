import { createHash, randomBytes } from 'node:crypto';

/** SHA-256 hex digest of a string or buffer. */
export function sha256Hex(data: string | Uint8Array): string {
  return createHash('sha256').update(data).digest('hex');
}

/** A URL-safe random token of the given byte length. */
export function randomToken(bytes = 32): string {
  return randomBytes(bytes).toString('base64url');
}
