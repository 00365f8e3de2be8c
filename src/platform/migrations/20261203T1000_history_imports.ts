import { sql, type Kysely } from 'kysely';

// Frozen in time: this file never imports application code.
//
// Imported history (src/history/, `motcua import-history`):
// - history_imports: one row per imported file, by the SHA-256 of its bytes: how far its import has committed (the
//   last line and the byte after it), so that a killed import restarted skips ahead, and the counts so far.
// - history_dossiers: which dossier came from which line of which file, with the SHA-256 of the line's canonical JSON
//   (RFC 8785): a line whose code exists with the same content is skipped, with other content it is a conflict.
export async function up(db: Kysely<any>): Promise<void> {
  await sql`
    create table history_imports (
      id bigint generated always as identity primary key,
      file_sha256 text not null unique check (file_sha256 ~ '^[0-9a-f]{64}$'),
      lines_done integer not null default 0,
      bytes_done bigint not null default 0,
      imported integer not null default 0,
      skipped integer not null default 0,
      conflicts integer not null default 0,
      invalid integer not null default 0,
      started_at timestamptz not null,
      updated_at timestamptz not null,
      finished_at timestamptz
    )`.execute(db);
  await sql`
    create table history_dossiers (
      dossier_id bigint primary key references dossiers(id),
      import_id bigint not null references history_imports(id),
      line integer not null,
      content_sha256 text not null
    )`.execute(db);
  await sql`create index history_dossiers_import_id_idx on history_dossiers(import_id, line)`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`drop table history_dossiers`.execute(db);
  await sql`drop table history_imports`.execute(db);
}
