import { sql, type Kysely } from 'kysely';

/**
 * Every process keeps the sessions it has checked in memory (src/auth/session-cache.ts). A committed change to what a
 * session grants — a session revoked or deleted, an account changed or disabled, a unit added, moved or removed (a
 * manager's scope is their center's units) — is announced on the channel `motcua_sessions` by these statement
 * triggers, however it was made (the app, a command, an operator at psql), and each process forgets what it held.
 * Inserting a session changes nothing held, so it notifies nothing.
 */
export const SESSIONS_CHANNEL = 'motcua_sessions';

const WATCHED: [table: string, events: string][] = [
  ['sessions', 'update or delete or truncate'],
  ['staff', 'update or delete or truncate'],
  ['units', 'insert or update or delete or truncate'],
];

export async function up(db: Kysely<any>): Promise<void> {
  await sql`
    create function announce_session_change() returns trigger language plpgsql as $$
    begin
      perform pg_notify(${sql.lit(SESSIONS_CHANNEL)}, tg_table_name);
      return null;
    end $$`.execute(db);
  for (const [table, events] of WATCHED)
    await sql`
      create trigger ${sql.raw(`${table}_announce_session_change`)} after ${sql.raw(events)} on ${sql.table(table)}
      for each statement execute function announce_session_change()`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  for (const [table] of WATCHED) await sql`drop trigger ${sql.raw(`${table}_announce_session_change`)} on ${sql.table(table)}`.execute(db);
  await sql`drop function announce_session_change()`.execute(db);
}
