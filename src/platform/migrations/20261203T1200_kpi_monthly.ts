import { sql, type Kysely } from 'kysely';

/**
 * Monthly rollups at several grains, so that a figure over years reads hundreds of rows, not millions.
 *
 * `kpi_monthly` holds, per local month (its first day), the same counters as `kpi_daily` summed over grouping sets of
 * the receiving point, the competent agency and the procedure: a dimension left out of a grain is 0 (no unit or
 * procedure has id 0). The grains are (month), (point), (agency), (procedure), (point, procedure), (agency,
 * procedure) and (point, agency); a figure that needs all three dimensions, or days or weeks, reads `kpi_daily`.
 * `grain` says which dimensions a row keeps (1 point, 2 agency, 4 procedure) and leads the key, so a figure reads
 * only its grain's rows. No foreign keys: 0 stands for "all", and every row is derived from the events anyway.
 *
 * Existing rollups are cleared and the cursor set back to the start, so the worker's next catch-up derives every
 * table again from the events, with the same statement as always.
 */
export async function up(db: Kysely<any>): Promise<void> {
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
    create table kpi_monthly (
      grain smallint not null check (grain between 0 and 7),
      month date not null check (extract(day from month) = 1),
      receiving_unit_id integer not null,
      agency_id integer not null,
      procedure_id integer not null,
      ${sql.join(
        counters.map((c) => sql`${sql.id(c)} integer not null default 0`),
        sql`, `,
      )},
      processing_seconds bigint not null default 0,
      primary key (grain, month, receiving_unit_id, agency_id, procedure_id),
      check ((receiving_unit_id <> 0) = (grain & 1 = 1) and (agency_id <> 0) = (grain & 2 = 2) and (procedure_id <> 0) = (grain & 4 = 4))
    )`.execute(db);
  // The dossiers that cost an indicator points are found by the day of their decision or receipt.
  await sql`create index dossiers_decided_at_idx on dossiers(decided_at)`.execute(db);
  await sql`create index dossiers_received_at_idx on dossiers(received_at)`.execute(db);
  await sql`delete from kpi_daily`.execute(db);
  await sql`delete from kpi_clerk_daily`.execute(db);
  await sql`update kpi_cursor set applied_xmin = '0'::xid8, rows_applied = 0 where id = 1`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`drop index dossiers_received_at_idx`.execute(db);
  await sql`drop index dossiers_decided_at_idx`.execute(db);
  await sql`drop table kpi_monthly`.execute(db);
}
