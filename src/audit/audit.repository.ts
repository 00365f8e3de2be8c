import { CompiledQuery, type Kysely } from 'kysely';
import type { DB } from '../platform/db.types.js';
import { auditPayload, GENESIS_HASH, type AuditEntry, type StoredAuditRow } from './audit.model.js';

/** An entry whose entity id is a SQL expression, known only inside the statement that appends it. */
export type DeferredAuditEntry = Omit<AuditEntry, 'entityId'> & { entityId: { sql: string } };

const ENTITY_MARK = '\u0000motcua-entity-id\u0000';

/**
 * The SQL of one append, for a caller that writes the entry in the same statement as the rows it is about:
 * `head` (a CTE body) locks, advances and links the stream's head row and returns (seq, prev_hash, hash);
 * `log(cte)` (a CTE body) inserts the log row from the head CTE so named. Parameters are pushed onto `params`
 * ($n placeholders). The payload is auditPayload(entry, at) unless given; a deferred entity id is spliced
 * into it as a JSON string. The SQL hash must equal chainHash(prev, stream, seq, payload) in audit.model.ts.
 */
export function auditAppendSql(
  entry: AuditEntry | DeferredAuditEntry,
  at: Date,
  params: unknown[],
  givenPayload?: string,
): { head: string; log: (headCte: string) => string } {
  const p = (v: unknown) => `$${params.push(v)}`;
  let payload: string;
  let entityId: string;
  if (entry.entityId === null || typeof entry.entityId === 'string') {
    payload = `${p(givenPayload ?? auditPayload(entry as AuditEntry, at))}::text`;
    entityId = `${p(entry.entityId)}::text`;
  } else {
    // Built field by field, not by spreading the entry: this runs in every intake and spreads are slow in V8.
    const text = auditPayload(
      {
        actorKind: entry.actorKind,
        actorId: entry.actorId,
        stream: entry.stream,
        action: entry.action,
        entityType: entry.entityType,
        entityId: ENTITY_MARK,
        data: entry.data,
      },
      at,
    );
    const mark = JSON.stringify(ENTITY_MARK);
    const i = text.indexOf(mark);
    if (i < 0 || text.indexOf(mark, i + 1) >= 0) throw new Error('audit payload: cannot place the entity id');
    entityId = `(${entry.entityId.sql})::text`;
    // to_json(text) escapes exactly as JSON.stringify does, for any PostgreSQL text.
    payload = `(${p(text.slice(0, i))}::text || to_json(${entityId})::text || ${p(text.slice(i + mark.length))}::text)`;
  }
  const stream = `${p(entry.stream)}::text`;
  const time = `${p(at)}::timestamptz`;
  const head = `insert into audit_heads as ah (stream, seq, prev_hash, hash, updated_at)
      values (${stream}, 1, '${GENESIS_HASH}',
              encode(sha256(convert_to('${GENESIS_HASH}' || E'\\n' || ${stream} || E'\\n1\\n' || ${payload}, 'UTF8')), 'hex'),
              ${time})
      on conflict (stream) do update set
        seq = ah.seq + 1,
        prev_hash = ah.hash,
        hash = encode(sha256(convert_to(ah.hash || E'\\n' || ah.stream || E'\\n' || (ah.seq + 1)::text || E'\\n' || ${payload}, 'UTF8')), 'hex'),
        updated_at = ${time}
      returning seq, prev_hash, hash`;
  const actor = `${p(entry.actorKind)}::text, ${p(entry.actorId)}::int, ${p(entry.action)}::text, ${p(entry.entityType)}::text`;
  const log = (
    headCte: string,
  ) => `insert into audit_log (stream, seq, at, actor_kind, actor_id, action, entity_type, entity_id, payload, prev_hash, hash)
    select ${stream}, h.seq, ${time}, ${actor}, ${entityId}, ${payload}, h.prev_hash, h.hash
    from ${headCte} as h`;
  return { head, log };
}

/** Appends one entry in a single statement: the head row is locked, advanced and linked atomically. */
export async function appendAudit(db: Kysely<DB>, entry: AuditEntry, at: Date, payload: string): Promise<void> {
  const params: unknown[] = [];
  const { head, log } = auditAppendSql(entry, at, params, payload);
  await db.executeQuery(CompiledQuery.raw(`with h as (${head}) ${log('h')}`, params));
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
