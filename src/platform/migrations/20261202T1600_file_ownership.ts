import { sql, type Kysely } from 'kysely';

// Frozen in time: this file never imports application code.
//
// Files belong to someone: knowing a file's hash grants nothing.
// - online_submissions: an online filing in progress, known to its citizen by a random token (only its hash is kept);
//   the files uploaded under the token belong to it, and expire with it.
// - file_uploads: who uploaded a stored file, one row per owner: 'unit:<id>' (a staff member of that unit) or
//   'submission:<id>' (uploaded with that online submission). The same bytes uploaded by two units have two owners.
// - dossier_components.uploaded_by: the owner whose upload a component's file is. A composite foreign key to
//   file_uploads makes the database refuse, inside the intake's single statement, a component naming a file its
//   writer did not upload (MATCH SIMPLE: components from the store, or written before this migration, have no owner
//   and are not checked).
// Uploads made before this migration are attributed from their audit entries (stream 'unit:<id>'); anonymous ones
// (stream 'public') cannot be attributed, and so can no longer be attached by anyone.
export async function up(db: Kysely<any>): Promise<void> {
  await sql`
    create table online_submissions (
      id bigint generated always as identity primary key,
      token_hash text not null unique,
      created_at timestamptz not null,
      expires_at timestamptz not null
    )`.execute(db);
  await sql`create index online_submissions_expires_idx on online_submissions(expires_at)`.execute(db);

  await sql`
    create table file_uploads (
      blob_sha256 text not null references blobs(sha256),
      owner text not null check (owner ~ '^(unit|submission):[0-9]{1,19}$'),
      unit_id integer references units(id),
      submission_id bigint references online_submissions(id) on delete cascade,
      staff_id integer references staff(id),
      uploaded_at timestamptz not null,
      primary key (blob_sha256, owner),
      check ((unit_id is null) <> (submission_id is null)),
      check (owner = case when unit_id is not null then 'unit:' || unit_id else 'submission:' || submission_id end)
    )`.execute(db);
  await sql`create index file_uploads_unit_idx on file_uploads(unit_id, blob_sha256) where unit_id is not null`.execute(db);
  await sql`create index file_uploads_submission_idx on file_uploads(submission_id) where submission_id is not null`.execute(db);
  await sql`create index file_uploads_staff_idx on file_uploads(staff_id)`.execute(db);

  await sql`
    insert into file_uploads (blob_sha256, owner, unit_id, staff_id, uploaded_at)
    select distinct on (a.entity_id, a.stream) a.entity_id, a.stream, substring(a.stream from 6)::int, a.actor_id, a.at
    from audit_log a
    join blobs b on b.sha256 = a.entity_id
    join units u on a.stream = 'unit:' || u.id
    where a.action = 'file.upload' and a.entity_type = 'blob'
    order by a.entity_id, a.stream, a.at`.execute(db);

  await sql`alter table dossier_components add column uploaded_by text`.execute(db);
  await sql`
    alter table dossier_components add constraint dossier_components_upload_fkey
    foreign key (blob_sha256, uploaded_by) references file_uploads(blob_sha256, owner)`.execute(db);
  await sql`create index dossier_components_upload_idx on dossier_components(blob_sha256, uploaded_by) where uploaded_by is not null`.execute(
    db,
  );
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`alter table dossier_components drop constraint dossier_components_upload_fkey`.execute(db);
  await sql`alter table dossier_components drop column uploaded_by`.execute(db);
  await sql`drop table file_uploads`.execute(db);
  await sql`drop table online_submissions`.execute(db);
}
