import { sql, type Kysely } from 'kysely';

// Frozen in time: this file never imports application code.

export async function up(db: Kysely<any>): Promise<void> {
  await sql`create extension if not exists pg_trgm`.execute(db);

  await sql`
    create table units (
      id integer generated always as identity primary key,
      key text not null unique,
      province_code text not null,
      parent_id integer references units(id),
      kind text not null check (kind in ('province','center','branch','commune_center','department','commune_committee')),
      agency_code text not null,
      name_vi text not null,
      name_en text not null,
      address text,
      area_type text check (area_type in ('urban','rural','remote')),
      lat double precision,
      lon double precision,
      office_hours jsonb,
      receiving_unit_id integer references units(id),
      commune_code text,
      valid_from date not null,
      valid_to date,
      created_at timestamptz not null default now()
    )`.execute(db);
  await sql`create index units_parent_id_idx on units(parent_id)`.execute(db);
  await sql`create index units_receiving_unit_id_idx on units(receiving_unit_id)`.execute(db);
  await sql`create index units_province_kind_idx on units(province_code, kind)`.execute(db);

  // Identifier codes change with mergers: keep every code a unit has carried, with dates.
  await sql`
    create table unit_codes (
      unit_id integer not null references units(id),
      agency_code text not null,
      valid_from date not null,
      valid_to date,
      primary key (unit_id, valid_from)
    )`.execute(db);
  await sql`create index unit_codes_agency_code_idx on unit_codes(agency_code)`.execute(db);

  await sql`
    create table communes (
      code text primary key,
      province_code text not null,
      name_vi text not null,
      name_en text not null,
      kind text not null check (kind in ('ward','commune','special_zone')),
      area_type text not null check (area_type in ('urban','rural','remote')),
      committee_unit_id integer not null references units(id),
      center_unit_id integer not null references units(id),
      lat double precision,
      lon double precision
    )`.execute(db);
  await sql`create index communes_committee_unit_id_idx on communes(committee_unit_id)`.execute(db);
  await sql`create index communes_center_unit_id_idx on communes(center_unit_id)`.execute(db);

  await sql`
    create table staff (
      id integer generated always as identity primary key,
      username text not null unique,
      password_hash text not null,
      full_name text not null,
      role text not null check (role in ('clerk','specialist','approver','manager','admin')),
      unit_id integer not null references units(id),
      active boolean not null default true,
      created_at timestamptz not null default now()
    )`.execute(db);
  await sql`create index staff_unit_id_idx on staff(unit_id)`.execute(db);

  await sql`
    create table sessions (
      id bigint generated always as identity primary key,
      token_hash text not null unique,
      staff_id integer not null references staff(id),
      created_at timestamptz not null default now(),
      expires_at timestamptz not null,
      revoked_at timestamptz
    )`.execute(db);
  await sql`create index sessions_staff_id_idx on sessions(staff_id)`.execute(db);

  await sql`
    create table fields (
      code text primary key,
      name_vi text not null,
      name_en text not null
    )`.execute(db);

  await sql`
    create table procedures (
      id integer generated always as identity primary key,
      code text not null unique,
      created_at timestamptz not null default now()
    )`.execute(db);

  await sql`
    create table procedure_versions (
      id integer generated always as identity primary key,
      procedure_id integer not null references procedures(id),
      effective_from date not null,
      name_vi text not null,
      name_en text not null,
      field_code text not null references fields(code),
      level text not null check (level in ('province','commune')),
      agency_key text,
      limit_value numeric not null check (limit_value > 0),
      limit_unit text not null check (limit_unit in ('working-hours','working-days','days','months')),
      fast_value numeric check (fast_value > 0),
      fast_unit text check (fast_unit in ('working-hours','working-days','days','months')),
      online_level text not null check (online_level in ('full','partial')),
      non_territorial boolean not null,
      search_text text not null,
      body jsonb not null,
      created_at timestamptz not null default now(),
      unique (procedure_id, effective_from),
      check ((fast_value is null) = (fast_unit is null)),
      check (level = 'commune' or agency_key is not null)
    )`.execute(db);
  await sql`create index procedure_versions_field_code_idx on procedure_versions(field_code)`.execute(db);
  await sql`create index procedure_versions_search_trgm_idx on procedure_versions using gin (search_text gin_trgm_ops)`.execute(db);

  await sql`
    create table blobs (
      sha256 text primary key check (sha256 ~ '^[0-9a-f]{64}$'),
      size bigint not null,
      mime text not null,
      created_at timestamptz not null default now()
    )`.execute(db);

  // The citizen's document store (kho quản lý dữ liệu điện tử): earlier results and verified documents.
  await sql`
    create table store_documents (
      id bigint generated always as identity primary key,
      owner_id_number text not null,
      kind text not null,
      title text not null,
      blob_sha256 text not null references blobs(sha256),
      issuer_unit_id integer references units(id),
      source_dossier_id bigint,
      issued_at timestamptz not null default now()
    )`.execute(db);
  await sql`create index store_documents_owner_idx on store_documents(owner_id_number, id)`.execute(db);
  await sql`create index store_documents_blob_idx on store_documents(blob_sha256)`.execute(db);
  await sql`create index store_documents_issuer_unit_id_idx on store_documents(issuer_unit_id)`.execute(db);

  await sql`
    create table dossiers (
      id bigint generated always as identity primary key,
      code text not null unique,
      province_code text not null,
      procedure_id integer not null references procedures(id),
      procedure_version_id integer not null references procedure_versions(id),
      channel smallint not null check (channel in (1,2,3)),
      status text not null,
      portal_status smallint not null check (portal_status between 1 and 10),
      receiving_unit_id integer not null references units(id),
      competent_agency_id integer not null references units(id),
      current_unit_id integer references units(id),
      current_step smallint not null default 0,
      return_point_id integer not null references units(id),
      applicant_id_number text not null,
      applicant_name text not null,
      applicant_phone text not null,
      applicant_email text,
      applicant_address text not null,
      applicant_commune_code text not null references communes(code),
      fast_track boolean not null default false,
      limit_value numeric not null,
      limit_unit text not null,
      fee_total_vnd bigint not null default 0,
      submitted_at timestamptz,
      received_at timestamptz,
      due_at timestamptz,
      original_due_at timestamptz,
      paused_at timestamptz,
      paused_ms bigint not null default 0,
      supplement_count smallint not null default 0,
      paid_at timestamptz,
      decided_at timestamptz,
      returned_at timestamptz,
      late_flagged_at timestamptz,
      apology_due_at timestamptz,
      result_document_id bigint references store_documents(id),
      version integer not null default 1,
      created_by integer references staff(id),
      created_at timestamptz not null default now(),
      updated_at timestamptz not null default now()
    )`.execute(db);
  for (const col of [
    'procedure_id',
    'procedure_version_id',
    'receiving_unit_id',
    'competent_agency_id',
    'current_unit_id',
    'return_point_id',
    'applicant_commune_code',
    'created_by',
    'result_document_id',
  ]) {
    await sql`create index ${sql.raw(`dossiers_${col}_idx`)} on dossiers(${sql.ref(col)})`.execute(db);
  }
  await sql`create index dossiers_open_due_idx on dossiers(province_code, due_at) where status in ('received','processing','supplement_requested','awaiting_payment')`.execute(
    db,
  );
  await sql`create index dossiers_applicant_idx on dossiers(applicant_id_number)`.execute(db);
  await sql`create index dossiers_created_at_idx on dossiers(province_code, created_at)`.execute(db);
  await sql`alter table store_documents add constraint store_documents_source_dossier_fk foreign key (source_dossier_id) references dossiers(id)`.execute(
    db,
  );
  await sql`create index store_documents_source_dossier_idx on store_documents(source_dossier_id)`.execute(db);

  await sql`
    create table dossier_components (
      id bigint generated always as identity primary key,
      dossier_id bigint not null references dossiers(id),
      component_code text not null,
      name_vi text not null,
      form text not null,
      count smallint not null,
      required boolean not null,
      source text not null check (source in ('upload','store','population_db','paper')),
      blob_sha256 text references blobs(sha256),
      store_document_id bigint references store_documents(id),
      digitized boolean not null,
      added_at timestamptz not null default now(),
      unique (dossier_id, component_code)
    )`.execute(db);
  await sql`create index dossier_components_blob_idx on dossier_components(blob_sha256)`.execute(db);
  await sql`create index dossier_components_store_document_idx on dossier_components(store_document_id)`.execute(db);

  await sql`
    create table dossier_events (
      id bigint generated always as identity primary key,
      dossier_id bigint not null references dossiers(id),
      province_code text not null,
      seq integer not null,
      action text not null,
      from_status text,
      to_status text not null,
      actor_kind text not null check (actor_kind in ('staff','citizen','system')),
      actor_id integer references staff(id),
      unit_id integer references units(id),
      at timestamptz not null,
      note text,
      data jsonb,
      unique (dossier_id, seq)
    )`.execute(db);
  await sql`create index dossier_events_actor_id_idx on dossier_events(actor_id)`.execute(db);
  await sql`create index dossier_events_unit_id_idx on dossier_events(unit_id)`.execute(db);

  // Process control (phiếu kiểm soát): one row per hand-over, with the step's share of the time.
  await sql`
    create table dossier_steps (
      id bigint generated always as identity primary key,
      dossier_id bigint not null references dossiers(id),
      seq integer not null,
      role text not null,
      from_unit_id integer references units(id),
      to_unit_id integer not null references units(id),
      handed_by integer references staff(id),
      handed_at timestamptz not null,
      due_at timestamptz,
      completed_by integer references staff(id),
      completed_at timestamptz,
      outcome text check (outcome in ('early','on_time','late')),
      unique (dossier_id, seq)
    )`.execute(db);
  for (const col of ['from_unit_id', 'to_unit_id', 'handed_by', 'completed_by']) {
    await sql`create index ${sql.raw(`dossier_steps_${col}_idx`)} on dossier_steps(${sql.ref(col)})`.execute(db);
  }

  await sql`
    create table dossier_code_counters (
      prefix text not null,
      day text not null,
      last integer not null,
      primary key (prefix, day)
    )`.execute(db);

  await sql`
    create table ratings (
      dossier_id bigint primary key references dossiers(id),
      rating text not null check (rating in ('satisfied','acceptable','not_satisfied')),
      comment text,
      created_at timestamptz not null default now()
    )`.execute(db);

  await sql`
    create table idempotency_keys (
      scope text not null,
      key text not null,
      request_hash text not null,
      status_code integer not null,
      response jsonb not null,
      created_at timestamptz not null default now(),
      primary key (scope, key)
    )`.execute(db);

  // Append-only audit trail, hash-chained per stream; the head row makes truncation detectable.
  await sql`
    create table audit_heads (
      stream text primary key,
      seq bigint not null,
      hash text not null,
      prev_hash text not null,
      updated_at timestamptz not null default now()
    )`.execute(db);
  await sql`
    create table audit_log (
      stream text not null,
      seq bigint not null,
      at timestamptz not null,
      actor_kind text not null,
      actor_id integer references staff(id),
      action text not null,
      entity_type text not null,
      entity_id text,
      payload text not null,
      prev_hash text not null,
      hash text not null,
      primary key (stream, seq)
    )`.execute(db);
  await sql`create index audit_log_actor_id_idx on audit_log(actor_id)`.execute(db);
  await sql`
    create function audit_log_forbid_change() returns trigger language plpgsql as $$
    begin
      raise exception 'audit_log is append-only';
    end $$`.execute(db);
  await sql`
    create trigger audit_log_append_only before update or delete on audit_log
    for each row execute function audit_log_forbid_change()`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  for (const t of [
    'audit_log',
    'audit_heads',
    'idempotency_keys',
    'ratings',
    'dossier_code_counters',
    'dossier_steps',
    'dossier_events',
    'dossier_components',
  ]) {
    await sql`drop table if exists ${sql.table(t)}`.execute(db);
  }
  await sql`alter table store_documents drop constraint if exists store_documents_source_dossier_fk`.execute(db);
  for (const t of [
    'dossiers',
    'store_documents',
    'blobs',
    'procedure_versions',
    'procedures',
    'fields',
    'sessions',
    'staff',
    'communes',
    'unit_codes',
    'units',
  ]) {
    await sql`drop table if exists ${sql.table(t)}`.execute(db);
  }
  await sql`drop function if exists audit_log_forbid_change()`.execute(db);
}
