import { sql, type Kysely } from 'kysely';
import type { DB } from '../platform/db.types.js';
import { GENESIS_HASH, type AuditEntry, type StoredAuditRow } from './audit.model.js';

/** Appends one entry in a single statement: the head row is locked, advanced and linked atomically. */
export async function appendAudit(db: Kysely<DB>, entry: AuditEntry, at: Date, payload: string): Promise<void> {
  // The SQL hash must equal chainHash(prev, stream, seq, payload) in audit.model.ts.
  await sql`
    with h as (
      insert into audit_heads as ah (stream, seq, prev_hash, hash, updated_at)
      values (${entry.stream}::text, 1, ${GENESIS_HASH},
              encode(sha256(convert_to(${GENESIS_HASH}::text || E'\n' || ${entry.stream}::text || E'\n1\n' || ${payload}::text, 'UTF8')), 'hex'),
              ${at}::timestamptz)
      on conflict (stream) do update set
        seq = ah.seq + 1,
        prev_hash = ah.hash,
        hash = encode(sha256(convert_to(ah.hash || E'\n' || ah.stream || E'\n' || (ah.seq + 1)::text || E'\n' || ${payload}::text, 'UTF8')), 'hex'),
        updated_at = ${at}::timestamptz
      returning seq, prev_hash, hash
    )
    insert into audit_log (stream, seq, at, actor_kind, actor_id, action, entity_type, entity_id, payload, prev_hash, hash)
    select ${entry.stream}::text, h.seq, ${at}::timestamptz, ${entry.actorKind}::text, ${entry.actorId}::int, ${entry.action}::text, ${entry.entityType}::text, ${entry.entityId}::text, ${payload}::text, h.prev_hash, h.hash
    from h`.execute(db);
}

export async function listHeads(db: Kysely<DB>) {
  return db.selectFrom('audit_heads').select(['stream', 'seq', 'hash']).orderBy('stream').execute();
}

/** Rows of a stream after a position, in order (keyset pagination for verification). */
export async function rowsAfter(db: Kysely<DB>, stream: string, afterSeq: number, limit: number): Promise<StoredAuditRow[]> {
  return db
    .selectFrom('audit_log')
    .select(['stream', 'seq', 'at', 'actor_kind', 'actor_id', 'action', 'entity_type', 'entity_id', 'payload', 'prev_hash', 'hash'])
    .where('stream', '=', stream)
    .where('seq', '>', afterSeq)
    .orderBy('seq')
    .limit(limit)
    .execute();
}

/** Streams that have log rows but no head (a head deleted to hide a stream). */
export async function streamsWithoutHead(db: Kysely<DB>): Promise<string[]> {
  const rows = await db
    .selectFrom('audit_log as l')
    .leftJoin('audit_heads as h', 'h.stream', 'l.stream')
    .select('l.stream')
    .where('h.stream', 'is', null)
    .groupBy('l.stream')
    .orderBy('l.stream')
    .execute();
  return rows.map((r) => r.stream);
}
