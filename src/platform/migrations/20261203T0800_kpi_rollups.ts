import { sql, type Kysely } from 'kysely';

/**
 * The leaders' figures, kept as daily rollups derived from the dossiers' events (src/kpi/).
 *
 * - `dossier_events.txid` and `ratings.txid`: the transaction that wrote the row. The rollup worker applies the
 *   rows of every transaction older than the oldest one still running (pg_snapshot_xmin), so a transaction that
 *   commits late is never skipped, whatever order identities were handed out in.
 * - `kpi_daily`: one row per local day (UTC+7), receiving service point, competent agency and procedure, with the
 *   counts of what happened that day. Every column is a sum, so any period, unit or procedure is a sum of rows.
 * - `kpi_clerk_daily`: receipts per receiving clerk, point and day.
 * - `kpi_cursor`: how far the rollups have applied (one row), locked by the worker while it applies.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await sql`alter table dossier_events add column txid xid8 not null default pg_current_xact_id()`.execute(db);
  await sql`alter table ratings add column txid xid8 not null default pg_current_xact_id()`.execute(db);
  await sql`create index dossier_events_txid_idx on dossier_events(txid)`.execute(db);
  await sql`create index ratings_txid_idx on ratings(txid)`.execute(db);

  const counters = [
    'submitted_online',
    'received',
    'received_in_person',
    'received_online',
    'received_post',
    'received_full_online_eligible',
    'received_online_full_online_eligible',
    'refused',
    'withdrawn',
    'stopped',
    'decided',
    'decided_early',
    'decided_on_time',
    'decided_late',
    'results',
    'electronic_results',
    'digitized',
    'reused',
    'from_store',
    'population_data',
    'returned',
    'supplement_requests',
    'apologies',
    'rated_satisfied',
    'rated_acceptable',
    'rated_not_satisfied',
  ];
  await sql`
    create table kpi_daily (
      day date not null,
      receiving_unit_id integer not null references units(id),
      agency_id integer not null references units(id),
      procedure_id integer not null references procedures(id),
      ${sql.join(
        counters.map((c) => sql`${sql.id(c)} integer not null default 0`),
        sql`, `,
      )},
      processing_seconds bigint not null default 0,
      primary key (day, receiving_unit_id, agency_id, procedure_id)
    )`.execute(db);
  await sql`create index kpi_daily_receiving_idx on kpi_daily(receiving_unit_id, day)`.execute(db);
  await sql`create index kpi_daily_agency_idx on kpi_daily(agency_id, day)`.execute(db);
  await sql`create index kpi_daily_procedure_idx on kpi_daily(procedure_id, day)`.execute(db);

  // Receipts per receiving clerk and day (clerk productivity against the yearly norm of the point's area).
  await sql`
    create table kpi_clerk_daily (
      day date not null,
      staff_id integer not null references staff(id),
      unit_id integer not null references units(id),
      received integer not null default 0,
      primary key (day, staff_id, unit_id)
    )`.execute(db);
  await sql`create index kpi_clerk_daily_unit_idx on kpi_clerk_daily(unit_id, day)`.execute(db);
  await sql`create index kpi_clerk_daily_staff_idx on kpi_clerk_daily(staff_id, day)`.execute(db);

  await sql`
    create table kpi_cursor (
      id smallint primary key check (id = 1),
      applied_xmin xid8 not null,
      applied_at timestamptz,
      rows_applied bigint not null default 0
    )`.execute(db);
  await sql`insert into kpi_cursor (id, applied_xmin) values (1, '0'::xid8)`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`drop table kpi_cursor`.execute(db);
  await sql`drop table kpi_clerk_daily`.execute(db);
  await sql`drop table kpi_daily`.execute(db);
  await sql`alter table ratings drop column txid`.execute(db);
  await sql`alter table dossier_events drop column txid`.execute(db);
}
