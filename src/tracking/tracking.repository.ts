import type { Kysely } from 'kysely';
import type { DB } from '../platform/db.types.js';

/** What the public look-up needs of a dossier, by its code (the unique index); its secrets are compared by the caller. */
export async function dossierForTracking(db: Kysely<DB>, code: string) {
  return db
    .selectFrom('dossiers as d')
    .innerJoin('procedure_versions as v', 'v.id', 'd.procedure_version_id')
    .innerJoin('procedures as p', 'p.id', 'd.procedure_id')
    .select([
      'd.id',
      'd.code',
      'd.status',
      'd.portal_status',
      'd.applicant_name',
      'd.applicant_id_number',
      'd.applicant_phone',
      'd.tracking_token',
      'd.submitted_at',
      'd.received_at',
      'd.due_at',
      'd.apology_due_at',
      'd.returned_at',
      'd.return_point_id',
      'd.receiving_unit_id',
      'd.supplement_count',
      'p.code as procedure_code',
      'v.name_vi',
      'v.name_en',
    ])
    .where('d.code', '=', code)
    .executeTakeFirst();
}

export type TrackedDossier = NonNullable<Awaited<ReturnType<typeof dossierForTracking>>>;

/** A dossier's timeline, in order. */
export async function eventsOf(db: Kysely<DB>, dossierId: number) {
  return db
    .selectFrom('dossier_events')
    .select(['seq', 'action', 'to_status', 'unit_id', 'at', 'note'])
    .where('dossier_id', '=', dossierId)
    .orderBy('seq')
    .execute();
}

/** The citizen's rating of a dossier, if any. */
export async function ratingOf(db: Kysely<DB>, dossierId: number) {
  return db.selectFrom('ratings').select(['rating']).where('dossier_id', '=', dossierId).executeTakeFirst();
}

/** Writes the one rating of a dossier; undefined when it was already rated. */
export async function insertRating(
  db: Kysely<DB>,
  row: {
    dossier_id: number;
    rating: 'satisfied' | 'acceptable' | 'not_satisfied';
    comment: string | null;
    created_at: Date;
    /** A logged-in citizen's own rating names their account; a public one names nobody. */
    citizen_account_id?: number;
  },
): Promise<{ dossier_id: number } | undefined> {
  return db
    .insertInto('ratings')
    .values(row)
    .onConflict((oc) => oc.column('dossier_id').doNothing())
    .returning('dossier_id')
    .executeTakeFirst();
}
