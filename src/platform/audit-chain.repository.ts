import { CompiledQuery, type Kysely } from 'kysely';
import type { DB } from './db.types.js';
import { auditPayload, chainHash, GENESIS_HASH, type AuditEntry, type AuditKey } from './audit-chain.model.js';

// The writer of the audit chain, used by every feature's writes: one SQL statement locks and advances the stream's
// head row and inserts the log row, hashing in SQL. The hash is HMAC-SHA256 under the audit key, computed from
// PostgreSQL's built-in sha256(bytea) as sha256((K ⊕ opad) ‖ sha256((K ⊕ ipad) ‖ message)): the pads are statement
// parameters, never stored, so the append stays a single statement (no extension, no second round trip) and the
// database holds no key. chainHash() in audit-chain.model.ts computes the same value in JavaScript.

/** A value known only inside the statement that appends the entry: the SQL expression computing it. */
export interface SqlValue {
  sql: string;
}

/**
 * An entry some of whose parts are SQL expressions of the statement it is appended in: the entity id (a dossier code
 * the statement assigns) and the event it covers (the event row the statement inserts: its dossier id, seq, digest).
 */
export type DeferredAuditEntry = Omit<AuditEntry, 'entityId' | 'event'> & {
  entityId: string | null | SqlValue;
  event?: { dossierId: SqlValue; seq: SqlValue; digest: SqlValue };
};

/** `at` as the event digest reads it: ISO 8601 in UTC with microseconds, whatever the session's time zone. */
export function eventAtSql(alias: string): string {
  return `to_char(${alias}.at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')`;
}

/**
 * SQL of the digest of a dossier event row named `alias` (a table or a RETURNING row): SHA-256 of the same JSON
 * array eventCanonical() builds in audit-chain.model.ts. to_json(text) escapes exactly as JSON.stringify does for
 * any text PostgreSQL can hold, and an integer's text is its JSON number.
 */
export function eventDigestSql(alias: string): string {
  const a = alias;
  const str = (col: string) => `coalesce(to_json(${col})::text, 'null')`;
  const int = (col: string) => `coalesce(${col}::text, 'null')`;
  const parts = [
    int(`${a}.dossier_id`),
    int(`${a}.seq`),
    str(`${a}.province_code`),
    str(`${a}.action`),
    str(`${a}.from_status`),
    str(`${a}.to_status`),
    str(`${a}.actor_kind`),
    int(`${a}.actor_id`),
    int(`${a}.unit_id`),
    str(eventAtSql(a)),
    str(`${a}.note`),
    str(`${a}.data::text`),
  ];
  return `encode(sha256(convert_to('[' || ${parts.join(` || ',' || `)} || ']', 'UTF8')), 'hex')`;
}

const MARK = (n: number) => `\u0000motcua-deferred-${n}\u0000`;

/**
 * The SQL of one append, for a caller that writes the entry in the same statement as the rows it is about:
 * `head` (a CTE body) locks, advances and links the stream's head row and returns (seq, prev_hash, hash);
 * `log(cte)` (a CTE body) inserts the log row from the head CTE so named. Parameters are pushed onto `params`
 * ($n placeholders). The payload is auditPayload(entry, at), its deferred parts spliced in as their JSON text.
 */
export function auditAppendSql(
  key: AuditKey,
  entry: AuditEntry | DeferredAuditEntry,
  at: Date,
  params: unknown[],
  /** A SQL condition: nothing is appended unless it holds (an entry about rows the same statement writes only under a condition). */
  onlyIf?: string,
): { head: string; log: (headCte: string) => string } {
  const p = (v: unknown) => `$${params.push(v)}`;
  // Deferred parts stand in the JSON text as marks, replaced by SQL that yields their JSON text.
  const deferred: { mark: string; json: string }[] = [];
  const defer = (json: string) => {
    const mark = MARK(deferred.length);
    deferred.push({ mark: JSON.stringify(mark), json });
    return mark;
  };
  let entityId: string;
  let entityIdJs: string | null;
  if (entry.entityId === null || typeof entry.entityId === 'string') {
    entityIdJs = entry.entityId;
    entityId = `${p(entry.entityId)}::text`;
  } else {
    entityId = `(${entry.entityId.sql})::text`;
    // to_json(text) escapes exactly as JSON.stringify does, for any PostgreSQL text.
    entityIdJs = defer(`to_json(${entityId})::text`);
  }
  // Built field by field, not by spreading the entry: this runs in every intake and spreads are slow in V8.
  const ev = entry.event as AuditEntry['event'] | DeferredAuditEntry['event'];
  let event: AuditEntry['event'];
  if (ev && typeof ev.digest === 'object') {
    const d = ev as NonNullable<DeferredAuditEntry['event']>;
    event = {
      dossierId: defer(`(${d.dossierId.sql})::text`) as unknown as number,
      seq: defer(`(${d.seq.sql})::text`) as unknown as number,
      digest: defer(`to_json((${d.digest.sql})::text)::text`),
    };
  } else event = ev as AuditEntry['event'];
  const text = auditPayload(
    {
      actorKind: entry.actorKind,
      actorId: entry.actorId,
      stream: entry.stream,
      action: entry.action,
      entityType: entry.entityType,
      entityId: entityIdJs,
      data: entry.data,
      event,
    },
    at,
  );
  let payload: string;
  if (deferred.length === 0) payload = `${p(text)}::text`;
  else {
    const pieces: string[] = [];
    let from = 0;
    for (const { mark, json } of deferred) {
      const i = text.indexOf(mark, from);
      if (i < 0 || text.indexOf(mark, i + mark.length) >= 0) throw new Error('audit payload: cannot place a deferred part');
      pieces.push(`${p(text.slice(from, i))}::text`, json);
      from = i + mark.length;
    }
    pieces.push(`${p(text.slice(from))}::text`);
    payload = `(${pieces.join(' || ')})`;
  }
  const [inner, outer] = key.pads();
  const ipad = `${p(inner)}::bytea`;
  const opad = `${p(outer)}::bytea`;
  const hmac = (message: string) => `encode(sha256(${opad} || sha256(${ipad} || convert_to(${message}, 'UTF8'))), 'hex')`;
  const stream = `${p(entry.stream)}::text`;
  const time = `${p(at)}::timestamptz`;
  const first = `${stream}, 1, '${GENESIS_HASH}', ${hmac(`'${GENESIS_HASH}' || E'\\n' || ${stream} || E'\\n1\\n' || ${payload}`)}, ${time}`;
  const head = `insert into audit_heads as ah (stream, seq, prev_hash, hash, updated_at)
      ${onlyIf ? `select ${first} where ${onlyIf}` : `values (${first})`}
      on conflict (stream) do update set
        seq = ah.seq + 1,
        prev_hash = ah.hash,
        hash = ${hmac(`ah.hash || E'\\n' || ah.stream || E'\\n' || (ah.seq + 1)::text || E'\\n' || ${payload}`)},
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
export async function appendAudit(db: Kysely<DB>, key: AuditKey, entry: AuditEntry, at: Date): Promise<void> {
  const params: unknown[] = [];
  const { head, log } = auditAppendSql(key, entry, at, params);
  await db.executeQuery(CompiledQuery.raw(`with h as (${head}) ${log('h')}`, params));
}

/**
 * Appends several entries of one stream in three statements whatever their number (a dispatch round's outcomes): the
 * stream's head row is locked, the links are hashed here with chainHash() (the same HMAC the one-statement append
 * computes in SQL), the log rows go in as one insert and the head moves to the last of them. A stream without a head
 * yet gets its first entry through appendAudit, which creates the head.
 */
export async function appendAuditBatch(db: Kysely<DB>, key: AuditKey, entries: readonly AuditEntry[], at: Date): Promise<void> {
  if (entries.length === 0) return;
  const stream = entries[0]!.stream;
  if (entries.some((e) => e.stream !== stream)) throw new Error('appendAuditBatch: entries of one stream only');
  let rest = entries;
  let head = await db.selectFrom('audit_heads').select(['seq', 'hash']).where('stream', '=', stream).forUpdate().executeTakeFirst();
  if (!head) {
    await appendAudit(db, key, entries[0]!, at);
    rest = entries.slice(1);
    if (rest.length === 0) return;
    head = await db.selectFrom('audit_heads').select(['seq', 'hash']).where('stream', '=', stream).forUpdate().executeTakeFirstOrThrow();
  }
  let seq = Number(head.seq);
  let prev = head.hash;
  const rows = rest.map((e) => {
    seq += 1;
    const payload = auditPayload(e, at);
    const hash = chainHash(key, prev, stream, seq, payload);
    const row = {
      stream,
      seq,
      at,
      actor_kind: e.actorKind,
      actor_id: e.actorId,
      action: e.action,
      entity_type: e.entityType,
      entity_id: e.entityId,
      payload,
      prev_hash: prev,
      hash,
    };
    prev = hash;
    return row;
  });
  await db.insertInto('audit_log').values(rows).execute();
  const last = rows[rows.length - 1]!;
  await db
    .updateTable('audit_heads')
    .set({ seq: last.seq, prev_hash: last.prev_hash, hash: last.hash, updated_at: at })
    .where('stream', '=', stream)
    .execute();
}
