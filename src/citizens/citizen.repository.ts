import { sql, type Kysely } from 'kysely';
import type { DB } from '../platform/db.types.js';

/** Keeps a log-in begun at VNeID until its callback. */
export async function insertPendingLogin(
  db: Kysely<DB>,
  row: {
    state: string;
    code_verifier: string;
    nonce: string;
    browser_hash: string;
    return_to: string;
    created_at: Date;
    expires_at: Date;
  },
): Promise<void> {
  await db.insertInto('citizen_logins').values(row).execute();
}

/** Takes a pending log-in out by its state: whoever deletes it redeems it, so a replayed callback finds nothing. */
export async function takePendingLogin(db: Kysely<DB>, state: string) {
  return db.deleteFrom('citizen_logins').where('state', '=', state).returningAll().executeTakeFirst();
}

/** Creates the account of a VNeID subject, or brings it up to date with what VNeID vouches for now. */
export async function upsertAccount(
  db: Kysely<DB>,
  row: {
    subject: string;
    level: 1 | 2;
    id_number: string | null;
    name: string;
    birth_date: string | null;
    gender: 'male' | 'female' | null;
    permanent_address: string | null;
    at: Date;
  },
): Promise<{ id: number; created: boolean }> {
  const { at, ...values } = row;
  const r = await db
    .insertInto('citizen_accounts')
    .values({ ...values, created_at: at, last_login_at: at })
    .onConflict((oc) =>
      oc.column('subject').doUpdateSet((eb) => ({
        level: eb.ref('excluded.level'),
        id_number: eb.ref('excluded.id_number'),
        name: eb.ref('excluded.name'),
        birth_date: eb.ref('excluded.birth_date'),
        gender: eb.ref('excluded.gender'),
        permanent_address: eb.ref('excluded.permanent_address'),
        last_login_at: eb.ref('excluded.last_login_at'),
      })),
    )
    // xmax is 0 for a row this statement inserted, the updating transaction's id for one it updated.
    .returning(['id', sql<boolean>`(xmax = 0)`.as('created')])
    .executeTakeFirstOrThrow();
  return { id: r.id, created: r.created };
}

export async function insertSession(
  db: Kysely<DB>,
  row: { token_hash: string; account_id: number; created_at: Date; expires_at: Date },
): Promise<number> {
  const r = await db.insertInto('citizen_sessions').values(row).returning('id').executeTakeFirstOrThrow();
  return Number(r.id);
}

/** A live session (not revoked, not expired) by its token's hash, with its account. */
export async function liveSession(db: Kysely<DB>, hash: string, now: Date) {
  return db
    .selectFrom('citizen_sessions as s')
    .innerJoin('citizen_accounts as a', 'a.id', 's.account_id')
    .select([
      's.id as session_id',
      's.expires_at',
      'a.id as account_id',
      'a.level',
      'a.id_number',
      'a.name',
      'a.birth_date',
      'a.gender',
      'a.permanent_address',
    ])
    .where('s.token_hash', '=', hash)
    .where('s.revoked_at', 'is', null)
    .where('s.expires_at', '>', now)
    .executeTakeFirst();
}

/** Ends a session; false when it had already ended. */
export async function revokeSession(db: Kysely<DB>, id: number, at: Date): Promise<boolean> {
  const r = await db
    .updateTable('citizen_sessions')
    .set({ revoked_at: at })
    .where('id', '=', id)
    .where('revoked_at', 'is', null)
    .returning('id')
    .executeTakeFirst();
  return r !== undefined;
}

/** Forgets log-ins never finished and sessions ended before `before`; how many of each. */
export async function purgeEnded(db: Kysely<DB>, now: Date, before: Date): Promise<{ logins: number; sessions: number }> {
  const logins = await db.deleteFrom('citizen_logins').where('expires_at', '<=', now).executeTakeFirst();
  const sessions = await db
    .deleteFrom('citizen_sessions')
    .where((eb) => eb.or([eb('expires_at', '<=', before), eb('revoked_at', '<=', before)]))
    .executeTakeFirst();
  return { logins: Number(logins.numDeletedRows), sessions: Number(sessions.numDeletedRows) };
}

/** A citizen's dossiers (by the applicant's ID number), newest first, with their procedure and rating. */
export async function dossiersOf(db: Kysely<DB>, idNumber: string, limit: number) {
  return db
    .selectFrom('dossiers as d')
    .innerJoin('procedures as p', 'p.id', 'd.procedure_id')
    .innerJoin('procedure_versions as v', 'v.id', 'd.procedure_version_id')
    .leftJoin('ratings as r', 'r.dossier_id', 'd.id')
    .select([
      'd.code',
      'd.status',
      'd.channel',
      'd.submitted_at',
      'd.received_at',
      'd.due_at',
      'd.apology_due_at',
      'd.returned_at',
      'd.tracking_token',
      'd.vneid_authenticated',
      'd.return_point_id',
      'p.code as procedure_code',
      'v.name_vi',
      'v.name_en',
      'r.rating',
    ])
    .where('d.applicant_id_number', '=', idNumber)
    .orderBy('d.created_at', 'desc')
    .orderBy('d.id', 'desc')
    .limit(limit)
    .execute();
}
