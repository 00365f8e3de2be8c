import type { Kysely } from 'kysely';
import type { DB, Unit } from '../platform/db.types.js';

export async function insertUnit(
  db: Kysely<DB>,
  row: Omit<Unit, 'id' | 'created_at' | 'office_hours'> & { office_hours: string | null },
): Promise<number> {
  const r = await db.insertInto('units').values(row).returning('id').executeTakeFirstOrThrow();
  await db
    .insertInto('unit_codes')
    .values({ unit_id: r.id, agency_code: row.agency_code, valid_from: row.valid_from, valid_to: null })
    .execute();
  return r.id;
}

export async function insertCommune(db: Kysely<DB>, row: DB['communes'] extends infer T ? { [K in keyof T]: T[K] } : never) {
  await db.insertInto('communes').values(row).execute();
}

export async function unitByKey(db: Kysely<DB>, key: string) {
  return db.selectFrom('units').selectAll().where('key', '=', key).executeTakeFirst();
}

export async function listUnits(db: Kysely<DB>, kinds?: string[]) {
  let q = db.selectFrom('units').selectAll().orderBy('id');
  if (kinds?.length) q = q.where('kind', 'in', kinds as Unit['kind'][]);
  return q.execute();
}

export async function listCommunes(db: Kysely<DB>) {
  return db.selectFrom('communes').selectAll().orderBy('code').execute();
}

export async function countUnits(db: Kysely<DB>): Promise<number> {
  const r = await db
    .selectFrom('units')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .executeTakeFirstOrThrow();
  return Number(r.n);
}
