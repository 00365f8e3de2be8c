import crypto from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  API_RESPONSE_CODES,
  GATEWAY_PATHS,
  GATEWAY_VERSION,
  QUERYDR_REQUEST_FIELDS,
  QUERYDR_RESPONSE_FIELDS,
  REFUND_REQUEST_FIELDS,
  REFUND_RESPONSE_FIELDS,
  TRANSACTION_STATUS,
  TRANSACTION_TYPES,
  TXN_REF_PATTERN,
  canonicalQuery,
  fromGatewayAmount,
  gatewayDate,
  parseGatewayDate,
  sameSignature,
  signParams,
  signPipe,
  verifyParams,
  type ApiResponseCode,
  type CallbackParams,
  type QueryDrRequest,
  type QueryDrResponse,
  type RefundRequest,
  type RefundResponse,
} from '../payments/gateway.contract.js';

/**
 * A local stand-in for an online payment gateway of the VNPAY / PayGov kind (src/payments/gateway.contract.ts), run
 * as its own process by `motcua simulate payments`. The citizen's side is a small Vietnamese payment page whose
 * form completes the payment; then, as the real one does, it redirects the browser to the merchant's return URL
 * and calls the merchant's IPN URL server to server, retrying with backoff until the merchant answers RspCode 00 or
 * 02. The merchant side is querydr and refund. It fails the ways a gateway does, by switch: away for a while (503),
 * declined payments (24 cancelled, 51 insufficient funds), late IPNs, IPNs sent twice. `/_sim/*` is its own window:
 * counts, switches, a payment's state, and `/_sim/pay` to complete a payment without a browser.
 */

export interface PaymentsFaults {
  /** Epoch ms until which the gateway answers 503 (payment page and merchant API; IPNs in flight go on). */
  downUntil: number;
  /** Share of completed payments whose IPN is sent a second time after the first delivery. */
  duplicateIpnRate: number;
  /** Delay of the first IPN after the redirect (a late IPN). */
  ipnDelayMs: number;
  /** Share of IPN deliveries whose first attempt carries a corrupted signature (the merchant must refuse it: 97); the retries carry the right one. */
  badSignatureRate: number;
  /** Delay of every answer of the payment page and the merchant API (a slow gateway). */
  slowMs: number;
  /** Share of "Thanh toán" clicks declined: response code 24 (cancelled) or 51 (insufficient funds), half each. */
  declineRate: number;
  /** The first retry's delay; each next one doubles it (capped at 60 s). */
  ipnRetryBaseMs: number;
  /** IPN attempts before giving up (the real gateway: about 10). */
  ipnMaxAttempts: number;
  /** How long one IPN attempt waits for the merchant's answer. */
  ipnTimeoutMs: number;
}

export const DEFAULT_PAYMENTS_FAULTS: PaymentsFaults = {
  downUntil: 0,
  duplicateIpnRate: 0,
  ipnDelayMs: 0,
  badSignatureRate: 0,
  slowMs: 0,
  declineRate: 0,
  ipnRetryBaseMs: 1_000,
  ipnMaxAttempts: 10,
  ipnTimeoutMs: 5_000,
};

/** A merchant account at the gateway. */
export interface SimMerchant {
  /** Terminal code (8 characters at the real gateway). */
  tmnCode: string;
  hashSecret: string;
  /** Where IPN calls go (GET with the signed result); absent: none is sent. */
  ipnUrl?: string;
}

/** The demo's merchant when none is given. */
export const DEFAULT_SIM_MERCHANT: SimMerchant = { tmnCode: 'MOTCUA01', hashSecret: 'MOTCUASIMULATORHASHSECRET0000000' };

export interface PaymentsSimulatorOptions {
  port?: number;
  host?: string;
  merchants?: SimMerchant[];
  faults?: Partial<PaymentsFaults>;
  /** Seed of the dice (declines, duplicates) and of the transaction numbers: repeatable runs. */
  seed?: number;
}

export type SimOutcome = 'success' | 'cancel' | 'insufficient';

/** What the simulator holds of one payment, from the moment its signed URL is opened. */
export interface SimPayment {
  tmnCode: string;
  txnRef: string;
  /** Whole VND. */
  amountVnd: number;
  orderInfo: string;
  orderType: string;
  locale: 'vn' | 'en';
  returnUrl: string;
  createDate: string;
  expireDate: string;
  /** Preselected method, if the URL named one. */
  bankCode: string;
  /** The page session (the form's hidden field). */
  sid: string;
  status: 'pending' | 'paid' | 'failed';
  responseCode: string;
  transactionStatus: string;
  transactionNo: string;
  payDate: string;
  /** The last refund's transaction type, or 01 while none. */
  transactionType: string;
  /** Whole VND refunded so far. */
  refundedVnd: number;
  refunds: { requestId: string; amountVnd: number; type: string; at: string }[];
  ipn: { attempts: number; acked: boolean; gaveUp: boolean; duplicates: number };
}

export interface PaymentsSimulatorStats {
  /** Payments opened with a valid signature. */
  payments: number;
  paid: number;
  cancelled: number;
  declined: number;
  expired: number;
  /** Payment URLs refused (signature, merchant, format, expiry, reuse). */
  refusedPages: number;
  /** Every IPN HTTP attempt, duplicates included. */
  ipnSent: number;
  /** IPN deliveries the merchant answered 00 or 02. */
  ipnAcked: number;
  /** Attempts after one the merchant did not acknowledge. */
  ipnRetries: number;
  /** Extra IPN sends by the duplicate switch. */
  ipnDuplicates: number;
  /** Deliveries abandoned after ipnMaxAttempts. */
  ipnGaveUp: number;
  /** First attempts sent with a corrupted signature by the switch. */
  ipnBadSignatures: number;
  queries: number;
  refunds: number;
  refundsRefused: number;
}

export interface PaymentsSimulator {
  url: string;
  port: number;
  faults: PaymentsFaults;
  stats(): PaymentsSimulatorStats;
  payment(txnRef: string, tmnCode?: string): SimPayment | undefined;
  /** Adds or replaces a merchant account. */
  addMerchant(m: SimMerchant): void;
  /** Resolves when no IPN is being sent or waiting for a retry. */
  idle(): Promise<void>;
  close(): Promise<void>;
}

const MAX_BODY = 64 * 1024;

/** A small seeded PRNG (mulberry32): the simulator stands alone, importing nothing of the app but the contract. */
function dice(seed: number) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const BANKS: { code: string; name: string }[] = [
  { code: 'VNPAYQR', name: 'Ứng dụng ngân hàng quét mã QR / Bank app QR' },
  { code: 'NCB', name: 'Ngân hàng NCB' },
  { code: 'VIETCOMBANK', name: 'Vietcombank' },
  { code: 'VIETINBANK', name: 'VietinBank' },
  { code: 'BIDV', name: 'BIDV' },
  { code: 'AGRIBANK', name: 'Agribank' },
  { code: 'INTCARD', name: 'Thẻ quốc tế / International card' },
];

const esc = (s: string) =>
  s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] as string);

const vnd = (n: number) => `${n.toLocaleString('vi-VN')} ₫`;

function page(title: string, body: string): string {
  return `<!doctype html><html lang="vi"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>${esc(title)}</title><style>body{font-family:system-ui,sans-serif;max-width:34rem;margin:2rem auto;padding:0 1rem;color:#1a1a1a}
h1{font-size:1.3rem;color:#005baa}.err{border-left:4px solid #c00;padding:.5rem 1rem;background:#fff4f4}dl{display:grid;grid-template-columns:auto 1fr;gap:.3rem 1rem}
dt{color:#555}fieldset{margin:1rem 0}button{font-size:1rem;padding:.6rem 1.2rem;margin-right:.5rem}small{color:#666}</style></head>
<body><p><small>Cổng thanh toán mô phỏng (Motcua) · Payment gateway simulator</small></p>${body}</body></html>`;
}

/** The gateway's error page codes, as the simulator uses them. */
const PAGE_ERRORS = {
  '01': 'Giao dịch đã tồn tại / transaction already exists',
  '03': 'Dữ liệu gửi sang không đúng định dạng / malformed request',
  '15': 'Giao dịch đã quá thời gian chờ thanh toán. Quý khách vui lòng thực hiện lại giao dịch / payment time expired',
  '70': 'Sai chữ ký / invalid signature',
  '72': 'Không tìm thấy website (mã TmnCode) / unknown merchant',
} as const;
type PageError = keyof typeof PAGE_ERRORS;

function errorPage(code: PageError, detail?: string): string {
  return page(
    'Thông báo lỗi / Error',
    `<h1>Giao dịch không thành công / Transaction failed</h1><div class="err"><p><strong>Mã lỗi / code ${code}:</strong> ${esc(PAGE_ERRORS[code])}</p>${
      detail ? `<p><small>${esc(detail)}</small></p>` : ''
    }</div>`,
  );
}

function paymentPage(p: SimPayment, merchant: string): string {
  const options = BANKS.filter((b) => !p.bankCode || b.code === p.bankCode)
    .map(
      (b, i) => `<label><input type="radio" name="bankCode" value="${esc(b.code)}"${i === 0 ? ' checked' : ''}> ${esc(b.name)}</label><br>`,
    )
    .join('');
  const expires = parseGatewayDate(p.expireDate);
  return page(
    'Thanh toán trực tuyến / Online payment',
    `<h1>Thanh toán trực tuyến / Online payment</h1>
<dl><dt>Đơn vị / Merchant</dt><dd>${esc(merchant)}</dd><dt>Số tiền / Amount</dt><dd><strong>${esc(vnd(p.amountVnd))}</strong></dd>
<dt>Nội dung / For</dt><dd>${esc(p.orderInfo)}</dd><dt>Mã giao dịch / Reference</dt><dd>${esc(p.txnRef)}</dd>
<dt>Hết hạn / Expires</dt><dd>${expires ? esc(expires.toLocaleString('vi-VN', { timeZone: 'Asia/Ho_Chi_Minh' })) : ''}</dd></dl>
<form method="post" action="/paymentv2/complete"><input type="hidden" name="sid" value="${esc(p.sid)}">
<fieldset><legend>Chọn phương thức thanh toán / Choose how to pay</legend>${options}</fieldset>
<button type="submit" name="action" value="pay">Thanh toán / Pay</button>
<button type="submit" name="action" value="cancel">Hủy giao dịch / Cancel</button></form>`,
  );
}

type Answer = { status: number; json?: unknown; html?: string; location?: string; headers?: Record<string, string> };

const refusedPage = (status: number, code: PageError, detail?: string): Answer => ({
  status,
  html: errorPage(code, detail),
  headers: { 'x-sim-error': code },
});

export async function startPaymentsSimulator(opts: PaymentsSimulatorOptions = {}): Promise<PaymentsSimulator> {
  const merchants = new Map<string, SimMerchant>();
  for (const m of opts.merchants?.length ? opts.merchants : [DEFAULT_SIM_MERCHANT]) merchants.set(m.tmnCode, { ...m });
  const faults: PaymentsFaults = { ...DEFAULT_PAYMENTS_FAULTS, ...opts.faults };
  const roll = dice(opts.seed ?? 3102);
  let nextTransactionNo = 14_000_000 + Math.floor(roll() * 1_000_000);
  const payments = new Map<string, SimPayment>();
  const bySid = new Map<string, SimPayment>();
  const requestIds = new Set<string>();
  const counts: PaymentsSimulatorStats = {
    payments: 0,
    paid: 0,
    cancelled: 0,
    declined: 0,
    expired: 0,
    refusedPages: 0,
    ipnSent: 0,
    ipnAcked: 0,
    ipnRetries: 0,
    ipnDuplicates: 0,
    ipnGaveUp: 0,
    ipnBadSignatures: 0,
    queries: 0,
    refunds: 0,
    refundsRefused: 0,
  };
  const key = (tmnCode: string, txnRef: string) => `${tmnCode}\u0000${txnRef}`;

  // IPN deliveries in flight or waiting: ended on close; idle() waits for them.
  const timers = new Set<NodeJS.Timeout>();
  const stopping = new AbortController();
  let inFlight = 0;
  let idleWaiters: (() => void)[] = [];
  const settleIdle = () => {
    if (inFlight === 0) for (const w of idleWaiters.splice(0)) w();
  };
  const later = (ms: number) =>
    new Promise<boolean>((resolve) => {
      if (stopping.signal.aborted) return resolve(false);
      const onAbort = () => {
        clearTimeout(t);
        timers.delete(t);
        resolve(false);
      };
      const t = setTimeout(() => {
        timers.delete(t);
        stopping.signal.removeEventListener('abort', onAbort);
        resolve(!stopping.signal.aborted);
      }, ms);
      timers.add(t);
      stopping.signal.addEventListener('abort', onAbort, { once: true });
    });

  /** One IPN attempt: true when the merchant answered RspCode 00 or 02. */
  const sendIpn = async (url: string): Promise<boolean> => {
    counts.ipnSent++;
    try {
      const res = await fetch(url, {
        method: 'GET',
        headers: { accept: 'application/json' },
        signal: AbortSignal.any([AbortSignal.timeout(faults.ipnTimeoutMs), stopping.signal]),
      });
      const a = (await res.json().catch(() => null)) as { RspCode?: unknown } | null;
      return res.ok && (a?.RspCode === '00' || a?.RspCode === '02');
    } catch {
      return false;
    }
  };

  /** Delivers a result by IPN, retrying with doubling delays; then, by the switch, once more. */
  const deliver = (p: SimPayment, ipnUrl: string, query: string) => {
    const url = `${ipnUrl}${ipnUrl.includes('?') ? '&' : '?'}${query}`;
    const duplicate = faults.duplicateIpnRate > 0 && roll() < faults.duplicateIpnRate;
    // A signature corrupted on the way (every hex digit flipped): the merchant must not take it.
    const corrupt = faults.badSignatureRate > 0 && roll() < faults.badSignatureRate;
    const badUrl = url.replace(
      /vnp_SecureHash=([0-9a-f]+)/,
      (_, h: string) => `vnp_SecureHash=${h.replace(/[0-9a-f]/g, (c) => (15 - parseInt(c, 16)).toString(16))}`,
    );
    inFlight++;
    void (async () => {
      try {
        if (faults.ipnDelayMs && !(await later(faults.ipnDelayMs))) return;
        for (let attempt = 1; ; attempt++) {
          if (attempt > 1) counts.ipnRetries++;
          p.ipn.attempts++;
          if (attempt === 1 && corrupt) counts.ipnBadSignatures++;
          if (await sendIpn(attempt === 1 && corrupt ? badUrl : url)) {
            p.ipn.acked = true;
            counts.ipnAcked++;
            break;
          }
          if (attempt >= faults.ipnMaxAttempts || stopping.signal.aborted) {
            p.ipn.gaveUp = true;
            counts.ipnGaveUp++;
            break;
          }
          if (!(await later(Math.min(60_000, faults.ipnRetryBaseMs * 2 ** (attempt - 1))))) return;
        }
        if (duplicate && !stopping.signal.aborted) {
          counts.ipnDuplicates++;
          p.ipn.duplicates++;
          if (await sendIpn(url)) counts.ipnAcked++;
        }
      } finally {
        inFlight--;
        settleIdle();
      }
    })();
  };

  /** The signed result of a payment, as the return redirect and the IPN carry it. */
  const resultQuery = (p: SimPayment, secret: string): string => {
    const params: CallbackParams = {
      vnp_TmnCode: p.tmnCode,
      vnp_Amount: String(p.amountVnd * 100),
      vnp_BankCode: p.bankCode,
      ...(p.transactionNo !== '0' ? { vnp_BankTranNo: `VNP${p.transactionNo}` } : {}),
      vnp_CardType: p.bankCode === 'VNPAYQR' ? 'QRCODE' : p.bankCode === 'INTCARD' ? 'CREDIT' : 'ATM',
      vnp_OrderInfo: p.orderInfo,
      vnp_PayDate: p.payDate,
      vnp_ResponseCode: p.responseCode,
      vnp_TransactionNo: p.transactionNo,
      vnp_TransactionStatus: p.transactionStatus,
      vnp_TxnRef: p.txnRef,
    };
    const flat = params as unknown as Record<string, string>;
    return `${canonicalQuery(flat)}&vnp_SecureHash=${signParams(flat, secret)}`;
  };

  /** Settles a pending payment (the form, /_sim/pay): the return URL to redirect to, and the IPN on its way. */
  const complete = (p: SimPayment, outcome: SimOutcome | 'expired', bankCode: string): string => {
    const m = merchants.get(p.tmnCode)!;
    const code = { success: '00', cancel: '24', insufficient: '51', expired: '11' }[outcome];
    p.status = outcome === 'success' ? 'paid' : 'failed';
    p.responseCode = code;
    p.transactionStatus = outcome === 'success' ? TRANSACTION_STATUS.success : TRANSACTION_STATUS.failed;
    // A cancel or an expiry never reached a bank: no transaction number, as the real gateway sends "0".
    p.transactionNo = outcome === 'success' || outcome === 'insufficient' ? String(nextTransactionNo++) : '0';
    p.bankCode = bankCode || p.bankCode || 'VNPAY';
    p.payDate = gatewayDate(new Date());
    if (outcome === 'success') counts.paid++;
    else if (outcome === 'cancel') counts.cancelled++;
    else if (outcome === 'insufficient') counts.declined++;
    else counts.expired++;
    bySid.delete(p.sid);
    const query = resultQuery(p, m.hashSecret);
    if (m.ipnUrl) deliver(p, m.ipnUrl, query);
    return `${p.returnUrl}${p.returnUrl.includes('?') ? '&' : '?'}${query}`;
  };

  /** Checks a payment URL's parameters; opens (or reopens) the payment they describe. */
  const open = (q: Record<string, string>): SimPayment | Answer => {
    const refuse = (status: number, code: PageError, detail?: string) => {
      counts.refusedPages++;
      return refusedPage(status, code, detail);
    };
    const m = merchants.get(q.vnp_TmnCode ?? '');
    if (!m) return refuse(400, '72', 'vnp_TmnCode');
    if (!verifyParams(q, m.hashSecret)) return refuse(400, '70');
    if (q.vnp_Version !== GATEWAY_VERSION) return refuse(400, '03', `vnp_Version must be ${GATEWAY_VERSION}`);
    if (q.vnp_Command !== 'pay') return refuse(400, '03', 'vnp_Command must be pay');
    if (q.vnp_CurrCode !== 'VND') return refuse(400, '03', 'vnp_CurrCode must be VND');
    const amountVnd = fromGatewayAmount(q.vnp_Amount);
    if (amountVnd === null || amountVnd <= 0) return refuse(400, '03', 'vnp_Amount must be a whole number of VND × 100, above 0');
    if (!TXN_REF_PATTERN.test(q.vnp_TxnRef ?? '')) return refuse(400, '03', 'vnp_TxnRef');
    if (!q.vnp_OrderInfo || !q.vnp_OrderType) return refuse(400, '03', 'vnp_OrderInfo and vnp_OrderType are required');
    if (q.vnp_Locale !== 'vn' && q.vnp_Locale !== 'en') return refuse(400, '03', 'vnp_Locale must be vn or en');
    if (!/^https?:\/\//.test(q.vnp_ReturnUrl ?? '')) return refuse(400, '03', 'vnp_ReturnUrl must be an http(s) URL');
    if (!q.vnp_IpAddr) return refuse(400, '03', 'vnp_IpAddr is required');
    const created = parseGatewayDate(q.vnp_CreateDate);
    const expires = parseGatewayDate(q.vnp_ExpireDate);
    if (!created || !expires || expires <= created)
      return refuse(400, '03', 'vnp_CreateDate and vnp_ExpireDate must be yyyyMMddHHmmss, expiry later');
    if (expires.getTime() < Date.now()) return refuse(400, '15');
    const held = payments.get(key(m.tmnCode, q.vnp_TxnRef!));
    if (held) {
      // The same page opened again (a reload): fine while pending and unchanged.
      if (held.status === 'pending' && held.amountVnd === amountVnd && held.createDate === q.vnp_CreateDate) return held;
      return refuse(409, '01', 'vnp_TxnRef');
    }
    const p: SimPayment = {
      tmnCode: m.tmnCode,
      txnRef: q.vnp_TxnRef!,
      amountVnd,
      orderInfo: q.vnp_OrderInfo,
      orderType: q.vnp_OrderType,
      locale: q.vnp_Locale,
      returnUrl: q.vnp_ReturnUrl!,
      createDate: q.vnp_CreateDate!,
      expireDate: q.vnp_ExpireDate!,
      bankCode: q.vnp_BankCode ?? '',
      sid: crypto.randomBytes(16).toString('base64url'),
      status: 'pending',
      responseCode: '',
      transactionStatus: TRANSACTION_STATUS.pending,
      transactionNo: '',
      payDate: '',
      transactionType: TRANSACTION_TYPES.payment,
      refundedVnd: 0,
      refunds: [],
      ipn: { attempts: 0, acked: false, gaveUp: false, duplicates: 0 },
    };
    payments.set(key(p.tmnCode, p.txnRef), p);
    bySid.set(p.sid, p);
    counts.payments++;
    return p;
  };

  const isExpired = (p: SimPayment) => (parseGatewayDate(p.expireDate)?.getTime() ?? 0) < Date.now();

  /** Signs a merchant API answer with the merchant's secret (unknown merchant: unsigned, as there is no secret). */
  const apiAnswer = <T extends object>(
    body: Omit<T, 'vnp_SecureHash'>,
    fields: readonly (keyof T & string)[],
    secret?: string,
  ): Answer => ({
    status: 200,
    json: { ...body, vnp_SecureHash: secret ? signPipe(body as T, fields, secret) : '' },
  });

  const querydr = (b: Partial<QueryDrRequest>): Answer => {
    counts.queries++;
    const m = merchants.get(b.vnp_TmnCode ?? '');
    const base = {
      vnp_ResponseId: crypto.randomBytes(16).toString('hex'),
      vnp_Command: 'querydr' as const,
      vnp_TmnCode: b.vnp_TmnCode ?? '',
    };
    const empty = {
      vnp_TxnRef: b.vnp_TxnRef ?? '',
      vnp_Amount: '',
      vnp_BankCode: '',
      vnp_PayDate: '',
      vnp_TransactionNo: '',
      vnp_TransactionType: '',
      vnp_TransactionStatus: '',
      vnp_OrderInfo: '',
      vnp_PromotionCode: '',
      vnp_PromotionAmount: '',
    };
    const fail = (code: ApiResponseCode) =>
      apiAnswer<QueryDrResponse>(
        { ...base, vnp_ResponseCode: code, vnp_Message: API_RESPONSE_CODES[code], ...empty },
        QUERYDR_RESPONSE_FIELDS,
        m?.hashSecret,
      );
    if (!m) return fail('02');
    if (!sameSignature(signPipe(b, QUERYDR_REQUEST_FIELDS, m.hashSecret), b.vnp_SecureHash)) return fail('97');
    for (const f of QUERYDR_REQUEST_FIELDS) if (typeof b[f] !== 'string' || !b[f]) return fail('03');
    if (b.vnp_Version !== GATEWAY_VERSION || !/^[A-Za-z0-9]{1,32}$/.test(b.vnp_RequestId!)) return fail('03');
    if (!parseGatewayDate(b.vnp_TransactionDate) || !parseGatewayDate(b.vnp_CreateDate)) return fail('03');
    const rid = `${m.tmnCode}:${b.vnp_RequestId}`;
    if (requestIds.has(rid)) return fail('94');
    requestIds.add(rid);
    const p = payments.get(key(m.tmnCode, b.vnp_TxnRef!));
    if (!p || p.createDate !== b.vnp_TransactionDate || (b.vnp_TransactionNo && b.vnp_TransactionNo !== p.transactionNo)) return fail('91');
    const refunded = p.transactionType !== TRANSACTION_TYPES.payment;
    return apiAnswer<QueryDrResponse>(
      {
        ...base,
        vnp_ResponseCode: '00',
        vnp_Message: 'QueryDR Success',
        vnp_TxnRef: p.txnRef,
        vnp_Amount: String(p.amountVnd * 100),
        vnp_BankCode: p.bankCode,
        vnp_PayDate: p.payDate,
        vnp_TransactionNo: p.transactionNo,
        vnp_TransactionType: p.transactionType,
        vnp_TransactionStatus: refunded ? TRANSACTION_STATUS.refundSent : p.transactionStatus,
        vnp_OrderInfo: p.orderInfo,
        vnp_PromotionCode: '',
        vnp_PromotionAmount: '',
      },
      QUERYDR_RESPONSE_FIELDS,
      m.hashSecret,
    );
  };

  const refund = (b: Partial<RefundRequest>): Answer => {
    const m = merchants.get(b.vnp_TmnCode ?? '');
    const base = {
      vnp_ResponseId: crypto.randomBytes(16).toString('hex'),
      vnp_Command: 'refund' as const,
      vnp_TmnCode: b.vnp_TmnCode ?? '',
    };
    const fail = (code: ApiResponseCode, message?: string) => {
      counts.refundsRefused++;
      return apiAnswer<RefundResponse>(
        {
          ...base,
          vnp_ResponseCode: code,
          vnp_Message: message ?? API_RESPONSE_CODES[code],
          vnp_TxnRef: b.vnp_TxnRef ?? '',
          vnp_Amount: b.vnp_Amount ?? '',
          vnp_BankCode: '',
          vnp_PayDate: '',
          vnp_TransactionNo: '',
          vnp_TransactionType: b.vnp_TransactionType ?? '',
          vnp_TransactionStatus: '',
          vnp_OrderInfo: b.vnp_OrderInfo ?? '',
        },
        REFUND_RESPONSE_FIELDS,
        m?.hashSecret,
      );
    };
    if (!m) return fail('02');
    if (!sameSignature(signPipe(b, REFUND_REQUEST_FIELDS, m.hashSecret), b.vnp_SecureHash)) return fail('97');
    for (const f of REFUND_REQUEST_FIELDS) if (f !== 'vnp_TransactionNo' && (typeof b[f] !== 'string' || !b[f])) return fail('03');
    if (b.vnp_Version !== GATEWAY_VERSION || !/^[A-Za-z0-9]{1,32}$/.test(b.vnp_RequestId!)) return fail('03');
    if (b.vnp_TransactionType !== TRANSACTION_TYPES.fullRefund && b.vnp_TransactionType !== TRANSACTION_TYPES.partialRefund)
      return fail('03', 'vnp_TransactionType must be 02 (full) or 03 (partial)');
    const amountVnd = fromGatewayAmount(b.vnp_Amount);
    if (amountVnd === null || amountVnd <= 0) return fail('03', 'vnp_Amount must be a whole number of VND × 100, above 0');
    const rid = `${m.tmnCode}:${b.vnp_RequestId}`;
    if (requestIds.has(rid)) return fail('94');
    requestIds.add(rid);
    const p = payments.get(key(m.tmnCode, b.vnp_TxnRef!));
    if (!p || p.createDate !== b.vnp_TransactionDate || (b.vnp_TransactionNo && b.vnp_TransactionNo !== p.transactionNo)) return fail('91');
    if (p.status !== 'paid') return fail('95');
    const remaining = p.amountVnd - p.refundedVnd;
    if (amountVnd > remaining)
      return fail('03', `Số tiền hoàn (${amountVnd}) lớn hơn số tiền còn có thể hoàn (${remaining}) / refund exceeds what is left`);
    if (b.vnp_TransactionType === TRANSACTION_TYPES.fullRefund && (p.refundedVnd > 0 || amountVnd !== p.amountVnd))
      return fail('03', 'Hoàn toàn phần phải bằng số tiền giao dịch / a full refund must be the whole amount');
    p.refundedVnd += amountVnd;
    p.transactionType = p.refundedVnd === p.amountVnd ? TRANSACTION_TYPES.fullRefund : TRANSACTION_TYPES.partialRefund;
    p.refunds.push({ requestId: b.vnp_RequestId!, amountVnd, type: b.vnp_TransactionType, at: gatewayDate(new Date()) });
    counts.refunds++;
    return apiAnswer<RefundResponse>(
      {
        ...base,
        vnp_ResponseCode: '00',
        vnp_Message: 'Refund success',
        vnp_TxnRef: p.txnRef,
        vnp_Amount: String(amountVnd * 100),
        vnp_BankCode: p.bankCode,
        vnp_PayDate: p.payDate,
        vnp_TransactionNo: p.transactionNo,
        vnp_TransactionType: b.vnp_TransactionType,
        vnp_TransactionStatus: TRANSACTION_STATUS.refundProcessing,
        vnp_OrderInfo: b.vnp_OrderInfo!,
      },
      REFUND_RESPONSE_FIELDS,
      m.hashSecret,
    );
  };

  const simWindow = (method: string, pathname: string, body: unknown): Answer => {
    if (method === 'GET' && pathname === '/_sim/stats') return { status: 200, json: { ...counts, faults } };
    if (method === 'GET' && pathname.startsWith('/_sim/payments/')) {
      const ref = decodeURIComponent(pathname.slice('/_sim/payments/'.length));
      const p = [...payments.values()].find((x) => x.txnRef === ref);
      return p ? { status: 200, json: p } : { status: 404, json: { error: 'not held' } };
    }
    const b = (body && typeof body === 'object' ? body : {}) as Record<string, unknown>;
    if (method === 'POST' && pathname === '/_sim/faults') {
      if (typeof b.downForMs === 'number') faults.downUntil = Date.now() + b.downForMs;
      for (const k of Object.keys(DEFAULT_PAYMENTS_FAULTS) as (keyof PaymentsFaults)[])
        if (typeof b[k] === 'number' && Number.isFinite(b[k])) faults[k] = b[k];
      return { status: 200, json: faults };
    }
    if (method === 'POST' && pathname === '/_sim/merchants') {
      if (typeof b.tmnCode !== 'string' || !b.tmnCode || typeof b.hashSecret !== 'string' || !b.hashSecret)
        return { status: 400, json: { error: 'tmnCode and hashSecret are required' } };
      merchants.set(b.tmnCode, {
        tmnCode: b.tmnCode,
        hashSecret: b.hashSecret,
        ...(typeof b.ipnUrl === 'string' ? { ipnUrl: b.ipnUrl } : {}),
      });
      return { status: 200, json: { ok: true } };
    }
    if (method === 'POST' && pathname === '/_sim/pay') {
      const outcome = b.outcome ?? 'success';
      if (outcome !== 'success' && outcome !== 'cancel' && outcome !== 'insufficient')
        return { status: 400, json: { error: 'outcome must be success, cancel or insufficient' } };
      let p: SimPayment | undefined;
      if (typeof b.paymentUrl === 'string') {
        // The URL as a browser would open it: the same checks as the page.
        const opened = open(Object.fromEntries(new URL(b.paymentUrl, 'http://sim').searchParams));
        if (!('txnRef' in opened)) return { status: opened.status, json: { error: opened.headers?.['x-sim-error'] ?? 'refused' } };
        p = opened;
      } else if (typeof b.txnRef === 'string') {
        const tmn = typeof b.tmnCode === 'string' ? b.tmnCode : undefined;
        p = [...payments.values()].find((x) => x.txnRef === b.txnRef && (!tmn || x.tmnCode === tmn));
      } else return { status: 400, json: { error: 'txnRef or paymentUrl is required' } };
      if (!p) return { status: 404, json: { error: 'no payment with that txnRef (open its payment URL first, or pass paymentUrl)' } };
      if (p.status !== 'pending') return { status: 409, json: { error: `payment already ${p.status}` } };
      const redirectUrl = complete(p, isExpired(p) ? 'expired' : outcome, typeof b.bankCode === 'string' ? b.bankCode : 'NCB');
      return { status: 200, json: { redirectUrl, responseCode: p.responseCode, transactionNo: p.transactionNo, status: p.status } };
    }
    if (method === 'POST' && pathname === '/_sim/reset') {
      payments.clear();
      bySid.clear();
      requestIds.clear();
      for (const k of Object.keys(counts) as (keyof PaymentsSimulatorStats)[]) counts[k] = 0;
      Object.assign(faults, DEFAULT_PAYMENTS_FAULTS, opts.faults);
      return { status: 200, json: { ok: true } };
    }
    return { status: 404, json: { error: 'unknown simulator path' } };
  };

  const handle = (method: string, url: URL, body: string, contentType: string): Answer => {
    const pathname = url.pathname;
    if (pathname.startsWith('/_sim/')) {
      let parsed: unknown = undefined;
      if (body) {
        try {
          parsed = JSON.parse(body);
        } catch {
          return { status: 400, json: { error: 'body is not JSON' } };
        }
      }
      return simWindow(method, pathname, parsed);
    }
    if (Date.now() < faults.downUntil)
      return pathname === GATEWAY_PATHS.transaction
        ? { status: 503, json: { message: 'Service Unavailable' } }
        : {
            status: 503,
            html: page('Bảo trì / Maintenance', '<h1>Hệ thống đang bảo trì, vui lòng thử lại sau / Under maintenance, try later</h1>'),
          };
    if (method === 'GET' && pathname === GATEWAY_PATHS.pay) {
      const opened = open(Object.fromEntries(url.searchParams));
      if (!('txnRef' in opened)) return opened;
      return { status: 200, html: paymentPage(opened, opened.tmnCode) };
    }
    if (method === 'POST' && pathname === '/paymentv2/complete') {
      const form = contentType.includes('application/json')
        ? new URLSearchParams(Object.entries((JSON.parse(body || '{}') ?? {}) as Record<string, string>))
        : new URLSearchParams(body);
      const p = bySid.get(form.get('sid') ?? '');
      if (!p || p.status !== 'pending') return refusedPage(409, '01', 'the payment is no longer pending');
      const bankCode = form.get('bankCode') ?? p.bankCode;
      let outcome: SimOutcome | 'expired' = form.get('action') === 'cancel' ? 'cancel' : 'success';
      if (isExpired(p)) outcome = 'expired';
      else if (outcome === 'success' && faults.declineRate > 0 && roll() < faults.declineRate)
        outcome = roll() < 0.5 ? 'cancel' : 'insufficient';
      return { status: 302, location: complete(p, outcome, bankCode) };
    }
    if (pathname === GATEWAY_PATHS.transaction) {
      if (method !== 'POST') return { status: 405, json: { message: 'POST only' } };
      let b: Record<string, unknown>;
      try {
        b = JSON.parse(body) as Record<string, unknown>;
        if (!b || typeof b !== 'object') throw new Error('not an object');
      } catch {
        return { status: 400, json: { vnp_ResponseCode: '03', vnp_Message: API_RESPONSE_CODES['03'] } };
      }
      if (b.vnp_Command === 'querydr') return querydr(b as Partial<QueryDrRequest>);
      if (b.vnp_Command === 'refund') return refund(b as Partial<RefundRequest>);
      return { status: 200, json: { vnp_ResponseCode: '03', vnp_Message: `unknown vnp_Command ${String(b.vnp_Command)}` } };
    }
    return { status: 404, json: { error: 'unknown path' } };
  };

  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > MAX_BODY) req.destroy();
      else chunks.push(c);
    });
    req.on('end', async () => {
      // A slow gateway: its own window (/_sim/*) answers at once.
      if (faults.slowMs > 0 && !(req.url ?? '').startsWith('/_sim/')) await later(faults.slowMs);
      let a: Answer;
      try {
        a = handle(
          req.method ?? 'GET',
          new URL(req.url ?? '/', 'http://sim'),
          Buffer.concat(chunks).toString('utf8'),
          String(req.headers['content-type'] ?? ''),
        );
      } catch (e) {
        a = { status: 500, json: { error: (e as Error).message } };
      }
      const headers: Record<string, string> = { ...a.headers, 'cache-control': 'no-store' };
      if (a.location) headers.location = a.location;
      if (a.html !== undefined) res.writeHead(a.status, { ...headers, 'content-type': 'text/html; charset=utf-8' }).end(a.html);
      else if (a.json !== undefined)
        res.writeHead(a.status, { ...headers, 'content-type': 'application/json; charset=utf-8' }).end(JSON.stringify(a.json));
      else res.writeHead(a.status, headers).end();
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, opts.host ?? '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://${opts.host ?? '127.0.0.1'}:${port}`,
    port,
    faults,
    stats: () => ({ ...counts }),
    payment: (txnRef, tmnCode) => [...payments.values()].find((p) => p.txnRef === txnRef && (!tmnCode || p.tmnCode === tmnCode)),
    addMerchant: (m) => void merchants.set(m.tmnCode, { ...m }),
    idle: () => (inFlight === 0 ? Promise.resolve() : new Promise<void>((r) => idleWaiters.push(r))),
    close: () =>
      new Promise<void>((resolve) => {
        stopping.abort();
        for (const t of timers) clearTimeout(t);
        timers.clear();
        idleWaiters.forEach((w) => w());
        idleWaiters = [];
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
