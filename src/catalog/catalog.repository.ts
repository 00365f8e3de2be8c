import { sql, type Kysely } from 'kysely';
import type { Insertable } from 'kysely';
import type { DB, ProcedureVersionTable } from '../platform/db.types.js';

export async function listFieldRows(db: Kysely<DB>) {
  return db.selectFrom('fields').selectAll().orderBy('code').execute();
}

export async function upsertField(db: Kysely<DB>, f: { code: string; name_vi: string; name_en: string }) {
  await db
    .insertInto('fields')
    .values(f)
    .onConflict((oc) => oc.column('code').doUpdateSet({ name_vi: f.name_vi, name_en: f.name_en }))
    .execute();
}

export async function listDocumentTypeRows(db: Kysely<DB>) {
  return db.selectFrom('document_types').selectAll().orderBy('code').execute();
}

export async function upsertDocumentType(db: Kysely<DB>, t: { code: string; name_vi: string; name_en: string }) {
  await db
    .insertInto('document_types')
    .values(t)
    .onConflict((oc) => oc.column('code').doUpdateSet({ name_vi: t.name_vi, name_en: t.name_en }))
    .execute();
}

/** Gives the results archived from dossiers of a version, that have no type yet, the version's result type. */
export async function typeResultDocuments(db: Kysely<DB>, versionId: number, documentType: string | null) {
  if (!documentType) return;
  await db
    .updateTable('store_documents')
    .set({ document_type: documentType })
    .where('kind', '=', 'result')
    .where('document_type', 'is', null)
    .where('source_dossier_id', 'in', (eb) => eb.selectFrom('dossiers').select('id').where('procedure_version_id', '=', versionId))
    .execute();
}

export async function ensureProcedure(db: Kysely<DB>, code: string): Promise<number> {
  const row = await db
    .insertInto('procedures')
    .values({ code })
    .onConflict((oc) => oc.column('code').doUpdateSet({ code }))
    .returning('id')
    .executeTakeFirstOrThrow();
  return row.id;
}

export async function findVersion(db: Kysely<DB>, procedureId: number, effectiveFrom: string) {
  return db
    .selectFrom('procedure_versions')
    .select(['id', 'body', 'name_vi', 'name_en', 'field_code'])
    .where('procedure_id', '=', procedureId)
    .where('effective_from', '=', effectiveFrom)
    .executeTakeFirst();
}

export async function versionInUse(db: Kysely<DB>, versionId: number): Promise<boolean> {
  const row = await db.selectFrom('dossiers').select('id').where('procedure_version_id', '=', versionId).limit(1).executeTakeFirst();
  return row !== undefined;
}

/** A procedure version row as written. */
export type VersionRow = Insertable<ProcedureVersionTable>;

export async function insertVersion(db: Kysely<DB>, row: VersionRow) {
  await db.insertInto('procedure_versions').values(row).execute();
}

export async function replaceVersion(db: Kysely<DB>, id: number, row: VersionRow) {
  await db.updateTable('procedure_versions').set(row).where('id', '=', id).execute();
}

const summaryColumns = [
  'p.code',
  'v.id as versionId',
  'v.effective_from',
  'v.name_vi',
  'v.name_en',
  'v.field_code',
  'v.level',
  'v.limit_value',
  'v.limit_unit',
  'v.fast_value',
  'v.fast_unit',
  'v.online_level',
  'v.non_territorial',
] as const;

/** Versions in force on a date, one per procedure. */
function currentVersions(db: Kysely<DB>, date: string) {
  return db
    .selectFrom('procedure_versions as v')
    .innerJoin('procedures as p', 'p.id', 'v.procedure_id')
    .where('v.effective_from', '<=', date)
    .where(({ not, exists, selectFrom }) =>
      not(
        exists(
          selectFrom('procedure_versions as w')
            .select('w.id')
            .whereRef('w.procedure_id', '=', 'v.procedure_id')
            .where('w.effective_from', '<=', date)
            .whereRef('w.effective_from', '>', 'v.effective_from'),
        ),
      ),
    );
}

/** Ranked search over folded text with trigram similarity, so missing diacritics and small typos still match. */
export async function searchVersions(
  db: Kysely<DB>,
  opts: { date: string; folded?: string; field?: string; level?: string; limit: number; offset: number },
) {
  let q = currentVersions(db, opts.date).select([...summaryColumns]);
  if (opts.field) q = q.where('v.field_code', '=', opts.field);
  if (opts.level) q = q.where('v.level', '=', opts.level as 'province' | 'commune');
  if (opts.folded && /^\d+\.[\d.]*$/.test(opts.folded)) {
    // A national code (or its beginning): trigrams of digits match unrelated codes, so match the prefix only.
    return q
      .select(sql<number>`1`.as('score'))
      .where('p.code', 'like', `${opts.folded}%`)
      .orderBy('p.code')
      .limit(opts.limit)
      .offset(opts.offset)
      .execute();
  }
  if (opts.folded) {
    const term = opts.folded;
    const score = sql<number>`greatest(word_similarity(${term}, v.search_text), similarity(${term}, v.search_text), case when v.search_text like ${'%' + term + '%'} then 1 else 0 end)`;
    return (
      q
        .select(score.as('score'))
        .where(score, '>=', 0.45)
        // Ranked by the match plus the similarity of the whole text: a long name that merely contains
        // the words (a joint procedure listing several) comes after the procedure they name.
        .orderBy(sql`${score} + similarity(${term}, v.search_text)`, 'desc')
        .orderBy('v.name_vi')
        .orderBy('p.code')
        .limit(opts.limit)
        .offset(opts.offset)
        .execute()
    );
  }
  return q
    .select(sql<number>`1`.as('score'))
    .orderBy('v.name_vi')
    .orderBy('p.code')
    .limit(opts.limit)
    .offset(opts.offset)
    .execute();
}

export async function versionsOfProcedure(db: Kysely<DB>, code: string) {
  return db
    .selectFrom('procedure_versions as v')
    .innerJoin('procedures as p', 'p.id', 'v.procedure_id')
    .select([
      'p.id as procedureId',
      'p.code',
      'v.id as versionId',
      'v.effective_from',
      'v.body',
      'v.name_vi',
      'v.name_en',
      'v.field_code',
      'v.level',
      'v.agency_key',
      'v.non_territorial',
      'v.online_level',
      'v.limit_value',
      'v.limit_unit',
      'v.fast_value',
      'v.fast_unit',
    ])
    .where('p.code', '=', code)
    .orderBy('v.effective_from')
    .execute();
}

export async function allVersions(db: Kysely<DB>) {
  return db
    .selectFrom('procedure_versions as v')
    .innerJoin('procedures as p', 'p.id', 'v.procedure_id')
    .select(['p.code', 'v.effective_from', 'v.body'])
    .orderBy('p.code')
    .orderBy('v.effective_from')
    .execute();
}

export async function versionById(db: Kysely<DB>, id: number) {
  return db
    .selectFrom('procedure_versions as v')
    .innerJoin('procedures as p', 'p.id', 'v.procedure_id')
    .select(['p.id as procedureId', 'p.code', 'v.id as versionId', 'v.effective_from', 'v.body'])
    .where('v.id', '=', id)
    .executeTakeFirst();
}

export async function departmentKeys(db: Kysely<DB>): Promise<string[]> {
  const rows = await db.selectFrom('units').select('key').where('kind', '=', 'department').orderBy('key').execute();
  return rows.map((r) => r.key);
}
