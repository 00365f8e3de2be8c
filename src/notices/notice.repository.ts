import { CompiledQuery, sql, type Insertable, type Kysely } from 'kysely';
import type { DB, NotificationTable } from '../platform/db.types.js';
import type { AuditKey } from '../platform/audit-chain.model.js';
import { auditAppendSql } from '../platform/audit-chain.repository.js';

/** Takes queued notable events, oldest first, locked for this transaction (another worker skips them). */
export async function claimQueue(db: Kysely<DB>, limit: number): Promise<{ dossier_id: number; seq: number }[]> {
  const r = await sql<{ dossier_id: string | number; seq: number }>`
    select dossier_id, seq from notice_queue order by dossier_id, seq limit ${limit} for update skip locked`.execute(db);
  return r.rows.map((x) => ({ dossier_id: Number(x.dossier_id), seq: x.seq }));
}

/** What a notice says about each of several events: the dossier, its procedure, points, and the event's note and data. */
export async function noticeFacts(db: Kysely<DB>, events: readonly { dossier_id: number; seq: number }[]) {
  if (!events.length) return [];
  const keys = sql.join(events.map((e) => sql`(${e.dossier_id}::bigint, ${e.seq}::int)`));
  return db
    .selectFrom('dossier_events as e')
    .innerJoin('dossiers as d', 'd.id', 'e.dossier_id')
    .innerJoin('procedure_versions as v', 'v.id', 'd.procedure_version_id')
    .innerJoin('units as rp', 'rp.id', 'd.return_point_id')
    .innerJoin('units as pt', 'pt.id', 'd.receiving_unit_id')
    .select([
      'd.id',
      'd.code',
      'd.tracking_token',
      'd.applicant_phone',
      'd.applicant_email',
      'd.notice_lang',
      'd.due_at',
      'd.apology_due_at',
      'v.name_vi as procedure_vi',
      'v.name_en as procedure_en',
      'pt.name_vi as point_vi',
      'pt.name_en as point_en',
      'rp.name_vi as return_vi',
      'rp.name_en as return_en',
      'rp.address as return_address',
      'e.seq',
      'e.action',
      'e.at',
      'e.note',
      'e.data',
    ])
    .where(sql<boolean>`(e.dossier_id, e.seq) in (values ${keys})`)
    .execute();
}

export async function deleteQueued(db: Kysely<DB>, events: readonly { dossier_id: number; seq: number }[]) {
  if (!events.length) return;
  const keys = sql.join(events.map((e) => sql`(${e.dossier_id}::bigint, ${e.seq}::int)`));
  await sql`delete from notice_queue where (dossier_id, seq) in (values ${keys})`.execute(db);
}

/** Inserts notifications; one whose source_key exists already is not inserted again. The ids inserted. */
export async function insertOnce(db: Kysely<DB>, rows: Insertable<NotificationTable>[]): Promise<number[]> {
  if (!rows.length) return [];
  const r = await db
    .insertInto('notifications')
    .values(rows)
    .onConflict((oc) => oc.column('source_key').doNothing())
    .returning('id')
    .execute();
  return r.map((x) => Number(x.id));
}

/** Which of several (channel, address digest) pairs are stopped, as `channel:digest` keys. */
export async function optedOutAmong(db: Kysely<DB>, pairs: readonly { channel: 'sms' | 'email'; digest: string }[]): Promise<Set<string>> {
  if (!pairs.length) return new Set();
  const keys = sql.join(pairs.map((p) => sql`(${p.channel}::text, ${p.digest}::text)`));
  const r = await sql<{ channel: string; address_digest: string }>`
    select channel, address_digest from notice_optouts where (channel, address_digest) in (values ${keys})`.execute(db);
  return new Set(r.rows.map((x) => `${x.channel}:${x.address_digest}`));
}

export async function optedOut(db: Kysely<DB>, channel: 'sms' | 'email', digest: string): Promise<boolean> {
  return Boolean(
    await db
      .selectFrom('notice_optouts')
      .select('address_digest')
      .where('channel', '=', channel)
      .where('address_digest', '=', digest)
      .executeTakeFirst(),
  );
}

/** Records an opt-out; false when the channel was already stopped for that address. */
export async function insertOptOut(
  db: Kysely<DB>,
  row: {
    channel: 'sms' | 'email';
    address_digest: string;
    created_at: Date;
    source: 'email_link' | 'citizen' | 'clerk';
    dossier_id: number | null;
    staff_id: number | null;
  },
): Promise<boolean> {
  const r = await db
    .insertInto('notice_optouts')
    .values(row)
    .onConflict((oc) => oc.columns(['channel', 'address_digest']).doNothing())
    .returning('address_digest')
    .execute();
  return r.length > 0;
}

export async function templates(db: Kysely<DB>) {
  return db.selectFrom('notice_templates').selectAll().orderBy('kind').orderBy('channel').orderBy('lang').execute();
}

export async function template(db: Kysely<DB>, kind: string, channel: 'sms' | 'email', lang: 'vi' | 'en') {
  return db
    .selectFrom('notice_templates')
    .selectAll()
    .where('kind', '=', kind)
    .where('channel', '=', channel)
    .where('lang', '=', lang)
    .executeTakeFirst();
}

export async function upsertTemplate(
  db: Kysely<DB>,
  row: {
    kind: string;
    channel: 'sms' | 'email';
    lang: 'vi' | 'en';
    subject: string | null;
    body: string;
    updated_at: Date;
    updated_by: number;
  },
) {
  await db
    .insertInto('notice_templates')
    .values(row)
    .onConflict((oc) =>
      oc
        .columns(['kind', 'channel', 'lang'])
        .doUpdateSet({ subject: row.subject, body: row.body, updated_at: row.updated_at, updated_by: row.updated_by }),
    )
    .execute();
}

export async function deleteTemplate(db: Kysely<DB>, kind: string, channel: 'sms' | 'email', lang: 'vi' | 'en'): Promise<boolean> {
  const r = await db
    .deleteFrom('notice_templates')
    .where('kind', '=', kind)
    .where('channel', '=', channel)
    .where('lang', '=', lang)
    .executeTakeFirst();
  return Number(r.numDeletedRows) > 0;
}

export async function notificationsOfDossier(db: Kysely<DB>, dossierId: number) {
  return db.selectFrom('notifications').selectAll().where('dossier_id', '=', dossierId).orderBy('id').execute();
}

export async function notificationByProvider(db: Kysely<DB>, providerId: string) {
  return db.selectFrom('notifications').selectAll().where('provider_id', '=', providerId).where('channel', '=', 'sms').executeTakeFirst();
}

export async function notification(db: Kysely<DB>, id: number) {
  return db.selectFrom('notifications').selectAll().where('id', '=', id).executeTakeFirst();
}

/**
 * Stores an SMS delivery report and its audit entry in one statement (one round trip: the gateway sends one report a
 * message): the row of message `id` if it is an SMS whose gateway id is `smsId` (or not yet known) and the status is
 * new, then, only if that row changed, the entry. False when nothing changed (a repeated report, or no such message).
 */
export async function storeDelivery(
  db: Kysely<DB>,
  key: AuditKey,
  r: { id: number; smsId: string; status: 'delivered' | 'failed' },
  at: Date,
): Promise<boolean> {
  const params: unknown[] = [];
  const p = (v: unknown) => `$${params.push(v)}`;
  const status = `${p(r.status)}::text`;
  const update = `update notifications set delivery_status = ${status}, delivery_at = ${p(at)}::timestamptz
      where id = ${p(r.id)}::bigint and channel = 'sms' and (provider_id is null or provider_id = ${p(r.smsId)}::text)
        and delivery_status is distinct from ${status}
      returning id`;
  const { head, log } = auditAppendSql(
    key,
    {
      actorKind: 'system',
      actorId: null,
      stream: 'system',
      action: `notification.${r.status}`,
      entityType: 'notification',
      entityId: String(r.id),
      data: { smsId: r.smsId },
    },
    at,
    params,
    'exists (select 1 from u)',
  );
  const out = await db.executeQuery<{ stored: number }>(
    CompiledQuery.raw(`with u as (${update}), h as (${head}), l as (${log('h')}) select (select count(*) from u)::int as stored`, params),
  );
  return Number(out.rows[0]!.stored) > 0;
}
