import { sql, type Kysely } from 'kysely';

// Frozen in time: this file never imports application code.
// A ticket's secret token: its holder follows their place on a phone at /so/<token> (the QR code on the
// printed ticket). Imported history has none.
export async function up(db: Kysely<any>): Promise<void> {
  await sql`alter table queue_tickets add column token text`.execute(db);
  await sql`create unique index queue_tickets_token_idx on queue_tickets(token)`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`alter table queue_tickets drop column if exists token`.execute(db);
}
