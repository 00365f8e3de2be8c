import { describe, it, expect, afterAll, beforeAll } from 'vitest';
import { Migrator, sql } from 'kysely';
import { createEmptyTestDatabase } from '../src/platform/testing.js';
import { migrateToLatest } from '../src/platform/migrate.js';
import { migrations } from '../src/platform/migrations/index.js';
import type { Database } from '../src/platform/database.js';

// Migration 20261202T1400_dossier_rules on a database that already holds dossiers: open duplicates are marked before
// the unique index is built (else the migration would fail), and archived results of a version naming a result type
// get that type.

let database: Database;

beforeAll(async () => {
  database = await createEmptyTestDatabase();
  const migrator = new Migrator({ db: database.db, provider: { getMigrations: async () => migrations } });
  const r = await migrator.migrateTo('20261122T0900_ticket_token');
  expect(r.error).toBeUndefined();
});
afterAll(async () => database.close());

describe('migration 20261202T1400_dossier_rules', () => {
  it('marks the open duplicates already there, builds the unique index, and types archived results', async () => {
    const db = database.db;
    await sql`insert into units (key, province_code, kind, agency_code, name_vi, name_en, valid_from)
      values ('P', '37', 'center', '000.00.01.H40', 'Trung tâm', 'Center', '2020-01-01')`.execute(db);
    await sql`insert into communes (code, province_code, name_vi, name_en, kind, area_type, committee_unit_id, center_unit_id)
      values ('14001', '37', 'Phường', 'Ward', 'ward', 'urban', 1, 1)`.execute(db);
    await sql`insert into fields (code, name_vi, name_en) values ('HT', 'Hộ tịch', 'Civil status')`.execute(db);
    await sql`insert into procedures (code) values ('1.001193')`.execute(db);
    const body = JSON.stringify({
      resultDocumentType: 'GIAY_KHAI_SINH',
      resultNameVi: 'Giấy khai sinh',
      resultNameEn: 'Birth certificate',
    });
    await sql`insert into procedure_versions (procedure_id, effective_from, name_vi, name_en, field_code, level, limit_value, limit_unit,
      online_level, non_territorial, search_text, body)
      values (1, '2025-01-01', 'Khai sinh', 'Birth', 'HT', 'commune', 1, 'working-days', 'full', true, 'khai sinh', ${body}::jsonb)`.execute(
      db,
    );
    await sql`insert into blobs (sha256, size, mime) values (${'a'.repeat(64)}, 1, 'application/pdf')`.execute(db);
    const dossier = async (code: string, idNumber: string, status: string) =>
      sql`insert into dossiers (code, province_code, procedure_id, procedure_version_id, channel, status, portal_status,
        receiving_unit_id, competent_agency_id, return_point_id, applicant_id_number, applicant_name, applicant_phone,
        applicant_address, applicant_commune_code, limit_value, limit_unit)
        values (${code}, '37', 1, 1, 1, ${status}, 2, 1, 1, 1, ${idNumber}, 'An', '0912345678', 'Số 1', '14001', 1, 'working-days')`.execute(
        db,
      );
    await dossier('X-0001', '037095000001', 'received');
    await dossier('X-0002', '037095000001', 'processing');
    await dossier('X-0003', '037095000001', 'submitted');
    await dossier('X-0004', '037095000001', 'returned');
    await dossier('X-0005', '037095000002', 'received');
    await sql`insert into store_documents (owner_id_number, kind, title, blob_sha256, source_dossier_id)
      values ('037095000001', 'result', 'Giấy khai sinh', ${'a'.repeat(64)}, 4)`.execute(db);

    await migrateToLatest(db);

    const rows = await sql<{ code: string; duplicate_of: string | null }>`select code, duplicate_of from dossiers order by id`.execute(db);
    expect(rows.rows).toEqual([
      { code: 'X-0001', duplicate_of: null },
      { code: 'X-0002', duplicate_of: 'X-0001' },
      { code: 'X-0003', duplicate_of: 'X-0001' },
      { code: 'X-0004', duplicate_of: null },
      { code: 'X-0005', duplicate_of: null },
    ]);
    // Another unmarked open dossier of the applicant and procedure is refused by the index.
    await expect(
      sql`insert into dossiers (code, province_code, procedure_id, procedure_version_id, channel, status, portal_status,
        receiving_unit_id, competent_agency_id, return_point_id, applicant_id_number, applicant_name, applicant_phone,
        applicant_address, applicant_commune_code, limit_value, limit_unit)
        values ('X-0006', '37', 1, 1, 1, 'received', 2, 1, 1, 1, '037095000001', 'An', '0912345678', 'Số 1', '14001', 1, 'working-days')`.execute(
        db,
      ),
    ).rejects.toThrow(/dossiers_open_per_applicant_idx/);
    const doc = await sql<{ document_type: string | null }>`select document_type from store_documents`.execute(db);
    expect(doc.rows).toEqual([{ document_type: 'GIAY_KHAI_SINH' }]);
    const types = await sql<{ code: string }>`select code from document_types`.execute(db);
    expect(types.rows).toEqual([{ code: 'GIAY_KHAI_SINH' }]);
  });
});
