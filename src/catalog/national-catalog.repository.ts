import type { Kysely } from 'kysely';
import type { DB } from '../platform/db.types.js';

export interface CatalogImportRow {
  id: number;
  fetched_at: Date;
  fetched_by: number | null;
  status: 'pending' | 'applied' | 'discarded';
  summary: unknown;
  items: unknown;
  decided_at: Date | null;
  decided_by: number | null;
  applied: unknown;
}

const parse = (v: unknown) => (typeof v === 'string' ? JSON.parse(v) : v);

function row(r: CatalogImportRow): CatalogImportRow {
  return { ...r, summary: parse(r.summary), items: parse(r.items), applied: r.applied === null ? null : parse(r.applied) };
}

export async function insertImport(
  db: Kysely<DB>,
  r: { fetchedAt: Date; fetchedBy: number | null; summary: unknown; items: unknown },
): Promise<number> {
  const { id } = await db
    .insertInto('catalog_imports')
    .values({ fetched_at: r.fetchedAt, fetched_by: r.fetchedBy, summary: JSON.stringify(r.summary), items: JSON.stringify(r.items) })
    .returning('id')
    .executeTakeFirstOrThrow();
  return id;
}

export async function findImport(db: Kysely<DB>, id: number, forUpdate = false): Promise<CatalogImportRow | undefined> {
  let q = db.selectFrom('catalog_imports').selectAll().where('id', '=', id);
  if (forUpdate) q = q.forUpdate();
  const r = await q.executeTakeFirst();
  return r ? row(r as CatalogImportRow) : undefined;
}

/** The latest comparisons, without their items (the list page). */
export async function listImports(db: Kysely<DB>, limit: number) {
  return db
    .selectFrom('catalog_imports as i')
    .leftJoin('staff as f', 'f.id', 'i.fetched_by')
    .leftJoin('staff as d', 'd.id', 'i.decided_by')
    .select([
      'i.id',
      'i.fetched_at',
      'i.status',
      'i.summary',
      'i.decided_at',
      'f.full_name as fetched_by_name',
      'd.full_name as decided_by_name',
    ])
    .orderBy('i.id', 'desc')
    .limit(limit)
    .execute()
    .then((rows) => rows.map((r) => ({ ...r, summary: parse(r.summary) })));
}

/** Closes a pending comparison; false when it was no longer pending (decided meanwhile). */
export async function decideImport(
  db: Kysely<DB>,
  id: number,
  d: { status: 'applied' | 'discarded'; at: Date; by: number; applied: unknown },
): Promise<boolean> {
  const r = await db
    .updateTable('catalog_imports')
    .set({ status: d.status, decided_at: d.at, decided_by: d.by, applied: d.applied === null ? null : JSON.stringify(d.applied) })
    .where('id', '=', id)
    .where('status', '=', 'pending')
    .executeTakeFirst();
  return Number(r.numUpdatedRows) === 1;
}
