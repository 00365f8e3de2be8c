import { sql, type Kysely } from 'kysely';
import type { PGlite } from '@electric-sql/pglite';
import type { DB } from './db.types.js';

/** The SQL of backups (src/platform/backup.ts): what a snapshot holds, and PGlite's own snapshot. */

/** Tables of the application's schemas (every schema but PostgreSQL's own), as schema.table, in name order. */
export async function listTables(db: Kysely<DB>): Promise<string[]> {
  const r = await sql<{ name: string }>`
    select quote_ident(n.nspname) || '.' || quote_ident(c.relname) as name
    from pg_class c join pg_namespace n on n.oid = c.relnamespace
    where c.relkind in ('r', 'p') and n.nspname not in ('pg_catalog', 'information_schema') and n.nspname not like 'pg\\_%'
    order by n.nspname, c.relname`.execute(db);
  return r.rows.map((x) => x.name);
}

/** Rows of every table, by name (in one transaction, the counts are those of its snapshot). */
export async function countRows(db: Kysely<DB>): Promise<Record<string, number>> {
  const counts: Record<string, number> = {};
  for (const table of await listTables(db)) {
    // The name comes from the catalog, quoted by quote_ident: safe to splice.
    const r = await sql<{ n: number }>`select count(*)::int as n from ${sql.raw(table)}`.execute(db);
    counts[table] = r.rows[0]!.n;
  }
  return counts;
}

/** SHA-256 of every stored file the database names (the blob store must hold each). */
export async function blobNames(db: Kysely<DB>): Promise<string[]> {
  const rows = await db.selectFrom('blobs').select('sha256').orderBy('sha256').execute();
  return rows.map((r) => r.sha256);
}

/** Starts a read-only repeatable-read snapshot other sessions (pg_dump --snapshot) can share; the caller's transaction must stay open. */
export async function exportSnapshot(trx: Kysely<DB>): Promise<string> {
  const r = await sql<{ id: string }>`select pg_export_snapshot() as id`.execute(trx);
  return r.rows[0]!.id;
}

/** The server's version, for the manifest (pg_dump and pg_restore must be at least as new). */
export async function serverVersion(db: Kysely<DB>): Promise<string> {
  const r = await sql<{ v: string }>`show server_version`.execute(db);
  return r.rows[0]!.v;
}

/**
 * PGlite's data directory as a gzipped tarball, after a checkpoint so that it opens without replaying the
 * write-ahead log. PGlite runs one statement at a time: nothing writes between the two.
 */
export async function dumpPgliteDataDir(pglite: PGlite): Promise<Uint8Array> {
  await pglite.exec('checkpoint');
  const tarball = await pglite.dumpDataDir('gzip');
  return new Uint8Array(await tarball.arrayBuffer());
}
