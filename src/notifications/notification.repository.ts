import type { Insertable, Kysely } from 'kysely';
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

export async function markSent(db: Kysely<DB>, id: number, at: Date, providerId: string | null) {
  await db
    .updateTable('notifications')
    .set({ sent_at: at, claimed_until: null, last_error: null, provider_id: providerId })
    .where('id', '=', id)
    .execute();
}

/** A failed send: the lease is given back and the message waits until `retryAt`. */
export async function markFailed(db: Kysely<DB>, id: number, error: string, retryAt: Date) {
  await db
    .updateTable('notifications')
    .set({ claimed_until: null, last_error: error.slice(0, 500), due_at: retryAt })
    .where('id', '=', id)
    .execute();
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
