import { sql, type Kysely } from 'kysely';

// Frozen in time: this file never imports application code.
//
// 1. Every dossier gets a tracking token: 12 characters of a 32-letter alphabet without look-alikes (60 random
//    bits), printed in the receipt's QR code and URL. The default draws it from gen_random_uuid() (the server's
//    strong random source, in core PostgreSQL since 13 and in PGlite), which also fills the existing rows; the
//    application writes its own token explicitly, the default only keeps any other writer safe. UUID v4 fixes
//    bits of bytes 6 and 8, so only the low 5 bits of the other 12 bytes are used: each is uniform.
// 2. lookup_budgets: wrong guesses at public look-ups (tracking, rating, bookings, ticket tokens), one row per
//    key guessed (`code:<dossier>`, `booking:<code>`) and per client address (`addr:<address>`). Unlogged: the
//    counters are written on every failure (and reserved on every guess by phone digits), an unlogged write
//    commits without waiting for the disk, and losing the counters in a server crash only gives back a window.
// 3. login_throttle: failed log-ins per account name and per client address, with growing lockouts.
export async function up(db: Kysely<any>): Promise<void> {
  await sql`
    create function motcua_tracking_token() returns text language sql volatile as $$
      select string_agg(substr('ABCDEFGHJKLMNPQRSTUVWXYZ23456789', (get_byte(r.b, i) & 31) + 1, 1), '' order by i)
      from (select uuid_send(gen_random_uuid()) as b) r, unnest(array[0, 1, 2, 3, 4, 5, 7, 9, 10, 11, 12, 13]) as i
    $$`.execute(db);
  await sql`alter table dossiers add column tracking_token text not null default motcua_tracking_token()`.execute(db);
  await sql`alter table dossiers add constraint dossiers_tracking_token_check check (tracking_token ~ '^[A-HJ-NP-Z2-9]{12}$')`.execute(db);

  await sql`
    create unlogged table lookup_budgets (
      key text primary key,
      failures integer not null check (failures >= 0),
      max_failures integer not null check (max_failures > 0),
      window_ends_at timestamptz not null
    )`.execute(db);
  // The locked keys, which every server process reads into memory about once a second.
  await sql`create index lookup_budgets_locked_idx on lookup_budgets (window_ends_at) where failures >= max_failures`.execute(db);

  await sql`
    create table login_throttle (
      key text primary key,
      failures integer not null check (failures >= 0),
      locked_until timestamptz,
      last_failure_at timestamptz not null
    )`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`drop table if exists login_throttle`.execute(db);
  await sql`drop table if exists lookup_budgets`.execute(db);
  await sql`alter table dossiers drop column if exists tracking_token`.execute(db);
  await sql`drop function if exists motcua_tracking_token()`.execute(db);
}
