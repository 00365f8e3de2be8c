import { sql, type Kysely } from 'kysely';
import type { DB } from '../platform/db.types.js';

export interface OverviewRow {
  unit_id: number;
  received_today: number;
  in_progress: number;
  due_soon: number;
  late: number;
  paused: number;
}

/** Counts per unit (receiving point or competent agency): received in a day, open, due soon, late, paused. */
export async function overview(
  db: Kysely<DB>,
  o: {
    by: 'receiving_unit_id' | 'competent_agency_id';
    receivingUnitIds: number[] | null;
    dayStart: Date;
    dayEnd: Date;
    now: Date;
    soonUntil: Date;
  },
): Promise<OverviewRow[]> {
  const running = sql`d.status in ('received', 'processing', 'awaiting_payment')`;
  let q = db
    .selectFrom('dossiers as d')
    .select([
      sql<number>`${sql.ref(`d.${o.by}`)}`.as('unit_id'),
      sql<number>`count(*) filter (where d.received_at >= ${o.dayStart} and d.received_at < ${o.dayEnd})`.as('received_today'),
      sql<number>`count(*) filter (where d.status in ('received', 'processing', 'supplement_requested', 'awaiting_payment'))`.as(
        'in_progress',
      ),
      sql<number>`count(*) filter (where ${running} and d.due_at >= ${o.now} and d.due_at < ${o.soonUntil})`.as('due_soon'),
      sql<number>`count(*) filter (where ${running} and d.due_at < ${o.now})`.as('late'),
      sql<number>`count(*) filter (where d.status = 'supplement_requested')`.as('paused'),
    ])
    .where((eb) =>
      eb.or([
        eb('d.status', 'in', ['received', 'processing', 'supplement_requested', 'awaiting_payment']),
        eb.and([eb('d.received_at', '>=', o.dayStart), eb('d.received_at', '<', o.dayEnd)]),
      ]),
    );
  if (o.receivingUnitIds) q = q.where('d.receiving_unit_id', 'in', o.receivingUnitIds.length ? o.receivingUnitIds : [-1]);
  const rows = await q
    .groupBy(sql.ref(`d.${o.by}`))
    .orderBy(sql.ref(`d.${o.by}`))
    .execute();
  return rows.map((r) => ({
    unit_id: Number(r.unit_id),
    received_today: Number(r.received_today),
    in_progress: Number(r.in_progress),
    due_soon: Number(r.due_soon),
    late: Number(r.late),
    paused: Number(r.paused),
  }));
}
