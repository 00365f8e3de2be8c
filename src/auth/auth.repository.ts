import type { Kysely } from 'kysely';
import type { DB, StaffRole } from '../platform/db.types.js';

export async function findStaffByUsername(db: Kysely<DB>, username: string) {
  return db.selectFrom('staff').selectAll().where('username', '=', username).executeTakeFirst();
}

export async function insertSession(db: Kysely<DB>, staffId: number, tokenHash: string, expiresAt: Date) {
  return db
    .insertInto('sessions')
    .values({ staff_id: staffId, token_hash: tokenHash, expires_at: expiresAt })
    .returning('id')
    .executeTakeFirstOrThrow();
}

/** The live session behind a token hash, with its staff member and unit. */
export async function findSession(db: Kysely<DB>, tokenHash: string, now: Date) {
  return db
    .selectFrom('sessions as s')
    .innerJoin('staff as st', 'st.id', 's.staff_id')
    .innerJoin('units as u', 'u.id', 'st.unit_id')
    .select([
      's.id as sessionId',
      's.expires_at',
      'st.id as staffId',
      'st.username',
      'st.full_name',
      'st.role',
      'st.unit_id',
      'st.active',
      'u.kind as unitKind',
      'u.province_code',
    ])
    .where('s.token_hash', '=', tokenHash)
    .where('s.revoked_at', 'is', null)
    .where('s.expires_at', '>', now)
    .executeTakeFirst();
}

export async function revokeSession(db: Kysely<DB>, tokenHash: string, now: Date) {
  return db
    .updateTable('sessions')
    .set({ revoked_at: now })
    .where('token_hash', '=', tokenHash)
    .where('revoked_at', 'is', null)
    .returning(['id', 'staff_id'])
    .executeTakeFirst();
}

/** A unit and the units directly under it (a center and its branches). */
export async function unitAndChildren(db: Kysely<DB>, unitId: number): Promise<number[]> {
  const rows = await db
    .selectFrom('units')
    .select('id')
    .where((eb) => eb.or([eb('id', '=', unitId), eb('parent_id', '=', unitId)]))
    .where('kind', 'in', ['center', 'branch', 'commune_center'])
    .orderBy('id')
    .execute();
  return rows.map((r) => r.id);
}

export async function insertStaff(
  db: Kysely<DB>,
  row: { username: string; password_hash: string; full_name: string; role: StaffRole; unit_id: number },
) {
  return db
    .insertInto('staff')
    .values(row)
    .returning(['id', 'username', 'full_name', 'role', 'unit_id', 'active'])
    .executeTakeFirstOrThrow();
}

export async function listStaff(db: Kysely<DB>, unitIds: number[] | null) {
  let q = db.selectFrom('staff').select(['id', 'username', 'full_name', 'role', 'unit_id', 'active']).orderBy('id');
  if (unitIds) q = q.where('unit_id', 'in', unitIds.length ? unitIds : [-1]);
  return q.execute();
}

export async function findUnit(db: Kysely<DB>, id: number) {
  return db.selectFrom('units').select(['id', 'kind', 'province_code']).where('id', '=', id).executeTakeFirst();
}
