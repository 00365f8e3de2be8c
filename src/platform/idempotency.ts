import canonicalize from 'canonicalize';
import type { Kysely } from 'kysely';
import type { DB } from './db.types.js';
import { DomainError } from './errors.js';
import { sha256Hex } from './ids.js';
import * as repo from './idempotency.repository.js';

/** The unique-violation SQLSTATE of PostgreSQL (and PGlite). */
const UNIQUE_VIOLATION = '23505';

export function isUniqueViolation(e: unknown): boolean {
  return typeof e === 'object' && e !== null && (e as { code?: string }).code === UNIQUE_VIOLATION;
}

const KEY_PATTERN = /^[\w.:-]{8,128}$/;

/**
 * Throws VALIDATION naming the header unless the key is `minLength` (8 by default) to 128 characters of letters,
 * digits, . : _ -. Anonymous requests need longer keys (16): their key alone finds their answer again.
 */
export function checkIdempotencyKey(key: string, minLength = 8): void {
  if (!KEY_PATTERN.test(key) || key.length < minLength) {
    throw new DomainError('VALIDATION', `Idempotency-Key must be ${minLength}–128 characters of letters, digits, . : _ -`, {
      field: 'headers.idempotency-key',
    });
  }
}

/**
 * The fingerprint of a request: SHA-256 of its RFC 8785 canonical JSON (keys sorted, numbers and strings in one
 * form), so the same request sent with its keys in another order is the same request.
 */
export function requestHash(request: unknown): string {
  return sha256Hex(canonicalize(request) ?? 'undefined');
}

export interface IdempotencyOptions<T, S> {
  /** What is stored as the answer (default: the value itself). */
  store?: (value: T) => S;
  /** The answer to a replay from what was stored (default: the stored value). */
  replay?: (stored: S) => Promise<T>;
  /** Shortest key accepted (default 8; anonymous requests use 16). */
  minKeyLength?: number;
}

/**
 * Runs a creating use case at most once per (scope, key): the key row commits in the same transaction as the work,
 * so a retried request gets the first answer, never a second effect; the same key with a different request is a
 * conflict. Without a key the work simply runs in a transaction.
 */
export async function idempotent<T, S = T>(
  db: Kysely<DB>,
  key: string | undefined,
  scope: string,
  request: unknown,
  work: (trx: Kysely<DB>) => Promise<T>,
  opts: IdempotencyOptions<T, S> = {},
): Promise<{ value: T; replayed: boolean }> {
  if (!key) return { value: await db.transaction().execute(work), replayed: false };
  checkIdempotencyKey(key, opts.minKeyLength);
  const hash = requestHash(request);
  const replay = async (): Promise<{ value: T; replayed: boolean } | undefined> => {
    const row = await repo.findKey(db, scope, key);
    if (!row) return undefined;
    if (row.request_hash !== hash) {
      throw new DomainError('IDEMPOTENCY_CONFLICT', 'This Idempotency-Key was already used with a different request', {
        field: 'headers.idempotency-key',
      });
    }
    const stored = (typeof row.response === 'string' ? JSON.parse(row.response) : row.response) as S;
    return { value: opts.replay ? await opts.replay(stored) : (stored as unknown as T), replayed: true };
  };
  const earlier = await replay();
  if (earlier) return earlier;
  try {
    const value = await db.transaction().execute(async (trx) => {
      const v = await work(trx);
      const stored = opts.store ? opts.store(v) : v;
      await repo.insertKey(trx, { scope, key, request_hash: hash, status_code: 201, response: JSON.stringify(stored) });
      return v;
    });
    return { value, replayed: false };
  } catch (e) {
    // A concurrent twin committed first: its key row taken (a unique violation), or its work made ours fail (the
    // last place of a slot, the one rating of a dossier). Either way the request was done once: answer as it did.
    const twin = await replay().catch(() => undefined);
    if (twin) return twin;
    throw e;
  }
}
