import { sql, type Kysely } from 'kysely';

/**
 * Rollups at coarse grains, so that a figure over years, or a province's weeks, reads hundreds of rows, not millions.
 *
 * `kpi_grains` holds the same counters as `kpi_daily`, per local day (`span` 'd') or month ('m', `start` its first
 * day), summed over grouping sets of the receiving point, the competent agency and the procedure. `grain` says which
 * dimensions a row keeps (1 point, 2 agency, 4 procedure); one left out is 0 (no unit or procedure has id 0). Months
 * come at seven grains: none, each dimension, and each pair. Days come at the grains that compress (none, each
 * dimension): with all the pairs a day's rows would be as many as kpi_daily's. A figure that needs a grain a span
 * lacks reads kpi_daily. `span` and `grain` lead the key, so a figure reads its own rows only. No foreign keys: 0
 * stands for "all", and every row is derived from the events anyway.
 *
 * Existing rollups are cleared and the cursor set back to the start, so the worker's next catch-up derives every
 * table again from the events, with the same statements as always.
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
    create table kpi_grains (
      span char(1) not null check (span in ('d', 'm')),
      grain smallint not null check (grain between 0 and 7),
      start date not null check (span = 'd' or extract(day from start) = 1),
      receiving_unit_id integer not null,
      agency_id integer not null,
      procedure_id integer not null,
      ${sql.join(
        counters.map((c) => sql`${sql.id(c)} integer not null default 0`),
        sql`, `,
      )},
      processing_seconds bigint not null default 0,
      primary key (span, grain, start, receiving_unit_id, agency_id, procedure_id),
      check ((receiving_unit_id <> 0) = (grain & 1 = 1) and (agency_id <> 0) = (grain & 2 = 2) and (procedure_id <> 0) = (grain & 4 = 4))
    )`.execute(db);
  // A figure of some points, agencies or procedures reads their rows of its span and grain, not every unit's.
  await sql`create index kpi_grains_point_idx on kpi_grains(span, grain, receiving_unit_id, start)`.execute(db);
  await sql`create index kpi_grains_agency_idx on kpi_grains(span, grain, agency_id, start)`.execute(db);
  await sql`create index kpi_grains_procedure_idx on kpi_grains(span, grain, procedure_id, start)`.execute(db);
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
  await sql`drop table kpi_grains`.execute(db);
}
