import { sql, type Kysely } from 'kysely';
import type { DB, Payment } from '../platform/db.types.js';
import type { FeeLine } from '../payments/payment.model.js';

/** The SQL of fees and payments (src/payments/payment.service.ts says why each is written when). */

export async function feeLinesOf(db: Kysely<DB>, dossierId: number) {
  return db.selectFrom('dossier_fees').selectAll().where('dossier_id', '=', dossierId).orderBy('id').execute();
}

export async function insertFeeLines(db: Kysely<DB>, dossierId: number, lines: readonly FeeLine[], at: Date, staffId: number | null) {
  if (!lines.length) return;
  await db
    .insertInto('dossier_fees')
    .values(
      lines.map((l) => ({
        dossier_id: dossierId,
        stage: l.stage,
        name_vi: l.nameVi,
        name_en: l.nameEn,
        amount_vnd: l.amountVnd,
        created_at: at,
        created_by: staffId,
      })),
    )
    .execute();
}

export async function paymentsOf(db: Kysely<DB>, dossierId: number): Promise<Payment[]> {
  return db.selectFrom('payments').selectAll().where('dossier_id', '=', dossierId).orderBy('id').execute();
}

export async function paymentByRef(db: Kysely<DB>, txnRef: string, lock = false): Promise<Payment | undefined> {
  let q = db.selectFrom('payments').selectAll().where('txn_ref', '=', txnRef);
  if (lock) q = q.forUpdate();
  return q.executeTakeFirst();
}

/** What a new payment must say; everything that happens to it later starts empty. */
export type NewPayment = Pick<
  Payment,
  'dossier_id' | 'txn_ref' | 'method' | 'amount_vnd' | 'status' | 'created_at' | 'expires_at' | 'created_by'
> &
  Partial<Pick<Payment, 'paid_at' | 'settled_by'>>;

const NOT_YET = {
  paid_at: null,
  settled_by: null,
  transaction_no: null,
  bank_code: null,
  response_code: null,
  refund_amount_vnd: null,
  refund_reason: null,
  refund_requested_at: null,
  refund_next_at: null,
  refund_error: null,
  refunded_at: null,
  refund_transaction_no: null,
} as const;

/** Inserts a payment; a paid one (at the counter) gets its receipt number from its id in the same transaction. */
export async function insertPayment(db: Kysely<DB>, row: NewPayment, receiptNo?: (id: number) => string): Promise<Payment> {
  const p = await db
    .insertInto('payments')
    .values({ ...NOT_YET, ...row })
    .returningAll()
    .executeTakeFirstOrThrow();
  if (!receiptNo) return p;
  return setReceiptNo(db, p.id, receiptNo(p.id));
}

export async function setReceiptNo(db: Kysely<DB>, id: number, receiptNo: string): Promise<Payment> {
  return db.updateTable('payments').set({ receipt_no: receiptNo }).where('id', '=', id).returningAll().executeTakeFirstOrThrow();
}

export async function updatePayment(db: Kysely<DB>, id: number, patch: Partial<Omit<Payment, 'id'>>): Promise<Payment> {
  return db.updateTable('payments').set(patch).where('id', '=', id).returningAll().executeTakeFirstOrThrow();
}

/** An online attempt still open (not expired at `now`) for this amount: a second click reuses it, so nobody pays twice by accident. */
export async function openOnlineAttempt(db: Kysely<DB>, dossierId: number, amountVnd: number, now: Date) {
  return db
    .selectFrom('payments')
    .selectAll()
    .where('dossier_id', '=', dossierId)
    .where('method', '=', 'online')
    .where('status', '=', 'pending')
    .where('amount_vnd', '=', amountVnd)
    .where('expires_at', '>', now)
    .orderBy('id', 'desc')
    .executeTakeFirst();
}

/** Every paid payment of a dossier, locked: processing stopped, they are to be refunded. */
export async function paidOf(db: Kysely<DB>, dossierId: number) {
  return db.selectFrom('payments').selectAll().where('dossier_id', '=', dossierId).where('status', '=', 'paid').forUpdate().execute();
}

/** Online refunds due a try, locked for this worker and skipped by any other. */
export async function refundsDue(db: Kysely<DB>, now: Date, limit: number) {
  return db
    .selectFrom('payments')
    .selectAll()
    .where('status', '=', 'refund_pending')
    .where('method', '=', 'online')
    .where('refund_next_at', '<=', now)
    .orderBy('refund_next_at')
    .limit(limit)
    .forUpdate()
    .skipLocked()
    .execute();
}

/** The online payments a reconciliation of local day `day` checks: made that day, and any still pending made before. */
export async function paymentsToReconcile(db: Kysely<DB>, day: string, limit: number) {
  const start = `${day}T00:00:00+07:00`;
  return db
    .selectFrom('payments')
    .selectAll()
    .where('method', '=', 'online')
    .where((eb) =>
      eb.or([
        eb.and([
          eb('created_at', '>=', sql<Date>`${start}::timestamptz`),
          eb('created_at', '<', sql<Date>`${start}::timestamptz + interval '1 day'`),
        ]),
        eb.and([eb('status', '=', 'pending'), eb('created_at', '<', sql<Date>`${start}::timestamptz`)]),
      ]),
    )
    .orderBy('id')
    .limit(limit)
    .execute();
}

export async function recordCallback(
  db: Kysely<DB>,
  row: { received_at: Date; txn_ref: string | null; valid: boolean; rsp_code: string; applied: 'paid' | 'failed' | null; params: object },
) {
  await db
    .insertInto('payment_callbacks')
    .values({ ...row, params: JSON.stringify(row.params) })
    .execute();
}

export async function saveReconciliation(
  db: Kysely<DB>,
  row: { day: string; run_at: Date; checked: number; matched: number; corrected: number; mismatches: object[] },
) {
  const values = { ...row, mismatches: JSON.stringify(row.mismatches) };
  await db
    .insertInto('payment_reconciliations')
    .values(values)
    .onConflict((oc) =>
      oc.column('day').doUpdateSet({
        run_at: values.run_at,
        checked: values.checked,
        matched: values.matched,
        corrected: values.corrected,
        mismatches: values.mismatches,
      }),
    )
    .execute();
}

export async function reconciliations(db: Kysely<DB>, from: string, to: string) {
  return db
    .selectFrom('payment_reconciliations')
    .selectAll()
    .where('day', '>=', from)
    .where('day', '<=', to)
    .orderBy('day', 'desc')
    .execute();
}

/** The dossier row locked, as a payment's settlement reads and changes it. */
export async function dossierForPayment(db: Kysely<DB>, dossierId: number) {
  return db.selectFrom('dossiers').selectAll().where('id', '=', dossierId).forUpdate().executeTakeFirstOrThrow();
}

/** Payments the dossier's staff see, with the dossier's code. */
export async function dossierIdByCode(db: Kysely<DB>, code: string) {
  return db.selectFrom('dossiers').select(['id']).where('code', '=', code).executeTakeFirst();
}

/** What the return page says of a payment's dossier. */
export async function dossierOfPayment(db: Kysely<DB>, dossierId: number) {
  return db
    .selectFrom('dossiers')
    .select(['code', 'tracking_token', 'status', 'receiving_unit_id'])
    .where('id', '=', dossierId)
    .executeTakeFirstOrThrow();
}

/** What an e-receipt prints of its dossier. */
export async function dossierForReceipt(db: Kysely<DB>, dossierId: number) {
  return db
    .selectFrom('dossiers as x')
    .innerJoin('procedure_versions as v', 'v.id', 'x.procedure_version_id')
    .select(['x.code', 'x.tracking_token', 'x.applicant_name', 'x.applicant_address', 'x.receiving_unit_id', 'v.name_vi'])
    .where('x.id', '=', dossierId)
    .executeTakeFirstOrThrow();
}

export async function staffName(db: Kysely<DB>, staffId: number) {
  return (await db.selectFrom('staff').select(['full_name']).where('id', '=', staffId).executeTakeFirst())?.full_name ?? null;
}

/** A refund the gateway did not take: tried again at `next`, the reason kept. */
export async function refundFailed(db: Kysely<DB>, id: number, attempts: number, next: Date, error: string) {
  await db
    .updateTable('payments')
    .set({ refund_attempts: attempts, refund_next_at: next, refund_error: error })
    .where('id', '=', id)
    .where('status', '=', 'refund_pending')
    .execute();
}

export async function dossierByCode(db: Kysely<DB>, code: string) {
  return db.selectFrom('dossiers').select(['id', 'status', 'receiving_unit_id']).where('code', '=', code).executeTakeFirst();
}
