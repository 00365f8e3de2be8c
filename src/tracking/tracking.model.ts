import { DomainError } from '../platform/errors.js';

/** Alphabet of tracking tokens: 32 letters and digits without look-alikes (no 0/O, 1/I), as booking codes. */
export const TOKEN_ALPHABET = 'ABCDEFGHJKLMNPQRSTUVWXYZ23456789';
/** Characters of a tracking token: 12 × 5 bits = 60 random bits. */
export const TOKEN_LENGTH = 12;

/** A tracking token from random bytes (at least TOKEN_LENGTH of them): 32 divides 256, so each character is uniform. */
export function trackingToken(bytes: Uint8Array): string {
  if (bytes.length < TOKEN_LENGTH) throw new Error(`trackingToken needs ${TOKEN_LENGTH} random bytes`);
  let s = '';
  for (let i = 0; i < TOKEN_LENGTH; i++) s += TOKEN_ALPHABET[bytes[i]! & 31];
  return s;
}

/** A tracking token as typed: case does not matter (the alphabet has no two letters that differ only by case). */
export function normalizeToken(token: string): string {
  return token.toUpperCase();
}

/** A tracking token as the API accepts it, in either case. */
export const TOKEN_PATTERN = '^[A-HJ-NP-Za-hj-np-z2-9]{12}$';

/**
 * The secret a public look-up sends: exactly one of the phone's last 4 digits and the tracking token.
 * `part` names where they came from ('querystring', 'body') for the error's field.
 */
export function trackingSecret(input: { phone?: string; token?: string }, part: string): { phone: string } | { token: string } {
  if (input.phone !== undefined && input.token !== undefined)
    throw new DomainError('VALIDATION', 'Send either the tracking token or the last 4 phone digits, not both', { field: `${part}.phone` });
  if (input.token !== undefined) return { token: input.token };
  if (input.phone !== undefined) return { phone: input.phone };
  throw new DomainError('VALIDATION', "Send the receipt's tracking token (token) or the last 4 digits of the phone (phone)", {
    field: `${part}.token`,
  });
}
