import { sql, type Kysely } from 'kysely';

// Frozen in time: this file never imports application code.
// Notices to citizens on the notable steps of a dossier, by SMS and by e-mail (issue 11 §3):
// - dossiers.notice_lang: the language the citizen chose ('vi' by default);
// - notice_queue: one row per notable event, written by the very statement that writes the event (a CTE beside the
//   portal outbox's), so a committed step is never left without its notice and a rolled-back one never has one;
// - notifications grows an e-mail channel, a unique source_key (dossier:<id>:<seq>:<channel>: a retried expansion
//   never makes two), a lease (claimed_until) for sending exactly once across a crash, the provider's id, the
//   delivery report, and a skip reason (the channel opted out);
// - notice_templates: an administrator's overrides of the default texts, per (kind, channel, lang);
// - notice_optouts: channels a citizen stopped, by a digest of the normalized address (never the address).

export async function up(db: Kysely<any>): Promise<void> {
  await sql`alter table dossiers add column notice_lang text not null default 'vi' check (notice_lang in ('vi','en'))`.execute(db);

  await sql`
    create table notice_queue (
      dossier_id bigint not null references dossiers(id),
      seq integer not null,
      primary key (dossier_id, seq)
    )`.execute(db);

  await sql`alter table notifications drop constraint notifications_channel_check`.execute(db);
  await sql`alter table notifications add constraint notifications_channel_check check (channel in ('sms','email'))`.execute(db);
  await sql`alter table notifications add column source_key text`.execute(db);
  await sql`alter table notifications add column dossier_id bigint references dossiers(id)`.execute(db);
  await sql`alter table notifications add column subject text`.execute(db);
  await sql`alter table notifications add column claimed_until timestamptz`.execute(db);
  await sql`alter table notifications add column provider_id text`.execute(db);
  await sql`alter table notifications add column delivery_status text check (delivery_status in ('delivered','failed'))`.execute(db);
  await sql`alter table notifications add column delivery_at timestamptz`.execute(db);
  await sql`alter table notifications add column skipped_reason text check (skipped_reason in ('opted_out'))`.execute(db);
  await sql`create unique index notifications_source_key_idx on notifications(source_key)`.execute(db);
  await sql`create index notifications_dossier_id_idx on notifications(dossier_id)`.execute(db);
  await sql`create index notifications_provider_id_idx on notifications(provider_id) where provider_id is not null`.execute(db);

  await sql`
    create table notice_templates (
      kind text not null,
      channel text not null check (channel in ('sms','email')),
      lang text not null check (lang in ('vi','en')),
      subject text,
      body text not null,
      updated_at timestamptz not null,
      updated_by integer references staff(id),
      primary key (kind, channel, lang)
    )`.execute(db);
  await sql`create index notice_templates_updated_by_idx on notice_templates(updated_by)`.execute(db);

  await sql`
    create table notice_optouts (
      channel text not null check (channel in ('sms','email')),
      address_digest text not null,
      created_at timestamptz not null,
      source text not null check (source in ('email_link','citizen','clerk')),
      dossier_id bigint references dossiers(id),
      staff_id integer references staff(id),
      primary key (channel, address_digest)
    )`.execute(db);
  await sql`create index notice_optouts_dossier_id_idx on notice_optouts(dossier_id)`.execute(db);
  await sql`create index notice_optouts_staff_id_idx on notice_optouts(staff_id)`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`drop table notice_optouts`.execute(db);
  await sql`drop table notice_templates`.execute(db);
  await sql`delete from notifications where channel <> 'sms'`.execute(db);
  for (const c of [
    'skipped_reason',
    'delivery_at',
    'delivery_status',
    'provider_id',
    'claimed_until',
    'subject',
    'dossier_id',
    'source_key',
  ])
    await sql`alter table notifications drop column ${sql.raw(c)}`.execute(db);
  await sql`alter table notifications drop constraint notifications_channel_check`.execute(db);
  await sql`alter table notifications add constraint notifications_channel_check check (channel in ('sms'))`.execute(db);
  await sql`drop table notice_queue`.execute(db);
  await sql`alter table dossiers drop column notice_lang`.execute(db);
}
