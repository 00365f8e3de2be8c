import { sql, type Kysely } from 'kysely';

/**
 * The outbox of the National Public Service Portal (DVCQG) sync: one row per dossier, written in the same statement
 * as each of its events (src/dossiers/dossier.repository.ts PORTAL_OUTBOX_CTE), so a committed change is never
 * missed and a rolled-back one never sent. `pending_seq` is the dossier's last event; the portal has acknowledged
 * the dossier as of `acked_seq`. The worker (src/portal/) sends the dossier as it stands, with its whole history,
 * and records the seq it sent once the portal acknowledges it: a dossier changed five times while the portal was
 * away goes once, complete. `pending_since` is when the oldest change not yet acknowledged was committed (the lag).
 *
 * Dossiers that exist when this migration runs are queued, except those brought by `motcua import-history` (the
 * old system synced those).
 */
export async function up(db: Kysely<any>): Promise<void> {
  await sql`
    create table portal_sync (
      dossier_id bigint primary key references dossiers(id) on delete cascade,
      pending_seq integer not null,
      pending_since timestamptz not null,
      acked_seq integer not null default 0,
      acked_at timestamptz,
      attempts integer not null default 0,
      next_attempt_at timestamptz not null,
      lease_until timestamptz,
      last_error text,
      check (acked_seq >= 0 and acked_seq <= pending_seq)
    )`.execute(db);
  // What the worker looks for: the dossiers with a change not yet acknowledged, soonest due first.
  await sql`create index portal_sync_due_idx on portal_sync (next_attempt_at) where pending_seq > acked_seq`.execute(db);
  await sql`
    insert into portal_sync (dossier_id, pending_seq, pending_since, next_attempt_at)
    select d.id, d.event_seq, now(), now() from dossiers d
    where d.event_seq > 0 and not exists (select 1 from history_dossiers h where h.dossier_id = d.id)`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`drop table portal_sync`.execute(db);
}
