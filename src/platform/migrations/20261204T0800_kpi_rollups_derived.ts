import { sql, type Kysely } from 'kysely';

/**
 * The rollups are derived rows: every one is a sum of events whose dossiers already hold their units, procedures and
 * clerks by foreign key. Checking those references again for each rollup row cost a rebuild most of its time (three
 * lookups a row into units and procedures: 50 of 76 s for two million rows), for nothing the dossiers do not
 * already guarantee; kpi_grains never had them. The foreign keys of kpi_daily and kpi_clerk_daily go.
 */
const FOREIGN_KEYS: [table: string, name: string, column: string, references: string][] = [
  ['kpi_daily', 'kpi_daily_receiving_unit_id_fkey', 'receiving_unit_id', 'units(id)'],
  ['kpi_daily', 'kpi_daily_agency_id_fkey', 'agency_id', 'units(id)'],
  ['kpi_daily', 'kpi_daily_procedure_id_fkey', 'procedure_id', 'procedures(id)'],
  ['kpi_clerk_daily', 'kpi_clerk_daily_staff_id_fkey', 'staff_id', 'staff(id)'],
  ['kpi_clerk_daily', 'kpi_clerk_daily_unit_id_fkey', 'unit_id', 'units(id)'],
];

export async function up(db: Kysely<any>): Promise<void> {
  for (const [table, name] of FOREIGN_KEYS) await sql`alter table ${sql.table(table)} drop constraint ${sql.id(name)}`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  for (const [table, name, column, references] of FOREIGN_KEYS)
    await sql`alter table ${sql.table(table)} add constraint ${sql.id(name)} foreign key (${sql.id(column)}) references ${sql.raw(references)}`.execute(
      db,
    );
}
