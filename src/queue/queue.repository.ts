import { sql, type Insertable, type Kysely, type Updateable } from 'kysely';
import type { DB, QueueBookingTable, QueueCounterTable, QueueGroupTable, QueueTicketTable, TicketStatus } from '../platform/db.types.js';

// ---- service groups ------------------------------------------------------------------------

export async function groupsOfUnit(db: Kysely<DB>, unitId: number) {
  return db.selectFrom('queue_groups').selectAll().where('unit_id', '=', unitId).orderBy('code').execute();
}

export async function groupById(db: Kysely<DB>, id: number, forUpdate = false) {
  let q = db.selectFrom('queue_groups').selectAll().where('id', '=', id);
  if (forUpdate) q = q.forUpdate();
  return q.executeTakeFirst();
}

export async function insertGroup(db: Kysely<DB>, row: Insertable<QueueGroupTable>) {
  return db
    .insertInto('queue_groups')
    .values(row)
    .onConflict((oc) => oc.columns(['unit_id', 'code']).doNothing())
    .returningAll()
    .executeTakeFirst();
}

export async function updateGroup(db: Kysely<DB>, id: number, patch: Updateable<QueueGroupTable>) {
  return db.updateTable('queue_groups').set(patch).where('id', '=', id).returningAll().executeTakeFirstOrThrow();
}

/** Procedure codes served by each of the given groups. */
export async function groupProcedureCodes(db: Kysely<DB>, groupIds: number[]) {
  if (!groupIds.length) return [];
  return db
    .selectFrom('queue_group_procedures as gp')
    .innerJoin('procedures as p', 'p.id', 'gp.procedure_id')
    .select(['gp.group_id', 'p.code'])
    .where('gp.group_id', 'in', groupIds)
    .orderBy('p.code')
    .execute();
}

export async function replaceGroupProcedures(db: Kysely<DB>, groupId: number, procedureIds: number[]) {
  await db.deleteFrom('queue_group_procedures').where('group_id', '=', groupId).execute();
  if (procedureIds.length)
    await db
      .insertInto('queue_group_procedures')
      .values(procedureIds.map((procedure_id) => ({ group_id: groupId, procedure_id })))
      .execute();
}

export async function procedureIdsByCode(db: Kysely<DB>, codes: string[]) {
  if (!codes.length) return [];
  return db.selectFrom('procedures').select(['id', 'code']).where('code', 'in', codes).execute();
}

// ---- counters and clerks -------------------------------------------------------------------

export async function countersOfUnit(db: Kysely<DB>, unitId: number) {
  return db
    .selectFrom('queue_counters as c')
    .leftJoin('staff as s', 's.id', 'c.staff_id')
    .selectAll('c')
    .select('s.full_name as staff_name')
    .where('c.unit_id', '=', unitId)
    .orderBy('c.number')
    .execute();
}

export async function counterById(db: Kysely<DB>, id: number, forUpdate = false) {
  let q = db.selectFrom('queue_counters').selectAll().where('id', '=', id);
  if (forUpdate) q = q.forUpdate();
  return q.executeTakeFirst();
}

export async function counterOfStaff(db: Kysely<DB>, staffId: number) {
  return db.selectFrom('queue_counters').selectAll().where('staff_id', '=', staffId).executeTakeFirst();
}

export async function insertCounter(db: Kysely<DB>, row: Insertable<QueueCounterTable>) {
  return db
    .insertInto('queue_counters')
    .values(row)
    .onConflict((oc) => oc.columns(['unit_id', 'number']).doNothing())
    .returningAll()
    .executeTakeFirst();
}

export async function setCounterStaff(db: Kysely<DB>, id: number, staffId: number | null, at: Date | null) {
  return db
    .updateTable('queue_counters')
    .set({ staff_id: staffId, opened_at: at })
    .where('id', '=', id)
    .returningAll()
    .executeTakeFirstOrThrow();
}

/** The groups a clerk serves, with weights (empty: the clerk serves every group of the point, weight 1). */
export async function clerkGroups(db: Kysely<DB>, staffId: number) {
  return db.selectFrom('queue_clerk_groups').select(['group_id', 'weight']).where('staff_id', '=', staffId).orderBy('group_id').execute();
}

export async function replaceClerkGroups(db: Kysely<DB>, staffId: number, rows: { groupId: number; weight: number }[]) {
  await db.deleteFrom('queue_clerk_groups').where('staff_id', '=', staffId).execute();
  if (rows.length)
    await db
      .insertInto('queue_clerk_groups')
      .values(rows.map((r) => ({ staff_id: staffId, group_id: r.groupId, weight: r.weight })))
      .execute();
}

/** Open counters of a point with each clerk's explicit groups (null group: serves every group). */
export async function openCountersWithGroups(db: Kysely<DB>, unitId: number) {
  return db
    .selectFrom('queue_counters as c')
    .leftJoin('queue_clerk_groups as g', 'g.staff_id', 'c.staff_id')
    .select(['c.id', 'c.staff_id', 'g.group_id'])
    .where('c.unit_id', '=', unitId)
    .where('c.staff_id', 'is not', null)
    .execute();
}

export async function staffById(db: Kysely<DB>, id: number) {
  return db.selectFrom('staff').select(['id', 'unit_id', 'role', 'full_name', 'active']).where('id', '=', id).executeTakeFirst();
}

// ---- tickets -------------------------------------------------------------------------------

/** The next number of a group's day, atomically (concurrent kiosks never share one). */
export async function nextTicketNumber(db: Kysely<DB>, groupId: number, day: string): Promise<number> {
  const r = await db
    .insertInto('queue_number_counters')
    .values({ group_id: groupId, day, last: 1 })
    .onConflict((oc) => oc.columns(['group_id', 'day']).doUpdateSet({ last: sql`queue_number_counters.last + 1` }))
    .returning('last')
    .executeTakeFirstOrThrow();
  return r.last;
}

export async function insertTicket(db: Kysely<DB>, row: Insertable<QueueTicketTable>) {
  return db.insertInto('queue_tickets').values(row).returningAll().executeTakeFirstOrThrow();
}

export async function ticketById(db: Kysely<DB>, id: number) {
  return db.selectFrom('queue_tickets').selectAll().where('id', '=', id).executeTakeFirst();
}

/** Compare-and-set: applies the patch only while the ticket is in one of the given statuses. */
export async function updateTicketIf(db: Kysely<DB>, id: number, statuses: TicketStatus[], patch: Updateable<QueueTicketTable>) {
  return db
    .updateTable('queue_tickets')
    .set({ ...patch, version: sql`version + 1` })
    .where('id', '=', id)
    .where('status', 'in', statuses)
    .returningAll()
    .executeTakeFirst();
}

/** Waiting tickets of some groups, for the caller to choose from. */
export async function waitingTickets(db: Kysely<DB>, groupIds: number[]) {
  if (!groupIds.length) return [];
  return db
    .selectFrom('queue_tickets')
    .select(['id', 'group_id', 'priority', 'rank_at', 'target_counter_id', 'booking_id'])
    .where('group_id', 'in', groupIds)
    .where('status', '=', 'waiting')
    .orderBy('id')
    .execute();
}

/** Whether a counter's latest calls of the day were priority tickets, oldest first. */
export async function recentCallsPriority(db: Kysely<DB>, counterId: number, day: string, limit: number): Promise<boolean[]> {
  const rows = await db
    .selectFrom('queue_tickets')
    .select(['priority', 'called_at', 'id'])
    .where('counter_id', '=', counterId)
    .where('day', '=', day)
    .where('called_at', 'is not', null)
    .orderBy('called_at', 'desc')
    .orderBy('id', 'desc')
    .limit(limit)
    .execute();
  return rows.reverse().map((r) => r.priority !== null);
}

export async function ticketsOfDay(db: Kysely<DB>, unitId: number, day: string) {
  return db.selectFrom('queue_tickets').selectAll().where('unit_id', '=', unitId).where('day', '=', day).orderBy('id').execute();
}

/** The latest calls at a point today (the board), newest first. */
export async function latestCalls(db: Kysely<DB>, unitId: number, day: string, limit: number) {
  return db
    .selectFrom('queue_tickets as t')
    .innerJoin('queue_counters as c', 'c.id', 't.counter_id')
    .select([
      't.id',
      't.label',
      't.status',
      't.priority',
      't.called_at',
      't.call_count',
      'c.number as counter_number',
      'c.name_vi as counter_name_vi',
      'c.name_en as counter_name_en',
    ])
    .where('t.unit_id', '=', unitId)
    .where('t.day', '=', day)
    .where('t.called_at', 'is not', null)
    .where('t.status', 'in', ['called', 'serving', 'done'])
    .orderBy('t.called_at', 'desc')
    .orderBy('t.id', 'desc')
    .limit(limit)
    .execute();
}

/** The ticket a counter is dealing with now (called or being served), if any. */
export async function currentTicketAt(db: Kysely<DB>, counterId: number) {
  return db
    .selectFrom('queue_tickets')
    .selectAll()
    .where('counter_id', '=', counterId)
    .where('status', 'in', ['called', 'serving'])
    .orderBy('called_at', 'desc')
    .executeTakeFirst();
}

/** Mean service seconds (end − call) of a group's served tickets since a day. */
export async function meanServiceSince(db: Kysely<DB>, groupId: number, sinceDay: string): Promise<number | null> {
  const r = await db
    .selectFrom('queue_tickets')
    .select(sql<number | null>`avg(extract(epoch from (ended_at - called_at)))::float8`.as('s'))
    .where('group_id', '=', groupId)
    .where('day', '>=', sinceDay)
    .where('status', '=', 'done')
    .executeTakeFirstOrThrow();
  return r.s === null ? null : Number(r.s);
}

export async function linkDossiers(db: Kysely<DB>, ticketId: number, dossierIds: number[]) {
  if (dossierIds.length)
    await db
      .insertInto('queue_ticket_dossiers')
      .values(dossierIds.map((dossier_id) => ({ ticket_id: ticketId, dossier_id })))
      .onConflict((oc) => oc.doNothing())
      .execute();
}

export async function dossierCodesOfTicket(db: Kysely<DB>, ticketId: number) {
  const rows = await db
    .selectFrom('queue_ticket_dossiers as td')
    .innerJoin('dossiers as d', 'd.id', 'td.dossier_id')
    .select('d.code')
    .where('td.ticket_id', '=', ticketId)
    .orderBy('d.code')
    .execute();
  return rows.map((r) => r.code);
}

export async function dossiersByCode(db: Kysely<DB>, codes: string[]) {
  if (!codes.length) return [];
  return db.selectFrom('dossiers').select(['id', 'code', 'receiving_unit_id', 'created_by']).where('code', 'in', codes).execute();
}

/**
 * Arrivals and served tickets per local day and hour (UTC+7) of a point between two days (inclusive),
 * with the mean service seconds of each hour's served tickets: the planner's history.
 */
export async function hourlyHistory(db: Kysely<DB>, unitIds: number[], fromDay: string, toDay: string) {
  if (!unitIds.length) return [];
  const rows = await db
    .selectFrom('queue_tickets')
    .select([
      'unit_id',
      sql<string>`to_char(day, 'YYYY-MM-DD')`.as('day'),
      sql<number>`extract(hour from (arrived_at at time zone 'UTC') + interval '7 hours')::int`.as('hour'),
      sql<number>`count(*)::int`.as('arrivals'),
      sql<number>`count(*) filter (where status = 'done')::int`.as('served'),
      sql<number>`count(*) filter (where status = 'no_show')::int`.as('no_shows'),
      sql<number>`count(*) filter (where priority is not null)::int`.as('priority'),
      sql<number | null>`avg(extract(epoch from (ended_at - called_at))) filter (where status = 'done')::float8`.as('mean_service_seconds'),
      sql<number | null>`avg(extract(epoch from (called_at - queued_at))) filter (where called_at is not null)::float8`.as(
        'mean_wait_seconds',
      ),
    ])
    .where('unit_id', 'in', unitIds)
    .where('day', '>=', fromDay)
    .where('day', '<=', toDay)
    .groupBy(['unit_id', 'day', sql`3`])
    .orderBy('unit_id')
    .orderBy('day')
    .orderBy(sql`3`)
    .execute();
  return rows.map((r) => ({
    ...r,
    mean_service_seconds: r.mean_service_seconds === null ? null : Number(r.mean_service_seconds),
    mean_wait_seconds: r.mean_wait_seconds === null ? null : Number(r.mean_wait_seconds),
  }));
}

/**
 * The counters' service over local days [fromDay, toDay] at the given points (null: every point), per point and per
 * clerk who called: tickets served, mean wait (queued until called, of the tickets called), mean service (called
 * until done), and how many called tickets waited no longer than their service group's target.
 */
export async function serviceSummary(db: Kysely<DB>, unitIds: number[] | null, fromDay: string, toDay: string) {
  if (unitIds && !unitIds.length) return [];
  const r = await sql<{
    unit_id: number;
    staff_id: number | null;
    served: number;
    called: number;
    within_target: number;
    wait_seconds: number | null;
    service_seconds: number | null;
  }>`
    select t.unit_id, t.staff_id,
      count(*) filter (where t.status = 'done')::int as served,
      count(*) filter (where t.called_at is not null)::int as called,
      count(*) filter (where t.called_at is not null and t.called_at - t.queued_at <= make_interval(secs => g.target_wait_seconds))::int as within_target,
      sum(extract(epoch from (t.called_at - t.queued_at))) filter (where t.called_at is not null)::float8 as wait_seconds,
      sum(extract(epoch from (t.ended_at - t.called_at))) filter (where t.status = 'done')::float8 as service_seconds
    from queue_tickets t join queue_groups g on g.id = t.group_id
    where t.day between ${fromDay}::date and ${toDay}::date and t.staff_id is not null
      ${unitIds ? sql`and t.unit_id = any(${unitIds}::int[])` : sql``}
    group by grouping sets ((t.unit_id), (t.unit_id, t.staff_id))
    order by t.unit_id, t.staff_id nulls first`.execute(db);
  return r.rows.map((x) => ({
    unitId: Number(x.unit_id),
    /** null: the point's total. */
    staffId: x.staff_id === null ? null : Number(x.staff_id),
    served: Number(x.served),
    called: Number(x.called),
    withinTarget: Number(x.within_target),
    waitSeconds: x.wait_seconds === null ? 0 : Number(x.wait_seconds),
    serviceSeconds: x.service_seconds === null ? 0 : Number(x.service_seconds),
  }));
}

// ---- bookings ------------------------------------------------------------------------------

export async function bookedInSlot(db: Kysely<DB>, groupId: number, slotStart: Date): Promise<number> {
  const r = await db
    .selectFrom('queue_bookings')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('group_id', '=', groupId)
    .where('slot_start', '=', slotStart)
    .where('status', '!=', 'cancelled')
    .executeTakeFirstOrThrow();
  return Number(r.n);
}

export async function bookingsPerSlot(db: Kysely<DB>, groupId: number, from: Date, to: Date) {
  const rows = await db
    .selectFrom('queue_bookings')
    .select(['slot_start', (eb) => eb.fn.countAll<number>().as('n')])
    .where('group_id', '=', groupId)
    .where('slot_start', '>=', from)
    .where('slot_start', '<', to)
    .where('status', '!=', 'cancelled')
    .groupBy('slot_start')
    .execute();
  return new Map(rows.map((r) => [r.slot_start.getTime(), Number(r.n)]));
}

export async function insertBooking(db: Kysely<DB>, row: Insertable<QueueBookingTable>) {
  return db
    .insertInto('queue_bookings')
    .values(row)
    .onConflict((oc) => oc.column('code').doNothing())
    .returningAll()
    .executeTakeFirst();
}

export async function bookingByCode(db: Kysely<DB>, code: string) {
  return db.selectFrom('queue_bookings').selectAll().where('code', '=', code).executeTakeFirst();
}

export async function updateBookingIf(
  db: Kysely<DB>,
  id: number,
  status: QueueBookingTable['status'],
  patch: Updateable<QueueBookingTable>,
) {
  return db.updateTable('queue_bookings').set(patch).where('id', '=', id).where('status', '=', status).returningAll().executeTakeFirst();
}

/** Clerks seen at each point between two days: the most distinct counters that called tickets on one day. */
export async function countersSeen(db: Kysely<DB>, unitIds: number[], fromDay: string, toDay: string): Promise<Map<number, number>> {
  if (!unitIds.length) return new Map();
  const rows = await db
    .selectFrom((eb) =>
      eb
        .selectFrom('queue_tickets')
        .select(['unit_id', 'day', sql<number>`count(distinct counter_id)::int`.as('n')])
        .where('unit_id', 'in', unitIds)
        .where('day', '>=', fromDay)
        .where('day', '<=', toDay)
        .where('counter_id', 'is not', null)
        .groupBy(['unit_id', 'day'])
        .as('per_day'),
    )
    .select(['unit_id', sql<number>`max(n)::int`.as('n')])
    .groupBy('unit_id')
    .execute();
  return new Map(rows.map((r) => [r.unit_id, r.n]));
}

/** Days between two dates on which any point of the province issued a ticket: the days the queues were in use. */
export async function daysWithTickets(db: Kysely<DB>, fromDay: string, toDay: string): Promise<Set<string>> {
  const rows = await db
    .selectFrom('queue_tickets')
    .select(sql<string>`to_char(day, 'YYYY-MM-DD')`.as('day'))
    .distinct()
    .where('day', '>=', fromDay)
    .where('day', '<=', toDay)
    .execute();
  return new Set(rows.map((r) => r.day));
}

/** The clerks (and managers) of a point with the groups each serves and the weight, for the set-up page. */
export async function clerksOfUnit(db: Kysely<DB>, unitId: number) {
  const staff = await db
    .selectFrom('staff')
    .select(['id', 'username', 'full_name', 'role'])
    .where('unit_id', '=', unitId)
    .where('role', 'in', ['clerk', 'manager'])
    .where('active', '=', true)
    .orderBy('username')
    .execute();
  const groups = staff.length
    ? await db
        .selectFrom('queue_clerk_groups')
        .select(['staff_id', 'group_id', 'weight'])
        .where(
          'staff_id',
          'in',
          staff.map((s) => s.id),
        )
        .orderBy('group_id')
        .execute()
    : [];
  return staff.map((s) => ({
    ...s,
    groups: groups.filter((g) => g.staff_id === s.id).map((g) => ({ groupId: g.group_id, weight: g.weight })),
  }));
}

export async function ticketByToken(db: Kysely<DB>, token: string) {
  return db.selectFrom('queue_tickets').selectAll().where('token', '=', token).executeTakeFirst();
}
