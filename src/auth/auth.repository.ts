import { CompiledQuery, sql, type Kysely } from 'kysely';
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

/** A live session with its staff member, unit and, for a manager, the units of their scope. */
export interface LiveSession {
  sessionId: number;
  expires_at: Date;
  staffId: number;
  username: string;
  full_name: string;
  role: StaffRole;
  unit_id: number;
  active: boolean;
  unitKind: string;
  province_code: string;
  managerScope: number[] | null;
}

// Asked on every authenticated request, so written once as text: building it through the query builder cost
// more server CPU (about 5% of an intake request) than sending it. The manager's scope (their center and its
// branches) is in the same query; a CASE runs the sub-select of the branch it takes, so only for a manager.
const FIND_SESSION = `select s.id as "sessionId", s.expires_at, st.id as "staffId", st.username, st.full_name, st.role, st.unit_id,
  st.active, u.kind as "unitKind", u.province_code,
  case when st.role = 'manager' then array(
    select c.id from units c
    where (c.id = st.unit_id or c.parent_id = st.unit_id) and c.kind in ('center', 'branch', 'commune_center')
    order by c.id) end as "managerScope"
from sessions s
join staff st on st.id = s.staff_id
join units u on u.id = st.unit_id
where s.token_hash = $1 and s.revoked_at is null and s.expires_at > $2`;

/** The live session behind a token hash: one query by the unique index of token_hash. */
export async function findSession(db: Kysely<DB>, tokenHash: string, now: Date): Promise<LiveSession | undefined> {
  const r = await db.executeQuery<LiveSession>(CompiledQuery.raw(FIND_SESSION, [tokenHash, now]));
  return r.rows[0];
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

/** A throttle key and the failures it allows before it locks. */
export interface ThrottleKey {
  key: string;
  threshold: number;
}

/**
 * The throttle rows of the keys, locked until the transaction ends (created first if missing), in key order so
 * that two log-ins never wait on each other in a cycle.
 */
export async function lockThrottleRows(trx: Kysely<DB>, keys: readonly string[], now: Date) {
  await trx
    .insertInto('login_throttle')
    .values(keys.map((key) => ({ key, failures: 0, locked_until: null, last_failure_at: now })))
    .onConflict((oc) => oc.column('key').doNothing())
    .execute();
  return trx
    .selectFrom('login_throttle')
    .select(['key', 'failures', 'locked_until', 'last_failure_at'])
    .where('key', 'in', keys)
    .orderBy('key')
    .forUpdate()
    .execute();
}

export async function writeThrottleRow(
  db: Kysely<DB>,
  key: string,
  row: { failures: number; locked_until: Date | null; last_failure_at: Date },
): Promise<void> {
  await db.updateTable('login_throttle').set(row).where('key', '=', key).execute();
}

/**
 * Puts a throttle row back as it was before a counted attempt, unless another attempt has changed it since
 * (then that one's count stands, and only this attempt's failure is taken off).
 */
export async function restoreThrottleRow(
  db: Kysely<DB>,
  key: string,
  counted: { failures: number; locked_until: Date | null; last_failure_at: Date },
  before: { failures: number; locked_until: Date | null; last_failure_at: Date },
): Promise<void> {
  const r = await db
    .updateTable('login_throttle')
    .set(before)
    .where('key', '=', key)
    .where('failures', '=', counted.failures)
    .where('last_failure_at', '=', counted.last_failure_at)
    .executeTakeFirst();
  if (Number(r.numUpdatedRows) === 0)
    await db
      .updateTable('login_throttle')
      .set((eb) => ({ failures: sql`greatest(${eb.ref('failures')} - 1, 0)` }))
      .where('key', '=', key)
      .execute();
}

/** Forgets throttle rows with no lock left and no failure since `before`. */
export async function purgeThrottle(db: Kysely<DB>, now: Date, before: Date): Promise<number> {
  const r = await db
    .deleteFrom('login_throttle')
    .where('last_failure_at', '<', before)
    .where((eb) => eb.or([eb('locked_until', 'is', null), eb('locked_until', '<=', now)]))
    .executeTakeFirst();
  return Number(r.numDeletedRows);
}
