import { sql, type Kysely } from 'kysely';
import type { DB } from '../platform/db.types.js';

/** Full names of staff members, by id. */
export async function staffNames(db: Kysely<DB>, ids: number[]): Promise<Map<number, string>> {
  const unique = [...new Set(ids)];
  if (!unique.length) return new Map();
  const rows = await db.selectFrom('staff').select(['id', 'full_name']).where('id', 'in', unique).execute();
  return new Map(rows.map((r) => [r.id, r.full_name]));
}

/**
 * The number of a received dossier in its receiving unit's book of a year: how many dossiers that unit
 * received from `yearStart` up to and including this one (ties in time broken by id, as the book orders them).
 */
export async function bookSeqOf(db: Kysely<DB>, code: string, yearStart: Date): Promise<number | null> {
  const row = await db
    .selectFrom('dossiers as d')
    .innerJoin('dossiers as o', 'o.receiving_unit_id', 'd.receiving_unit_id')
    .select((eb) => eb.fn.countAll<string | number>().as('n'))
    .where('d.code', '=', code)
    .where('d.received_at', 'is not', null)
    .where('o.received_at', '>=', yearStart)
    .where(sql<boolean>`(o.received_at, o.id) <= (d.received_at, d.id)`)
    .executeTakeFirst();
  const n = Number(row?.n ?? 0);
  return n > 0 ? n : null;
}

/** How many dossiers a unit received in [from, to). */
export async function countReceived(db: Kysely<DB>, unitId: number, from: Date, to: Date): Promise<number> {
  const row = await db
    .selectFrom('dossiers')
    .select((eb) => eb.fn.countAll<string | number>().as('n'))
    .where('receiving_unit_id', '=', unitId)
    .where('received_at', '>=', from)
    .where('received_at', '<', to)
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

/** Dossiers a unit received in [from, to), in the order of the book: received time, then id. */
export async function receivedBetween(db: Kysely<DB>, unitId: number, from: Date, to: Date) {
  return db
    .selectFrom('dossiers as d')
    .innerJoin('procedure_versions as v', 'v.id', 'd.procedure_version_id')
    .select([
      'd.id',
      'd.code',
      'd.status',
      'd.applicant_name',
      'd.applicant_address',
      'd.applicant_phone',
      'd.competent_agency_id',
      'd.received_at',
      'd.due_at',
      'd.returned_at',
      'd.apology_due_at',
      'd.late_flagged_at',
      'd.supplement_count',
      'v.name_vi as procedure_name_vi',
    ])
    .where('d.receiving_unit_id', '=', unitId)
    .where('d.received_at', '>=', from)
    .where('d.received_at', '<', to)
    .orderBy('d.received_at')
    .orderBy('d.id')
    .execute();
}

/** The hand-over rows of the same dossiers, in order. */
export async function stepsReceivedBetween(db: Kysely<DB>, unitId: number, from: Date, to: Date) {
  return db
    .selectFrom('dossier_steps as s')
    .innerJoin('dossiers as d', 'd.id', 's.dossier_id')
    .select(['s.dossier_id', 's.seq', 's.role', 's.handed_at'])
    .where('d.receiving_unit_id', '=', unitId)
    .where('d.received_at', '>=', from)
    .where('d.received_at', '<', to)
    .orderBy('s.dossier_id')
    .orderBy('s.seq')
    .execute();
}
