import type { Insertable, Kysely } from 'kysely';
import type { DB, NotificationTable } from '../platform/db.types.js';

export async function insertNotifications(db: Kysely<DB>, rows: Insertable<NotificationTable>[]) {
  if (rows.length) await db.insertInto('notifications').values(rows).execute();
}

/** Pending messages due by `now`, oldest first. */
export async function dueNotifications(db: Kysely<DB>, now: Date, limit: number) {
  return db
    .selectFrom('notifications')
    .selectAll()
    .where('sent_at', 'is', null)
    .where('cancelled_at', 'is', null)
    .where('due_at', '<=', now)
    .where('attempts', '<', 5)
    .orderBy('due_at')
    .orderBy('id')
    .limit(limit)
    .execute();
}

export async function markSent(db: Kysely<DB>, id: number, at: Date) {
  await db
    .updateTable('notifications')
    .set((eb) => ({ sent_at: at, attempts: eb('attempts', '+', 1), last_error: null }))
    .where('id', '=', id)
    .execute();
}

export async function markFailed(db: Kysely<DB>, id: number, error: string) {
  await db
    .updateTable('notifications')
    .set((eb) => ({ attempts: eb('attempts', '+', 1), last_error: error.slice(0, 500) }))
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
