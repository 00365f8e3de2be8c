import { sql, type Kysely } from 'kysely';

// Frozen in time: this file never imports application code.
// Counter queues: service groups per service point, counters, which groups each clerk serves,
// tickets (kiosk, clerk, booked ahead), bookings, the tickets' link to dossiers, and the
// notification outbox that booking confirmations and reminders go through.

export async function up(db: Kysely<any>): Promise<void> {
  await sql`
    create table queue_groups (
      id integer generated always as identity primary key,
      unit_id integer not null references units(id),
      code text not null check (code ~ '^[A-Z]{1,2}$'),
      name_vi text not null,
      name_en text not null,
      target_wait_seconds integer not null default 900 check (target_wait_seconds > 0),
      slot_minutes smallint not null default 30 check (slot_minutes between 5 and 240),
      slot_capacity smallint not null default 0 check (slot_capacity between 0 and 1000),
      active boolean not null default true,
      created_at timestamptz not null default now(),
      unique (unit_id, code)
    )`.execute(db);

  await sql`
    create table queue_group_procedures (
      group_id integer not null references queue_groups(id),
      procedure_id integer not null references procedures(id),
      primary key (group_id, procedure_id)
    )`.execute(db);
  await sql`create index queue_group_procedures_procedure_id_idx on queue_group_procedures(procedure_id)`.execute(db);

  await sql`
    create table queue_counters (
      id integer generated always as identity primary key,
      unit_id integer not null references units(id),
      number smallint not null check (number between 1 and 999),
      name_vi text not null,
      name_en text not null,
      active boolean not null default true,
      staff_id integer references staff(id),
      opened_at timestamptz,
      unique (unit_id, number)
    )`.execute(db);
  await sql`create unique index queue_counters_staff_id_idx on queue_counters(staff_id) where staff_id is not null`.execute(db);

  await sql`
    create table queue_clerk_groups (
      staff_id integer not null references staff(id),
      group_id integer not null references queue_groups(id),
      weight smallint not null default 1 check (weight between 1 and 10),
      primary key (staff_id, group_id)
    )`.execute(db);
  await sql`create index queue_clerk_groups_group_id_idx on queue_clerk_groups(group_id)`.execute(db);

  await sql`
    create table queue_bookings (
      id bigint generated always as identity primary key,
      group_id integer not null references queue_groups(id),
      slot_start timestamptz not null,
      code text not null unique,
      name text not null,
      phone text not null,
      status text not null check (status in ('booked','checked_in','cancelled')),
      created_at timestamptz not null,
      cancelled_at timestamptz
    )`.execute(db);
  await sql`create index queue_bookings_group_slot_idx on queue_bookings(group_id, slot_start)`.execute(db);

  await sql`
    create table queue_tickets (
      id bigint generated always as identity primary key,
      unit_id integer not null references units(id),
      group_id integer not null references queue_groups(id),
      day date not null,
      number integer not null,
      label text not null,
      channel text not null check (channel in ('kiosk','clerk','booking')),
      priority text check (priority in ('elderly','disabled','pregnant','child','other')),
      status text not null check (status in ('waiting','called','serving','done','no_show','cancelled')),
      rank_at timestamptz not null,
      arrived_at timestamptz not null,
      queued_at timestamptz not null,
      target_counter_id integer references queue_counters(id),
      counter_id integer references queue_counters(id),
      staff_id integer references staff(id),
      booking_id bigint references queue_bookings(id),
      transferred_from_group_id integer references queue_groups(id),
      called_at timestamptz,
      call_count smallint not null default 0,
      started_at timestamptz,
      ended_at timestamptz,
      version integer not null default 1,
      unique (group_id, day, number)
    )`.execute(db);
  await sql`create index queue_tickets_unit_day_idx on queue_tickets(unit_id, day)`.execute(db);
  await sql`create index queue_tickets_waiting_idx on queue_tickets(group_id, rank_at) where status = 'waiting'`.execute(db);
  for (const col of ['target_counter_id', 'counter_id', 'staff_id', 'booking_id', 'transferred_from_group_id']) {
    await sql`create index ${sql.raw(`queue_tickets_${col}_idx`)} on queue_tickets(${sql.ref(col)})`.execute(db);
  }

  await sql`
    create table queue_ticket_dossiers (
      ticket_id bigint not null references queue_tickets(id),
      dossier_id bigint not null references dossiers(id),
      primary key (ticket_id, dossier_id)
    )`.execute(db);
  await sql`create index queue_ticket_dossiers_dossier_id_idx on queue_ticket_dossiers(dossier_id)`.execute(db);

  await sql`
    create table queue_number_counters (
      group_id integer not null references queue_groups(id),
      day date not null,
      last integer not null,
      primary key (group_id, day)
    )`.execute(db);

  // Outbox: a message is written in the same transaction as what caused it, and sent later by
  // the dispatcher through the configured adapter; nothing is lost if the gateway is down.
  await sql`
    create table notifications (
      id bigint generated always as identity primary key,
      channel text not null check (channel in ('sms')),
      recipient text not null,
      body text not null,
      kind text not null,
      ref text,
      due_at timestamptz not null,
      created_at timestamptz not null,
      sent_at timestamptz,
      cancelled_at timestamptz,
      attempts smallint not null default 0,
      last_error text
    )`.execute(db);
  await sql`create index notifications_pending_idx on notifications(due_at) where sent_at is null and cancelled_at is null`.execute(db);
  await sql`create index notifications_ref_idx on notifications(ref)`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  for (const t of [
    'notifications',
    'queue_number_counters',
    'queue_ticket_dossiers',
    'queue_tickets',
    'queue_bookings',
    'queue_clerk_groups',
    'queue_counters',
    'queue_group_procedures',
    'queue_groups',
  ]) {
    await sql`drop table if exists ${sql.table(t)}`.execute(db);
  }
}
