import { sql, type Expression, type Kysely } from 'kysely';
import type { DB } from '../platform/db.types.js';
import { auditPayload, GENESIS_HASH, type AuditEntry, type StoredAuditRow } from './audit.model.js';

/** An entry whose entity id is a SQL expression, known only inside the statement that appends it. */
export type DeferredAuditEntry = Omit<AuditEntry, 'entityId'> & { entityId: Expression<string> };

const ENTITY_MARK = '\u0000motcua-entity-id\u0000';

/** The payload of an entry as SQL: auditPayload's text, with the entity id spliced in as a JSON string when it is an expression. */
function payloadSql(entry: AuditEntry | DeferredAuditEntry, at: Date, given?: string): Expression<string> {
  if (given !== undefined) return sql.val(given);
  if (typeof entry.entityId === 'string' || entry.entityId === null) return sql.val(auditPayload(entry as AuditEntry, at));
  const text = auditPayload({ ...entry, entityId: ENTITY_MARK }, at);
  const mark = JSON.stringify(ENTITY_MARK);
  const i = text.indexOf(mark);
  if (i < 0 || text.indexOf(mark, i + 1) >= 0) throw new Error('audit payload: cannot place the entity id');
  // to_json(text) escapes exactly as JSON.stringify does for any PostgreSQL text.
  return sql<string>`(${text.slice(0, i)}::text || to_json((${entry.entityId})::text)::text || ${text.slice(i + mark.length)}::text)`;
}

/**
 * One append as the bodies of two common table expressions, for a caller that writes its entry in the same
 * statement as the rows it is about: `head` locks, advances and links the stream's head row and returns
 * (seq, prev_hash, hash); `log(cte)` inserts the log row from the head CTE so named.
 * The payload is auditPayload(entry, at) unless given. The SQL hash must equal chainHash(prev, stream, seq, payload) in audit.model.ts.
 */
export function auditAppendParts(entry: AuditEntry | DeferredAuditEntry, at: Date, givenPayload?: string) {
  const payload = payloadSql(entry, at, givenPayload);
  const entityId = typeof entry.entityId === 'string' || entry.entityId === null ? sql.val(entry.entityId) : entry.entityId;
  const head = sql<{ seq: number; prev_hash: string; hash: string }>`
      insert into audit_heads as ah (stream, seq, prev_hash, hash, updated_at)
      values (${entry.stream}::text, 1, ${GENESIS_HASH},
              encode(sha256(convert_to(${GENESIS_HASH}::text || E'\n' || ${entry.stream}::text || E'\n1\n' || ${payload}::text, 'UTF8')), 'hex'),
              ${at}::timestamptz)
      on conflict (stream) do update set
        seq = ah.seq + 1,
        prev_hash = ah.hash,
        hash = encode(sha256(convert_to(ah.hash || E'\n' || ah.stream || E'\n' || (ah.seq + 1)::text || E'\n' || ${payload}::text, 'UTF8')), 'hex'),
        updated_at = ${at}::timestamptz
      returning seq, prev_hash, hash`;
  const log = (headCte: string) => sql<{ seq: number }>`
    insert into audit_log (stream, seq, at, actor_kind, actor_id, action, entity_type, entity_id, payload, prev_hash, hash)
    select ${entry.stream}::text, h.seq, ${at}::timestamptz, ${entry.actorKind}::text, ${entry.actorId}::int, ${entry.action}::text, ${entry.entityType}::text, (${entityId})::text, ${payload}::text, h.prev_hash, h.hash
    from ${sql.table(headCte)} as h
    returning seq`;
  return { head, log };
}

/** Appends one entry in a single statement: the head row is locked, advanced and linked atomically. */
export async function appendAudit(db: Kysely<DB>, entry: AuditEntry, at: Date, payload: string): Promise<void> {
  const { head, log } = auditAppendParts(entry, at, payload);
  await sql`with h as (${head}) ${log('h')}`.execute(db);
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
