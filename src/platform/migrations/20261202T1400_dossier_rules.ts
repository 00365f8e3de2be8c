import { sql, type Kysely } from 'kysely';

// Frozen in time: this file never imports application code.
//
// The citizen's document store is private, its documents typed; duplicate dossiers are detected:
// - document_types: the catalog's list of document types (birth certificate, marriage certificate, ...); a store
//   document carries its type, so that it is reused only for a component of that type. Existing documents get the
//   type of their dossier's procedure version result where the version names one.
// - intakes: "an intake in progress" for a citizen, opened by a clerk who has checked the ID card; it is the purpose
//   that lets the clerk list the citizen's store, for a bounded time, and is closed when the dossier is received.
// - store_access: every listing of a store (who, whose, why, how many documents), next to its audit entry; it is
//   also what the hourly cap on listings counts.
// - dossiers.duplicate_of: the open dossier of the same procedure and applicant that a dossier was received beside,
//   knowingly (the clerk's override) or online (to be judged by the receiving clerk). Among dossiers that are not
//   marked so, at most one per applicant and procedure is open: a unique index, which also settles two intakes of the
//   same duplicate racing each other. Existing open duplicates are marked first, so the index can be built.
export async function up(db: Kysely<any>): Promise<void> {
  await sql`
    create table document_types (
      code text primary key,
      name_vi text not null,
      name_en text not null
    )`.execute(db);

  await sql`alter table store_documents add column document_type text references document_types(code)`.execute(db);
  await sql`create index store_documents_document_type_idx on store_documents(document_type)`.execute(db);
  // A catalog that already names result types (none did before this migration; harmless otherwise): register the
  // types its versions name, then type the results archived from dossiers of those versions.
  await sql`
    insert into document_types (code, name_vi, name_en)
    select distinct v.body->>'resultDocumentType', v.body->>'resultNameVi', v.body->>'resultNameEn'
    from procedure_versions v
    where v.body->>'resultDocumentType' is not null
    on conflict (code) do nothing`.execute(db);
  await sql`
    update store_documents s set document_type = v.body->>'resultDocumentType'
    from dossiers d join procedure_versions v on v.id = d.procedure_version_id
    where s.source_dossier_id = d.id and s.kind = 'result' and s.document_type is null
      and v.body->>'resultDocumentType' is not null`.execute(db);

  await sql`
    create table intakes (
      id bigint generated always as identity primary key,
      staff_id integer not null references staff(id),
      unit_id integer not null references units(id),
      id_number text not null,
      procedure_id integer references procedures(id),
      reason text,
      opened_at timestamptz not null,
      expires_at timestamptz not null,
      closed_at timestamptz,
      dossier_id bigint references dossiers(id)
    )`.execute(db);
  await sql`create index intakes_staff_open_idx on intakes(staff_id, id_number) where closed_at is null`.execute(db);
  await sql`create index intakes_staff_id_idx on intakes(staff_id, opened_at)`.execute(db);
  await sql`create index intakes_unit_id_idx on intakes(unit_id)`.execute(db);
  await sql`create index intakes_procedure_id_idx on intakes(procedure_id)`.execute(db);
  await sql`create index intakes_dossier_id_idx on intakes(dossier_id)`.execute(db);

  await sql`
    create table store_access (
      id bigint generated always as identity primary key,
      staff_id integer not null references staff(id),
      unit_id integer not null references units(id),
      owner_id_number text not null,
      purpose text not null check (purpose in ('dossier', 'intake')),
      dossier_id bigint references dossiers(id),
      intake_id bigint references intakes(id),
      documents integer not null,
      at timestamptz not null,
      check ((purpose = 'dossier') = (dossier_id is not null) and (purpose = 'intake') = (intake_id is not null))
    )`.execute(db);
  await sql`create index store_access_staff_id_idx on store_access(staff_id, at)`.execute(db);
  await sql`create index store_access_owner_idx on store_access(owner_id_number, at)`.execute(db);
  await sql`create index store_access_unit_id_idx on store_access(unit_id)`.execute(db);
  await sql`create index store_access_dossier_id_idx on store_access(dossier_id)`.execute(db);
  await sql`create index store_access_intake_id_idx on store_access(intake_id)`.execute(db);

  // By code (unique and never reused), which is what staff are shown.
  await sql`alter table dossiers add column duplicate_of text references dossiers(code)`.execute(db);
  await sql`create index dossiers_duplicate_of_idx on dossiers(duplicate_of) where duplicate_of is not null`.execute(db);
  // Open duplicates already there: every one after the first of its applicant and procedure points at the first.
  await sql`
    update dossiers d set duplicate_of = f.first_code
    from (
      select id, first_value(code) over (partition by applicant_id_number, procedure_id order by id) as first_code,
             row_number() over (partition by applicant_id_number, procedure_id order by id) as n
      from dossiers
      where status in ('submitted', 'received', 'processing', 'supplement_requested', 'awaiting_payment')
    ) f
    where d.id = f.id and f.n > 1`.execute(db);
  await sql`
    create unique index dossiers_open_per_applicant_idx on dossiers(applicant_id_number, procedure_id)
    where duplicate_of is null and status in ('submitted', 'received', 'processing', 'supplement_requested', 'awaiting_payment')`.execute(
    db,
  );
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`drop index if exists dossiers_open_per_applicant_idx`.execute(db);
  await sql`alter table dossiers drop column if exists duplicate_of`.execute(db);
  await sql`drop table if exists store_access`.execute(db);
  await sql`drop table if exists intakes`.execute(db);
  await sql`alter table store_documents drop column if exists document_type`.execute(db);
  await sql`drop table if exists document_types`.execute(db);
}
