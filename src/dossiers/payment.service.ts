import type { Kysely } from 'kysely';
import type { DB, Dossier, Payment } from '../platform/db.types.js';
import type { AuditKey } from '../platform/audit-chain.model.js';
import { DomainError } from '../platform/errors.js';
import { inScope, requireRole, type Actor } from '../auth/auth.model.js';
import { byStaff, bySystem, recordAudit } from '../audit/audit.service.js';
import { PORTAL_STATUS } from './dossier.model.js';
import { writeEvent } from './dossier.events.js';
import * as dossierRepo from './dossier.repository.js';
import type { FormService, PrintedForm } from '../forms/form.service.js';
import { trackingUrl } from '../forms/form.model.js';
import { PaymentGatewayError, ipnDecision, type GatewayTransaction, type PaymentGateway } from '../payments/gateway.client.js';
import { TXN_REF_PATTERN, type IpnAnswer } from '../payments/gateway.contract.js';
import {
  balanceDue,
  paymentSummary,
  type PaymentSummary,
  DEFAULT_PAYMENT_EXPIRE_MINUTES,
  newTxnRef,
  receiptNumber,
  receiptSeries,
  refundRetryDelayMs,
} from '../payments/payment.model.js';
import { eReceiptForm } from '../payments/payment.receipt.js';
import * as repo from './fee.repository.js';

export interface PaymentDeps {
  db: Kysely<DB>;
  clock: () => Date;
  auditKey: AuditKey;
  /** The payment gateway's adapter; absent = online payment not offered (a 409 says so), counter payments still work. */
  gateway: PaymentGateway | null;
  forms: FormService;
  publicUrl: string;
  /** Minutes a citizen has to complete an online payment (default DEFAULT_PAYMENT_EXPIRE_MINUTES). */
  expireMinutes?: number;
  /** Called after each committed change of a dossier (the tracking cache forgets it). */
  onChange?: (code: string) => void;
}

/** Settlement of a payment the gateway says is paid: from the IPN, or from the reconciliation's query. */
interface GatewayPaid {
  transactionNo: string;
  bankCode: string;
  paidAt: Date | null;
  responseCode: string;
}

/**
 * Fees and payments of dossiers. The lines come from the catalog at filing (intake) and from the amounts assessed
 * when payment is requested (request_payment); the citizen pays online from the dossier's tracking page through
 * the gateway, or at the counter (payment_received). An online payment is settled only by the gateway's signed
 * server-to-server callback (IPN) or by the daily reconciliation's query, never by the browser's return: under the
 * payment row's lock, once (a repeat answers 02 and changes nothing), for the amount asked (else 04). The payment
 * that settles what a dossier waits for moves it back to processing with a payment_received event of the system's;
 * one that arrives when nothing is owed any more (paid at the counter meanwhile, or processing ended) is refunded.
 * When processing stops, every paid payment is refunded: online through the gateway's refund API by `refundDue`
 * (retried with backoff), at the counter by the clerk who hands the money back.
 */
export class PaymentService {
  constructor(private readonly deps: PaymentDeps) {}

  get online(): boolean {
    return this.deps.gateway !== null;
  }

  /** The dossier's fees and payments. */
  async summary(d: Pick<Dossier, 'id' | 'status'>, db: Kysely<DB> = this.deps.db): Promise<PaymentSummary> {
    const [lines, payments] = await Promise.all([repo.feeLinesOf(db, d.id), repo.paymentsOf(db, d.id)]);
    return paymentSummary(d.status, lines, payments, this.online);
  }

  /** The staff's view of a dossier's payments (the caller has checked the dossier is in their scope). */
  async forDossier(code: string): Promise<PaymentSummary & { code: string }> {
    const d = await this.dossierByCode(code);
    return { code, ...(await this.summary(d)) };
  }

  /**
   * Starts (or resumes) the online payment of what a dossier owes: the signed URL to send the citizen's browser to.
   * A second click within the attempt's validity gets the same attempt, so nobody pays twice by clicking twice.
   */
  async startOnline(
    d: Pick<Dossier, 'id' | 'code' | 'status'>,
    opts: { ipAddr: string; locale: 'vn' | 'en' },
  ): Promise<{ txnRef: string; amountVnd: number; payUrl: string; expiresAt: string }> {
    const gateway = this.deps.gateway;
    if (!gateway)
      throw new DomainError(
        'CONFLICT',
        'Hệ thống chưa kết nối cổng thanh toán trực tuyến; vui lòng nộp tại Bộ phận Một cửa / online payment is not connected here; pay at the counter',
      );
    if (d.status !== 'awaiting_payment')
      throw new DomainError(
        'INVALID_TRANSITION',
        'Hồ sơ không ở trạng thái chờ thực hiện nghĩa vụ tài chính / the dossier is not awaiting payment',
      );
    const now = this.deps.clock();
    const attempt = await this.deps.db.transaction().execute(async (trx) => {
      // The dossier's row is the lock: two clicks at once make one attempt.
      const locked = await repo.dossierForPayment(trx, d.id);
      if (locked.status !== 'awaiting_payment')
        throw new DomainError('INVALID_TRANSITION', 'Hồ sơ không còn chờ thanh toán / the dossier is no longer awaiting payment');
      const due = balanceDue(await repo.feeLinesOf(trx, d.id), await repo.paymentsOf(trx, d.id));
      if (due <= 0) throw new DomainError('CONFLICT', 'Hồ sơ không còn khoản nào phải nộp / nothing is owed on this dossier');
      const open = await repo.openOnlineAttempt(trx, d.id, due, now);
      if (open) return open;
      const expiresAt = new Date(now.getTime() + (this.deps.expireMinutes ?? DEFAULT_PAYMENT_EXPIRE_MINUTES) * 60_000);
      const p = await repo.insertPayment(trx, {
        dossier_id: d.id,
        txn_ref: newTxnRef(d.code, 'online'),
        method: 'online',
        amount_vnd: due,
        status: 'pending',
        created_at: now,
        expires_at: expiresAt,
        created_by: null,
      });
      await recordAudit(
        trx,
        this.deps.auditKey,
        {
          actorKind: 'citizen',
          actorId: null,
          stream: `unit:${locked.receiving_unit_id}`,
          action: 'payment.start',
          entityType: 'payment',
          entityId: p.txn_ref,
          data: { dossier: d.code, amountVnd: due },
        },
        now,
      );
      return p;
    });
    const payUrl = gateway.paymentUrl({
      txnRef: attempt.txn_ref,
      amountVnd: Number(attempt.amount_vnd),
      orderInfo: `Thanh toan phi, le phi ho so ${d.code}`,
      locale: opts.locale,
      ipAddr: opts.ipAddr,
      createdAt: attempt.created_at,
      expiresAt: attempt.expires_at!,
    });
    return { txnRef: attempt.txn_ref, amountVnd: Number(attempt.amount_vnd), payUrl, expiresAt: attempt.expires_at!.toISOString() };
  }

  /**
   * The gateway's server-to-server callback. Every call is recorded with our answer; only a valid one for a
   * pending payment of the right amount changes anything, once. Always an answer for the gateway (HTTP 200).
   */
  async handleIpn(query: Record<string, string>): Promise<IpnAnswer> {
    const now = this.deps.clock();
    const gateway = this.deps.gateway;
    const ref = typeof query.vnp_TxnRef === 'string' && TXN_REF_PATTERN.test(query.vnp_TxnRef) ? query.vnp_TxnRef : null;
    if (!gateway) {
      await repo.recordCallback(this.deps.db, {
        received_at: now,
        txn_ref: ref,
        valid: false,
        rsp_code: '99',
        applied: null,
        params: query,
      });
      return { RspCode: '99', Message: 'Online payment not connected' };
    }
    const cb = gateway.verifyCallback(query);
    const outcome = await this.deps.db.transaction().execute(async (trx) => {
      const held = cb.valid ? await repo.paymentByRef(trx, cb.txnRef, true) : undefined;
      const { answer, apply } = ipnDecision(
        cb,
        held && held.method === 'online'
          ? { amountVnd: Number(held.amount_vnd), settled: held.status !== 'pending' && held.status !== 'expired' }
          : null,
      );
      let changed: string | null = null;
      if (held && apply === 'paid')
        changed = await this.settlePaid(
          trx,
          held,
          { transactionNo: cb.transactionNo, bankCode: cb.bankCode, paidAt: cb.paidAt, responseCode: cb.responseCode },
          'ipn',
          now,
        );
      else if (held && apply === 'failed') {
        await repo.updatePayment(trx, held.id, { status: 'failed', response_code: cb.responseCode, settled_by: 'ipn' });
        await this.auditPayment(trx, held, 'payment.failed', { responseCode: cb.responseCode }, now);
      }
      await repo.recordCallback(trx, {
        received_at: now,
        txn_ref: ref,
        valid: cb.valid,
        rsp_code: answer.RspCode,
        applied: apply,
        params: query,
      });
      return { answer, changed };
    });
    if (outcome.changed) this.deps.onChange?.(outcome.changed);
    return outcome.answer;
  }

  /**
   * The browser back from the gateway: what our records say of the payment its signed parameters name (the
   * parameters themselves prove nothing about the money; the IPN settles it). Unsigned or forged: not found.
   */
  async returned(query: Record<string, string>) {
    const gateway = this.deps.gateway;
    const cb = gateway?.verifyCallback(query);
    const p = cb?.valid ? await repo.paymentByRef(this.deps.db, cb.txnRef) : undefined;
    if (!cb || !p) throw new DomainError('NOT_FOUND', 'Không tìm thấy giao dịch thanh toán / no such payment');
    const d = await repo.dossierOfPayment(this.deps.db, p.dossier_id);
    return {
      txnRef: p.txn_ref,
      dossierCode: d.code,
      trackingUrl: trackingUrl(this.deps.publicUrl, d.code, d.tracking_token),
      amountVnd: Number(p.amount_vnd),
      status: p.status,
      gatewaySaysPaid: cb.paid,
      gatewayResponseCode: cb.responseCode,
      receiptNo: p.receipt_no,
    };
  }

  /** The e-receipt of a paid payment of the dossier with this code (the caller has checked the dossier is in scope). */
  async receiptByCode(code: string, txnRef: string): Promise<PrintedForm> {
    return this.receipt(await this.dossierByCode(code), txnRef);
  }

  /** The e-receipt of a paid payment of this dossier (PDF). */
  async receipt(d: Pick<Dossier, 'id'>, txnRef: string): Promise<PrintedForm> {
    const p = await repo.paymentByRef(this.deps.db, txnRef);
    if (!p || p.dossier_id !== d.id) throw new DomainError('NOT_FOUND', 'Không tìm thấy khoản thanh toán / no such payment');
    if (!p.paid_at || !p.receipt_no)
      throw new DomainError('CONFLICT', 'Khoản thanh toán chưa hoàn tất nên chưa có biên lai / this payment is not paid: no receipt yet');
    const dossier = await repo.dossierForReceipt(this.deps.db, p.dossier_id);
    // The lines the payment paid: those existing when it was made (a later assessment is another payment's).
    const lines = (await repo.feeLinesOf(this.deps.db, p.dossier_id)).filter((l) => l.created_at.getTime() <= p.created_at.getTime());
    const covered = lines.reduce((s, l) => s + Number(l.amount_vnd), 0) === Number(p.amount_vnd);
    const collector = p.created_by ? await repo.staffName(this.deps.db, p.created_by) : null;
    return this.deps.forms.print((unit) =>
      eReceiptForm(
        {
          receiptNo: p.receipt_no!,
          series: receiptSeries(p.paid_at!),
          paidAt: p.paid_at!,
          method: p.method,
          txnRef: p.txn_ref,
          transactionNo: p.transaction_no,
          bankCode: p.bank_code,
          amountVnd: Number(p.amount_vnd),
          lines: covered
            ? lines.map((l) => ({ nameVi: l.name_vi, amountVnd: Number(l.amount_vnd) }))
            : [{ nameVi: `Phí, lệ phí hồ sơ ${dossier.code}`, amountVnd: Number(p.amount_vnd) }],
          dossier: {
            code: dossier.code,
            procedureNameVi: dossier.name_vi,
            applicantName: dossier.applicant_name,
            applicantAddress: dossier.applicant_address,
          },
          unitId: dossier.receiving_unit_id,
          collectedBy: collector,
          checkUrl: trackingUrl(this.deps.publicUrl, dossier.code, dossier.tracking_token),
          refunded: p.refunded_at ? { at: p.refunded_at, amountVnd: Number(p.refund_amount_vnd) } : null,
        },
        unit,
      ),
    );
  }

  /**
   * Online refunds due: each asked of the gateway once per round; taken → refunded, refused or unreachable →
   * tried again later (1 min doubling to 6 h), the reason kept for the staff's list.
   */
  async refundDue(limit = 50): Promise<{ refunded: number; failed: number; unavailable: string | null }> {
    const gateway = this.deps.gateway;
    if (!gateway) return { refunded: 0, failed: 0, unavailable: null };
    let refunded = 0;
    let failed = 0;
    let unavailable: string | null = null;
    const now = this.deps.clock();
    const due = await this.deps.db.transaction().execute((trx) => repo.refundsDue(trx, now, limit));
    for (const p of due) {
      try {
        const r = await gateway.refund({
          txnRef: p.txn_ref,
          amountVnd: Number(p.refund_amount_vnd ?? p.amount_vnd),
          kind: 'full',
          transactionDate: p.created_at,
          transactionNo: p.transaction_no ?? undefined,
          reason: p.refund_reason ?? 'Hoan tra phi, le phi',
          createdBy: 'motcua',
          now,
        });
        const changed = await this.deps.db.transaction().execute(async (trx) => {
          const held = await repo.paymentByRef(trx, p.txn_ref, true);
          if (!held || held.status !== 'refund_pending') return false;
          const done = await repo.updatePayment(trx, held.id, {
            status: 'refunded',
            refunded_at: now,
            refund_transaction_no: r.transactionNo,
            refund_error: null,
            refund_next_at: null,
            refund_attempts: held.refund_attempts + 1,
          });
          await this.auditPayment(
            trx,
            done,
            'payment.refunded',
            { amountVnd: Number(done.refund_amount_vnd), transactionNo: r.transactionNo },
            now,
          );
          return true;
        });
        if (changed) refunded++;
      } catch (e) {
        if (!(e instanceof PaymentGatewayError)) throw e;
        failed++;
        if (e.code === 'gateway_unavailable') unavailable = e.message;
        await repo.refundFailed(
          this.deps.db,
          p.id,
          p.refund_attempts + 1,
          new Date(now.getTime() + refundRetryDelayMs(p.refund_attempts + 1)),
          e.responseCode ? `${e.code} ${e.responseCode}: ${e.message}` : `${e.code}: ${e.message}`,
        );
        if (e.code === 'gateway_unavailable') break;
      }
    }
    return { refunded, failed, unavailable };
  }

  /** A clerk records the money of a counter payment handed back (processing stopped). */
  async refundedAtCounter(actor: Actor, txnRef: string) {
    requireRole(actor, 'clerk');
    const now = this.deps.clock();
    const result = await this.deps.db.transaction().execute(async (trx) => {
      const p = await repo.paymentByRef(trx, txnRef, true);
      if (!p) throw new DomainError('NOT_FOUND', 'Không tìm thấy khoản thanh toán / no such payment');
      const d = await repo.dossierForPayment(trx, p.dossier_id);
      if (!inScope(actor, d.receiving_unit_id))
        throw new DomainError('OUT_OF_SCOPE', 'Khoản thu của điểm tiếp nhận khác / a payment of another service point');
      if (p.method !== 'counter')
        throw new DomainError(
          'CONFLICT',
          'Khoản trực tuyến được hoàn qua cổng thanh toán / an online payment is refunded through the gateway',
        );
      if (p.status !== 'refund_pending')
        throw new DomainError(
          'CONFLICT',
          `Khoản thanh toán không chờ hoàn trả (trạng thái ${p.status}) / this payment is not awaiting a refund`,
        );
      const done = await repo.updatePayment(trx, p.id, { status: 'refunded', refunded_at: now, refund_next_at: null });
      await recordAudit(
        trx,
        this.deps.auditKey,
        {
          ...byStaff(actor),
          action: 'payment.refunded',
          entityType: 'payment',
          entityId: p.txn_ref,
          data: { amountVnd: Number(done.refund_amount_vnd), dossier: d.code },
        },
        now,
      );
      return { code: d.code, payment: done };
    });
    this.deps.onChange?.(result.code);
    return { txnRef: result.payment.txn_ref, status: result.payment.status, refundedAt: result.payment.refunded_at!.toISOString() };
  }

  /**
   * The day's reconciliation with the gateway: every online payment made that local day (and any still pending from
   * before) is queried. A payment the gateway has as paid but we do not (an IPN lost) is settled now; one past its
   * validity that the gateway never saw paid expires; anything else that differs (amounts, refunds) is listed for a
   * person to look at. The result is kept per day (re-running a day replaces it).
   */
  async reconcile(day: string, actor?: Actor) {
    const gateway = this.deps.gateway;
    if (!gateway) throw new DomainError('CONFLICT', 'Hệ thống chưa kết nối cổng thanh toán / online payment is not connected here');
    if (!/^\d{4}-\d{2}-\d{2}$/.test(day) || Number.isNaN(Date.parse(`${day}T00:00:00Z`)))
      throw new DomainError('VALIDATION', `day must be a date YYYY-MM-DD (got ${day})`, { field: 'day' });
    const now = this.deps.clock();
    const rows = await repo.paymentsToReconcile(this.deps.db, day, 100_000);
    let matched = 0;
    let corrected = 0;
    const mismatches: { txnRef: string; ours: string; gateway: string; oursVnd: number; gatewayVnd: number | null }[] = [];
    for (const p of rows) {
      let t: GatewayTransaction | null;
      try {
        t = await gateway.query(p.txn_ref, p.created_at, { transactionNo: p.transaction_no ?? undefined, now });
      } catch (e) {
        if (e instanceof PaymentGatewayError && e.code === 'gateway_unavailable')
          throw new DomainError(
            'NATIONAL_SERVICE_UNAVAILABLE',
            'Cổng thanh toán tạm thời không trả lời / the payment gateway is not answering',
            {
              retryAfterSeconds: 60,
            },
          );
        throw e;
      }
      const theirs = t?.state ?? 'unknown';
      const ours = p.status;
      const expired = p.expires_at !== null && p.expires_at.getTime() < now.getTime();
      if (t && t.amountVnd !== Number(p.amount_vnd)) {
        mismatches.push({ txnRef: p.txn_ref, ours, gateway: theirs, oursVnd: Number(p.amount_vnd), gatewayVnd: t.amountVnd });
        continue;
      }
      const agrees =
        (ours === 'paid' && theirs === 'paid') ||
        (ours === 'refunded' && (theirs === 'refunded' || theirs === 'partially_refunded')) ||
        (ours === 'refund_pending' && theirs === 'paid') ||
        ((ours === 'failed' || ours === 'expired') && (theirs === 'failed' || theirs === 'unknown' || theirs === 'pending')) ||
        (ours === 'pending' && (theirs === 'pending' || theirs === 'unknown') && !expired);
      if (agrees) {
        matched++;
        continue;
      }
      if ((ours === 'pending' || ours === 'failed' || ours === 'expired') && theirs === 'paid' && t) {
        const changed = await this.deps.db.transaction().execute(async (trx) => {
          const held = await repo.paymentByRef(trx, p.txn_ref, true);
          if (!held || (held.status !== 'pending' && held.status !== 'failed' && held.status !== 'expired')) return null;
          return this.settlePaid(
            trx,
            held,
            { transactionNo: t.transactionNo, bankCode: t.bankCode, paidAt: t.paidAt, responseCode: '00' },
            'query',
            now,
          );
        });
        if (changed) this.deps.onChange?.(changed);
        corrected++;
        continue;
      }
      if (ours === 'pending' && expired && theirs !== 'paid') {
        await this.deps.db.transaction().execute(async (trx) => {
          const held = await repo.paymentByRef(trx, p.txn_ref, true);
          if (held?.status !== 'pending') return;
          const done = await repo.updatePayment(trx, held.id, { status: theirs === 'failed' ? 'failed' : 'expired' });
          await this.auditPayment(trx, done, `payment.${done.status}`, { reconciledDay: day }, now);
        });
        corrected++;
        continue;
      }
      mismatches.push({ txnRef: p.txn_ref, ours, gateway: theirs, oursVnd: Number(p.amount_vnd), gatewayVnd: t?.amountVnd ?? null });
    }
    const row = { day, run_at: now, checked: rows.length, matched, corrected, mismatches };
    await this.deps.db.transaction().execute(async (trx) => {
      await repo.saveReconciliation(trx, row);
      await recordAudit(
        trx,
        this.deps.auditKey,
        {
          ...(actor ? byStaff(actor) : bySystem('payments')),
          action: 'payment.reconcile',
          entityType: 'reconciliation',
          entityId: day,
          data: { checked: rows.length, matched, corrected, mismatches: mismatches.length },
        },
        now,
      );
    });
    return { day, runAt: now.toISOString(), checked: rows.length, matched, corrected, mismatches };
  }

  async reconciliations(from: string, to: string) {
    return (await repo.reconciliations(this.deps.db, from, to)).map((r) => ({
      day: r.day,
      runAt: r.run_at.toISOString(),
      checked: r.checked,
      matched: r.matched,
      corrected: r.corrected,
      mismatches: (typeof r.mismatches === 'string' ? JSON.parse(r.mismatches) : r.mismatches) as object[],
    }));
  }

  // ---------- helpers ----------

  /**
   * Marks a payment paid (in the caller's transaction, the payment row locked) with its receipt number. If its
   * dossier waits for exactly this, the dossier goes back to processing (a payment_received event of the system);
   * if nothing was owed any more, the payment is refunded in full. Returns the dossier's code.
   */
  private async settlePaid(trx: Kysely<DB>, p: Payment, paid: GatewayPaid, via: 'ipn' | 'query', now: Date): Promise<string> {
    const d = await repo.dossierForPayment(trx, p.dossier_id);
    const before = balanceDue(await repo.feeLinesOf(trx, d.id), await repo.paymentsOf(trx, d.id));
    const paidAt = paid.paidAt ?? now;
    let done = await repo.updatePayment(trx, p.id, {
      status: 'paid',
      paid_at: paidAt,
      settled_by: via,
      transaction_no: paid.transactionNo || null,
      bank_code: paid.bankCode || null,
      response_code: paid.responseCode,
      receipt_no: receiptNumber(p.id, paidAt),
    });
    await this.auditPayment(
      trx,
      done,
      'payment.paid',
      { amountVnd: Number(done.amount_vnd), via, dossier: d.code },
      now,
      d.receiving_unit_id,
    );
    const amount = Number(p.amount_vnd);
    if (d.status === 'awaiting_payment' && before >= amount) {
      if (before === amount) {
        const updated = await dossierRepo.updateIfVersion(trx, d.id, d.version, {
          status: 'processing',
          portal_status: PORTAL_STATUS.processing,
          paid_at: paidAt,
          paid_online: true,
        });
        if (!updated) throw new DomainError('INTERNAL', `Dossier ${d.code} changed under its lock`);
        await writeEvent(
          trx,
          this.deps.auditKey,
          updated,
          'payment_received',
          'awaiting_payment',
          { kind: 'system', unitId: d.current_unit_id },
          now,
          null,
          {
            txnRef: p.txn_ref,
            amountVnd: amount,
            method: 'online',
            receiptNo: done.receipt_no,
          },
        );
      }
      return d.code;
    }
    // Paid although it was no longer owed: handed back in full through the gateway.
    done = await repo.updatePayment(trx, p.id, {
      status: 'refund_pending',
      refund_amount_vnd: amount,
      refund_reason: d.status === 'awaiting_payment' ? 'Hoan tra khoan nop trung' : 'Hoan tra do ho so khong con cho thanh toan',
      refund_requested_at: now,
      refund_next_at: now,
    });
    await this.auditPayment(
      trx,
      done,
      'payment.refund_requested',
      { amountVnd: amount, why: 'not_owed', dossierStatus: d.status },
      now,
      d.receiving_unit_id,
    );
    return d.code;
  }

  private async auditPayment(trx: Kysely<DB>, p: Payment, action: string, data: Record<string, unknown>, at: Date, unitId?: number) {
    const unit = unitId ?? (await repo.dossierOfPayment(trx, p.dossier_id)).receiving_unit_id;
    await recordAudit(
      trx,
      this.deps.auditKey,
      { ...bySystem(`unit:${unit}`), action, entityType: 'payment', entityId: p.txn_ref, data },
      at,
    );
  }

  private async dossierByCode(code: string) {
    const d = await repo.dossierByCode(this.deps.db, code);
    if (!d) throw new DomainError('NOT_FOUND', `Dossier ${code} not found`);
    return d;
  }
}
