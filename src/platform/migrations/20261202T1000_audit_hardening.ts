import { sql, type Kysely } from 'kysely';

const GENESIS = '0'.repeat(64);

// The audit trail and the dossiers' history refuse to change, to the tables' owner too: UPDATE, DELETE and TRUNCATE
// of audit_log and dossier_events raise, and a chain head may only be created at its first entry and advanced by one
// (its previous hash the old hash). The app's role is also denied these by its grants (platform/database-roles.ts);
// the triggers are the owner's guard rail, which only an owner who disables them on purpose gets past — and then the
// HMAC chain, keyed outside the database, shows what was rewritten.
//
// Dossier events take their seq from dossiers.event_seq, no longer from the version: an event that is nobody's
// action (a dossier flagged late) must not make a clerk's in-flight action stale.
export async function up(db: Kysely<any>): Promise<void> {
  await sql`
    create function refuse_append_only_change() returns trigger language plpgsql as $$
    begin
      raise exception '% is append-only: % refused', tg_table_name, tg_op;
    end $$`.execute(db);
  await sql`
    create function refuse_audit_head_change() returns trigger language plpgsql as $$
    begin
      if tg_op = 'INSERT' then
        raise exception 'audit_heads: a stream''s head starts at its first entry (seq 1 after the genesis hash)';
      end if;
      raise exception 'audit_heads: a head only advances by one entry linked to the previous hash (seq % to %)', old.seq, new.seq;
    end $$`.execute(db);

  // audit_log: the row trigger of the core migration now names the operation; TRUNCATE fires no row trigger.
  await sql`drop trigger audit_log_append_only on audit_log`.execute(db);
  await sql`drop function audit_log_forbid_change()`.execute(db);
  for (const table of ['audit_log', 'dossier_events']) {
    await sql`
      create trigger ${sql.raw(`${table}_append_only`)} before update or delete on ${sql.table(table)}
      for each row execute function refuse_append_only_change()`.execute(db);
    await sql`
      create trigger ${sql.raw(`${table}_no_truncate`)} before truncate on ${sql.table(table)}
      for each statement execute function refuse_append_only_change()`.execute(db);
  }
  await sql`
    create trigger audit_heads_no_delete before delete on audit_heads
    for each row execute function refuse_append_only_change()`.execute(db);
  await sql`
    create trigger audit_heads_no_truncate before truncate on audit_heads
    for each statement execute function refuse_append_only_change()`.execute(db);
  // WHEN clauses: the function runs only for a change it refuses, so an append pays no PL/pgSQL call.
  await sql`
    create trigger audit_heads_advance_only before update on audit_heads
    for each row when (new.stream is distinct from old.stream or new.seq is distinct from old.seq + 1
                       or new.prev_hash is distinct from old.hash)
    execute function refuse_audit_head_change()`.execute(db);
  await sql`
    create trigger audit_heads_start_at_one before insert on audit_heads
    for each row when (new.seq is distinct from 1 or new.prev_hash is distinct from ${sql.lit(GENESIS)})
    execute function refuse_audit_head_change()`.execute(db);

  await sql`alter table dossiers add column event_seq integer not null default 0`.execute(db);
  // Until now an event's seq was the version it made; the next event continues after the last one written.
  await sql`update dossiers d set event_seq = coalesce((select max(e.seq) from dossier_events e where e.dossier_id = d.id), 0)`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`alter table dossiers drop column if exists event_seq`.execute(db);
  for (const [trigger, table] of [
    ['audit_heads_start_at_one', 'audit_heads'],
    ['audit_heads_advance_only', 'audit_heads'],
    ['audit_heads_no_truncate', 'audit_heads'],
    ['audit_heads_no_delete', 'audit_heads'],
    ['dossier_events_no_truncate', 'dossier_events'],
    ['dossier_events_append_only', 'dossier_events'],
    ['audit_log_no_truncate', 'audit_log'],
    ['audit_log_append_only', 'audit_log'],
  ] as const) {
    await sql`drop trigger if exists ${sql.raw(trigger)} on ${sql.table(table)}`.execute(db);
  }
  await sql`drop function if exists refuse_audit_head_change()`.execute(db);
  await sql`drop function if exists refuse_append_only_change()`.execute(db);
  await sql`
    create function audit_log_forbid_change() returns trigger language plpgsql as $$
    begin
      raise exception 'audit_log is append-only';
    end $$`.execute(db);
  await sql`
    create trigger audit_log_append_only before update or delete on audit_log
    for each row execute function audit_log_forbid_change()`.execute(db);
}
