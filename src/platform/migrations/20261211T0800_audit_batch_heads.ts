import { sql, type Kysely } from 'kysely';

// A chain head may now advance by several entries in one update (a batch appended at once: a dispatch round's
// outcomes), as long as the entries it passes over are in the log and link: the first to the old head's hash, each
// to the one before, the last being the new head. A one-entry advance is checked as before (by the WHEN clause, at no
// PL/pgSQL cost); anything else runs the function, which refuses a head moved backwards, sideways or past entries that
// are missing or do not link.
export async function up(db: Kysely<any>): Promise<void> {
  await sql`
    create function check_audit_head_advance() returns trigger language plpgsql as $$
    declare
      linked bigint;
      last_hash text;
      last_prev text;
    begin
      if new.stream is distinct from old.stream or new.seq <= old.seq then
        raise exception 'audit_heads: a head only advances by entries linked to the previous hash (seq % to %)', old.seq, new.seq;
      end if;
      select count(*) filter (where x.prev_hash = x.before), max(x.hash) filter (where x.seq = new.seq),
             max(x.prev_hash) filter (where x.seq = new.seq)
        into linked, last_hash, last_prev
        from (select l.seq, l.hash, l.prev_hash, coalesce(lag(l.hash) over (order by l.seq), old.hash) as before
                from audit_log l where l.stream = new.stream and l.seq > old.seq and l.seq <= new.seq) x;
      if linked is distinct from new.seq - old.seq or last_hash is distinct from new.hash or last_prev is distinct from new.prev_hash then
        raise exception 'audit_heads: a head only advances by entries linked to the previous hash (seq % to %)', old.seq, new.seq;
      end if;
      return new;
    end $$`.execute(db);
  await sql`drop trigger audit_heads_advance_only on audit_heads`.execute(db);
  await sql`
    create trigger audit_heads_advance_only before update on audit_heads
    for each row when (new.stream is distinct from old.stream or new.seq is distinct from old.seq + 1
                       or new.prev_hash is distinct from old.hash)
    execute function check_audit_head_advance()`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`drop trigger audit_heads_advance_only on audit_heads`.execute(db);
  await sql`drop function check_audit_head_advance()`.execute(db);
  await sql`
    create trigger audit_heads_advance_only before update on audit_heads
    for each row when (new.stream is distinct from old.stream or new.seq is distinct from old.seq + 1
                       or new.prev_hash is distinct from old.hash)
    execute function refuse_audit_head_change()`.execute(db);
}
