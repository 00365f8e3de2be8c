import { sql, type Insertable, type Kysely } from 'kysely';
import type { DB, QueueTicketTable, StaffRole } from '../platform/db.types.js';

/** A demo staff account (the generator writes them directly: there is no admin yet to create them). */
export async function insertStaff(
  db: Kysely<DB>,
  row: { username: string; password_hash: string; full_name: string; role: StaffRole; unit_id: number },
) {
  return db.insertInto('staff').values(row).returning('id').executeTakeFirstOrThrow();
}

/** The tracking token of a dossier (the generator rates as its citizen would, through the receipt's QR code). */
export async function trackingTokenOf(db: Kysely<DB>, code: string): Promise<string> {
  return (await db.selectFrom('dossiers').select('tracking_token').where('code', '=', code).executeTakeFirstOrThrow()).tracking_token;
}

/** Dossiers per status. */
export async function countByStatus(db: Kysely<DB>) {
  return db
    .selectFrom('dossiers')
    .select(['status', (eb) => eb.fn.countAll<number>().as('n')])
    .groupBy('status')
    .orderBy('status')
    .execute();
}

/** Bulk insert of simulated ticket history (a simulated past, not actions), in chunks. */
export async function insertTickets(db: Kysely<DB>, rows: Insertable<QueueTicketTable>[]): Promise<void> {
  for (let i = 0; i < rows.length; i += 1000)
    await db
      .insertInto('queue_tickets')
      .values(rows.slice(i, i + 1000))
      .execute();
}

/**
 * Links counter intakes to served tickets of their point and day, as a clerk's "finish" would have linked them:
 * the n-th dossier of a point's day to its n-th served ticket.
 */
export async function linkCounterIntakesToTickets(db: Kysely<DB>, counterChannel: number): Promise<void> {
  await sql`
    insert into queue_ticket_dossiers (ticket_id, dossier_id)
    select t.id, d.id
    from (select id, receiving_unit_id, (received_at at time zone 'UTC' + interval '7 hours')::date as day,
                 row_number() over (partition by receiving_unit_id, (received_at at time zone 'UTC' + interval '7 hours')::date order by received_at, id) as n
          from dossiers where channel = ${counterChannel} and received_at is not null) d
    join (select id, unit_id, day, row_number() over (partition by unit_id, day order by ended_at, id) as n
          from queue_tickets where status = 'done') t
      on t.unit_id = d.receiving_unit_id and t.day = d.day and t.n = d.n`.execute(db);
}

/**
 * Drops the notices queued by the demo's generated past and cancels the messages it left unsent (its feedback's
 * answers): its citizens are not told of steps taken before the demo began.
 */
export async function forgetQueuedNotices(db: Kysely<DB>, at: Date): Promise<number> {
  const r = await db.deleteFrom('notice_queue').executeTakeFirst();
  await db.updateTable('notifications').set({ cancelled_at: at }).where('sent_at', 'is', null).where('cancelled_at', 'is', null).execute();
  return Number(r.numDeletedRows);
}

/** Dossiers decided after their due date, or still open past it: what citizens complain of. */
export async function lateDossiers(db: Kysely<DB>, now: Date) {
  const rows = await db
    .selectFrom('dossiers')
    .select(['code', 'competent_agency_id', 'receiving_unit_id', 'tracking_token'])
    .where('due_at', 'is not', null)
    .where((eb) =>
      eb.or([
        eb.and([eb('status', 'in', ['received', 'processing', 'awaiting_payment']), eb('due_at', '<', now)]),
        eb.and([eb('decided_at', 'is not', null), eb('decided_at', '>', eb.ref('due_at'))]),
      ]),
    )
    .where('received_at', '>', new Date(now.getTime() - 90 * 86_400_000))
    .orderBy('id')
    .execute();
  return rows.map((r) => ({
    code: r.code,
    competentAgencyId: r.competent_agency_id,
    receivingUnitId: r.receiving_unit_id,
    trackingToken: r.tracking_token,
  }));
}
