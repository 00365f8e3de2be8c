import { sql, type Kysely } from 'kysely';
import type { DB } from '../platform/db.types.js';
import { auditPayload, chainHash, GENESIS_HASH, type AuditKey } from '../platform/audit-chain.model.js';
import { eventDigestSql } from '../platform/audit-chain.repository.js';
import type { ProcedureVersionInput } from '../catalog/catalog.schema.js';
import type { HistoryVersion, ImportedDossier } from './history.model.js';

/** The audit stream of imported dossier events: one entry per event, as every dossier event has. */
export const HISTORY_STREAM = 'history';

/** PostgreSQL takes at most 65,535 parameters a statement: rows are inserted in chunks that stay well below. */
function chunks<T>(rows: T[], columns: number): T[][] {
  const size = Math.max(1, Math.floor(30_000 / columns));
  const out: T[][] = [];
  for (let i = 0; i < rows.length; i += size) out.push(rows.slice(i, i + size));
  return out;
}

/** Every version of every procedure, with its code. */
export async function allVersions(db: Kysely<DB>): Promise<HistoryVersion[]> {
  const rows = await db
    .selectFrom('procedure_versions as v')
    .innerJoin('procedures as p', 'p.id', 'v.procedure_id')
    .select(['p.id as procedureId', 'p.code', 'v.id as versionId', 'v.effective_from', 'v.body'])
    .orderBy('p.code')
    .orderBy('v.effective_from')
    .execute();
  return rows.map((r) => ({
    procedureId: r.procedureId,
    versionId: r.versionId,
    code: r.code,
    effectiveFrom: r.effective_from,
    body: (typeof r.body === 'string' ? JSON.parse(r.body) : r.body) as ProcedureVersionInput,
  }));
}

/** Every staff member's username, id and unit. */
export async function allStaff(db: Kysely<DB>) {
  return db.selectFrom('staff').select(['id', 'username', 'unit_id']).orderBy('id').execute();
}

export type HistoryImport = Awaited<ReturnType<typeof importOf>>;

/** The import of a file (by the SHA-256 of its bytes), created on first sight. */
export async function importOf(db: Kysely<DB>, fileSha256: string, at: Date) {
  await db
    .insertInto('history_imports')
    .values({ file_sha256: fileSha256, started_at: at, updated_at: at })
    .onConflict((oc) => oc.column('file_sha256').doNothing())
    .execute();
  return db.selectFrom('history_imports').selectAll().where('file_sha256', '=', fileSha256).executeTakeFirstOrThrow();
}

/** Locks the import's row for a batch: two processes importing the same file take turns. */
export async function lockImport(db: Kysely<DB>, id: number) {
  return db.selectFrom('history_imports').selectAll().where('id', '=', id).forUpdate().executeTakeFirstOrThrow();
}

export async function recordProgress(
  db: Kysely<DB>,
  id: number,
  p: { lines: number; bytes: number; imported: number; skipped: number; conflicts: number; invalid: number; at: Date; finished: boolean },
): Promise<void> {
  await db
    .updateTable('history_imports')
    .set({
      lines_done: p.lines,
      bytes_done: p.bytes,
      imported: sql`imported + ${p.imported}`,
      skipped: sql`skipped + ${p.skipped}`,
      conflicts: sql`conflicts + ${p.conflicts}`,
      invalid: sql`invalid + ${p.invalid}`,
      updated_at: p.at,
      ...(p.finished ? { finished_at: p.at } : {}),
    })
    .where('id', '=', id)
    .execute();
}

/** The dossiers these codes name: the SHA-256 of the line each was imported from, null for one made here. */
export async function existingCodes(db: Kysely<DB>, codes: string[]): Promise<Map<string, string | null>> {
  if (!codes.length) return new Map();
  const rows = await db
    .selectFrom('dossiers as d')
    .leftJoin('history_dossiers as h', 'h.dossier_id', 'd.id')
    .select(['d.code', 'h.content_sha256'])
    .where('d.code', 'in', codes)
    .execute();
  return new Map(rows.map((r) => [r.code, r.content_sha256]));
}

/** For (applicant, procedure) pairs: the code of the open dossier each already has that is not itself a known duplicate. */
export async function openDossiersOf(db: Kysely<DB>, pairs: { idNumber: string; procedureId: number }[]): Promise<Map<string, string>> {
  if (!pairs.length) return new Map();
  const r = await sql<{ applicant_id_number: string; procedure_id: number; code: string }>`
    select d.applicant_id_number, d.procedure_id, d.code from dossiers d
    join (select * from unnest(${pairs.map((p) => p.idNumber)}::text[], ${pairs.map((p) => p.procedureId)}::int[]) as x(id_number, procedure_id)) x
      on x.id_number = d.applicant_id_number and x.procedure_id = d.procedure_id
    where d.duplicate_of is null and d.status in ('submitted', 'received', 'processing', 'supplement_requested', 'awaiting_payment')`.execute(
    db,
  );
  return new Map(r.rows.map((x) => [`${x.applicant_id_number}:${x.procedure_id}`, x.code]));
}

/** One dossier to write, with what the service decided for it. */
export interface BatchDossier {
  d: ImportedDossier;
  line: number;
  trackingToken: string;
  duplicateOf: string | null;
  /** The stored result file (checked and in the blob store), when the dossier has an electronic result. */
  resultBlob: { sha256: string; size: number; mime: string } | null;
}

/**
 * Writes a batch of imported dossiers in the caller's transaction: the dossiers, their components, events (each with
 * its own audit entry in the 'history' stream, as every dossier event has one), process-control steps, result
 * documents in the applicants' stores, ratings, where each came from, and the receiving points' code counters moved
 * past the codes used. Every row takes its transaction's id by default, so the KPI worker applies them as live ones.
 */
export async function writeBatch(
  trx: Kysely<DB>,
  key: AuditKey,
  importId: number,
  batch: BatchDossier[],
  at: Date,
): Promise<{ events: number }> {
  if (!batch.length) return { events: 0 };
  const blobs = new Map<string, { blob: NonNullable<BatchDossier['resultBlob']>; owners: Set<number>; at: Date }>();
  for (const b of batch) {
    if (!b.resultBlob || !b.d.result) continue;
    const e = blobs.get(b.resultBlob.sha256) ?? { blob: b.resultBlob, owners: new Set<number>(), at: b.d.result.issuedAt };
    e.owners.add(b.d.result.issuerUnitId);
    blobs.set(b.resultBlob.sha256, e);
  }
  if (blobs.size) {
    for (const part of chunks([...blobs.values()], 3))
      await trx
        .insertInto('blobs')
        .values(part.map((x) => ({ sha256: x.blob.sha256, size: x.blob.size, mime: x.blob.mime })))
        .onConflict((oc) => oc.column('sha256').doNothing())
        .execute();
    // The issuing agency's own upload, as a live result is its approver's.
    const uploads = [...blobs.values()].flatMap((x) =>
      [...x.owners].map((unit) => ({
        blob_sha256: x.blob.sha256,
        owner: `unit:${unit}`,
        unit_id: unit,
        submission_id: null,
        staff_id: null,
        uploaded_at: x.at,
      })),
    );
    for (const part of chunks(uploads, 6))
      await trx
        .insertInto('file_uploads')
        .values(part)
        .onConflict((oc) => oc.columns(['blob_sha256', 'owner']).doNothing())
        .execute();
  }

  const ids = new Map<string, number>();
  for (const part of chunks(batch, 45)) {
    const rows = await trx
      .insertInto('dossiers')
      .values(
        part.map((b) => ({
          ...b.d.dossier,
          late_flagged_at: null,
          result_document_id: null,
          tracking_token: b.trackingToken,
          duplicate_of: b.duplicateOf,
        })),
      )
      .returning(['id', 'code'])
      .execute();
    for (const r of rows) ids.set(r.code, Number(r.id));
  }
  const idOf = (b: BatchDossier) => ids.get(b.d.code)!;

  const components = batch.flatMap((b) =>
    b.d.components.map((c) => ({ ...c, dossier_id: idOf(b), blob_sha256: null, store_document_id: null, uploaded_by: null })),
  );
  for (const part of chunks(components, 12)) await trx.insertInto('dossier_components').values(part).execute();

  const codes = new Map(batch.map((b) => [idOf(b), b.d.code]));
  const events = batch.flatMap((b) => b.d.events.map((e) => ({ ...e, dossier_id: idOf(b) })));
  const written: { dossier_id: number; seq: number; to_status: string; action: string; digest: string }[] = [];
  for (const part of chunks(events, 12)) {
    const rows = await trx
      .insertInto('dossier_events')
      .values(part)
      .returning(['dossier_id', 'seq', 'to_status', 'action', sql<string>`${sql.raw(eventDigestSql('dossier_events'))}`.as('digest')])
      .execute();
    written.push(...rows.map((r) => ({ ...r, dossier_id: Number(r.dossier_id) })));
  }
  written.sort((a, b) => a.dossier_id - b.dossier_id || a.seq - b.seq);
  await appendEventEntries(trx, key, importId, written, codes, at);

  const steps = batch.flatMap((b) => b.d.steps.map((s) => ({ ...s, dossier_id: idOf(b) })));
  for (const part of chunks(steps, 11)) await trx.insertInto('dossier_steps').values(part).execute();

  const results = batch.filter((b) => b.d.result && b.resultBlob);
  for (const part of chunks(results, 8)) {
    const docs = await trx
      .insertInto('store_documents')
      .values(
        part.map((b) => ({
          owner_id_number: b.d.dossier.applicant_id_number,
          kind: 'result',
          title: b.d.result!.title,
          document_type: b.d.result!.documentType,
          blob_sha256: b.resultBlob!.sha256,
          issuer_unit_id: b.d.result!.issuerUnitId,
          source_dossier_id: idOf(b),
          issued_at: b.d.result!.issuedAt,
        })),
      )
      .returning(['id', 'source_dossier_id'])
      .execute();
    await sql`
      update dossiers d set result_document_id = x.doc
      from unnest(${docs.map((x) => Number(x.id))}::bigint[], ${docs.map((x) => Number(x.source_dossier_id))}::bigint[]) as x(doc, dossier)
      where d.id = x.dossier`.execute(trx);
  }

  const ratings = batch.filter((b) => b.d.rating).map((b) => ({ ...b.d.rating!, dossier_id: idOf(b) }));
  for (const part of chunks(ratings, 4)) await trx.insertInto('ratings').values(part).execute();

  for (const part of chunks(batch, 4))
    await trx
      .insertInto('history_dossiers')
      .values(part.map((b) => ({ dossier_id: idOf(b), import_id: importId, line: b.line, content_sha256: b.d.contentSha256 })))
      .execute();

  // Live intake numbers a point's day from its counter: it continues after the imported codes of that day.
  const counters = new Map<string, { prefix: string; day: string; last: number }>();
  for (const b of batch) {
    const c = b.d.codeCounter;
    if (!c) continue;
    const k = `${c.prefix}|${c.day}`;
    const cur = counters.get(k);
    if (!cur || cur.last < c.seq) counters.set(k, { prefix: c.prefix, day: c.day, last: c.seq });
  }
  for (const part of chunks([...counters.values()], 3))
    await trx
      .insertInto('dossier_code_counters')
      .values(part)
      .onConflict((oc) => oc.columns(['prefix', 'day']).doUpdateSet({ last: sql`greatest(dossier_code_counters.last, excluded.last)` }))
      .execute();
  return { events: written.length };
}

/**
 * One audit entry per imported event, chained in the 'history' stream: the links are computed here with the key
 * (chainHash, the same HMAC the one-statement append computes in SQL), the entries inserted in bulk, and the head
 * advanced one entry at a time, as its trigger requires, in one PL/pgSQL block (the hashes are hex digits, inlined).
 */
async function appendEventEntries(
  trx: Kysely<DB>,
  key: AuditKey,
  importId: number,
  events: { dossier_id: number; seq: number; to_status: string; action: string; digest: string }[],
  codes: Map<number, string>,
  at: Date,
): Promise<void> {
  const head = await sql<{ seq: string; hash: string }>`
    select seq::text, hash from audit_heads where stream = ${HISTORY_STREAM} for update`.execute(trx);
  let seq = Number(head.rows[0]?.seq ?? 0);
  let prev = head.rows[0]?.hash ?? GENESIS_HASH;
  const rows = events.map((e) => {
    const payload = auditPayload(
      {
        actorKind: 'system',
        actorId: null,
        stream: HISTORY_STREAM,
        action: `dossier.${e.action}`,
        entityType: 'dossier',
        entityId: codes.get(e.dossier_id)!,
        data: { status: e.to_status, historyImport: importId },
        event: { dossierId: e.dossier_id, seq: e.seq, digest: e.digest },
      },
      at,
    );
    seq += 1;
    const hash = chainHash(key, prev, HISTORY_STREAM, seq, payload);
    const row = {
      stream: HISTORY_STREAM,
      seq,
      at,
      actor_kind: 'system',
      actor_id: null,
      action: `dossier.${e.action}`,
      entity_type: 'dossier',
      entity_id: codes.get(e.dossier_id)!,
      payload,
      prev_hash: prev,
      hash,
    };
    prev = hash;
    return row;
  });
  for (const part of chunks(rows, 11)) await trx.insertInto('audit_log').values(part).execute();
  const hashes = rows.map((r) => r.hash);
  if (!head.rows[0]) {
    await trx
      .insertInto('audit_heads')
      .values({ stream: HISTORY_STREAM, seq: 1, prev_hash: GENESIS_HASH, hash: hashes.shift()!, updated_at: at })
      .execute();
  }
  if (!hashes.length) return;
  if (!hashes.every((h) => /^[0-9a-f]{64}$/.test(h))) throw new Error('audit chain: a hash is not hex');
  await sql`
    do $$
    declare h text;
    begin
      foreach h in array array[${sql.raw(hashes.map((h) => `'${h}'`).join(','))}]::text[] loop
        update audit_heads set seq = seq + 1, prev_hash = hash, hash = h, updated_at = ${sql.raw(`'${at.toISOString()}'`)}::timestamptz
        where stream = ${sql.raw(`'${HISTORY_STREAM}'`)};
      end loop;
    end $$`.execute(trx);
}
