import type { Kysely } from 'kysely';
import type { DB } from '../platform/db.types.js';

/** Opens an intake in progress. */
export async function insertIntake(
  db: Kysely<DB>,
  row: {
    staff_id: number;
    unit_id: number;
    id_number: string;
    procedure_id: number | null;
    reason: string | null;
    opened_at: Date;
    expires_at: Date;
  },
) {
  return db.insertInto('intakes').values(row).returning('id').executeTakeFirstOrThrow();
}

function intakes(db: Kysely<DB>) {
  return db
    .selectFrom('intakes as i')
    .leftJoin('procedures as p', 'p.id', 'i.procedure_id')
    .selectAll('i')
    .select('p.code as procedure_code');
}

/** A clerk's intakes in progress (not closed, not expired), oldest first. */
export async function openIntakesOf(db: Kysely<DB>, staffId: number, now: Date) {
  return intakes(db)
    .where('i.staff_id', '=', staffId)
    .where('i.closed_at', 'is', null)
    .where('i.expires_at', '>', now)
    .orderBy('i.id')
    .execute();
}

export async function intakeById(db: Kysely<DB>, id: number) {
  return intakes(db).where('i.id', '=', id).executeTakeFirst();
}

/** Closes an intake still open; returns whether it was. */
export async function closeIntake(db: Kysely<DB>, id: number, at: Date): Promise<boolean> {
  const r = await db
    .updateTable('intakes')
    .set({ closed_at: at })
    .where('id', '=', id)
    .where('closed_at', 'is', null)
    .returning('id')
    .executeTakeFirst();
  return r !== undefined;
}

/** Listings of stores a staff member made in the hour before an instant. */
export async function listingsInHourBefore(db: Kysely<DB>, staffId: number, now: Date): Promise<number> {
  const r = await db
    .selectFrom('store_access')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('staff_id', '=', staffId)
    .where('at', '>', new Date(now.getTime() - 3_600_000))
    .where('at', '<=', now)
    .executeTakeFirstOrThrow();
  return Number(r.n);
}

/** Records one listing of a store. */
export async function insertStoreAccess(
  db: Kysely<DB>,
  row: {
    staff_id: number;
    unit_id: number;
    owner_id_number: string;
    purpose: 'dossier' | 'intake';
    dossier_id: number | null;
    intake_id: number | null;
    documents: number;
    at: Date;
  },
) {
  await db.insertInto('store_access').values(row).execute();
}

/** A citizen's store, with each document's type names (no file hashes: nobody listing needs them). */
export async function storeListing(db: Kysely<DB>, idNumber: string) {
  return db
    .selectFrom('store_documents as s')
    .leftJoin('document_types as t', 't.code', 's.document_type')
    .select([
      's.id',
      's.kind',
      's.title',
      's.document_type',
      't.name_vi as type_name_vi',
      't.name_en as type_name_en',
      's.issued_at',
      's.issuer_unit_id',
      's.source_dossier_id',
    ])
    .where('s.owner_id_number', '=', idNumber)
    .orderBy('s.id')
    .execute();
}
