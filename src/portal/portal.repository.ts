import { sql, type Kysely } from 'kysely';
import type { DB } from '../platform/db.types.js';
import type { SyncSource } from './portal.model.js';

/** A dossier taken for delivery: its outbox row as claimed. */
export interface Claimed {
  dossierId: number;
  pendingSeq: number;
  ackedSeq: number;
  attempts: number;
}

/**
 * Takes up to `limit` dossiers due for delivery and leases them for `leaseMs`, so another worker (another process)
 * skips them meanwhile; the lease is not a lock, so an event written meanwhile never waits for the portal. A lease
 * that ran out (a worker that died) is taken again.
 */
export async function claimDue(db: Kysely<DB>, now: Date, limit: number, leaseMs: number): Promise<Claimed[]> {
  const rows = await sql<{ dossier_id: string | number; pending_seq: number; acked_seq: number; attempts: number }>`
    update portal_sync p set lease_until = ${new Date(now.getTime() + leaseMs)}
    where p.dossier_id in (
      select dossier_id from portal_sync
      where pending_seq > acked_seq and next_attempt_at <= ${now} and (lease_until is null or lease_until < ${now})
      order by next_attempt_at
      limit ${limit}
      for update skip locked)
    returning p.dossier_id, p.pending_seq, p.acked_seq, p.attempts`.execute(db);
  return rows.rows.map((r) => ({
    dossierId: Number(r.dossier_id),
    pendingSeq: r.pending_seq,
    ackedSeq: r.acked_seq,
    attempts: r.attempts,
  }));
}

/** Everything the portal is told of these dossiers, as they stand (one read each of dossiers, components, events). */
export async function loadSources(db: Kysely<DB>, ids: number[]): Promise<SyncSource[]> {
  if (!ids.length) return [];
  const dossiers = await db
    .selectFrom('dossiers as d')
    .innerJoin('procedures as p', 'p.id', 'd.procedure_id')
    .innerJoin('procedure_versions as v', 'v.id', 'd.procedure_version_id')
    .innerJoin('fields as f', 'f.code', 'v.field_code')
    .innerJoin('units as a', 'a.id', 'd.competent_agency_id')
    .innerJoin('units as r', 'r.id', 'd.receiving_unit_id')
    .leftJoin('store_documents as sd', 'sd.id', 'd.result_document_id')
    .select([
      'd.id',
      'd.code',
      'd.event_seq',
      'd.status',
      'd.channel',
      'p.code as procedure_code',
      'v.name_vi as procedure_name_vi',
      'v.field_code',
      'f.name_vi as field_name_vi',
      'v.body',
      'a.agency_code',
      'r.agency_code as receiving_agency_code',
      'd.applicant_name',
      'd.applicant_id_number',
      'd.applicant_phone',
      'd.applicant_email',
      'd.applicant_address',
      'd.submitted_at',
      'd.received_at',
      'd.due_at',
      'd.original_due_at',
      'd.decided_at',
      'd.returned_at',
      'd.paid_at',
      'd.vneid_authenticated',
      'd.paid_online',
      'sd.id as result_id',
      'sd.title as result_title',
      'sd.blob_sha256 as result_sha256',
    ])
    .where('d.id', 'in', ids)
    .execute();
  const components = await db
    .selectFrom('dossier_components')
    .select(['id', 'dossier_id', 'component_code', 'name_vi', 'source', 'blob_sha256', 'digitized'])
    .where('dossier_id', 'in', ids)
    .orderBy('id')
    .execute();
  const events = await db
    .selectFrom('dossier_events as e')
    .leftJoin('staff as s', 's.id', 'e.actor_id')
    .leftJoin('units as u', 'u.id', 'e.unit_id')
    .select(['e.dossier_id', 'e.seq', 'e.action', 'e.to_status', 'e.at', 'e.note', 's.full_name', 'u.agency_code'])
    .where('e.dossier_id', 'in', ids)
    .orderBy('e.dossier_id')
    .orderBy('e.seq')
    .execute();
  const byDossier = <T extends { dossier_id: number | string }>(rows: T[]) => {
    const m = new Map<number, T[]>();
    for (const r of rows) {
      const k = Number(r.dossier_id);
      const list = m.get(k);
      if (list) list.push(r);
      else m.set(k, [r]);
    }
    return m;
  };
  const feeLines = await db
    .selectFrom('dossier_fees')
    .select(['dossier_id', 'stage', 'name_vi', 'amount_vnd'])
    .where('dossier_id', 'in', ids)
    .orderBy('dossier_id')
    .orderBy('id')
    .execute();
  const paidRows = await db
    .selectFrom('payments')
    .select(['dossier_id', (eb) => eb.fn.sum<number>('amount_vnd').as('paid')])
    .where('dossier_id', 'in', ids)
    .where('status', '=', 'paid')
    .groupBy('dossier_id')
    .execute();
  const paidBy = new Map(paidRows.map((r) => [Number(r.dossier_id), Number(r.paid)]));
  const lines = byDossier(feeLines);
  const comps = byDossier(components);
  const evs = byDossier(events);
  return dossiers.map((d) => {
    const body = (typeof d.body === 'string' ? JSON.parse(d.body) : d.body) as { fees?: SyncSource['fees'] };
    const id = Number(d.id);
    return {
      id,
      code: d.code,
      seq: d.event_seq,
      status: d.status,
      channel: d.channel,
      procedureCode: d.procedure_code,
      procedureNameVi: d.procedure_name_vi,
      fieldCode: d.field_code,
      fieldNameVi: d.field_name_vi,
      fees: body.fees ?? [],
      // A line is paid when what was paid covers it and every line before it.
      feeLines: (() => {
        let left = paidBy.get(id) ?? 0;
        return (lines.get(id) ?? []).map((l) => {
          left -= Number(l.amount_vnd);
          return { stage: l.stage, nameVi: l.name_vi, amountVnd: Number(l.amount_vnd), paid: left >= 0 };
        });
      })(),
      paidOnline: d.paid_online,
      agencyCode: d.agency_code,
      receivingAgencyCode: d.receiving_agency_code,
      applicant: {
        name: d.applicant_name,
        idNumber: d.applicant_id_number,
        phone: d.applicant_phone,
        email: d.applicant_email,
        address: d.applicant_address,
      },
      submittedAt: d.submitted_at,
      receivedAt: d.received_at,
      dueAt: d.due_at,
      originalDueAt: d.original_due_at,
      decidedAt: d.decided_at,
      returnedAt: d.returned_at,
      paidAt: d.paid_at,
      vneidAuthenticated: d.vneid_authenticated,
      components: (comps.get(id) ?? []).map((c) => ({
        id: Number(c.id),
        code: c.component_code,
        nameVi: c.name_vi,
        source: c.source,
        sha256: c.blob_sha256,
        digitized: c.digitized,
      })),
      result: d.result_id != null ? { id: Number(d.result_id), title: d.result_title!, sha256: d.result_sha256! } : null,
      events: (evs.get(id) ?? []).map((e) => ({
        seq: e.seq,
        action: e.action,
        toStatus: e.to_status,
        at: e.at,
        note: e.note,
        actorName: e.full_name,
        unitAgencyCode: e.agency_code,
      })),
    };
  });
}

/** The portal took these dossiers, each as of its `seq`: acknowledged, unless a later change is already (one statement). */
export async function markAcknowledged(db: Kysely<DB>, acks: { dossierId: number; seq: number }[], now: Date): Promise<void> {
  if (!acks.length) return;
  await sql`
    update portal_sync p set acked_seq = greatest(p.acked_seq, a.seq), acked_at = ${now}, attempts = 0, last_error = null,
      lease_until = null, next_attempt_at = ${now}
    from unnest(${acks.map((a) => a.dossierId)}::bigint[], ${acks.map((a) => a.seq)}::int[]) as a(dossier_id, seq)
    where p.dossier_id = a.dossier_id`.execute(db);
}

/**
 * Tries failed: the reason, and when to try again — `retryAt` after the portal refused the dossier (an attempt
 * counted); null when the portal could not be reached (the dossier keeps its place, the worker waits for the portal).
 */
export async function markFailed(db: Kysely<DB>, fails: { dossierId: number; reason: string; retryAt: Date | null }[]): Promise<void> {
  if (!fails.length) return;
  await sql`
    update portal_sync p set last_error = f.reason, lease_until = null,
      next_attempt_at = coalesce(f.retry_at, p.next_attempt_at), attempts = p.attempts + (case when f.retry_at is null then 0 else 1 end)
    from unnest(${fails.map((f) => f.dossierId)}::bigint[], ${fails.map((f) => f.reason.slice(0, 500))}::text[],
      ${fails.map((f) => (f.retryAt ? f.retryAt.toISOString() : null))}::timestamptz[]) as f(dossier_id, reason, retry_at)
    where p.dossier_id = f.dossier_id`.execute(db);
}

export interface Unacknowledged {
  code: string;
  status: string;
  pendingSeq: number;
  ackedSeq: number;
  pendingSince: Date;
  attempts: number;
  nextAttemptAt: Date;
  lastError: string | null;
  receivingUnitId: number;
}

/** What the portal has not acknowledged, oldest change first (within `unitIds` when given). */
export async function listUnacknowledged(db: Kysely<DB>, opts: { limit: number; unitIds?: number[] }): Promise<Unacknowledged[]> {
  let q = db
    .selectFrom('portal_sync as p')
    .innerJoin('dossiers as d', 'd.id', 'p.dossier_id')
    .select([
      'd.code',
      'd.status',
      'd.receiving_unit_id',
      'p.pending_seq',
      'p.acked_seq',
      'p.pending_since',
      'p.attempts',
      'p.next_attempt_at',
      'p.last_error',
    ])
    .whereRef('p.pending_seq', '>', 'p.acked_seq')
    .orderBy('p.pending_since')
    .orderBy('p.dossier_id')
    .limit(opts.limit);
  if (opts.unitIds) q = q.where('d.receiving_unit_id', 'in', opts.unitIds.length ? opts.unitIds : [-1]);
  const rows = await q.execute();
  return rows.map((r) => ({
    code: r.code,
    status: r.status,
    pendingSeq: r.pending_seq,
    ackedSeq: r.acked_seq,
    pendingSince: r.pending_since,
    attempts: r.attempts,
    nextAttemptAt: r.next_attempt_at,
    lastError: r.last_error,
    receivingUnitId: r.receiving_unit_id,
  }));
}

/** Counts of the outbox: dossiers up to date, waiting, and waiting after a failure; the oldest change waiting. */
export async function syncCounts(db: Kysely<DB>, unitIds?: number[]) {
  let q = db
    .selectFrom('portal_sync as p')
    .innerJoin('dossiers as d', 'd.id', 'p.dossier_id')
    .select([
      sql<string>`count(*) filter (where p.pending_seq = p.acked_seq)`.as('acknowledged'),
      sql<string>`count(*) filter (where p.pending_seq > p.acked_seq)`.as('pending'),
      sql<string>`count(*) filter (where p.pending_seq > p.acked_seq and p.last_error is not null)`.as('failing'),
      sql<Date | null>`min(p.pending_since) filter (where p.pending_seq > p.acked_seq)`.as('oldest'),
    ]);
  if (unitIds) q = q.where('d.receiving_unit_id', 'in', unitIds.length ? unitIds : [-1]);
  const r = await q.executeTakeFirstOrThrow();
  return { acknowledged: Number(r.acknowledged), pending: Number(r.pending), failing: Number(r.failing), oldest: r.oldest };
}

/** Brings a dossier's next try forward to `now` (an administrator's retry); false when nothing waits for it. */
export async function retryNow(db: Kysely<DB>, code: string, now: Date): Promise<boolean> {
  const r = await sql`
    update portal_sync p set next_attempt_at = ${now}, lease_until = null
    from dossiers d where d.id = p.dossier_id and d.code = ${code} and p.pending_seq > p.acked_seq`.execute(db);
  return Number(r.numAffectedRows ?? 0) > 0;
}

/** The outbox row of a dossier, by code (tests, the dossier page). */
export async function syncStateOf(db: Kysely<DB>, code: string) {
  return db
    .selectFrom('portal_sync as p')
    .innerJoin('dossiers as d', 'd.id', 'p.dossier_id')
    .select(['p.pending_seq', 'p.acked_seq', 'p.acked_at', 'p.attempts', 'p.last_error', 'p.pending_since', 'p.next_attempt_at'])
    .where('d.code', '=', code)
    .executeTakeFirst();
}

export async function dossierIdOf(db: Kysely<DB>, code: string): Promise<number | null> {
  const r = await db.selectFrom('dossiers').select('id').where('code', '=', code).executeTakeFirst();
  return r ? Number(r.id) : null;
}

// ---------- inward ----------

/** Of these portal ids, the ones already a dossier here (with its code) and the ones refused. */
export async function inboundKnown(db: Kysely<DB>, portalIds: string[]): Promise<{ codes: Map<string, string>; refused: Set<string> }> {
  if (!portalIds.length) return { codes: new Map(), refused: new Set() };
  const [dossiers, refusals] = await Promise.all([
    db.selectFrom('dossiers').select(['portal_id', 'code']).where('portal_id', 'in', portalIds).execute(),
    db.selectFrom('portal_inbound_refusals').select('portal_id').where('portal_id', 'in', portalIds).execute(),
  ]);
  return {
    codes: new Map(dossiers.map((d) => [d.portal_id!, d.code])),
    refused: new Set(refusals.map((r) => r.portal_id)),
  };
}

export interface InboundRefusal {
  portalId: string;
  procedureCode: string;
  communeCode: string;
  submittedAt: Date | null;
  reasonCode: string;
  reason: string;
  field: string | null;
}

/** Records (or records again) a portal dossier the province could not take; true when it was not refused before. */
export async function recordRefusal(db: Kysely<DB>, r: InboundRefusal, now: Date): Promise<boolean> {
  const row = await db
    .insertInto('portal_inbound_refusals')
    .values({
      portal_id: r.portalId,
      procedure_code: r.procedureCode,
      commune_code: r.communeCode,
      submitted_at: r.submittedAt,
      reason_code: r.reasonCode,
      reason: r.reason,
      field: r.field,
      first_refused_at: now,
      last_refused_at: now,
    })
    .onConflict((oc) =>
      oc.column('portal_id').doUpdateSet((eb) => ({
        reason_code: eb.ref('excluded.reason_code'),
        reason: eb.ref('excluded.reason'),
        field: eb.ref('excluded.field'),
        last_refused_at: eb.ref('excluded.last_refused_at'),
        attempts: sql<number>`portal_inbound_refusals.attempts + 1`,
      })),
    )
    .returning('attempts')
    .executeTakeFirstOrThrow();
  return row.attempts === 1;
}

/** Forgets a refusal, so the next pull takes the portal dossier again; false when it was not refused. */
export async function forgetRefusal(db: Kysely<DB>, portalId: string): Promise<boolean> {
  const r = await db.deleteFrom('portal_inbound_refusals').where('portal_id', '=', portalId).executeTakeFirst();
  return Number(r.numDeletedRows) > 0;
}

/** The refusals, latest first, and the counts of the inward sync (dossiers pulled from the portal, refusals). */
export async function inboundState(db: Kysely<DB>, limit: number) {
  const [received, refused, items] = await Promise.all([
    db
      .selectFrom('dossiers')
      .select((eb) => eb.fn.countAll<string>().as('n'))
      .where('portal_id', 'is not', null)
      .executeTakeFirstOrThrow(),
    db
      .selectFrom('portal_inbound_refusals')
      .select((eb) => eb.fn.countAll<string>().as('n'))
      .executeTakeFirstOrThrow(),
    db.selectFrom('portal_inbound_refusals').selectAll().orderBy('last_refused_at', 'desc').orderBy('portal_id').limit(limit).execute(),
  ]);
  return { received: Number(received.n), refused: Number(refused.n), items };
}
