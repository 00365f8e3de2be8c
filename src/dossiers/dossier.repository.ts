import { CompiledQuery, sql, type Insertable, type Kysely } from 'kysely';
import type { DB, Dossier, DossierComponentTable, DossierEventTable, DossierUpdate } from '../platform/db.types.js';
import type { AuditEntry, AuditKey } from '../platform/audit-chain.model.js';
// The audit chain's SQL lives in one place; intake and events append their entry in their own statement with it.
import { auditAppendSql, eventDigestSql } from '../platform/audit-chain.repository.js';

/** A dossier component row as written (every column but the generated id and time). */
export type ComponentRow = Required<Omit<Insertable<DossierComponentTable>, 'id' | 'added_at'>>;

export async function insertComponents(db: Kysely<DB>, rows: ComponentRow[]) {
  if (rows.length) await db.insertInto('dossier_components').values(rows).execute();
}

export async function updateComponent(db: Kysely<DB>, dossierId: number, code: string, patch: Partial<ComponentRow>) {
  return db
    .updateTable('dossier_components')
    .set(patch)
    .where('dossier_id', '=', dossierId)
    .where('component_code', '=', code)
    .returning('id')
    .executeTakeFirst();
}

export async function componentsOf(db: Kysely<DB>, dossierId: number) {
  return db.selectFrom('dossier_components').selectAll().where('dossier_id', '=', dossierId).orderBy('id').execute();
}

/** A dossier event row as written (every column but the generated id). */
export type EventRow = Required<Omit<Insertable<DossierEventTable>, 'id' | 'txid'>> & { at: Date };

/** What the event CTE `de` returns for the audit entry that covers it: the key of the row and its digest. */
const EVENT_RETURNING = `e.dossier_id, e.seq, e.at, e.action, ${eventDigestSql('e')} as digest`;
const EVENT_REF = {
  dossierId: { sql: '(select dossier_id from de)' },
  seq: { sql: '(select seq from de)' },
  digest: { sql: '(select digest from de)' },
};

/**
 * The portal sync's outbox row of the event written by the CTE `de` (migration 20261207T0800): in the same statement,
 * so committed with the change or not at all. A dossier already waiting keeps its place (next_attempt_at) and the
 * time of its oldest change not yet acknowledged; one that was up to date waits from the event's time (the app's
 * clock, which the worker's is too).
 */
export const PORTAL_OUTBOX_CTE = `po as (insert into portal_sync as p (dossier_id, pending_seq, pending_since, next_attempt_at)
    select dossier_id, seq, at, at from de
    on conflict (dossier_id) do update set pending_seq = greatest(p.pending_seq, excluded.pending_seq),
      pending_since = case when p.acked_seq >= p.pending_seq then excluded.pending_since else p.pending_since end,
      next_attempt_at = case when p.acked_seq >= p.pending_seq then excluded.next_attempt_at else p.next_attempt_at end)`;

/**
 * The actions a citizen is told of by SMS and e-mail (src/notices/notice.model.ts NOTICE_ACTIONS, repeated here as
 * SQL text: the statement's text is cached).
 */
export const NOTICE_ACTIONS_SQL =
  "('receive','submit_online','request_supplement','request_payment','apologize','result','return','refuse','stop')";

/**
 * The notice queue's row of the event written by the CTE `de` when it is a notable step (migration 20261210T0800): in
 * the same statement as the event, so a committed step always has its notice and a rolled-back one never has one. The
 * notice worker (src/notices/) turns it into one notification per channel.
 */
export const NOTICE_QUEUE_CTE = `nq as (insert into notice_queue (dossier_id, seq) select dossier_id, seq from de where action in ${NOTICE_ACTIONS_SQL})`;

export async function eventsOf(db: Kysely<DB>, dossierId: number) {
  return db.selectFrom('dossier_events').selectAll().where('dossier_id', '=', dossierId).orderBy('seq').execute();
}

export async function insertStep(db: Kysely<DB>, row: StepRow) {
  await db.insertInto('dossier_steps').values(row).execute();
}

export type StepRow = {
  dossier_id: number;
  seq: number;
  role: string;
  from_unit_id: number | null;
  to_unit_id: number;
  handed_by: number | null;
  handed_at: Date;
  due_at: Date | null;
};

export interface NewDossierWrite {
  /** The daily counter the sequence number is taken from. */
  counter: { prefix: string; day: string };
  /** The dossier code before its zero-padded 4-digit sequence number. */
  codePrefix: string;
  /** Every column but the id and the code, which the statement assigns: the new row is these values, the id and the code. */
  dossier: Omit<Dossier, 'id' | 'code'>;
  components: Omit<ComponentRow, 'dossier_id'>[];
  /** The first event; its seq is the new row's event_seq. */
  event?: Omit<EventRow, 'dossier_id' | 'seq'>;
  /** The first process-control step. */
  step?: Omit<StepRow, 'dossier_id'>;
  /**
   * The audit entry about the new dossier; its entity id is the code the statement assigns, and it covers the first
   * event (its dossier id, seq and digest, taken from the event row the statement inserts).
   */
  audit?: { key: AuditKey; entry: Omit<AuditEntry, 'entityId' | 'event'>; at: Date };
  /**
   * Looks, in the same statement, for an open dossier of the same procedure for the same applicant (DUPLICATE_STATUSES):
   * 'refuse' writes nothing at all when there is one (not the counter, nor the audit entry) and reports it; 'mark' writes
   * the dossier with duplicate_of naming it. Without it, the dossier's own duplicate_of is written as given.
   */
  duplicates?: 'refuse' | 'mark';
  /** Closes this clerk's intakes in progress for the applicant (they gave the purpose to read the store), at this time. */
  closeIntakes?: { staffId: number; at: Date };
}

/** The open dossier an intake found of the same procedure for the same applicant. */
export interface OpenDuplicate {
  id: number;
  code: string;
  status: string;
  receivedAt: Date | null;
  submittedAt: Date | null;
  receivingUnitId: number;
}

/** The SQL type of each component column (the VALUES list of insertNewDossier casts to them). */
const COMPONENT_SQL_TYPES: Record<keyof ComponentRow, string> = {
  dossier_id: 'bigint',
  component_code: 'text',
  name_vi: 'text',
  form: 'text',
  count: 'smallint',
  required: 'boolean',
  source: 'text',
  blob_sha256: 'text',
  store_document_id: 'bigint',
  digitized: 'boolean',
  uploaded_by: 'text',
};

/** Statuses in which a dossier is open for the duplicate rule (the unique index of migration 20261202T1400 lists the same). */
const DUPLICATE_STATUSES_SQL = `('submitted', 'received', 'processing', 'supplement_requested', 'awaiting_payment')`;

/** The SQLSTATEs of a NOT NULL, a foreign key and a unique violation. */
const NOT_NULL_VIOLATION = '23502';
const FOREIGN_KEY_VIOLATION = '23503';
const UNIQUE_VIOLATION = '23505';
/** At most one open dossier per applicant and procedure that is not a known duplicate. */
const OPEN_PER_APPLICANT_INDEX = 'dossiers_open_per_applicant_idx';

/** "(col, ...)" and "($n, ...)" of one row, its values pushed onto params; `sqlValues` are SQL expressions for some columns. */
function rowSql(row: object, params: unknown[], sqlValues: Record<string, string> = {}): { columns: string; values: string } {
  const columns: string[] = [];
  const values: string[] = [];
  for (const [column, value] of Object.entries(row)) {
    if (value === undefined || column in sqlValues) continue;
    columns.push(`"${column}"`);
    values.push(`$${params.push(value)}`);
  }
  for (const [column, expression] of Object.entries(sqlValues)) {
    columns.push(`"${column}"`);
    values.push(expression);
  }
  return { columns: columns.join(', '), values: values.join(', ') };
}

/** The columns of a row that are written (those given a value), in the row's order. */
function writtenColumns(row: object): string[] {
  return Object.keys(row).filter((k) => (row as Record<string, unknown>)[k] !== undefined);
}

/** Statement texts of insertNewDossier, one per shape of write (its columns and parts); a handful in practice. */
const newDossierTexts = new Map<string, string>();

/**
 * The statement of insertNewDossier and its parameters. The text depends only on the shape of the write, so it
 * is built once per shape and reused: the same string each time, which the driver also finds at once among its
 * prepared statements. The parameters are collected in the order the text numbers them (see the build below).
 */
export function newDossierStatement(w: NewDossierWrite): { text: string; params: unknown[] } {
  const columns = {
    // In 'mark' mode duplicate_of is the statement's own finding, not a value.
    dossier: writtenColumns(w.dossier).filter((c) => !(w.duplicates === 'mark' && c === 'duplicate_of')),
    component: w.components.length ? writtenColumns(w.components[0]!) : [],
    event: w.event ? writtenColumns(w.event) : null,
    step: w.step ? writtenColumns(w.step) : null,
  };
  const shape = `${w.components.length}|${columns.dossier.join()}|${columns.component.join()}|${columns.event?.join() ?? '-'}|${columns.step?.join() ?? '-'}|${w.audit ? 'audit' : '-'}|${w.duplicates ?? '-'}|${w.closeIntakes ? 'close' : '-'}`;
  const params: unknown[] = [];
  // Parameters, in the order the text numbers them.
  params.push(w.counter.prefix, w.counter.day, w.codePrefix);
  const dossier = w.dossier as Record<string, unknown>;
  for (const c of columns.dossier) params.push(dossier[c]);
  for (const row of w.components) for (const c of columns.component) params.push((row as Record<string, unknown>)[c]);
  if (w.event) for (const c of columns.event!) params.push((w.event as Record<string, unknown>)[c]);
  if (w.step) for (const c of columns.step!) params.push((w.step as Record<string, unknown>)[c]);
  if (w.closeIntakes) params.push(w.closeIntakes.at, w.closeIntakes.staffId);
  const before = params.length;
  const e = w.audit?.entry;
  const audit = e
    ? auditAppendSql(
        w.audit!.key,
        {
          actorKind: e.actorKind,
          actorId: e.actorId,
          stream: e.stream,
          action: e.action,
          entityType: e.entityType,
          data: e.data,
          entityId: { sql: '(select code from d)' },
          ...(w.event ? { event: EVENT_REF } : {}),
        },
        w.audit!.at,
        params,
        // Refused as a duplicate, nothing was written: no entry about it.
        w.duplicates === 'refuse' ? 'exists (select 1 from d)' : undefined,
      )
    : undefined;
  let text = newDossierTexts.get(shape);
  if (text === undefined) {
    let n = 0;
    const next = () => `$${++n}`;
    /** The placeholder of a dossier column's parameter: the three counter parameters, then the columns in order. */
    const dossierParam = (column: string) => {
      const i = columns.dossier.indexOf(column);
      if (i < 0) throw new Error(`insertNewDossier: the dossier column ${column} is not written`);
      return `$${4 + i}`;
    };
    const list = (cols: string[], extra: Record<string, string>) => ({
      columns: [...cols, ...Object.keys(extra)].map((c) => `"${c}"`).join(', '),
      values: [...cols.map(() => next()), ...Object.values(extra)].join(', '),
    });
    const ctes: string[] = [];
    if (w.duplicates) {
      // The open dossier of the same procedure for the same applicant, if any (through dossiers_applicant_idx).
      ctes.push(`dup as (
    select id, code, status, received_at, submitted_at, receiving_unit_id from dossiers
    where applicant_id_number = ${dossierParam('applicant_id_number')}::text and procedure_id = ${dossierParam('procedure_id')}::int
      and status in ${DUPLICATE_STATUSES_SQL}
    order by id limit 1)`);
    }
    // Past 9999 the code is null, and the NOT NULL constraint fails the whole statement; so does the foreign key of
    // a component naming a file that is not stored: either way nothing is written, not even the counter. Refused as a
    // duplicate, the counter takes no number and every insert below, reading from c or d, writes no row.
    const counterRow = `${next()}::text, ${next()}::text, 1`;
    ctes.push(`c as (
    insert into dossier_code_counters as cc (prefix, day, last) ${w.duplicates === 'refuse' ? `select ${counterRow} where not exists (select 1 from dup)` : `values (${counterRow})`}
    on conflict (prefix, day) do update set last = cc.last + 1
    returning last)`);
    const code = `case when c.last <= 9999 then ${next()}::text || lpad(c.last::text, 4, '0') end`;
    const d = list(columns.dossier, { code, ...(w.duplicates === 'mark' ? { duplicate_of: '(select code from dup)' } : {}) });
    // Every column is written (no column default is relied on), so only the id and the code are read back: the
    // whole row (~40 columns) cost the driver more CPU to describe and parse than building the statement.
    // INSERT ... SELECT: the parameters take the types of the columns they are written to, as in VALUES.
    ctes.push(`d as (insert into dossiers as d (${d.columns}) select ${d.values} from c returning d.id, d.code, d.event_seq)`);
    // Sibling inserts see the new row through d (one row, or none when refused); their foreign keys are checked at
    // the end of the statement. The components are a VALUES list joined to d, in their order (their ids keep it);
    // its parameters are cast to the columns' types, which a VALUES list in FROM cannot take from the table.
    if (w.components.length) {
      const cols = columns.component.map((c) => `"${c}"`).join(', ');
      const rows = w.components.map(
        () => `(${columns.component.map((c) => `${next()}::${COMPONENT_SQL_TYPES[c as keyof ComponentRow]}`).join(', ')})`,
      );
      ctes.push(
        `dc as (insert into dossier_components (${cols}, "dossier_id") select v.*, d.id from d, (values ${rows.join(', ')}) as v(${cols}))`,
      );
    }
    if (columns.event) {
      const e = list(columns.event, { dossier_id: 'd.id', seq: 'd.event_seq' });
      ctes.push(
        `de as (insert into dossier_events as e (${e.columns}) select ${e.values} from d returning ${EVENT_RETURNING})`,
        PORTAL_OUTBOX_CTE,
        NOTICE_QUEUE_CTE,
      );
    }
    if (columns.step) {
      const st = list(columns.step, { dossier_id: 'd.id' });
      ctes.push(`ds as (insert into dossier_steps (${st.columns}) select ${st.values} from d)`);
    }
    if (w.closeIntakes) {
      ctes.push(`ci as (
    update intakes i set closed_at = ${next()}::timestamptz, dossier_id = d.id from d
    where i.staff_id = ${next()}::int and i.id_number = ${dossierParam('applicant_id_number')}::text and i.closed_at is null)`);
    }
    if (n !== before) throw new Error(`insertNewDossier: ${n} placeholders for ${before} parameters`);
    if (audit) ctes.push(`ah as (${audit.head})`, `al as (${audit.log('ah')})`);
    text = w.duplicates
      ? `with ${ctes.join(',\n')}\nselect d.id, d.code, c.last as seq_taken, dup.id as dup_id, dup.code as dup_code, dup.status as dup_status, dup.received_at as dup_received_at, dup.submitted_at as dup_submitted_at, dup.receiving_unit_id as dup_receiving_unit_id\nfrom (select 1) one left join d on true left join c on true left join dup on true`
      : `with ${ctes.join(',\n')}\nselect d.id, d.code, c.last as seq_taken from d, c`;
    newDossierTexts.set(shape, text);
  }
  return { text, params };
}

/**
 * Takes the next daily sequence number and writes a new dossier with its components, and when given its
 * first event, step and audit entry, in one statement: one round trip, and the day's counter row and the
 * audit head stay locked only while it runs. Writes nothing, and says why, when the day's 9999 sequence
 * numbers are used up, a component names a file that is not stored, or ('refuse') the applicant has an open
 * dossier of the procedure; 'duplicate_race' when another intake of the same duplicate committed meanwhile.
 * (Written as SQL text rather than with the query builder: this is the hottest write, and building it
 * through Kysely's immutable node tree cost more CPU than everything else in an intake request.)
 */
export async function insertNewDossier(
  db: Kysely<DB>,
  w: NewDossierWrite,
): Promise<
  | { dossier: Dossier; seq: number; duplicateOf: OpenDuplicate | null }
  | { duplicate: OpenDuplicate }
  | 'numbers_used_up'
  | 'file_missing'
  | 'duplicate_race'
> {
  const { text, params } = newDossierStatement(w);
  try {
    const r = await db.executeQuery<{
      id: number | null;
      code: string | null;
      seq_taken: number | null;
      dup_id?: number | null;
      dup_code?: string | null;
      dup_status?: string | null;
      dup_received_at?: Date | null;
      dup_submitted_at?: Date | null;
      dup_receiving_unit_id?: number | null;
    }>(CompiledQuery.raw(text, params));
    const row = r.rows[0]!;
    const found: OpenDuplicate | null =
      row.dup_id != null
        ? {
            id: Number(row.dup_id),
            code: row.dup_code!,
            status: row.dup_status!,
            receivedAt: row.dup_received_at ?? null,
            submittedAt: row.dup_submitted_at ?? null,
            receivingUnitId: row.dup_receiving_unit_id!,
          }
        : null;
    if (row.id == null) return { duplicate: found! };
    // Not a spread of the written values: adding properties to a spread copy took V8's slow path (~25 µs).
    const dossier = Object.assign({}, w.dossier) as Dossier;
    dossier.id = row.id;
    dossier.code = row.code!;
    if (w.duplicates === 'mark') dossier.duplicate_of = found?.code ?? null;
    return { dossier, seq: row.seq_taken!, duplicateOf: found };
  } catch (e) {
    const pe = e as { code?: string; table?: string; column?: string; constraint?: string };
    if (pe.code === NOT_NULL_VIOLATION && pe.table === 'dossiers' && pe.column === 'code') return 'numbers_used_up';
    if (
      pe.code === FOREIGN_KEY_VIOLATION &&
      pe.table === 'dossier_components' &&
      (pe.constraint === 'dossier_components_blob_sha256_fkey' || pe.constraint === 'dossier_components_upload_fkey')
    )
      return 'file_missing';
    if (isDuplicateRace(e)) return 'duplicate_race';
    throw e;
  }
}

/** Whether an error is the unique index refusing a second open dossier of a procedure for an applicant (a race of two intakes). */
export function isDuplicateRace(e: unknown): boolean {
  const pe = e as { code?: string; constraint?: string };
  return pe.code === UNIQUE_VIOLATION && pe.constraint === OPEN_PER_APPLICANT_INDEX;
}

/** The first open dossier of a procedure for an applicant, other than `exceptId`. */
export async function openDuplicate(
  db: Kysely<DB>,
  idNumber: string,
  procedureId: number,
  exceptId?: number,
): Promise<OpenDuplicate | undefined> {
  let q = db
    .selectFrom('dossiers')
    .select(['id', 'code', 'status', 'received_at', 'submitted_at', 'receiving_unit_id'])
    .where('applicant_id_number', '=', idNumber)
    .where('procedure_id', '=', procedureId)
    .where('status', 'in', ['submitted', 'received', 'processing', 'supplement_requested', 'awaiting_payment']);
  if (exceptId !== undefined) q = q.where('id', '<>', exceptId);
  const r = await q.orderBy('id').limit(1).executeTakeFirst();
  return r
    ? {
        id: r.id,
        code: r.code,
        status: r.status,
        receivedAt: r.received_at,
        submittedAt: r.submitted_at,
        receivingUnitId: r.receiving_unit_id,
      }
    : undefined;
}

/**
 * Inserts an event and the audit entry that covers it in one statement: the entry carries the event row's digest,
 * computed from the row as inserted, so `audit verify` sees an event altered, removed, or added without its entry.
 */
export async function insertEventWithAudit(
  db: Kysely<DB>,
  key: AuditKey,
  row: EventRow,
  audit: { entry: Omit<AuditEntry, 'event'>; at: Date },
): Promise<void> {
  const params: unknown[] = [];
  const e = rowSql(row, params);
  const { head, log } = auditAppendSql(key, { ...audit.entry, event: EVENT_REF }, audit.at, params);
  await db.executeQuery(
    CompiledQuery.raw(
      `with de as (insert into dossier_events as e (${e.columns}) values (${e.values}) returning ${EVENT_RETURNING}),\n${PORTAL_OUTBOX_CTE},\n${NOTICE_QUEUE_CTE},\nah as (${head})\n${log('ah')}`,
      params,
    ),
  );
}

/** Closes the open hand-over row (the step in progress) with its outcome. */
export async function completeOpenStep(
  db: Kysely<DB>,
  dossierId: number,
  at: Date,
  by: number | null,
  outcomeOf: (due: Date | null) => 'early' | 'on_time' | 'late' | null,
) {
  const open = await db
    .selectFrom('dossier_steps')
    .select(['id', 'due_at'])
    .where('dossier_id', '=', dossierId)
    .where('completed_at', 'is', null)
    .orderBy('seq', 'desc')
    .executeTakeFirst();
  if (!open) return;
  await db
    .updateTable('dossier_steps')
    .set({ completed_at: at, completed_by: by, outcome: outcomeOf(open.due_at) })
    .where('id', '=', open.id)
    .execute();
}

export async function shiftOpenStepDue(db: Kysely<DB>, dossierId: number, newDue: (due: Date) => Date) {
  const open = await db
    .selectFrom('dossier_steps')
    .select(['id', 'due_at'])
    .where('dossier_id', '=', dossierId)
    .where('completed_at', 'is', null)
    .orderBy('seq', 'desc')
    .executeTakeFirst();
  if (open?.due_at)
    await db
      .updateTable('dossier_steps')
      .set({ due_at: newDue(open.due_at) })
      .where('id', '=', open.id)
      .execute();
}

export async function stepsOf(db: Kysely<DB>, dossierId: number) {
  return db.selectFrom('dossier_steps').selectAll().where('dossier_id', '=', dossierId).orderBy('seq').execute();
}

export async function findByCode(db: Kysely<DB>, code: string): Promise<Dossier | undefined> {
  return db.selectFrom('dossiers').selectAll().where('code', '=', code).executeTakeFirst();
}

/** Applies a change only if nobody changed the dossier since `version` was read (optimistic concurrency). */
export async function updateIfVersion(db: Kysely<DB>, id: number, version: number, patch: DossierUpdate): Promise<Dossier | undefined> {
  return db
    .updateTable('dossiers')
    .set({ ...patch, version: sql`version + 1`, event_seq: sql`event_seq + 1`, updated_at: sql`now()` })
    .where('id', '=', id)
    .where('version', '=', version)
    .returningAll()
    .executeTakeFirst();
}

export interface ListFilter {
  scopeUnitIds: number[] | null;
  status?: string[];
  risk?: 'due_soon' | 'late' | 'paused';
  now: Date;
  soonUntil: Date;
  q?: string;
  procedureCode?: string;
  limit: number;
  offset: number;
}

/** Dossiers in a staff member's scope: received at, routed to, at, or returned at one of their units. */
export async function listDossiers(db: Kysely<DB>, f: ListFilter) {
  let q = db
    .selectFrom('dossiers as d')
    .innerJoin('procedures as p', 'p.id', 'd.procedure_id')
    .selectAll('d')
    .select('p.code as procedure_code');
  if (f.scopeUnitIds) {
    const ids = f.scopeUnitIds.length ? f.scopeUnitIds : [-1];
    q = q.where((eb) =>
      eb.or([
        eb('d.receiving_unit_id', 'in', ids),
        eb('d.current_unit_id', 'in', ids),
        eb('d.return_point_id', 'in', ids),
        eb.exists(
          eb.selectFrom('dossier_steps as s').select('s.id').whereRef('s.dossier_id', '=', 'd.id').where('s.to_unit_id', 'in', ids),
        ),
      ]),
    );
  }
  if (f.status?.length) q = q.where('d.status', 'in', f.status);
  if (f.procedureCode) q = q.where('p.code', '=', f.procedureCode);
  if (f.q) q = q.where((eb) => eb.or([eb('d.code', '=', f.q!), eb('d.applicant_id_number', '=', f.q!)]));
  // Inboxes work against the date the applicant is now promised: an apology's new date, else the due date.
  const promised = sql<Date>`coalesce(d.apology_due_at, d.due_at)`;
  if (f.risk === 'late') q = q.where('d.status', 'in', ['received', 'processing', 'awaiting_payment']).where(promised, '<', f.now);
  if (f.risk === 'due_soon')
    q = q
      .where('d.status', 'in', ['received', 'processing', 'awaiting_payment'])
      .where(promised, '>=', f.now)
      .where(promised, '<', f.soonUntil);
  if (f.risk === 'paused') q = q.where('d.status', '=', 'supplement_requested');
  return q.orderBy(promised, 'asc').orderBy('d.id', 'asc').limit(f.limit).offset(f.offset).execute();
}

/**
 * Flags open dossiers past their due date not yet flagged, each taking its next event seq for the flag_late event.
 * The version stays: the flag is nobody's action, so an action a clerk already has in flight must not turn stale.
 */
export async function flagLate(db: Kysely<DB>, now: Date): Promise<Dossier[]> {
  return db
    .updateTable('dossiers')
    .set({ late_flagged_at: now, event_seq: sql`event_seq + 1`, updated_at: now })
    .where('status', 'in', ['received', 'processing', 'awaiting_payment'])
    .where('due_at', '<', now)
    .where('late_flagged_at', 'is', null)
    .returningAll()
    .execute();
}

/** Which of the given files are stored (one query for all of them). */
/** Which of these files the owner ('unit:<id>', 'submission:<id>') uploaded. */
export async function ownedUploads(db: Kysely<DB>, sha256s: string[], owner: string): Promise<Set<string>> {
  const rows = await db
    .selectFrom('file_uploads')
    .select('blob_sha256')
    .where('blob_sha256', 'in', [...new Set(sha256s)])
    .where('owner', '=', owner)
    .execute();
  return new Set(rows.map((r) => r.blob_sha256));
}

export async function storeDocument(db: Kysely<DB>, id: number) {
  return db.selectFrom('store_documents').selectAll().where('id', '=', id).executeTakeFirst();
}

export async function insertStoreDocument(
  db: Kysely<DB>,
  row: {
    owner_id_number: string;
    kind: string;
    title: string;
    document_type: string | null;
    blob_sha256: string;
    issuer_unit_id: number | null;
    source_dossier_id: number | null;
    issued_at: Date;
  },
) {
  return db.insertInto('store_documents').values(row).returning('id').executeTakeFirstOrThrow();
}

/** Links a dossier to its result in the document store. */
export async function setResultDocument(db: Kysely<DB>, dossierId: number, documentId: number) {
  await db.updateTable('dossiers').set({ result_document_id: documentId }).where('id', '=', dossierId).execute();
}
