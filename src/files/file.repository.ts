import type { ExpressionBuilder, Kysely } from 'kysely';
import type { DB } from '../platform/db.types.js';

/** The owner of an upload, as file_uploads and dossier_components.uploaded_by name it. */
export type UploadOwner = { unitId: number; staffId: number } | { submissionId: number };

export function ownerKey(o: UploadOwner): string {
  return 'unitId' in o ? `unit:${o.unitId}` : `submission:${o.submissionId}`;
}

/** Records the blob (once) and that this owner uploaded it (once per owner). */
export async function insertUpload(db: Kysely<DB>, blob: { sha256: string; size: number; mime: string }, owner: UploadOwner, at: Date) {
  await db
    .insertInto('blobs')
    .values({ sha256: blob.sha256, size: blob.size, mime: blob.mime })
    .onConflict((oc) => oc.column('sha256').doNothing())
    .execute();
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
