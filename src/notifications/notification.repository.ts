import { sql, type Insertable, type Kysely } from 'kysely';
import type { DB, NotificationTable } from '../platform/db.types.js';

export async function insertNotifications(db: Kysely<DB>, rows: Insertable<NotificationTable>[]) {
  if (rows.length) await db.insertInto('notifications').values(rows).execute();
}

/**
 * Claims the messages due by `now`, oldest first, for one sender: `for update skip locked`, so two senders never take
 * one, and a lease (claimed_until) committed with the claim, so nobody else sends it while this sender is at it. A
 * message whose lease ran out unsent (its sender died mid-send) is due again. Each claim counts an attempt, so a
 * message that crashes its sender every time stops after MAX_ATTEMPTS.
 */
export async function claimDue(
  db: Kysely<DB>,
  now: Date,
  leaseUntil: Date,
  limit: number,
  maxAttempts: number,
  channels: readonly ('sms' | 'email')[] = ['sms', 'email'],
) {
  return db.transaction().execute(async (trx) => {
    const ids = await trx
      .selectFrom('notifications')
      .select('id')
      .where('sent_at', 'is', null)
      .where('cancelled_at', 'is', null)
      .where('skipped_reason', 'is', null)
      .where('channel', 'in', channels)
      .where('due_at', '<=', now)
      .where('attempts', '<', maxAttempts)
      .where((eb) => eb.or([eb('claimed_until', 'is', null), eb('claimed_until', '<', now)]))
      .orderBy('due_at')
      .orderBy('id')
      .limit(limit)
      .forUpdate()
      .skipLocked()
      .execute();
    if (!ids.length) return [];
    return trx
      .updateTable('notifications')
      .set((eb) => ({ claimed_until: leaseUntil, attempts: eb('attempts', '+', 1) }))
      .where(
        'id',
        'in',
        ids.map((r) => r.id),
      )
      .returningAll()
      .execute()
      .then((rows) => rows.sort((a, b) => a.due_at.getTime() - b.due_at.getTime() || a.id - b.id));
  });
}

/** Messages sent: each row's lease released and the gateway's id stored, in one statement for the lot. */
export async function markSent(db: Kysely<DB>, sent: readonly { id: number; providerId: string | null }[], at: Date) {
  if (!sent.length) return;
  const rows = sql.join(sent.map((m) => sql`(${m.id}::int, ${m.providerId}::text)`));
  await sql`update notifications n set sent_at = ${at}, claimed_until = null, last_error = null, provider_id = v.provider_id
    from (values ${rows}) as v(id, provider_id) where n.id = v.id`.execute(db);
}

/** Failed sends: each lease given back, the error kept, the message waiting until its `retryAt`; one statement. */
export async function markFailed(db: Kysely<DB>, failed: readonly { id: number; error: string; retryAt: Date }[]) {
  if (!failed.length) return;
  const rows = sql.join(failed.map((m) => sql`(${m.id}::int, ${m.error.slice(0, 500)}::text, ${m.retryAt}::timestamptz)`));
  await sql`update notifications n set claimed_until = null, last_error = v.error, due_at = v.retry_at
    from (values ${rows}) as v(id, error, retry_at) where n.id = v.id`.execute(db);
}

/** Cancels the pending messages about something (a cancelled booking's reminder). */
export async function cancelPending(db: Kysely<DB>, ref: string, at: Date): Promise<number> {
  const r = await db
    .updateTable('notifications')
    .set({ cancelled_at: at })
    .where('ref', '=', ref)
    .where('sent_at', 'is', null)
    .where('cancelled_at', 'is', null)
    .executeTakeFirst();
  return Number(r.numUpdatedRows);
}

export async function notificationsByRef(db: Kysely<DB>, ref: string) {
  return db.selectFrom('notifications').selectAll().where('ref', '=', ref).orderBy('id').execute();
}
