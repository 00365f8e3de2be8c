import type { Kysely } from 'kysely';
import type { DB } from './db.types.js';

/** The stored answer to an earlier request under a key, if any. */
export async function findKey(db: Kysely<DB>, scope: string, key: string) {
  return db.selectFrom('idempotency_keys').selectAll().where('scope', '=', scope).where('key', '=', key).executeTakeFirst();
}

/** Records the answer to a request under its key, in the transaction of the work it answers. */
export async function insertKey(
  db: Kysely<DB>,
  row: { scope: string; key: string; request_hash: string; status_code: number; response: string },
) {
  await db.insertInto('idempotency_keys').values(row).execute();
}
