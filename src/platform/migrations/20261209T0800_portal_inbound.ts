import { sql, type Kysely } from 'kysely';

/**
 * Portal sync, inward (src/portal/portal.inbound.ts): dossiers filed on the National Public Service Portal and pulled
 * from it (LayDanhSachHoSoMoi).
 * - `dossiers.portal_id`: the portal's own id of a dossier filed there (MaHoSoQG). Unique: a portal dossier pulled
 *   twice (a lost confirmation, two processes at once) becomes one dossier, whatever happens between the pull and
 *   the confirmation.
 * - `portal_inbound_refusals`: portal dossiers the province could not take (a procedure it does not have, a commune
 *   outside it, a file the file rules refuse, a required component missing), with the reason; each is left
 *   unconfirmed at the portal and skipped by later pulls until an administrator asks for it again.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await sql`alter table dossiers add column portal_id text check (length(portal_id) between 1 and 64)`.execute(db);
  await sql`create unique index dossiers_portal_id_idx on dossiers (portal_id) where portal_id is not null`.execute(db);
  await sql`
    create table portal_inbound_refusals (
      portal_id text primary key check (length(portal_id) between 1 and 64),
      procedure_code text not null,
      commune_code text not null,
      submitted_at timestamptz,
      reason_code text not null,
      reason text not null,
      field text,
      first_refused_at timestamptz not null,
      last_refused_at timestamptz not null,
      attempts integer not null default 1 check (attempts >= 1)
    )`.execute(db);
  await sql`create index portal_inbound_refusals_last_idx on portal_inbound_refusals (last_refused_at)`.execute(db);
}
