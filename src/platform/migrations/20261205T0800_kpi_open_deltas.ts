import { sql, type Kysely } from 'kysely';

/**
 * What was open at the end of any past day, as rollups: three more columns of kpi_daily and kpi_grains, each the
 * day's change in a count of open dossiers (src/kpi/kpi.repository.ts applyWindow says which event moves which).
 * Summed over every day up to D they give what was in progress, paused and overdue at the end of D, so a past
 * period's figures (and indicator 2.1, which counts the dossiers open and overdue at the period's end as late) no
 * longer need today's dossier rows.
 *
 * - `in_progress_delta`: +1 when a dossier enters an open status (received, processing, waiting for a supplement or
 *   a payment), −1 when it leaves them;
 * - `paused_delta`: the same for waiting for a supplement;
 * - `overdue_delta`: +1 on the day an open, unpaused dossier passes its due date (the legal one in force, moved by
 *   supplement waits), −1 on the day it is paused or closed after that — written when the dossier starts or ends
 *   such a stretch, so a +1 may fall on a day still to come.
 *
 * `kpi_overdue` keeps the same stretches per dossier — from the first day it is overdue at the day's end (`starts`)
 * to the first day it no longer is (`ends`, null while it still is or will be) — so the dossiers behind a past
 * period's count (indicator 2.1's list) are found by the day: a GiST index on the stretch as a daterange.
 *
 * Existing rollups are cleared and the cursor set back to the start: the worker's next catch-up derives every
 * column again from the events.
 */
const DELTAS = ['in_progress_delta', 'paused_delta', 'overdue_delta'];

export async function up(db: Kysely<any>): Promise<void> {
  for (const table of ['kpi_daily', 'kpi_grains'])
    for (const c of DELTAS) await sql`alter table ${sql.table(table)} add column ${sql.id(c)} integer not null default 0`.execute(db);
  await sql`
    create table kpi_overdue (
      dossier_id bigint not null,
      starts date not null,
      ends date,
      primary key (dossier_id, starts),
      check (ends > starts)
    )`.execute(db);
  await sql`create index kpi_overdue_days_idx on kpi_overdue using gist (daterange(starts, ends))`.execute(db);
  await sql`delete from kpi_daily`.execute(db);
  await sql`delete from kpi_grains`.execute(db);
  await sql`delete from kpi_clerk_daily`.execute(db);
  await sql`update kpi_cursor set applied_xmin = '0'::xid8, rows_applied = 0 where id = 1`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`drop table kpi_overdue`.execute(db);
  for (const table of ['kpi_daily', 'kpi_grains'])
    for (const c of DELTAS) await sql`alter table ${sql.table(table)} drop column ${sql.id(c)}`.execute(db);
}
