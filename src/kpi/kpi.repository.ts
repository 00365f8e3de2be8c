import { sql, type Kysely, type RawBuilder } from 'kysely';
import type { DB } from '../platform/db.types.js';
import {
  COUNTERS,
  NO_FEEDBACK,
  addDays,
  nextPeriod,
  openOf,
  zeroSums,
  type Counter,
  type FeedbackFacts,
  type Grouping,
  type OpenNow,
  type Period,
  type Sums,
  type VersionFlags,
} from './kpi.model.js';

/** The local date (UTC+7, no daylight saving) of a timestamptz column, in SQL. */
const localDay = (col: RawBuilder<unknown>) => sql`((${col} at time zone 'UTC') + interval '7 hours')::date`;

const EVENT_COUNTERS: Counter[] = COUNTERS.filter((c) => !c.startsWith('rated_'));
const RATING_COUNTERS: Counter[] = ['rated_satisfied', 'rated_acceptable', 'rated_not_satisfied'];

/** The open statuses (in progress), and those of them not waiting for the citizen (the clock runs: ACTIVE). */
const OPEN = ['received', 'processing', 'supplement_requested', 'awaiting_payment'] as const;
const ACTIVE = ['received', 'processing', 'awaiting_payment'] as const;
const PAUSED = ['supplement_requested'] as const;
/** Whether a status column (null for an event that created the dossier) is one of `statuses`: never null. */
const is = (col: RawBuilder<unknown>, statuses: readonly string[]) =>
  sql`coalesce(${col} in (${sql.join(statuses.map((x) => sql.lit(x)))}), false)`;

/** The spans of kpi_grains: days ('d') and months ('m'). */
const SPANS = ['d', 'm'] as const;
type Span = (typeof SPANS)[number];
/** The grains kept by day: none, and each dimension alone (1 point, 2 agency, 4 procedure). */
const DAY_GRAINS = new Set([0, 1, 2, 4]);

const upsert = (cols: Counter[], table: 'daily' | 'grains' = 'daily') => sql`
  on conflict (${table === 'grains' ? sql`span, grain, start` : sql`day`}, receiving_unit_id, agency_id, procedure_id) do update set
  ${sql.join(
    cols.map((c) => sql`${sql.id(c)} = k.${sql.id(c)} + excluded.${sql.id(c)}`),
    sql`, `,
  )}`;

/**
 * Adds to the rollups the events and ratings written by transactions with ids in [lo, hi): the one statement
 * behind both the worker's catch-up and the rebuild (lo = 0), so that a rebuild gives the same numbers by
 * construction. Which event counts where:
 * - submit_online → submitted_online; receive → received, by channel, and for procedures open to fully online
 *   service; refuse, withdraw, stop, return, request_supplement, apologize → their counters;
 * - result or stop → decided, judged early (before the due date's day), on time (by the due date: the legal one,
 *   moved by supplement waits; an apology's new date does not count) or late (after it, or more than one
 *   supplement request), with the processing time (decision − receipt − time paused);
 * - result → results, electronic (a result document in the citizen's store), digitized (also every component
 *   scanned or taken electronically); a decision with a component from the store or the population database →
 *   reused, from_store (or a result in the store), population_data; a decision of a dossier that owed fees →
 *   decided_with_fees, and decided_paid_online when they were paid online;
 * - a rating → rated_satisfied / acceptable / not_satisfied, on the day it was given.
 * A dossier is counted at its receiving point and competent agency, on the local day (UTC+7) of the event.
 */
export async function applyWindow(db: Kysely<DB>, lo: string, hi: string): Promise<number> {
  const decided = sql`e.action in ('result', 'stop')`;
  const late = sql`(d.supplement_count > 1 or (d.due_at is not null and e.at > d.due_at))`;
  const early = sql`(d.due_at is not null and ${localDay(sql`e.at`)} < ${localDay(sql`d.due_at`)})`;
  const electronic = sql`(e.action = 'result' and d.result_document_id is not null)`;
  const values: Record<Exclude<Counter, `rated_${string}`>, RawBuilder<unknown>> = {
    submitted_online: sql`count(*) filter (where e.action = 'submit_online')`,
    received: sql`count(*) filter (where e.action = 'receive')`,
    received_in_person: sql`count(*) filter (where e.action = 'receive' and d.channel = 1)`,
    received_online: sql`count(*) filter (where e.action = 'receive' and d.channel = 2)`,
    received_post: sql`count(*) filter (where e.action = 'receive' and d.channel = 3)`,
    received_full_online_eligible: sql`count(*) filter (where e.action = 'receive' and v.online_level = 'full')`,
    received_online_full_online_eligible: sql`count(*) filter (where e.action = 'receive' and v.online_level = 'full' and d.channel = 2)`,
    refused: sql`count(*) filter (where e.action = 'refuse')`,
    withdrawn: sql`count(*) filter (where e.action = 'withdraw')`,
    stopped: sql`count(*) filter (where e.action = 'stop')`,
    decided: sql`count(*) filter (where ${decided})`,
    decided_early: sql`count(*) filter (where ${decided} and not ${late} and ${early})`,
    decided_on_time: sql`count(*) filter (where ${decided} and not ${late} and not ${early})`,
    decided_late: sql`count(*) filter (where ${decided} and ${late})`,
    results: sql`count(*) filter (where e.action = 'result')`,
    electronic_results: sql`count(*) filter (where ${electronic})`,
    digitized: sql`count(*) filter (where ${electronic} and coalesce(c.all_digitized, true))`,
    reused: sql`count(*) filter (where ${decided} and coalesce(c.reused, false))`,
    from_store: sql`count(*) filter (where ${decided} and (coalesce(c.from_store, false) or ${electronic}))`,
    population_data: sql`count(*) filter (where ${decided} and coalesce(c.population, false))`,
    decided_with_fees: sql`count(*) filter (where ${decided} and d.fee_total_vnd > 0)`,
    decided_paid_online: sql`count(*) filter (where ${decided} and d.fee_total_vnd > 0 and d.paid_online)`,
    returned: sql`count(*) filter (where e.action = 'return')`,
    supplement_requests: sql`count(*) filter (where e.action = 'request_supplement')`,
    apologies: sql`count(*) filter (where e.action = 'apologize')`,
    processing_seconds: sql`coalesce(sum(greatest(0, floor(extract(epoch from (e.at - d.received_at)) - d.paused_ms / 1000.0)))
      filter (where ${decided} and d.received_at is not null), 0)`,
    in_progress_delta: sql`coalesce(sum(${is(sql`e.to_status`, OPEN)}::int - ${is(sql`e.from_status`, OPEN)}::int), 0)`,
    paused_delta: sql`coalesce(sum(${is(sql`e.to_status`, PAUSED)}::int - ${is(sql`e.from_status`, PAUSED)}::int), 0)`,
    // Not on the event's day: the stretches below (overdueRows).
    overdue_delta: sql`0`,
  };
  const cols = EVENT_COUNTERS as (keyof typeof values)[];
  const all: Counter[] = [...COUNTERS];
  const eventRows = sql`
    from dossier_events e
    join dossiers d on d.id = e.dossier_id
    join procedure_versions v on v.id = d.procedure_version_id
    left join lateral (
      select bool_and(x.digitized or x.source in ('store', 'population_db')) as all_digitized,
             bool_or(x.source in ('store', 'population_db')) as reused,
             bool_or(x.source = 'store') as from_store,
             bool_or(x.source = 'population_db') as population
      from dossier_components x where x.dossier_id = d.id and e.action in ('result', 'stop')
    ) c on true
    where e.txid >= ${lo}::xid8 and e.txid < ${hi}::xid8
      and e.action in ('submit_online', 'receive', 'refuse', 'withdraw', 'stop', 'result', 'return', 'request_supplement',
        'supplement_received', 'apologize')`;
  // The stretches a dossier spends open and unpaused (ACTIVE) against the due date in force, which only a receipt or a
  // supplement sets (their event's data, as the app and the history import write it; else the dossier's original or
  // current due date). One that starts at t with due date u is overdue from the day of max(t, u): +1 there, written
  // when it starts. One that ends at t' is no longer overdue on the day of max(t', u): −1 there — on the day it ends
  // if it was overdue by then, else on the day its +1 fell, which cancels it. Summed up to the end of any day D,
  // they count the dossiers open, unpaused and past their due date then: due before the end of D, as openNow counts
  // them at an instant.
  const dueOf = (x: string, dossier: string) =>
    sql`coalesce((${sql.ref(`${x}.data`)}->>'due')::timestamptz,
      case when ${sql.ref(`${x}.action`)} = 'receive' then ${sql.ref(`${dossier}.original_due_at`)} else ${sql.ref(`${dossier}.due_at`)} end)`;
  // The events that start or end such a stretch in the window; an end takes its due date from its start when that is
  // in the window too (a rebuild's case: no look-up at all), else from the dossier's latest receipt or supplement
  // before it (COALESCE evaluates the look-up only when the start is not there).
  const boundaryRows = sql`
    select dossier_id, seq, sign, ${localDay(sql`greatest(at, due)`)} as day, receiving_unit_id, agency_id, procedure_id
    from (
      select b.*, case when b.sign = 1 then b.start_due else coalesce(lag(b.start_due) over w, (
          select ${dueOf('x', 'b')} from dossier_events x
          where x.dossier_id = b.dossier_id and x.seq < b.seq and x.action in ('receive', 'supplement_received')
          order by x.seq desc limit 1)) end as due
      from (
        select e.dossier_id, e.seq, e.at, d.original_due_at, d.due_at,
          case when ${is(sql`e.to_status`, ACTIVE)} then 1 else -1 end as sign,
          case when ${is(sql`e.to_status`, ACTIVE)} then ${dueOf('e', 'd')} end as start_due,
          d.receiving_unit_id, d.competent_agency_id as agency_id, d.procedure_id
        from dossier_events e
        join dossiers d on d.id = e.dossier_id
        where e.txid >= ${lo}::xid8 and e.txid < ${hi}::xid8
          and ${is(sql`e.to_status`, ACTIVE)} <> ${is(sql`e.from_status`, ACTIVE)}
      ) b
      window w as (partition by b.dossier_id order by b.seq)
    ) y
    where due is not null`;
  const ratingRows = sql`from ratings r join dossiers d on d.id = r.dossier_id where r.txid >= ${lo}::xid8 and r.txid < ${hi}::xid8`;
  const ratingValues = sql`count(*) filter (where r.rating = 'satisfied'),
      count(*) filter (where r.rating = 'acceptable'),
      count(*) filter (where r.rating = 'not_satisfied')`;
  const ids = (xs: Counter[]) => sql.join(xs.map((c) => sql.id(c)));
  // One pass over the window's events (joined to their dossiers, versions and components) and one over its ratings,
  // grouped by local day, point, agency and procedure: the window's delta. Every counter is a count or a sum, so the
  // coarse grains of kpi_grains are sums of that delta (by month at seven grains, by day at four; a dimension grouped
  // out is 0), and the events are read once however many grains are kept.
  const [p, a, q] = [sql`receiving_unit_id`, sql`agency_id`, sql`procedure_id`];
  const grainSets = (b: RawBuilder<unknown>, span: Span) =>
    span === 'm'
      ? sql`grouping sets ((${b}), (${b}, ${p}), (${b}, ${a}), (${b}, ${q}), (${b}, ${p}, ${q}), (${b}, ${a}, ${q}), (${b}, ${p}, ${a}))`
      : sql`grouping sets ((${b}), (${b}, ${p}), (${b}, ${a}), (${b}, ${q}))`;
  // Which dimensions a row keeps (1 point, 2 agency, 4 procedure: kpi_grains.grain), and the dimensions, 0 when grouped out.
  const grain = sql`(case when grouping(${p}) = 0 then 1 else 0 end) + (case when grouping(${a}) = 0 then 2 else 0 end)
      + (case when grouping(${q}) = 0 then 4 else 0 end)`;
  const keys = sql`coalesce(${p}, 0), coalesce(${a}, 0), coalesce(${q}, 0)`;
  const bucket = (span: Span) => (span === 'm' ? sql`date_trunc('month', day)::date` : sql`day`);
  const sumsOf = sql.join(all.map((c) => sql`sum(${sql.id(c)}) as ${sql.id(c)}`));
  // The delta's counters as integers (a window's count for one day, point, agency and procedure fits), so that the
  // grains sum them with integer arithmetic rather than numeric; the processing seconds stay bigint.
  const deltaSums = sql.join(
    all.map((c) =>
      c === 'processing_seconds' ? sql`sum(${sql.id(c)})::bigint as ${sql.id(c)}` : sql`sum(${sql.id(c)})::integer as ${sql.id(c)}`,
    ),
  );
  const grained = SPANS.map(
    (span) => sql`select ${span} as span, ${grain} as grain, ${bucket(span)} as start, ${keys}, ${sumsOf}
      from delta group by ${grainSets(bucket(span), span)}`,
  );
  const allZero = sql`(${sql.join(
    all.map((c) => sql`k.${sql.id(c)} = 0`),
    sql` and `,
  )})`;
  const r = await sql<{
    daily: string;
    grains: string;
    clerks: string;
    stretches: string;
    zero_daily: string | null;
    zero_grains: string | null;
  }>`
    with bounds as materialized (${boundaryRows}),
    -- Each stretch's start paired with its end when both are in the window (they alternate, by seq); an end whose
    -- start came in an earlier window closes the dossier's stretch already kept, or drops it if it never began.
    paired as (
      select dossier_id, sign, day, lead(sign) over w as next_sign, lead(day) over w as next_day, lag(sign) over w as prev_sign
      from bounds window w as (partition by dossier_id order by seq)
    ),
    starting as (
      select dossier_id, day, case when next_sign = -1 then next_day end as ends from paired
      where sign = 1 and (next_sign is null or next_day > day)
    ),
    -- A stretch kept that this window drops (paused before it began) and starts again on the same day (the due date
    -- moved by a short pause) stays, with the new end: the CTEs of one statement must not delete and insert one key.
    stretches as (
      insert into kpi_overdue (dossier_id, starts, ends)
      select dossier_id, day, ends from starting
      on conflict (dossier_id, starts) do update set ends = excluded.ends
      returning 1
    ),
    closed as (
      update kpi_overdue k set ends = p.day from paired p
      where p.sign = -1 and p.prev_sign is null and k.dossier_id = p.dossier_id and k.ends is null and k.starts < p.day
      returning 1
    ),
    dropped as (
      delete from kpi_overdue k using paired p
      where p.sign = -1 and p.prev_sign is null and k.dossier_id = p.dossier_id and k.ends is null and k.starts >= p.day
        and not exists (select 1 from starting s where s.dossier_id = k.dossier_id and s.day = k.starts)
      returning 1
    ),
    parts as (
      select ${localDay(sql`e.at`)} as day, d.receiving_unit_id, d.competent_agency_id as agency_id, d.procedure_id,
        ${sql.join(cols.map((c) => sql`${values[c]} as ${sql.id(c)}`))},
        ${sql.join(RATING_COUNTERS.map((c) => sql`0 as ${sql.id(c)}`))}
      ${eventRows}
      group by 1, 2, 3, 4
      union all
      select ${localDay(sql`r.created_at`)}, d.receiving_unit_id, d.competent_agency_id, d.procedure_id,
        ${sql.join(cols.map(() => sql`0`))}, ${ratingValues}
      ${ratingRows}
      group by 1, 2, 3, 4
      union all
      select day, receiving_unit_id, agency_id, procedure_id,
        ${sql.join(cols.map((c) => (c === 'overdue_delta' ? sql`sum(sign)` : sql`0`)))},
        ${sql.join(RATING_COUNTERS.map(() => sql`0`))}
      from bounds
      group by 1, 2, 3, 4
    ),
    -- A group whose every counter sums to 0 adds nothing anywhere: typically a stretch opened and closed on its due
    -- day (a dossier decided on time), whose +1 and -1 meet in the same window. Not written (half the rows of a rebuild).
    delta as materialized (
      select day, receiving_unit_id, agency_id, procedure_id, ${deltaSums} from parts group by 1, 2, 3, 4
      having ${sql.join(
        all.map((c) => sql`sum(${sql.id(c)}) <> 0`),
        sql` or `,
      )}
    ),
    daily as (
      insert into kpi_daily as k (day, receiving_unit_id, agency_id, procedure_id, ${ids(all)})
      select day, receiving_unit_id, agency_id, procedure_id, ${ids(all)} from delta
      order by day, receiving_unit_id, agency_id, procedure_id
      ${upsert(all)}
      returning k.day, k.receiving_unit_id, k.agency_id, k.procedure_id, ${allZero} as zero
    ),
    grains as (
      insert into kpi_grains as k (span, grain, start, receiving_unit_id, agency_id, procedure_id, ${ids(all)})
      ${grained[0]} union all ${grained[1]}
      order by 1, 2, 3, 4, 5, 6
      ${upsert(all, 'grains')}
      returning k.span, k.grain, k.start, k.receiving_unit_id, k.agency_id, k.procedure_id, ${allZero} as zero
    ),
    clerks as (
      insert into kpi_clerk_daily as k (day, staff_id, unit_id, received)
      select ${localDay(sql`e.at`)}, e.actor_id, e.unit_id, count(*)
      from dossier_events e
      where e.txid >= ${lo}::xid8 and e.txid < ${hi}::xid8
        and e.action = 'receive' and e.actor_kind = 'staff' and e.actor_id is not null and e.unit_id is not null
      group by 1, 2, 3
      order by 1, 2, 3
      on conflict (day, staff_id, unit_id) do update set received = k.received + excluded.received
      returning 1
    )
    select (select count(*) from daily) as daily, (select count(*) from grains) as grains, (select count(*) from clerks) as clerks,
      (select count(*) from stretches) + (select count(*) from closed) + (select count(*) from dropped) as stretches,
      (select json_agg(json_build_array(day, receiving_unit_id, agency_id, procedure_id)) from daily where zero)::text as zero_daily,
      (select json_agg(json_build_array(span, grain, start, receiving_unit_id, agency_id, procedure_id)) from grains where zero)::text
        as zero_grains`.execute(db);
  const n = r.rows[0]!;
  // Rows this window brought back to 0 (a stretch's -1 meeting, in a later window, the +1 written on its due day):
  // deleted, so that the worker keeps the rows a rebuild would write, no more.
  if (n.zero_daily !== null)
    await sql`delete from kpi_daily k using json_array_elements(${n.zero_daily}::json) z
      where k.day = (z->>0)::date and k.receiving_unit_id = (z->>1)::int and k.agency_id = (z->>2)::int
        and k.procedure_id = (z->>3)::int and ${allZero}`.execute(db);
  if (n.zero_grains !== null)
    await sql`delete from kpi_grains k using json_array_elements(${n.zero_grains}::json) z
      where k.span = z->>0 and k.grain = (z->>1)::int and k.start = (z->>2)::date and k.receiving_unit_id = (z->>3)::int
        and k.agency_id = (z->>4)::int and k.procedure_id = (z->>5)::int and ${allZero}`.execute(db);
  return Number(n.daily) + Number(n.grains) + Number(n.clerks) + Number(n.stretches);
}

/**
 * Locks the cursor (skipping when another process holds it, unless `wait`) and returns how far the rollups have
 * applied and the oldest transaction still running: every transaction below it has ended, so its rows are all
 * visible to the statements that follow.
 */
export async function lockCursor(db: Kysely<DB>, wait: boolean): Promise<{ lo: string; hi: string } | undefined> {
  const r = await sql<{ lo: string; hi: string }>`
    select applied_xmin::text as lo, pg_snapshot_xmin(pg_current_snapshot())::text as hi
    from kpi_cursor where id = 1 for update ${wait ? sql`` : sql`skip locked`}`.execute(db);
  return r.rows[0];
}

export async function advanceCursor(db: Kysely<DB>, hi: string, rows: number, at: Date): Promise<void> {
  await sql`update kpi_cursor set applied_xmin = ${hi}::xid8, applied_at = ${at}, rows_applied = rows_applied + ${rows} where id = 1`.execute(
    db,
  );
}

export async function clearRollups(db: Kysely<DB>): Promise<void> {
  await sql`delete from kpi_daily`.execute(db);
  await sql`delete from kpi_grains`.execute(db);
  await sql`delete from kpi_clerk_daily`.execute(db);
  await sql`delete from kpi_overdue`.execute(db);
  await sql`update kpi_cursor set rows_applied = 0 where id = 1`.execute(db);
}

/** When the rollups last caught up (null before the first run). */
export async function appliedAt(db: Kysely<DB>): Promise<Date | null> {
  const r = await sql<{ applied_at: Date | null }>`select applied_at from kpi_cursor where id = 1`.execute(db);
  return r.rows[0]?.applied_at ?? null;
}

/** Which rows of the rollups a figure covers: service points (receiving) or agencies, procedures, a field. */
export interface Filter {
  from: string;
  to: string;
  /** Dossiers received at these points (null: any). */
  pointIds: number[] | null;
  /** Dossiers handled by these agencies (null: any). */
  agencyIds: number[] | null;
  procedureId?: number | undefined;
  fieldCode?: string | undefined;
}

function where(
  f: Filter,
  day: RawBuilder<unknown>,
  point: RawBuilder<unknown>,
  agency: RawBuilder<unknown>,
  procedure: RawBuilder<unknown>,
) {
  const parts = [sql`${day} >= ${f.from}::date`, sql`${day} <= ${f.to}::date`];
  if (f.pointIds) parts.push(sql`${point} = any(${f.pointIds}::int[])`);
  if (f.agencyIds) parts.push(sql`${agency} = any(${f.agencyIds}::int[])`);
  if (f.procedureId !== undefined) parts.push(sql`${procedure} = ${f.procedureId}`);
  if (f.fieldCode !== undefined)
    parts.push(sql`${procedure} in (select procedure_id from procedure_versions where field_code = ${f.fieldCode})`);
  return sql.join(parts, sql` and `);
}

const sumsOf = (row: Record<string, unknown>): Sums => {
  const s = zeroSums();
  for (const c of COUNTERS) s[c] = Number(row[c] ?? 0);
  return s;
};

/**
 * Where a figure's rows come from. Its grain is the dimensions the filter and the grouping need (1 point, 2 agency,
 * 4 procedure). Whole months come from kpi_grains' months at that grain; the days before the first and after the
 * last whole month — or every day, for a grouping by day or week — from kpi_grains' days when it keeps that grain
 * (none or one dimension), else from kpi_daily. A figure needing all three dimensions reads kpi_daily alone.
 */
export function plan(
  f: Pick<Filter, 'from' | 'to' | 'pointIds' | 'agencyIds' | 'procedureId' | 'fieldCode'>,
  by: Grouping | null,
  /** The rows are grouped by procedure besides `by` (procedureSums). */
  andProcedure = false,
) {
  const grain =
    (f.pointIds !== null || by === 'point' ? 1 : 0) +
    (f.agencyIds !== null || by === 'agency' ? 2 : 0) +
    (f.procedureId !== undefined || f.fieldCode !== undefined || by === 'procedure' || andProcedure ? 4 : 0);
  const whole = [{ from: f.from, to: f.to }];
  const dayTable: 'grains' | 'daily' = DAY_GRAINS.has(grain) ? 'grains' : 'daily';
  if (grain === 7) return { grain, months: null, days: whole, dayTable };
  if (by === 'day' || by === 'week') return { grain, months: null, days: whole, dayTable };
  // The first and the last whole month of the range (their first days).
  const first = f.from.slice(8) === '01' ? f.from : nextMonth(f.from);
  const last = lastDay(f.to) === f.to ? `${f.to.slice(0, 8)}01` : prevMonth(f.to);
  if (first > last) return { grain, months: null, days: whole, dayTable };
  const days: { from: string; to: string }[] = [];
  if (f.from < first) days.push({ from: f.from, to: dayBefore(first) });
  const lastEnd = lastDay(last);
  if (lastEnd < f.to) days.push({ from: nextDay(lastEnd), to: f.to });
  return { grain, months: { from: first, to: last }, days, dayTable };
}

const nextDay = (d: string) => addDays(d, 1);
const dayBefore = (d: string) => addDays(d, -1);
/** The first day of the month after (before) the one holding `d`, and that month's last day. */
const nextMonth = (d: string) => nextPeriod(d, 'month');
const prevMonth = (d: string) => nextPeriod(d, 'month', -1);
const lastDay = (d: string) => dayBefore(nextMonth(d));

/** A group's key over the rows of rollupRows (alias k): a period bucket's first day, a procedure or unit id; null: one total. */
function groupKey(by: Grouping | null): RawBuilder<unknown> {
  return by === null
    ? sql`null::text`
    : by === 'procedure'
      ? sql`k.procedure_id::text`
      : by === 'point'
        ? sql`k.receiving_unit_id::text`
        : by === 'agency'
          ? sql`k.agency_id::text`
          : by === 'day'
            ? sql`k.day::text`
            : sql`date_trunc(${by}, k.day::timestamp)::date::text`;
}

/** The rollup rows of a plan (day, the three dimensions and `counters`), as one union to select from. */
function rollupRows(f: Filter, p: ReturnType<typeof plan>, counters: readonly Counter[]): RawBuilder<unknown> {
  const cols = sql.join(counters.map((c) => sql`k.${sql.id(c)}`));
  const dims = sql`k.receiving_unit_id, k.agency_id, k.procedure_id`;
  const filter = (r: { from: string; to: string }, day: RawBuilder<unknown>) =>
    where({ ...f, ...r }, day, sql`k.receiving_unit_id`, sql`k.agency_id`, sql`k.procedure_id`);
  const grained = (span: Span, r: { from: string; to: string }) => sql`
    select k.start as day, ${dims}, ${cols} from kpi_grains k
    where k.span = ${span} and k.grain = ${p.grain} and ${filter(r, sql`k.start`)}`;
  const parts: RawBuilder<unknown>[] = p.days.map((r) =>
    p.dayTable === 'grains' ? grained('d', r) : sql`select k.day, ${dims}, ${cols} from kpi_daily k where ${filter(r, sql`k.day`)}`,
  );
  if (p.months) parts.push(grained('m', p.months));
  return sql.join(parts, sql` union all `);
}

/** The period's sums, in groups (a period bucket's first day, a procedure id or a unit id as `key`), or one total. */
export async function sums(
  db: Kysely<DB>,
  f: Filter,
  by: Grouping | null,
  /** Read kpi_daily alone (the check of the monthly grains, and the benchmark's reference). */
  dailyOnly = false,
): Promise<{ key: string | null; sums: Sums }[]> {
  const p = dailyOnly ? { grain: 7, months: null, days: [{ from: f.from, to: f.to }], dayTable: 'daily' as const } : plan(f, by);
  const r = await sql<Record<string, unknown> & { key: string | null }>`
    select ${groupKey(by)} as key, ${sql.join(COUNTERS.map((c) => sql`coalesce(sum(k.${sql.id(c)}), 0)::bigint as ${sql.id(c)}`))}
    from (${rollupRows(f, p, COUNTERS)}) k
    group by 1 order by 1`.execute(db);
  return r.rows.map((row) => ({ key: row.key, sums: sumsOf(row) }));
}

/**
 * Per procedure, in groups (`key` as in sums; null: one total): the dossiers received over the filter's range and
 * those decided in it that were paid online (decided_paid_online), from the rollups at the grain that keeps the
 * procedure too. A province's ten years are then a few thousand monthly rows, never its dossiers (indicators 3.5,
 * 3.5b, 4.5a). Only procedures with some row in the range appear.
 */
export async function procedureSums(
  db: Kysely<DB>,
  f: Filter,
  by: 'point' | 'agency' | Period | null,
): Promise<{ key: string | null; procedureId: number; received: number; paidOnline: number }[]> {
  const r = await sql<{ key: string | null; procedure_id: number; received: string; paid_online: string }>`
    select ${groupKey(by)} as key, k.procedure_id, sum(k.received)::bigint as received, sum(k.decided_paid_online)::bigint as paid_online
    from (${rollupRows(f, plan(f, by, true), ['received', 'decided_paid_online'])}) k
    group by 1, 2 order by 1, 2`.execute(db);
  return r.rows.map((x) => ({
    key: x.key,
    procedureId: Number(x.procedure_id),
    received: Number(x.received),
    paidOnline: Number(x.paid_online),
  }));
}

/**
 * What every version of the given procedures says for the procedure indicators, read from the catalog's version
 * body: whether some fee line has a positive amount, its `onlinePayment` flag (absent: false), and whether a
 * component's supply is the National Population Database. By procedure id, each in order of effective date.
 */
export async function versionFlags(db: Kysely<DB>, procedureIds: number[]): Promise<Map<number, VersionFlags[]>> {
  const out = new Map<number, VersionFlags[]>();
  if (procedureIds.length === 0) return out;
  const r = await sql<{ procedure_id: number; effective_from: string; with_fees: boolean; online_payment: boolean; population: boolean }>`
    select v.procedure_id, v.effective_from::text as effective_from,
      exists (select 1 from jsonb_array_elements(coalesce(v.body->'fees', '[]'::jsonb)) x
        where coalesce((x->>'amountVnd')::numeric, 0) > 0) as with_fees,
      coalesce((v.body->>'onlinePayment')::boolean, false) as online_payment,
      exists (select 1 from jsonb_array_elements(coalesce(v.body->'components', '[]'::jsonb)) x
        where x->>'supply' = 'population_db') as population
    from procedure_versions v
    where v.procedure_id = any(${procedureIds}::int[])
    order by v.procedure_id, v.effective_from`.execute(db);
  for (const x of r.rows) {
    const id = Number(x.procedure_id);
    const list = out.get(id) ?? [];
    list.push({
      procedureId: id,
      effectiveFrom: x.effective_from,
      withFees: x.with_fees,
      onlinePayment: x.online_payment,
      population: x.population,
    });
    out.set(id, list);
  }
  return out;
}

/** The filter's units, procedure and field as conditions on the dossiers (alias d), as `where` puts them on rollups. */
function dossierScope(f: Omit<Filter, 'from' | 'to'>): RawBuilder<unknown>[] {
  return [
    ...(f.pointIds ? [sql`d.receiving_unit_id = any(${f.pointIds}::int[])`] : []),
    ...(f.agencyIds ? [sql`d.competent_agency_id = any(${f.agencyIds}::int[])`] : []),
    ...(f.procedureId !== undefined ? [sql`d.procedure_id = ${f.procedureId}`] : []),
    ...(f.fieldCode !== undefined
      ? [sql`d.procedure_id in (select procedure_id from procedure_versions where field_code = ${f.fieldCode})`]
      : []),
  ];
}

/** A grouping of what is open: by receiving point, competent agency or procedure (null: one total). */
export type OpenGrouping = 'point' | 'agency' | 'procedure' | null;

/** What is open now among the filter's dossiers (whatever their receipt date), per receiving point, competent agency or procedure (`key` its id; null: one total): on time, overdue, paused. */
export async function openNowBy(
  db: Kysely<DB>,
  f: Omit<Filter, 'from' | 'to'>,
  now: Date,
  by: OpenGrouping,
): Promise<{ key: number | null; open: OpenNow }[]> {
  const parts = [sql`d.status in ('received', 'processing', 'supplement_requested', 'awaiting_payment')`, ...dossierScope(f)];
  const key =
    by === 'point'
      ? sql`d.receiving_unit_id`
      : by === 'agency'
        ? sql`d.competent_agency_id`
        : by === 'procedure'
          ? sql`d.procedure_id`
          : sql`null::int`;
  const r = await sql<{ key: number | null; open: string; overdue: string; paused: string }>`
    select ${key} as key, count(*) as open,
      count(*) filter (where d.status <> 'supplement_requested' and d.due_at < ${now}) as overdue,
      count(*) filter (where d.status = 'supplement_requested') as paused
    from dossiers d where ${sql.join(parts, sql` and `)}
    group by 1`.execute(db);
  return r.rows.map((row) => {
    const open = Number(row.open);
    const overdue = Number(row.overdue);
    const paused = Number(row.paused);
    return {
      key: row.key === null ? null : Number(row.key),
      open: { inProgress: open, inProgressOverdue: overdue, inProgressOnTime: open - overdue - paused, paused },
    };
  });
}

/** The first day a rollup can hold: a sum up to a day reads every month and day from it. */
const BEGINNING = '1900-01-01';

/**
 * What was open at the end of the local day `day` among the filter's dossiers (whatever their receipt date), per
 * receiving point, competent agency or procedure (`key` its id) or in total: the open deltas summed over every day up to it,
 * as a sum over a range from the beginning (whole months from the monthly grains, the last days from the daily ones).
 */
export async function openAt(
  db: Kysely<DB>,
  f: Omit<Filter, 'from' | 'to'>,
  day: string,
  by: OpenGrouping,
): Promise<{ key: number | null; open: OpenNow }[]> {
  const rows = await sums(db, { ...f, from: BEGINNING, to: day }, by);
  return rows.map((r) => ({ key: r.key === null ? null : Number(r.key), open: openOf(r.sums) }));
}

export async function countRollupRows(db: Kysely<DB>): Promise<number> {
  const r = await sql<{ n: string }>`select count(*) as n from kpi_daily`.execute(db);
  return Number(r.rows[0]!.n);
}

/** Code and names (of the latest version) of procedures, by id. */
export async function procedureNames(
  db: Kysely<DB>,
  ids: number[],
): Promise<Map<number, { code: string; name_vi: string; name_en: string }>> {
  if (ids.length === 0) return new Map();
  const r = await sql<{ id: number; code: string; name_vi: string; name_en: string }>`
    select distinct on (p.id) p.id, p.code, v.name_vi, v.name_en
    from procedures p join procedure_versions v on v.procedure_id = p.id
    where p.id = any(${ids}::int[])
    order by p.id, v.effective_from desc`.execute(db);
  return new Map(r.rows.map((x) => [Number(x.id), x]));
}

/** The largest xid8: a window up to it takes every row, whatever cluster numbered it. */
export const XID8_MAX = '18446744073709551615';

/**
 * After a logical restore (pg_restore into another cluster) the rows keep the transaction ids of the cluster they
 * were written in, which mean nothing here. As the tables' owner, in one transaction: applies what the backup's
 * cursor had not applied yet, moves every restored row below any future window (txid 0: dossier_events' append-only
 * trigger is set aside for this one statement and put back), and starts the cursor at this cluster's oldest
 * running transaction. Returns the rollup rows the pending events touched and the rows renumbered.
 */
export async function rebaseRestored(owner: Kysely<DB>): Promise<{ applied: number; renumbered: number }> {
  return owner.transaction().execute(async (trx) => {
    const c = await lockCursor(trx, true);
    if (!c) throw new Error('kpi_cursor has no row: run the migrations');
    const applied = await applyWindow(trx, c.lo, XID8_MAX);
    await sql`alter table dossier_events disable trigger dossier_events_append_only`.execute(trx);
    const events = await sql`update dossier_events set txid = '0'::xid8 where txid <> '0'::xid8`.execute(trx);
    await sql`alter table dossier_events enable trigger dossier_events_append_only`.execute(trx);
    const ratings = await sql`update ratings set txid = '0'::xid8 where txid <> '0'::xid8`.execute(trx);
    await sql`update kpi_cursor set applied_xmin = pg_snapshot_xmin(pg_current_snapshot()) where id = 1`.execute(trx);
    return { applied, renumbered: Number(events.numAffectedRows ?? 0) + Number(ratings.numAffectedRows ?? 0) };
  });
}

/** A dossier that cost an indicator points, and why. */
export interface CostlyDossier {
  code: string;
  procedure_code: string;
  procedure_name_vi: string;
  receiving_unit_id: number;
  agency_id: number;
  received_at: Date | null;
  due_at: Date | null;
  decided_at: Date | null;
  reason: string;
  /** The order's key, coalesce(decided_at, received_at), as PostgreSQL's text (microseconds kept): where the next page starts. */
  sort_at: string | null;
}

/** Indicators whose dossiers can be listed: those computed from the dossiers' own rollups. */
export const COSTLY_INDICATORS = ['2.1', '3.1', '3.6', '4.1', '4.2', '4.3', '4.4', '4.5b', '5.4'] as const;
export type CostlyIndicator = (typeof COSTLY_INDICATORS)[number];

/** When open dossiers are judged: now (their statuses and due dates), or at the end of a past local day (kpi_overdue). */
export type OpenAt = { now: Date } | { endOf: string };

/**
 * The dossiers behind an indicator's lost points over the filter's range, by the same rules as the rollups
 * (applyWindow): decided ones by the local day of their decision, received ones by the day of receipt, ratings by
 * the day given; for 2.1 also the dossiers open and past their due date at `open` (now, or the end of the range's
 * last day), as the scorecard counts them. At most `limit`, latest first; after `after` (the last row of the
 * previous page) when given.
 */
export async function costlyDossiers(
  db: Kysely<DB>,
  indicator: CostlyIndicator,
  f: Filter,
  open: OpenAt,
  limit: number,
  after: CostlyKey | null = null,
): Promise<CostlyDossier[]> {
  // The range's local days as instants (UTC+7 midnights), so the indexes on decided_at and received_at serve it.
  const lo = new Date(`${f.from}T00:00:00+07:00`);
  const hi = new Date(Date.parse(`${f.to}T00:00:00+07:00`) + 86_400_000);
  const inRange = (col: RawBuilder<unknown>) => sql`(${col} >= ${lo} and ${col} < ${hi})`;
  const scope = [sql`true`, ...dossierScope(f)];
  const decided = sql`d.status in ('result_ready', 'returned', 'stopped') and ${inRange(sql`d.decided_at`)}`;
  const result = sql`d.status in ('result_ready', 'returned') and ${inRange(sql`d.decided_at`)}`;
  const late = sql`(d.supplement_count > 1 or (d.due_at is not null and d.decided_at > d.due_at))`;
  const has = (cond: RawBuilder<unknown>) => sql`exists (select 1 from dossier_components x where x.dossier_id = d.id and ${cond})`;
  // Open now: by status and due date (the partial index on open dossiers' due dates). At a past day's end: the
  // dossiers whose overdue stretch covers it, found once by the GiST index, then fetched by id.
  const overdueOpen =
    'now' in open
      ? sql`(d.status in ('received', 'processing', 'awaiting_payment') and d.due_at < ${open.now})`
      : sql`d.id = any(array(select k.dossier_id from kpi_overdue k where daterange(k.starts, k.ends) @> ${open.endOf}::date))`;
  const reason: Record<CostlyIndicator, RawBuilder<unknown>> = {
    // The decided ones; the open ones are another page (below).
    '2.1': sql`case
      when ${decided} and ${late} then case when d.supplement_count > 1 then 'more_than_one_supplement' else 'late' end
    end`,
    '3.1': sql`case when v.online_level = 'full' and d.channel <> 2 and d.received_at is not null and ${inRange(sql`d.received_at`)} then 'not_online' end`,
    '3.6': sql`case when ${decided} and d.fee_total_vnd > 0 and not d.paid_online then 'not_paid_online' end`,
    '4.1': sql`case when ${result} and d.result_document_id is null then 'no_electronic_result' end`,
    '4.2': sql`case when ${result} and (d.result_document_id is null or ${has(sql`not (x.digitized or x.source in ('store', 'population_db'))`)}) then 'not_digitized' end`,
    '4.3': sql`case when ${decided} and not ${has(sql`x.source in ('store', 'population_db')`)} then 'not_reused' end`,
    '4.4': sql`case when ${decided} and not ${has(sql`x.source = 'store'`)} and not (d.status <> 'stopped' and d.result_document_id is not null) then 'not_linked_to_store' end`,
    '4.5b': sql`case when ${decided} and not ${has(sql`x.source = 'population_db'`)} then 'no_population_data' end`,
    '5.4': sql`case
      when ${decided} and ${late} then 'late'
      when ${decided} and exists (select 1 from ratings r where r.dossier_id = d.id and r.rating = 'not_satisfied') then 'rated_not_satisfied'
    end`,
  };
  // One page of the candidates meeting `cond` that have a reason, in the costly order (`at` the order's key).
  const page = (cond: RawBuilder<unknown>, at: RawBuilder<unknown>, nullsLast: boolean, why = reason[indicator]) => sql`
    select x.*, coalesce(x.decided_at, x.received_at)::text as sort_at from (
      select d.code, p.code as procedure_code, v.name_vi as procedure_name_vi, d.receiving_unit_id, d.competent_agency_id as agency_id,
        d.received_at, d.due_at, d.decided_at, ${why} as reason
      from dossiers d
      join procedures p on p.id = d.procedure_id
      join procedure_versions v on v.id = d.procedure_version_id
      where ${sql.join([...scope, cond], sql` and `)}
    ) x
    where x.reason is not null ${after ? afterKey(after, at) : sql``}
    order by ${at} desc ${nullsLast ? sql`nulls last` : sql``}, x.code
    limit ${limit}`;
  // The only dossiers that can have a reason: decided in the range, received in it (3.1), or (2.1) also open and
  // overdue. Where every candidate is decided in the range, its order is the decision's instant alone: the index on
  // decided_at then reads the range from its end and stops at the limit, instead of every decision of the range being
  // sorted (none is null there, so the backward scan's nulls-first order is the same). 2.1 takes a page of those and
  // a page of the open ones (a different set: a dossier decided in the range is not open at its end) and merges them.
  const coalesced = sql`coalesce(x.decided_at, x.received_at)`;
  const query =
    indicator === '3.1'
      ? page(inRange(sql`d.received_at`), coalesced, true)
      : indicator === '2.1'
        ? sql`select * from ((${page(inRange(sql`d.decided_at`), sql`x.decided_at`, false)})
            union all (${page(overdueOpen, coalesced, true, sql`'overdue_open'`)})) x
          order by ${coalesced} desc nulls last, x.code limit ${limit}`
        : page(inRange(sql`d.decided_at`), sql`x.decided_at`, false);
  const r = await sql<CostlyDossier>`${query}`.execute(db);
  return r.rows;
}

/** Receipts per receiving clerk over [from, to] at the given points (null: every point), with the clerk and the point. */
export async function clerkReceipts(db: Kysely<DB>, f: { from: string; to: string; pointIds: number[] | null }) {
  const r = await sql<{ staff_id: number; full_name: string; username: string; unit_id: number; received: string }>`
    select k.staff_id, s.full_name, s.username, k.unit_id, sum(k.received) as received
    from kpi_clerk_daily k join staff s on s.id = k.staff_id
    where k.day between ${f.from}::date and ${f.to}::date
      ${f.pointIds ? sql`and k.unit_id = any(${f.pointIds}::int[])` : sql``}
    group by k.staff_id, s.full_name, s.username, k.unit_id
    order by sum(k.received) desc, s.username`.execute(db);
  return r.rows.map((x) => ({ ...x, staff_id: Number(x.staff_id), unit_id: Number(x.unit_id), received: Number(x.received) }));
}

/** Where a page of costly dossiers ends: its last row's sort_at and code. */
export interface CostlyKey {
  sortAt: string | null;
  code: string;
}

/** Rows after `k` in the costly order: coalesce(decided_at, received_at) descending, nulls last, then code. */
function afterKey(k: CostlyKey, at: RawBuilder<unknown>) {
  return k.sortAt === null
    ? sql`and ${at} is null and x.code > ${k.code}`
    : sql`and (${at} < ${k.sortAt}::timestamptz or (${at} = ${k.sortAt}::timestamptz and x.code > ${k.code}) or ${at} is null)`;
}

/**
 * Every dossier behind an indicator's lost points, in the order of costlyDossiers, read page by page (keyset:
 * each page starts after the last row of the one before), so that no result is ever held whole in memory and no
 * connection or snapshot is held between pages (PGlite has one connection; other requests run between pages).
 */
export async function* costlyDossierPages(
  db: Kysely<DB>,
  indicator: CostlyIndicator,
  f: Filter,
  open: OpenAt,
  pageSize: number,
): AsyncGenerator<CostlyDossier[]> {
  let after: CostlyKey | null = null;
  for (;;) {
    const page = await costlyDossiers(db, indicator, f, open, pageSize, after);
    if (page.length > 0) yield page;
    if (page.length < pageSize) return;
    const last = page[page.length - 1]!;
    after = { sortAt: last.sort_at, code: last.code };
  }
}

/**
 * The filter's dossiers received in [from, to] that the National Public Service Portal has never acknowledged (their
 * outbox row has acked_seq 0), by receiving point, competent agency or calendar period of receipt (null: one total).
 * The rest of the received are synced (or came by the history import, which the old system synced): indicator 1.4.
 * It reads only the outbox's backlog (the partial index of rows not acknowledged), never the whole history.
 */
export async function portalUnsynced(
  db: Kysely<DB>,
  f: Filter,
  by: 'point' | 'agency' | Period | null,
): Promise<Map<string | null, number>> {
  const key: RawBuilder<unknown> =
    by === null
      ? sql`null::text`
      : by === 'point'
        ? sql`d.receiving_unit_id::text`
        : by === 'agency'
          ? sql`d.competent_agency_id::text`
          : by === 'day'
            ? sql`${localDay(sql`d.received_at`)}::text`
            : sql`date_trunc(${by}, ${localDay(sql`d.received_at`)}::timestamp)::date::text`;
  const lo = new Date(`${f.from}T00:00:00+07:00`);
  const hi = new Date(Date.parse(`${f.to}T00:00:00+07:00`) + 86_400_000);
  const r = await sql<{ key: string | null; n: string }>`
    select ${key} as key, count(*) as n
    from portal_sync ps join dossiers d on d.id = ps.dossier_id
    where ps.pending_seq > ps.acked_seq and ps.acked_seq = 0
      and d.received_at >= ${lo} and d.received_at < ${hi}
      ${sql.join(
        dossierScope(f).map((c) => sql`and ${c}`),
        sql` `,
      )}
    group by 1`.execute(db);
  return new Map(r.rows.map((row) => [row.key, Number(row.n)]));
}

/** A bucket of the feedback figures: its key (a period's first day, or null), its local days, and when it is judged. */
export interface FeedbackBucket {
  key: string | null;
  from: string;
  to: string;
  /** The instant its stages are judged at: the bucket's end, or now for one not over yet. */
  at: Date;
}

/**
 * The feedback figures by bucket and, for `by` point or agency, by unit: the feedback itself by its competent unit
 * (feedback.unit_id; the filter's procedure or field by its subject procedure), the dossiers with feedback by the
 * dossier's point or agency as the rollups keep it. The stage rule is src/feedback/feedback.model.ts's
 * stageVerdicts/onTimeAtEveryStage at the bucket's instant, written in SQL (test/kpi-feedback.spec.ts compares the
 * two). A dossier rated "not satisfied" in the same period is already among 5.4's dislikes: not counted twice.
 */
export async function feedbackFacts(
  db: Kysely<DB>,
  f: Omit<Filter, 'from' | 'to'>,
  by: 'point' | 'agency' | Period | null,
  buckets: readonly FeedbackBucket[],
): Promise<Map<string | null, FeedbackFacts>> {
  const out = new Map<string | null, FeedbackFacts>();
  if (buckets.length === 0) return out;
  const values = sql.join(
    buckets.map(
      (b) =>
        sql`(${b.key}::text, ${new Date(`${b.from}T00:00:00+07:00`)}::timestamptz, ${new Date(Date.parse(`${b.to}T00:00:00+07:00`) + 86_400_000)}::timestamptz, ${b.at}::timestamptz)`,
    ),
  );
  const byUnit = by === 'point' || by === 'agency';
  const units = [...(f.pointIds ?? []), ...(f.agencyIds ?? [])];
  const fbScope = [
    ...(f.pointIds || f.agencyIds ? [sql`fb.unit_id = any(${units}::int[])`] : []),
    ...(f.procedureId !== undefined ? [sql`fb.procedure_id = ${f.procedureId}`] : []),
    ...(f.fieldCode !== undefined
      ? [sql`fb.procedure_id in (select procedure_id from procedure_versions where field_code = ${f.fieldCode})`]
      : []),
  ];
  // A stage done by `at` is judged by its deadline; one not done is late once `at` passes it (stageVerdicts).
  const late = (done: RawBuilder<unknown>, due: RawBuilder<unknown>) =>
    sql`(case when ${done} is not null and ${done} <= b.at then ${done} > ${due} else b.at > ${due} end)`;
  const anyLate = sql`(
    (fb.refused_at is not null and ${late(sql`fb.refused_at`, sql`fb.refuse_due_at`)})
    or (fb.first_info_requested_at is not null and fb.first_info_requested_at <= b.at and ${late(sql`fb.first_info_requested_at`, sql`fb.info_due_at`)})
    or (fb.refused_at is null and ${late(sql`fb.answered_at`, sql`fb.answer_due_at`)})
    or (fb.refused_at is null and fb.publish_consent and fb.answered_at is not null and fb.publish_due_at is not null
        and ${late(sql`fb.published_at`, sql`fb.publish_due_at`)}))`;
  const handledAt = sql`coalesce(fb.refused_at, fb.answered_at)`;
  const inBucket = (col: RawBuilder<unknown>) => sql`(${col} >= b.lo and ${col} < b.hi)`;
  const unitKey = by === 'point' || by === 'agency' ? sql`fb.unit_id::text` : sql`null::text`;
  const feedbackRows = await sql<Record<string, string | null>>`
    with b(key, lo, hi, at) as (values ${values})
    select b.key, ${unitKey} as unit,
      count(*) filter (where ${inBucket(handledAt)}) as handled,
      count(*) filter (where ${inBucket(handledAt)} and not ${anyLate}) as handled_on_time,
      count(*) filter (where fb.received_at <= b.at and (${handledAt} is null or ${handledAt} > b.at) and fb.answer_due_at < b.at) as overdue_open,
      count(*) filter (where ${inBucket(sql`fb.answered_at`)}) as answered,
      count(*) filter (where ${inBucket(sql`fb.answered_at`)} and (fb.answered_at > fb.answer_due_at
        or (select count(*) filter (where r.reaction = 'dislike') > count(*) filter (where r.reaction = 'like')
            from feedback_reactions r where r.feedback_id = fb.id and r.at <= b.at)
        or exists (select 1 from feedback x where x.repeat_of_id = fb.id and x.received_at <= b.at))) as unsatisfying
    from b join feedback fb on fb.received_at < b.hi
    ${fbScope.length ? sql`where ${sql.join(fbScope, sql` and `)}` : sql``}
    group by 1, 2`.execute(db);
  const dossierKey = by === 'point' ? sql`d.receiving_unit_id::text` : by === 'agency' ? sql`d.competent_agency_id::text` : sql`null::text`;
  const scope = dossierScope(f);
  // When a dossier is "decided with feedback": its decision or its first feedback, whichever came later.
  const dossierRows = await sql<{ key: string | null; unit: string | null; n: string }>`
    with b(key, lo, hi, at) as (values ${values}),
    marked as (
      select d.id, ${dossierKey} as unit, greatest(d.decided_at, min(fb.received_at)) as since
      from feedback fb join dossiers d on d.id = fb.dossier_id
      where d.decided_at is not null and d.status in ('result_ready', 'returned', 'stopped')
        ${scope.length ? sql`and ${sql.join(scope, sql` and `)}` : sql``}
      group by d.id, 2
    )
    select b.key, m.unit, count(*) as n
    from b join marked m on m.since >= b.lo and m.since < b.hi
    where not exists (select 1 from ratings r where r.dossier_id = m.id and r.rating = 'not_satisfied' and r.created_at >= b.lo and r.created_at < b.hi)
    group by 1, 2`.execute(db);
  const keyOf = (bucket: string | null, unit: string | null) => (byUnit ? unit : bucket);
  const get = (k: string | null) => {
    let x = out.get(k);
    if (!x) out.set(k, (x = { ...NO_FEEDBACK }));
    return x;
  };
  for (const r of feedbackRows.rows) {
    const x = get(keyOf(r.key ?? null, r.unit ?? null));
    x.handled += Number(r.handled);
    x.handledOnTime += Number(r.handled_on_time);
    x.overdueOpen += Number(r.overdue_open);
    x.answered += Number(r.answered);
    x.unsatisfying += Number(r.unsatisfying);
  }
  for (const r of dossierRows.rows) get(keyOf(r.key, r.unit)).dossiersWithFeedback += Number(r.n);
  return out;
}
