import { randomBytes } from 'node:crypto';
import type { Payment } from '../platform/db.types.js';

/**
 * Fees and payments, the rules without I/O: what a dossier owes, the references and receipt numbers, and when a
 * refund is tried again.
 */

/** When a fee line is collected (the portal's HinhThucThu: 1 at receipt, 2 after receipt, 4 at return). */
export type FeeStage = 'receipt' | 'processing' | 'return';
export const PORTAL_FEE_STAGE: Record<FeeStage, 1 | 2 | 4> = { receipt: 1, processing: 2, return: 4 };

/** A catalog fee (catalog.schema.ts FeeSchema) as this model reads it. */
export interface CatalogFee {
  nameVi: string;
  nameEn: string;
  amountVnd: number;
  when?: 'counter' | 'online' | 'on_request' | 'reduced';
  stage?: 'receipt' | 'return';
}

export interface FeeLine {
  stage: FeeStage;
  nameVi: string;
  nameEn: string;
  amountVnd: number;
}

/** The lines a dossier owes at filing: fees always charged plus those of its channel (as feeDue sums them), at their stage. */
export function feeLinesAtFiling(fees: readonly CatalogFee[], channel: 'counter' | 'online'): FeeLine[] {
  return fees
    .filter((f) => (f.when === undefined || f.when === channel) && f.amountVnd > 0)
    .map((f) => ({ stage: f.stage ?? 'receipt', nameVi: f.nameVi, nameEn: f.nameEn, amountVnd: f.amountVnd }));
}

/** What is still owed: the lines less what was paid (a payment being refunded is no longer counted as paid). */
export function balanceDue(lines: readonly { amount_vnd: number }[], payments: readonly { status: string; amount_vnd: number }[]): number {
  const owed = lines.reduce((s, l) => s + Number(l.amount_vnd), 0);
  const paid = payments.filter((p) => p.status === 'paid').reduce((s, p) => s + Number(p.amount_vnd), 0);
  return Math.max(0, owed - paid);
}

/** How long a citizen has to complete an online payment once its URL is made (the gateway refuses it after). */
export const DEFAULT_PAYMENT_EXPIRE_MINUTES = 15;

/**
 * A payment's reference at the gateway (vnp_TxnRef): unique per attempt, not guessable (it names a dossier to
 * whoever holds the signed return URL), 1–100 of [A-Za-z0-9._-]. The dossier's daily sequence makes it readable.
 */
export function newTxnRef(dossierCode: string, method: 'online' | 'counter'): string {
  const tail = dossierCode.split('-').slice(-2).join('');
  return `${method === 'online' ? 'TT' : 'TQ'}${tail}-${randomBytes(6).toString('hex').toUpperCase()}`;
}

/**
 * The e-receipt's symbols (biên lai điện tử thu phí, lệ phí, under Decree 123/2020/NĐ-CP on invoices and vouchers):
 * a series (its year's last two digits and E for electronic) and a 7-digit number taken from the payment's row id,
 * so it is unique and never reused.
 */
export function receiptSeries(paidAt: Date): string {
  const yy = String(new Date(paidAt.getTime() + 7 * 3_600_000).getUTCFullYear()).slice(-2);
  return `BL${yy}E`;
}
export function receiptNumber(paymentId: number, paidAt: Date): string {
  return `${receiptSeries(paidAt)}-${String(paymentId).padStart(7, '0')}`;
}

/** The wait before the next try of a refund the gateway did not take: 1 min doubling, at most 6 h. */
export function refundRetryDelayMs(attempts: number): number {
  return Math.min(60_000 * 2 ** Math.max(0, attempts - 1), 6 * 3_600_000);
}

const DIGITS = ['không', 'một', 'hai', 'ba', 'bốn', 'năm', 'sáu', 'bảy', 'tám', 'chín'];

/** Three digits in Vietnamese words, as within a larger number when `full` (zero hundreds said: "không trăm"). */
function triple(n: number, full: boolean): string {
  const h = Math.floor(n / 100);
  const t = Math.floor((n % 100) / 10);
  const u = n % 10;
  const out: string[] = [];
  if (h > 0 || full) out.push(`${DIGITS[h]} trăm`);
  if (t === 0) {
    if (u > 0 && (h > 0 || full)) out.push('lẻ');
  } else if (t === 1) out.push('mười');
  else out.push(`${DIGITS[t]} mươi`);
  if (u > 0) {
    if (u === 1 && t > 1) out.push('mốt');
    else if (u === 5 && t > 0) out.push('lăm');
    else if (u === 4 && t > 1) out.push('tư');
    else out.push(DIGITS[u]!);
  }
  return out.join(' ');
}

/** A whole amount of đồng in Vietnamese words, as receipts print it ("Một triệu hai trăm năm mươi nghìn đồng"). */
export function vndInWords(amount: number): string {
  if (!Number.isSafeInteger(amount) || amount < 0) throw new RangeError('amount must be a whole number ≥ 0');
  if (amount === 0) return 'Không đồng';
  const units = ['', ' nghìn', ' triệu', ' tỷ', ' nghìn tỷ', ' triệu tỷ'];
  const groups: number[] = [];
  for (let n = amount; n > 0; n = Math.floor(n / 1000)) groups.push(n % 1000);
  const parts: string[] = [];
  for (let i = groups.length - 1; i >= 0; i--) {
    const g = groups[i]!;
    if (g === 0) continue;
    parts.push(triple(g, i < groups.length - 1) + units[i]);
  }
  const text = parts.join(' ');
  return `${text.charAt(0).toUpperCase()}${text.slice(1)} đồng`;
}

/** A dossier's fees and payments as its pages show them (the citizen's tracking page and the staff's). */
export interface PaymentSummary {
  totalVnd: number;
  paidVnd: number;
  dueVnd: number;
  /** The citizen can pay online now: payment requested, something owed, a gateway connected. */
  payableOnline: boolean;
  fees: { stage: string; nameVi: string; nameEn: string; amountVnd: number }[];
  payments: {
    txnRef: string;
    method: 'online' | 'counter';
    amountVnd: number;
    status: Payment['status'];
    createdAt: string;
    paidAt: string | null;
    receiptNo: string | null;
    refundedAt: string | null;
  }[];
}

export function paymentSummary(
  status: string,
  lines: readonly { stage: string; name_vi: string; name_en: string; amount_vnd: number }[],
  payments: readonly Payment[],
  online: boolean,
): PaymentSummary {
  const totalVnd = lines.reduce((s, l) => s + Number(l.amount_vnd), 0);
  const dueVnd = balanceDue(lines, payments);
  return {
    totalVnd,
    paidVnd: totalVnd - dueVnd,
    dueVnd,
    payableOnline: status === 'awaiting_payment' && dueVnd > 0 && online,
    fees: lines.map((l) => ({ stage: l.stage, nameVi: l.name_vi, nameEn: l.name_en, amountVnd: Number(l.amount_vnd) })),
    // Attempts abandoned or expired are not the citizen's concern; what was paid, refunded or is in flight is.
    payments: payments
      .filter((p) => p.status !== 'expired' && p.status !== 'failed')
      .map((p) => ({
        txnRef: p.txn_ref,
        method: p.method,
        amountVnd: Number(p.amount_vnd),
        status: p.status,
        createdAt: p.created_at.toISOString(),
        paidAt: p.paid_at?.toISOString() ?? null,
        receiptNo: p.receipt_no,
        refundedAt: p.refunded_at?.toISOString() ?? null,
      })),
  };
}
