import { sql, type Kysely } from 'kysely';

/**
 * Catalog updates from the national procedure database (src/catalog/national-catalog.service.ts): each comparison of
 * the national catalog with ours is kept as it was made — what changed field by field, what is new, what was
 * abolished, the versions it proposes — until an administrator applies the chosen procedures (as new versions, through
 * the catalog import) or discards it. `staff` of who fetched and who decided.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await sql`
    create table catalog_imports (
      id serial primary key,
      fetched_at timestamptz not null,
      fetched_by integer references staff(id),
      status text not null default 'pending' check (status in ('pending', 'applied', 'discarded')),
      summary jsonb not null,
      items jsonb not null,
      decided_at timestamptz,
      decided_by integer references staff(id),
      applied jsonb,
      check ((status = 'pending') = (decided_at is null))
    )`.execute(db);
  await sql`create index catalog_imports_fetched_by_idx on catalog_imports (fetched_by)`.execute(db);
  await sql`create index catalog_imports_decided_by_idx on catalog_imports (decided_by)`.execute(db);
  await sql`create index catalog_imports_fetched_at_idx on catalog_imports (fetched_at)`.execute(db);
}
