import { sql, type Kysely } from 'kysely';
import type { DB, Dossier, DossierUpdate, NewDossier } from '../platform/db.types.js';

/** Atomically takes the next daily sequence number for a receiving agency (safe under concurrency). */
export async function nextSequence(db: Kysely<DB>, prefix: string, day: string): Promise<number> {
  const r = await db
    .insertInto('dossier_code_counters')
    .values({ prefix, day, last: 1 })
    .onConflict((oc) => oc.columns(['prefix', 'day']).doUpdateSet((eb) => ({ last: eb('dossier_code_counters.last', '+', 1) })))
    .returning('last')
    .executeTakeFirstOrThrow();
  return r.last;
}

export async function insertDossier(db: Kysely<DB>, row: NewDossier): Promise<Dossier> {
  return db.insertInto('dossiers').values(row).returningAll().executeTakeFirstOrThrow();
}

export interface ComponentRow {
  dossier_id: number;
  component_code: string;
  name_vi: string;
  form: string;
  count: number;
  required: boolean;
  source: 'upload' | 'store' | 'population_db' | 'paper';
  blob_sha256: string | null;
  store_document_id: number | null;
  digitized: boolean;
}

export async function insertComponents(db: Kysely<DB>, rows: ComponentRow[]) {
  if (rows.length) await db.insertInto('dossier_components').values(rows).execute();
}

export async function updateComponent(db: Kysely<DB>, dossierId: number, code: string, patch: Partial<ComponentRow>) {
  return db.updateTable('dossier_components').set(patch).where('dossier_id', '=', dossierId).where('component_code', '=', code).returning('id').executeTakeFirst();
}

export async function componentsOf(db: Kysely<DB>, dossierId: number) {
  return db.selectFrom('dossier_components').selectAll().where('dossier_id', '=', dossierId).orderBy('id').execute();
}

export interface EventRow {
  dossier_id: number;
  province_code: string;
  seq: number;
  action: string;
  from_status: string | null;
  to_status: string;
  actor_kind: 'staff' | 'citizen' | 'system';
  actor_id: number | null;
  unit_id: number | null;
  at: Date;
  note: string | null;
  data: string | null;
}

export async function insertEvent(db: Kysely<DB>, row: EventRow) {
  await db.insertInto('dossier_events').values(row).execute();
}

export async function eventsOf(db: Kysely<DB>, dossierId: number) {
  return db.selectFrom('dossier_events').selectAll().where('dossier_id', '=', dossierId).orderBy('seq').execute();
}

export async function insertStep(db: Kysely<DB>, row: { dossier_id: number; seq: number; role: string; from_unit_id: number | null; to_unit_id: number; handed_by: number | null; handed_at: Date; due_at: Date | null }) {
  await db.insertInto('dossier_steps').values(row).execute();
}

/** Closes the open hand-over row (the step in progress) with its outcome. */
export async function completeOpenStep(db: Kysely<DB>, dossierId: number, at: Date, by: number | null, outcomeOf: (due: Date | null) => 'early' | 'on_time' | 'late' | null) {
  const open = await db.selectFrom('dossier_steps').select(['id', 'due_at']).where('dossier_id', '=', dossierId).where('completed_at', 'is', null).orderBy('seq', 'desc').executeTakeFirst();
  if (!open) return;
  await db.updateTable('dossier_steps').set({ completed_at: at, completed_by: by, outcome: outcomeOf(open.due_at) }).where('id', '=', open.id).execute();
}

export async function shiftOpenStepDue(db: Kysely<DB>, dossierId: number, newDue: (due: Date) => Date) {
  const open = await db.selectFrom('dossier_steps').select(['id', 'due_at']).where('dossier_id', '=', dossierId).where('completed_at', 'is', null).orderBy('seq', 'desc').executeTakeFirst();
  if (open?.due_at) await db.updateTable('dossier_steps').set({ due_at: newDue(open.due_at) }).where('id', '=', open.id).execute();
}

export async function stepsOf(db: Kysely<DB>, dossierId: number) {
  return db.selectFrom('dossier_steps').selectAll().where('dossier_id', '=', dossierId).orderBy('seq').execute();
}

export async function findByCode(db: Kysely<DB>, code: string): Promise<Dossier | undefined> {
  return db.selectFrom('dossiers').selectAll().where('code', '=', code).executeTakeFirst();
}

/** Applies a change only if nobody changed the dossier since `version` was read (optimistic concurrency). */
export async function updateIfVersion(db: Kysely<DB>, id: number, version: number, patch: DossierUpdate): Promise<Dossier | undefined> {
  return db
    .updateTable('dossiers')
    .set({ ...patch, version: sql`version + 1`, updated_at: sql`now()` })
    .where('id', '=', id)
    .where('version', '=', version)
    .returningAll()
    .executeTakeFirst();
}

export interface ListFilter {
  scopeUnitIds: number[] | null;
  status?: string[];
  risk?: 'due_soon' | 'late' | 'paused';
  now: Date;
  soonUntil: Date;
  q?: string;
  procedureCode?: string;
  limit: number;
  offset: number;
}

/** Dossiers in a staff member's scope: received at, routed to, at, or returned at one of their units. */
export async function listDossiers(db: Kysely<DB>, f: ListFilter) {
  let q = db.selectFrom('dossiers as d').innerJoin('procedures as p', 'p.id', 'd.procedure_id').selectAll('d').select('p.code as procedure_code');
  if (f.scopeUnitIds) {
    const ids = f.scopeUnitIds.length ? f.scopeUnitIds : [-1];
    q = q.where((eb) =>
      eb.or([
        eb('d.receiving_unit_id', 'in', ids),
        eb('d.current_unit_id', 'in', ids),
        eb('d.return_point_id', 'in', ids),
        eb.exists(eb.selectFrom('dossier_steps as s').select('s.id').whereRef('s.dossier_id', '=', 'd.id').where('s.to_unit_id', 'in', ids)),
      ]),
    );
  }
  if (f.status?.length) q = q.where('d.status', 'in', f.status);
  if (f.procedureCode) q = q.where('p.code', '=', f.procedureCode);
  if (f.q) q = q.where((eb) => eb.or([eb('d.code', '=', f.q!), eb('d.applicant_id_number', '=', f.q!)]));
  if (f.risk === 'late') q = q.where('d.status', 'in', ['received', 'processing', 'awaiting_payment']).where('d.due_at', '<', f.now);
  if (f.risk === 'due_soon') q = q.where('d.status', 'in', ['received', 'processing', 'awaiting_payment']).where('d.due_at', '>=', f.now).where('d.due_at', '<', f.soonUntil);
  if (f.risk === 'paused') q = q.where('d.status', '=', 'supplement_requested');
  return q.orderBy('d.due_at', 'asc').orderBy('d.id', 'asc').limit(f.limit).offset(f.offset).execute();
}

/** Open dossiers past their due date not yet flagged. */
export async function flagLate(db: Kysely<DB>, now: Date) {
  return db
    .updateTable('dossiers')
    .set({ late_flagged_at: now, version: sql`version + 1`, updated_at: now })
    .where('status', 'in', ['received', 'processing', 'awaiting_payment'])
    .where('due_at', '<', now)
    .where('late_flagged_at', 'is', null)
    .returning(['id', 'province_code', 'status', 'version', 'current_unit_id', 'code'])
    .execute();
}

export async function blobInfo(db: Kysely<DB>, sha256: string) {
  return db.selectFrom('blobs').selectAll().where('sha256', '=', sha256).executeTakeFirst();
}

export async function insertBlob(db: Kysely<DB>, row: { sha256: string; size: number; mime: string }) {
  await db.insertInto('blobs').values(row).onConflict((oc) => oc.column('sha256').doNothing()).execute();
}

export async function storeDocument(db: Kysely<DB>, id: number) {
  return db.selectFrom('store_documents').selectAll().where('id', '=', id).executeTakeFirst();
}

export async function storeDocumentsOf(db: Kysely<DB>, idNumber: string) {
  return db.selectFrom('store_documents').selectAll().where('owner_id_number', '=', idNumber).orderBy('id').execute();
}

export async function insertStoreDocument(db: Kysely<DB>, row: { owner_id_number: string; kind: string; title: string; blob_sha256: string; issuer_unit_id: number | null; source_dossier_id: number | null; issued_at: Date }) {
  return db.insertInto('store_documents').values(row).returning('id').executeTakeFirstOrThrow();
}

export async function findIdempotent(db: Kysely<DB>, scope: string, key: string) {
  return db.selectFrom('idempotency_keys').selectAll().where('scope', '=', scope).where('key', '=', key).executeTakeFirst();
}

export async function insertIdempotent(db: Kysely<DB>, row: { scope: string; key: string; request_hash: string; status_code: number; response: string }) {
  await db.insertInto('idempotency_keys').values(row).execute();
}

export async function insertRating(db: Kysely<DB>, row: { dossier_id: number; rating: 'satisfied' | 'acceptable' | 'not_satisfied'; comment: string | null; created_at: Date }) {
  const r = await db.insertInto('ratings').values(row).onConflict((oc) => oc.column('dossier_id').doNothing()).returning('dossier_id').executeTakeFirst();
  return r !== undefined;
}

export async function ratingOf(db: Kysely<DB>, dossierId: number) {
  return db.selectFrom('ratings').selectAll().where('dossier_id', '=', dossierId).executeTakeFirst();
}
