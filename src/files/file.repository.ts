import { sql, type ExpressionBuilder, type Kysely } from 'kysely';
import type { DB } from '../platform/db.types.js';

/** The owner of an upload, as file_uploads and dossier_components.uploaded_by name it. */
export type UploadOwner = { unitId: number; staffId: number } | { submissionId: number };

export function ownerKey(o: UploadOwner): string {
  return 'unitId' in o ? `unit:${o.unitId}` : `submission:${o.submissionId}`;
}

/**
 * Records the blob (once) and holds its row with a share lock until the transaction ends, before its bytes are
 * written: a purge (deleteUnownedBlob) deleting the same blob either waits for this transaction and then fails, the
 * blob being owned, or has committed first, and then this inserts the row anew and the bytes are written anew.
 */
export async function holdBlob(db: Kysely<DB>, blob: { sha256: string; size: number; mime: string }): Promise<void> {
  for (;;) {
    await db
      .insertInto('blobs')
      .values({ sha256: blob.sha256, size: blob.size, mime: blob.mime })
      .onConflict((oc) => oc.column('sha256').doNothing())
      .execute();
    const held = await db.selectFrom('blobs').select('sha256').where('sha256', '=', blob.sha256).forShare().executeTakeFirst();
    // Gone between the two statements: a purge committed its deletion; insert it again.
    if (held) return;
  }
}

/** Records that this owner uploaded the blob (once per owner); the blob's row is held (holdBlob). */
export async function insertUpload(db: Kysely<DB>, blob: { sha256: string }, owner: UploadOwner, at: Date) {
  await db
    .insertInto('file_uploads')
    .values({
      blob_sha256: blob.sha256,
      owner: ownerKey(owner),
      unit_id: 'unitId' in owner ? owner.unitId : null,
      submission_id: 'submissionId' in owner ? owner.submissionId : null,
      staff_id: 'staffId' in owner ? owner.staffId : null,
      uploaded_at: at,
    })
    .onConflict((oc) => oc.columns(['blob_sha256', 'owner']).doNothing())
    .execute();
}

export async function blobMime(db: Kysely<DB>, sha256: string): Promise<string | undefined> {
  const row = await db.selectFrom('blobs').select('mime').where('sha256', '=', sha256).executeTakeFirst();
  return row?.mime;
}

/**
 * Whether a staff member whose scope is `units` may open the file: one of those units uploaded it, or it is a
 * component or an archived result of a dossier received, handled, returned or decided by one of them. One query.
 */
export async function fileInScope(db: Kysely<DB>, sha256: string, units: number[]): Promise<boolean> {
  const scope = units.length ? units : [-1];
  const routedHere = (w: ExpressionBuilder<DB & { d: DB['dossiers'] }, 'd'>) =>
    w.or([
      w('d.receiving_unit_id', 'in', scope),
      w('d.current_unit_id', 'in', scope),
      w('d.return_point_id', 'in', scope),
      w('d.competent_agency_id', 'in', scope),
    ]);
  const row = await db
    .selectNoFrom((eb) => [
      eb
        .or([
          eb.exists(
            eb.selectFrom('file_uploads as u').select('u.owner').where('u.blob_sha256', '=', sha256).where('u.unit_id', 'in', scope),
          ),
          eb.exists(
            eb
              .selectFrom('dossier_components as c')
              .innerJoin('dossiers as d', 'd.id', 'c.dossier_id')
              .select('c.id')
              .where('c.blob_sha256', '=', sha256)
              .where(routedHere),
          ),
          eb.exists(
            eb
              .selectFrom('store_documents as s')
              .innerJoin('dossiers as d', 'd.id', 's.source_dossier_id')
              .select('s.id')
              .where('s.blob_sha256', '=', sha256)
              .where(routedHere),
          ),
        ])
        .as('ok'),
    ])
    .executeTakeFirstOrThrow();
  return Boolean(row.ok);
}

export async function insertSubmission(db: Kysely<DB>, tokenHash: string, at: Date, expiresAt: Date): Promise<number> {
  const row = await db
    .insertInto('online_submissions')
    .values({ token_hash: tokenHash, created_at: at, expires_at: expiresAt })
    .returning('id')
    .executeTakeFirstOrThrow();
  return Number(row.id);
}

/** The submission a token opened, if it has not expired at `now`. */
export async function liveSubmission(db: Kysely<DB>, tokenHash: string, now: Date): Promise<number | undefined> {
  const row = await db
    .selectFrom('online_submissions')
    .select('id')
    .where('token_hash', '=', tokenHash)
    .where('expires_at', '>', now)
    .executeTakeFirst();
  return row ? Number(row.id) : undefined;
}

/**
 * Deletes up to `limit` online submissions that had expired at `now` and gave no file to a dossier (a dossier filed
 * with one keeps it), and with them their uploads' ownership (file_uploads, by cascade). Returns their ids and the
 * blobs they had uploaded, which may now be owned by nobody.
 */
export async function deleteExpiredSubmissions(db: Kysely<DB>, now: Date, limit: number): Promise<{ ids: number[]; blobs: string[] }> {
  const expired = await sql<{ id: string; blobs: string[] | null }>`
    select s.id::text as id, (select array_agg(u.blob_sha256 order by u.blob_sha256) from file_uploads u where u.submission_id = s.id) as blobs
    from online_submissions s
    where s.expires_at <= ${now}
      and not exists (
        select 1 from file_uploads u
        join dossier_components c on c.blob_sha256 = u.blob_sha256 and c.uploaded_by = u.owner
        where u.submission_id = s.id)
    order by s.expires_at, s.id
    limit ${limit}
    for update of s skip locked`.execute(db);
  const ids = expired.rows.map((r) => Number(r.id));
  if (ids.length > 0) await db.deleteFrom('online_submissions').where('id', 'in', ids).execute();
  return { ids, blobs: [...new Set(expired.rows.flatMap((r) => r.blobs ?? []))].sort() };
}

/**
 * Deletes a blob's row if nothing refers to it any more (no owner, no component, no store document); the foreign
 * keys refuse it if a transaction that has committed meanwhile does. Returns whether it was deleted, its row then
 * being locked until the transaction ends.
 */
export async function deleteUnownedBlob(db: Kysely<DB>, sha256: string): Promise<boolean> {
  const r = await sql`
    delete from blobs b where b.sha256 = ${sha256}
      and not exists (select 1 from file_uploads u where u.blob_sha256 = b.sha256)
      and not exists (select 1 from dossier_components c where c.blob_sha256 = b.sha256)
      and not exists (select 1 from store_documents s where s.blob_sha256 = b.sha256)
    returning b.sha256`.execute(db);
  return r.rows.length === 1;
}
