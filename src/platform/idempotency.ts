import type { Kysely } from 'kysely';
import type { DB } from './db.types.js';
import { DomainError } from './errors.js';
import { sha256Hex } from './ids.js';

/** The unique-violation SQLSTATE of PostgreSQL (and PGlite). */
const UNIQUE_VIOLATION = '23505';

export function isUniqueViolation(e: unknown): boolean {
  return typeof e === 'object' && e !== null && (e as { code?: string }).code === UNIQUE_VIOLATION;
}

/**
 * Runs a creating use case at most once per (scope, key): the key row commits in the same
 * transaction as the work, so a retried request gets the first response, never a second dossier.
 */
export async function idempotent<T>(
  db: Kysely<DB>,
  key: string | undefined,
  scope: string,
  request: unknown,
  work: (trx: Kysely<DB>) => Promise<T>,
): Promise<{ value: T; replayed: boolean }> {
  if (!key) return { value: await db.transaction().execute(work), replayed: false };
  if (!/^[\w.:-]{8,128}$/.test(key)) {
    throw new DomainError('VALIDATION', 'Idempotency-Key must be 8–128 characters of letters, digits, . : _ -', {
      field: 'headers.idempotency-key',
    });
  }
  const requestHash = sha256Hex(JSON.stringify(request));
  const replay = async (): Promise<{ value: T; replayed: boolean } | undefined> => {
    const row = await db.selectFrom('idempotency_keys').selectAll().where('scope', '=', scope).where('key', '=', key).executeTakeFirst();
    if (!row) return undefined;
    if (row.request_hash !== requestHash) {
      throw new DomainError('IDEMPOTENCY_CONFLICT', 'This Idempotency-Key was already used with a different request', {
        field: 'headers.idempotency-key',
      });
    }
    const value = (typeof row.response === 'string' ? JSON.parse(row.response) : row.response) as T;
    return { value, replayed: true };
  };
  const earlier = await replay();
  if (earlier) return earlier;
  try {
    const value = await db.transaction().execute(async (trx) => {
      const v = await work(trx);
      await trx
        .insertInto('idempotency_keys')
        .values({ scope, key, request_hash: requestHash, status_code: 201, response: JSON.stringify(v) })
        .execute();
      return v;
    });
    return { value, replayed: false };
  } catch (e) {
    // A concurrent twin committed first: answer with its result.
    if (isUniqueViolation(e)) {
      const twin = await replay();
      if (twin) return twin;
    }
    throw e;
  }
}
