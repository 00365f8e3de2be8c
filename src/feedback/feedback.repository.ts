import { sql, type Kysely, type Selectable, type Insertable, type Updateable } from 'kysely';
import type { DB, FeedbackTable } from '../platform/db.types.js';

export type FeedbackRow = Selectable<FeedbackTable>;

/** The next number of the day's code sequence ('yymmdd'). */
export async function nextCodeSeq(db: Kysely<DB>, day: string): Promise<number> {
  const r = await sql<{ last: number }>`
    insert into feedback_code_counters as c (day, last) values (${day}, 1)
    on conflict (day) do update set last = c.last + 1
    returning last`.execute(db);
  return Number(r.rows[0]!.last);
}

export async function insertFeedback(db: Kysely<DB>, row: Insertable<FeedbackTable>): Promise<FeedbackRow> {
  return db.insertInto('feedback').values(row).returningAll().executeTakeFirstOrThrow();
}

export async function updateFeedback(db: Kysely<DB>, id: number, patch: Updateable<FeedbackTable>): Promise<FeedbackRow> {
  return db.updateTable('feedback').set(patch).where('id', '=', id).returningAll().executeTakeFirstOrThrow();
}

/** Appends an event to a feedback's timeline (the next seq of its own). */
export async function insertEvent(
  db: Kysely<DB>,
  feedbackId: number,
  e: {
    action: string;
    from_status: string | null;
    to_status: string;
    staff_id: number | null;
    at: Date;
    note: string | null;
    internal: boolean;
  },
): Promise<number> {
  const { event_seq } = await db
    .updateTable('feedback')
    .set({ event_seq: sql`event_seq + 1` })
    .where('id', '=', feedbackId)
    .returning('event_seq')
    .executeTakeFirstOrThrow();
  await db
    .insertInto('feedback_events')
    .values({ feedback_id: feedbackId, seq: event_seq, ...e })
    .execute();
  return event_seq;
}

export async function insertAttachments(db: Kysely<DB>, feedbackId: number, shas: readonly string[]): Promise<void> {
  if (shas.length === 0) return;
  await db
    .insertInto('feedback_attachments')
    .values(shas.map((blob_sha256, i) => ({ feedback_id: feedbackId, position: i + 1, blob_sha256 })))
    .execute();
}

/** Of the given files, those the owner ('unit:<id>' or 'submission:<id>') uploaded. */
export async function ownedUploads(db: Kysely<DB>, shas: readonly string[], owner: string): Promise<Set<string>> {
  if (shas.length === 0) return new Set();
  const rows = await db
    .selectFrom('file_uploads')
    .select('blob_sha256')
    .where('blob_sha256', 'in', [...shas])
    .where('owner', '=', owner)
    .execute();
  return new Set(rows.map((r) => r.blob_sha256));
}

/** The live online submission a token's hash names. */
export async function liveSubmission(db: Kysely<DB>, tokenHash: string, now: Date): Promise<number | undefined> {
  const row = await db
    .selectFrom('online_submissions')
    .select('id')
    .where('token_hash', '=', tokenHash)
    .where('expires_at', '>', now)
    .executeTakeFirst();
  return row ? Number(row.id) : undefined;
}

/** What routing and masking need of a dossier named by a feedback. */
export async function dossierByCode(db: Kysely<DB>, code: string) {
  return db
    .selectFrom('dossiers')
    .select(['id', 'code', 'procedure_id', 'competent_agency_id', 'applicant_id_number', 'applicant_name'])
    .where('code', '=', code)
    .executeTakeFirst();
}

export async function dossierById(db: Kysely<DB>, id: number) {
  return db.selectFrom('dossiers').select(['id', 'code', 'applicant_name']).where('id', '=', id).executeTakeFirst();
}

export async function procedureCode(db: Kysely<DB>, id: number): Promise<string | undefined> {
  return (await db.selectFrom('procedures').select('code').where('id', '=', id).executeTakeFirst())?.code;
}

/** A feedback by its code; `forUpdate` locks the row until the transaction ends (one action at a time). */
export async function byCode(db: Kysely<DB>, code: string, forUpdate = false): Promise<FeedbackRow | undefined> {
  let q = db.selectFrom('feedback').selectAll().where('code', '=', code);
  if (forUpdate) q = q.forUpdate();
  return q.executeTakeFirst();
}

export async function byId(db: Kysely<DB>, id: number): Promise<FeedbackRow | undefined> {
  return db.selectFrom('feedback').selectAll().where('id', '=', id).executeTakeFirst();
}

export async function eventsOf(db: Kysely<DB>, feedbackId: number) {
  return db
    .selectFrom('feedback_events as e')
    .leftJoin('staff as s', 's.id', 'e.staff_id')
    .select(['e.seq', 'e.action', 'e.from_status', 'e.to_status', 'e.at', 'e.note', 'e.internal', 's.full_name as staff_name'])
    .where('e.feedback_id', '=', feedbackId)
    .orderBy('e.seq')
    .execute();
}

export async function attachmentsOf(db: Kysely<DB>, feedbackId: number) {
  return db
    .selectFrom('feedback_attachments as a')
    .innerJoin('blobs as b', 'b.sha256', 'a.blob_sha256')
    .select(['a.position', 'a.blob_sha256', 'b.mime', 'b.size'])
    .where('a.feedback_id', '=', feedbackId)
    .orderBy('a.position')
    .execute();
}

export async function hasAttachment(db: Kysely<DB>, feedbackId: number, sha256: string): Promise<boolean> {
  const row = await db
    .selectFrom('feedback_attachments')
    .select('position')
    .where('feedback_id', '=', feedbackId)
    .where('blob_sha256', '=', sha256)
    .executeTakeFirst();
  return row !== undefined;
}

/** The codes of the feedback that repeat this one, oldest first. */
export async function repeatsOf(db: Kysely<DB>, feedbackId: number) {
  return db
    .selectFrom('feedback')
    .select(['code', 'status', 'received_at'])
    .where('repeat_of_id', '=', feedbackId)
    .orderBy('received_at')
    .orderBy('id')
    .execute();
}

export async function staffMember(db: Kysely<DB>, id: number) {
  return db.selectFrom('staff').select(['id', 'full_name', 'role', 'unit_id', 'active']).where('id', '=', id).executeTakeFirst();
}

/** Active specialists and approvers of a unit: whom a feedback can be assigned to. */
export async function assignableStaff(db: Kysely<DB>, unitId: number) {
  return db
    .selectFrom('staff')
    .select(['id', 'full_name', 'role'])
    .where('unit_id', '=', unitId)
    .where('active', '=', true)
    .where('role', 'in', ['specialist', 'approver', 'manager'])
    .orderBy('full_name')
    .orderBy('id')
    .execute();
}

/** The stage of that deadline (feedback.model.ts currentDeadline's `stage`). */
const currentStage = sql<'triage' | 'answer' | 'publish' | null>`case
  when f.status = 'received' and f.first_info_requested_at is null then 'triage'
  when f.status in ('received', 'info_requested', 'processing') then 'answer'
  when f.status = 'answered' and f.publish_consent then 'publish'
end`;

/** The deadline a feedback waits on now, in SQL (feedback.model.ts currentDeadline says the same in TypeScript). */
const currentDue = sql<Date | null>`case
  when f.status = 'received' and f.first_info_requested_at is null then f.refuse_due_at
  when f.status in ('received', 'info_requested', 'processing') then f.answer_due_at
  when f.status = 'answered' and f.publish_consent then f.publish_due_at
end`;

export interface InboxFilter {
  /** The units in the reader's scope; null = all (the administrator). */
  unitIds: number[] | null;
  status?: string[];
  category?: string;
  escalated?: boolean;
  /** Only those whose current deadline has passed at this instant. */
  overdueAt?: Date;
  assigneeId?: number;
  q?: string;
  limit: number;
  offset: number;
}

/** The inbox: most at risk first (overdue, then the nearest deadline), then the newest of those without one. */
export async function listInbox(db: Kysely<DB>, f: InboxFilter) {
  let q = db
    .selectFrom('feedback as f')
    .leftJoin('staff as a', 'a.id', 'f.assignee_id')
    .select([
      'f.id',
      'f.code',
      'f.title',
      'f.status',
      'f.category',
      'f.channel',
      'f.subject_kind',
      'f.unit_id',
      'f.received_at',
      'f.escalated_stage',
      'f.escalated_at',
      'f.refuse_due_at',
      'f.info_due_at',
      'f.answer_due_at',
      'f.publish_due_at',
      'f.first_info_requested_at',
      'f.publish_consent',
      'f.repeat_of_id',
      'a.full_name as assignee_name',
      currentDue.as('current_due_at'),
      currentStage.as('current_stage'),
    ]);
  if (f.unitIds !== null) q = q.where('f.unit_id', 'in', f.unitIds.length ? f.unitIds : [-1]);
  if (f.status?.length) q = q.where('f.status', 'in', f.status as FeedbackRow['status'][]);
  if (f.category) q = q.where('f.category', '=', f.category as FeedbackRow['category']);
  if (f.assigneeId !== undefined) q = q.where('f.assignee_id', '=', f.assigneeId);
  if (f.escalated !== undefined)
    q = f.escalated
      ? q.where(sql<boolean>`f.escalated_stage is not null and f.escalated_stage = ${currentStage}`)
      : q.where('f.escalated_stage', 'is', null);
  if (f.overdueAt) q = q.where(sql<boolean>`${currentDue} < ${f.overdueAt}`);
  if (f.q) {
    const like = `%${f.q.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
    q = q.where((eb) => eb.or([eb('f.code', 'ilike', like), eb('f.title', 'ilike', like)]));
  }
  return q
    .orderBy(sql`${currentDue} asc nulls last`)
    .orderBy('f.received_at', 'desc')
    .orderBy('f.id', 'desc')
    .limit(f.limit)
    .offset(f.offset)
    .execute();
}

/** Published answers, newest first, with their like and dislike counts and how many complaints repeat them. */
export async function listPublished(db: Kysely<DB>, opts: { limit: number; offset: number; q?: string; unitId?: number }) {
  let q = db
    .selectFrom('feedback as f')
    .select((eb) => [
      'f.id',
      'f.code',
      'f.title',
      'f.content',
      'f.category',
      'f.sender_name',
      'f.dossier_id',
      'f.unit_id',
      'f.received_at',
      'f.answered_at',
      'f.published_at',
      'f.answer',
      eb
        .selectFrom('feedback_reactions as r')
        .select(eb.fn.countAll<number>().as('n'))
        .whereRef('r.feedback_id', '=', 'f.id')
        .where('r.reaction', '=', 'like')
        .as('likes'),
      eb
        .selectFrom('feedback_reactions as r')
        .select(eb.fn.countAll<number>().as('n'))
        .whereRef('r.feedback_id', '=', 'f.id')
        .where('r.reaction', '=', 'dislike')
        .as('dislikes'),
      eb
        .selectFrom('feedback as rep')
        .select(sql<string[]>`coalesce(array_agg(rep.code order by rep.received_at, rep.id), '{}')`.as('codes'))
        .whereRef('rep.repeat_of_id', '=', 'f.id')
        .as('repeats'),
    ])
    .where('f.status', '=', 'published');
  if (opts.unitId !== undefined) q = q.where('f.unit_id', '=', opts.unitId);
  if (opts.q) {
    const like = `%${opts.q.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
    q = q.where((eb) => eb.or([eb('f.code', 'ilike', like), eb('f.title', 'ilike', like)]));
  }
  return q.orderBy('f.published_at', 'desc').orderBy('f.id', 'desc').limit(opts.limit).offset(opts.offset).execute();
}

/** Like and dislike counts of one feedback. */
export async function reactionCounts(db: Kysely<DB>, feedbackId: number): Promise<{ likes: number; dislikes: number }> {
  const rows = await db
    .selectFrom('feedback_reactions')
    .select(['reaction', (eb) => eb.fn.countAll<number>().as('n')])
    .where('feedback_id', '=', feedbackId)
    .groupBy('reaction')
    .orderBy('reaction')
    .execute();
  const of = (r: string) => Number(rows.find((x) => x.reaction === r)?.n ?? 0);
  return { likes: of('like'), dislikes: of('dislike') };
}

/** Records a voter's reaction; a second one by the same voter replaces the first. Returns the reaction it replaced, if any. */
export async function upsertReaction(
  db: Kysely<DB>,
  row: { feedback_id: number; voter: string; reaction: 'like' | 'dislike'; at: Date },
): Promise<'like' | 'dislike' | null> {
  const before = await db
    .selectFrom('feedback_reactions')
    .select('reaction')
    .where('feedback_id', '=', row.feedback_id)
    .where('voter', '=', row.voter)
    .forUpdate()
    .executeTakeFirst();
  await db
    .insertInto('feedback_reactions')
    .values(row)
    .onConflict((oc) => oc.columns(['feedback_id', 'voter']).doUpdateSet({ reaction: row.reaction, at: row.at }))
    .execute();
  return before?.reaction ?? null;
}

/** Open feedback (and answered ones awaiting publication) not yet escalated at their current stage, due before `before`. */
export async function escalationCandidates(db: Kysely<DB>, before: Date) {
  return db
    .selectFrom('feedback as f')
    .selectAll('f')
    .where(sql<boolean>`${currentDue} is not null and ${currentDue} <= ${before}`)
    .where(sql<boolean>`f.escalated_stage is distinct from ${currentStage}`)
    .orderBy('f.id')
    .execute();
}

export interface FeedbackFiguresQuery {
  /** The competent units to count; 'all' = every unit. */
  unitIds: number[] | 'all';
  /** The period, [from, to). */
  from: Date;
  to: Date;
}

/** The figures of one competent unit over a period (indicators 5.2–5.3). */
export interface FeedbackFigures {
  unitId: number;
  /** Received in the period. */
  received: number;
  /** Answered or refused in the period. */
  handled: number;
  /** Of those handled, on time at every stage (refusal, first request for information, answer, publication) as of `to`. */
  handledOnTime: number;
  /** Published in the period. */
  published: number;
  /** Of those published in the period, with more dislikes than likes given before `to`. */
  disliked: number;
  /** Open at `to` (neither answered nor refused before it) past their answer deadline. */
  overdue: number;
  /** Received in the period naming an earlier feedback they repeat. */
  repeated: number;
}

/**
 * Per competent unit, the feedback figures of a period (indicators 5.2 and 5.3); units with none are left out, and
 * the rows are ordered by unit id. "On time at every stage" is feedback.model.ts onTimeAtEveryStage in SQL.
 */
export async function feedbackFigures(db: Kysely<DB>, q: FeedbackFiguresQuery): Promise<FeedbackFigures[]> {
  const { from, to } = q;
  const units = q.unitIds === 'all' ? sql`true` : q.unitIds.length ? sql`f.unit_id in (${sql.join(q.unitIds)})` : sql`false`;
  // Not late at `to`: not still undone (or done after `to`) past the deadline, and not done before `to` after it.
  const done = (at: string, due: string) =>
    sql`not ((${sql.ref(at)} is null or ${sql.ref(at)} >= ${to}) and ${sql.ref(due)} < ${to})
        and not (${sql.ref(at)} < ${to} and ${sql.ref(at)} > ${sql.ref(due)})`;
  const r = await sql<{
    unit_id: number;
    received: number;
    handled: number;
    handled_on_time: number;
    published: number;
    disliked: number;
    overdue: number;
    repeated: number;
  }>`
    with f as (
      select f.*,
        (select count(*) from feedback_reactions r where r.feedback_id = f.id and r.reaction = 'like' and r.at < ${to}) as likes,
        (select count(*) from feedback_reactions r where r.feedback_id = f.id and r.reaction = 'dislike' and r.at < ${to}) as dislikes,
        coalesce(f.answered_at, f.refused_at) as handled_at
      from feedback f where ${units} and f.received_at < ${to}
    )
    select f.unit_id,
      count(*) filter (where f.received_at >= ${from})::int as received,
      count(*) filter (where f.handled_at >= ${from} and f.handled_at < ${to})::int as handled,
      count(*) filter (where f.handled_at >= ${from} and f.handled_at < ${to}
        and (f.refused_at is null or f.refused_at <= f.refuse_due_at)
        and (f.first_info_requested_at is null or f.first_info_requested_at >= ${to} or f.first_info_requested_at <= f.info_due_at)
        and (f.refused_at is not null or f.answered_at <= f.answer_due_at)
        and (f.refused_at is not null or not f.publish_consent or (${done('f.published_at', 'f.publish_due_at')}))
      )::int as handled_on_time,
      count(*) filter (where f.published_at >= ${from} and f.published_at < ${to})::int as published,
      count(*) filter (where f.published_at >= ${from} and f.published_at < ${to} and f.dislikes > f.likes)::int as disliked,
      count(*) filter (where (f.handled_at is null or f.handled_at >= ${to}) and f.answer_due_at < ${to})::int as overdue,
      count(*) filter (where f.received_at >= ${from} and f.repeat_of_id is not null)::int as repeated
    from f
    group by f.unit_id
    having count(*) filter (where f.received_at >= ${from}) > 0
      or count(*) filter (where f.handled_at >= ${from} and f.handled_at < ${to}) > 0
      or count(*) filter (where f.published_at >= ${from} and f.published_at < ${to}) > 0
      or count(*) filter (where (f.handled_at is null or f.handled_at >= ${to}) and f.answer_due_at < ${to}) > 0
    order by f.unit_id`.execute(db);
  return r.rows.map((x) => ({
    unitId: Number(x.unit_id),
    received: Number(x.received),
    handled: Number(x.handled),
    handledOnTime: Number(x.handled_on_time),
    published: Number(x.published),
    disliked: Number(x.disliked),
    overdue: Number(x.overdue),
    repeated: Number(x.repeated),
  }));
}

/**
 * The dossiers with at least one feedback about them received before `to` (all when absent), among `dossierIds`
 * when given, in ascending order: each counts against indicator 5.4.
 */
export async function dossiersWithFeedback(db: Kysely<DB>, opts: { dossierIds?: readonly number[]; to?: Date } = {}): Promise<number[]> {
  if (opts.dossierIds && opts.dossierIds.length === 0) return [];
  let q = db.selectFrom('feedback').select('dossier_id').distinct().where('dossier_id', 'is not', null);
  if (opts.dossierIds) q = q.where('dossier_id', 'in', [...opts.dossierIds]);
  if (opts.to) q = q.where('received_at', '<', opts.to);
  const rows = await q.orderBy('dossier_id').execute();
  return rows.map((r) => Number(r.dossier_id));
}

/**
 * A unit's voice over [from, to]: the ratings of the dossiers it received or handled, and the feedback routed to it
 * (received, refused or answered, of those within the answer deadline, still open).
 */
export async function unitVoice(db: Kysely<DB>, unitId: number, from: Date, to: Date) {
  const ratings = await sql<{ rating: string; n: string }>`
    select r.rating, count(*) as n from ratings r join dossiers d on d.id = r.dossier_id
    where (d.receiving_unit_id = ${unitId} or d.competent_agency_id = ${unitId}) and r.created_at >= ${from} and r.created_at <= ${to}
    group by r.rating order by r.rating`.execute(db);
  const fb = await sql<{ received: string; handled: string; on_time: string; open: string }>`
    select count(*) as received,
      count(*) filter (where coalesce(refused_at, answered_at) is not null) as handled,
      count(*) filter (where coalesce(refused_at, answered_at) <= case when refused_at is not null then refuse_due_at else answer_due_at end) as on_time,
      count(*) filter (where status in ('received', 'info_requested', 'processing')) as open
    from feedback where unit_id = ${unitId} and received_at >= ${from} and received_at <= ${to}`.execute(db);
  const n = (r: string) => Number(ratings.rows.find((x) => x.rating === r)?.n ?? 0);
  const f = fb.rows[0]!;
  return {
    ratings: { satisfied: n('satisfied'), acceptable: n('acceptable'), notSatisfied: n('not_satisfied') },
    feedback: { received: Number(f.received), handled: Number(f.handled), handledOnTime: Number(f.on_time), open: Number(f.open) },
  };
}
