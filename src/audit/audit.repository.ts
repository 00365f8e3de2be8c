import { sql, type Kysely } from 'kysely';
import type { DB } from '../platform/db.types.js';
import type { EventDigestRow } from '../platform/audit-chain.model.js';
import { eventAtSql } from '../platform/audit-chain.repository.js';
import type { StoredAuditRow } from './audit.model.js';

// The verifier's reads. (The append, used by every feature, is platform/audit-chain.repository.ts.)

export async function listHeads(db: Kysely<DB>) {
  return db.selectFrom('audit_heads').select(['stream', 'seq', 'hash']).orderBy('stream').execute();
}

/** Every stream that has log rows, in order: a skip scan over the primary key, one index probe per stream. */
export async function logStreams(db: Kysely<DB>): Promise<string[]> {
  const r = await sql<{ stream: string }>`
    with recursive s(stream) as (
      select min(stream) from audit_log
      union all
      select (select min(l.stream) from audit_log l where l.stream > s.stream) from s where s.stream is not null
    )
    select stream from s where stream is not null order by stream`.execute(db);
  return r.rows.map((x) => x.stream);
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

/** The dossier event rows with these (dossier id, seq) keys, as their digest reads them (one indexed query). */
export async function eventsByKey(db: Kysely<DB>, keys: { dossierId: number; seq: number }[]): Promise<EventDigestRow[]> {
  if (keys.length === 0) return [];
  const r = await sql<EventDigestRow>`
    select e.dossier_id, e.seq, e.province_code, e.action, e.from_status, e.to_status, e.actor_kind, e.actor_id, e.unit_id,
           ${sql.raw(eventAtSql('e'))} as at, e.note, e.data::text as data
    from unnest(${keys.map((k) => k.dossierId)}::bigint[], ${keys.map((k) => k.seq)}::int[]) as k(dossier_id, seq)
    join dossier_events e on e.dossier_id = k.dossier_id and e.seq = k.seq
    order by e.dossier_id, e.seq`.execute(db);
  return r.rows;
}

export async function countEvents(db: Kysely<DB>): Promise<number> {
  const r = await db
    .selectFrom('dossier_events')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .executeTakeFirstOrThrow();
  return Number(r.n);
}

/** Dossier events after a key, in key order, with their dossier's code (null when the dossier row is gone). */
export async function eventsAfter(db: Kysely<DB>, after: { dossierId: number; seq: number }, limit: number) {
  const r = await sql<{ dossier_id: number; seq: number; code: string | null }>`
    select e.dossier_id, e.seq, d.code
    from dossier_events e left join dossiers d on d.id = e.dossier_id
    where (e.dossier_id, e.seq) > (${after.dossierId}, ${after.seq})
    order by e.dossier_id, e.seq
    limit ${limit}`.execute(db);
  return r.rows;
}

/** The payloads of the audit entries about these dossiers (by code, through the entity index). */
export async function dossierEntryPayloads(db: Kysely<DB>, codes: string[]): Promise<string[]> {
  if (codes.length === 0) return [];
  // One array parameter, not an IN list: one statement text (and one prepared statement) whatever the batch holds.
  const r = await sql<{ payload: string }>`
    select payload from audit_log
    where entity_type = 'dossier' and entity_id = any(${codes}::text[])
    order by stream, seq`.execute(db);
  return r.rows.map((x) => x.payload);
}
