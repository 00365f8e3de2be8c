import { sql, type Kysely } from 'kysely';

// The audit trail of one entity (a dossier, a file) is looked up by type and id.
export async function up(db: Kysely<any>): Promise<void> {
  await sql`create index audit_log_entity_idx on audit_log(entity_type, entity_id)`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`drop index if exists audit_log_entity_idx`.execute(db);
}
