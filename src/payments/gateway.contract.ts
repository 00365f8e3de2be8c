import crypto from 'node:crypto';

/**
 * The online payment gateway's contract, in the shape Vietnamese gateways share (VNPAY's public API 2.1.0; the
 * National Public Service Portal's payment platform "PayGov" speaks the same dialect). Three channels:
 *
 * 1. Payment URL — the citizen's browser is sent to `GET <base>/paymentv2/vpcpay.html?<PaymentParams>`: every
 *    parameter sorted by name, URL-encoded, signed with HMAC-SHA512 (`vnp_SecureHash`, see `canonicalQuery`).
 * 2. Result — when the citizen pays or gives up, the gateway (a) redirects the browser to `vnp_ReturnUrl` and
 *    (b) calls the merchant's IPN URL server to server (`GET <ipn>?<CallbackParams>`), both signed the same way.
 *    Only the IPN may change our state (the browser may never come back, or come back forged); the gateway retries
 *    the IPN until we answer `RspCode` 00 or 02, so the IPN handler must be idempotent.
 * 3. Merchant API — `POST <base>/merchant_webapi/api/transaction` with JSON: `querydr` (the state of a payment)
 *    and `refund`; request and answer are signed with HMAC-SHA512 over fixed fields joined by `|`.
 *
 * Amounts are whole VND (no decimals); the gateway carries them ×100 as digit strings (`vnp_Amount`). Dates are
 * `yyyyMMddHHmmss` in Vietnam's time (UTC+7, no daylight saving). The simulator (src/simulators/payments.simulator.ts)
 * speaks exactly this and imports nothing else of the app.
 */

export const GATEWAY_VERSION = '2.1.0';

export const GATEWAY_PATHS = {
  /** The payment page the browser is sent to. */
  pay: '/paymentv2/vpcpay.html',
  /** The merchant API (querydr, refund). */
  transaction: '/merchant_webapi/api/transaction',
} as const;

/** `vnp_ResponseCode` of a payment (return redirect and IPN): how the citizen's attempt ended. */
export const PAYMENT_RESPONSE_CODES = {
  '00': 'Giao dịch thành công / success',
  '07': 'Trừ tiền thành công, giao dịch bị nghi ngờ / debited, suspected fraud',
  '09': 'Thẻ/tài khoản chưa đăng ký Internet Banking / card not enrolled in internet banking',
  '10': 'Xác thực sai quá 3 lần / authentication failed 3 times',
  '11': 'Đã hết hạn chờ thanh toán / payment time expired',
  '12': 'Thẻ/tài khoản bị khóa / card or account locked',
  '13': 'Sai mật khẩu OTP / wrong OTP',
  '24': 'Khách hàng hủy giao dịch / cancelled by the customer',
  '51': 'Tài khoản không đủ số dư / insufficient funds',
  '65': 'Vượt quá hạn mức giao dịch trong ngày / daily limit exceeded',
  '75': 'Ngân hàng đang bảo trì / bank under maintenance',
  '79': 'Sai mật khẩu thanh toán quá số lần quy định / too many wrong payment passwords',
  '99': 'Lỗi khác / other error',
} as const;

export type PaymentResponseCode = keyof typeof PAYMENT_RESPONSE_CODES;

/** `vnp_TransactionStatus`: the transaction's state at the gateway (callbacks and querydr). */
export const TRANSACTION_STATUS = {
  success: '00',
  /** Not complete yet (the citizen is still on the page, or left without finishing). */
  pending: '01',
  failed: '02',
  reversed: '04',
  /** A refund is being processed by the gateway. */
  refundProcessing: '05',
  /** The refund was sent to the bank. */
  refundSent: '06',
  suspectedFraud: '07',
  refundDeclined: '09',
} as const;

/** `vnp_TransactionType` in querydr and refund. */
export const TRANSACTION_TYPES = { payment: '01', fullRefund: '02', partialRefund: '03' } as const;
export type RefundTransactionType = typeof TRANSACTION_TYPES.fullRefund | typeof TRANSACTION_TYPES.partialRefund;

/** `vnp_ResponseCode` of the merchant API (querydr, refund): whether the request itself was handled. */
export const API_RESPONSE_CODES = {
  '00': 'Yêu cầu thành công / success',
  '02': 'Mã định danh kết nối không hợp lệ / unknown TmnCode',
  '03': 'Dữ liệu gửi sang không đúng định dạng / malformed or inadmissible request',
  '91': 'Không tìm thấy giao dịch / transaction not found',
  '94': 'Yêu cầu trùng lặp / duplicate request (same vnp_RequestId, or a refund already in progress)',
  '95': 'Giao dịch không thành công bên cổng thanh toán, từ chối hoàn tiền / transaction not successful: no refund',
  '97': 'Checksum không hợp lệ / invalid signature',
  '99': 'Lỗi khác / other error',
} as const;

export type ApiResponseCode = keyof typeof API_RESPONSE_CODES;

/** Our answer to an IPN call, by `RspCode`. The gateway stops retrying on 00 and 02 only. */
export const IPN_ANSWERS = {
  '00': 'Confirm Success',
  '01': 'Order not found',
  '02': 'Order already confirmed',
  '04': 'Invalid amount',
  '97': 'Invalid signature',
  '99': 'Unknown error',
} as const;

export type IpnRspCode = keyof typeof IPN_ANSWERS;

/** The JSON body the merchant answers an IPN call with. */
export interface IpnAnswer {
  RspCode: IpnRspCode;
  Message: string;
}

/** The standard answer for a code. */
export function ipnAnswer(code: IpnRspCode): IpnAnswer {
  return { RspCode: code, Message: IPN_ANSWERS[code] };
}

/** The query parameters of the payment URL (before `vnp_SecureHash` is added). */
export interface PaymentParams {
  /** API version: "2.1.0". */
  vnp_Version: string;
  /** "pay". */
  vnp_Command: 'pay';
  /** The merchant's terminal code at the gateway (8 characters), issued with the hash secret. */
  vnp_TmnCode: string;
  /** The amount in VND × 100, digits only (10 000 VND → "1000000"). */
  vnp_Amount: string;
  /** "VND" (the only currency). */
  vnp_CurrCode: 'VND';
  /** Our reference, unique per payment request (never reused, not even after a failed attempt). */
  vnp_TxnRef: string;
  /** What is paid for, shown to the citizen: Vietnamese without diacritics, no special characters (see `orderInfoText`). */
  vnp_OrderInfo: string;
  /** The goods category code; "other" or "billpayment" for fees. */
  vnp_OrderType: string;
  /** The language of the payment page. */
  vnp_Locale: 'vn' | 'en';
  /** Where the browser is sent back with the result (our page showing it; it changes nothing). */
  vnp_ReturnUrl: string;
  /** The citizen's IP address as we saw it. */
  vnp_IpAddr: string;
  /** When the payment request was made, yyyyMMddHHmmss UTC+7; querydr and refund name the payment by it. */
  vnp_CreateDate: string;
  /** Until when the page accepts payment, yyyyMMddHHmmss UTC+7. */
  vnp_ExpireDate: string;
  /** Optional: a payment method chosen in advance (VNPAYQR, VNBANK, INTCARD or a bank's code); absent = the citizen chooses. */
  vnp_BankCode?: string;
}

/** The query parameters of the return redirect and of the IPN call (before `vnp_SecureHash`). */
export interface CallbackParams {
  vnp_TmnCode: string;
  /** VND × 100, as sent. */
  vnp_Amount: string;
  /** The bank or method used (e.g. NCB, VNPAYQR). */
  vnp_BankCode: string;
  /** The bank's transaction number (absent when the citizen cancelled). */
  vnp_BankTranNo?: string;
  /** ATM, QRCODE, CREDIT... */
  vnp_CardType?: string;
  vnp_OrderInfo: string;
  /** When the gateway settled the attempt, yyyyMMddHHmmss UTC+7. */
  vnp_PayDate: string;
  /** How the attempt ended (00 success; 24 cancelled; 51 insufficient funds...). */
  vnp_ResponseCode: string;
  /** The gateway's transaction number ("0" when there was none, as after a cancel). */
  vnp_TransactionNo: string;
  /** The transaction's state at the gateway (00 success). */
  vnp_TransactionStatus: string;
  vnp_TxnRef: string;
}

/** The JSON body of a querydr request. */
export interface QueryDrRequest {
  /** Unique per API request (alphanumeric, ≤ 32): a repeated one is answered 94. */
  vnp_RequestId: string;
  vnp_Version: string;
  vnp_Command: 'querydr';
  vnp_TmnCode: string;
  vnp_TxnRef: string;
  vnp_OrderInfo: string;
  /** Optional: the gateway's transaction number. */
  vnp_TransactionNo?: string;
  /** The payment's `vnp_CreateDate` (how the gateway finds it together with vnp_TxnRef). */
  vnp_TransactionDate: string;
  /** When this request is made, yyyyMMddHHmmss UTC+7. */
  vnp_CreateDate: string;
  /** Our server's IP address. */
  vnp_IpAddr: string;
  vnp_SecureHash: string;
}

/** The JSON answer to querydr. */
export interface QueryDrResponse {
  vnp_ResponseId: string;
  vnp_Command: 'querydr';
  vnp_ResponseCode: string;
  vnp_Message: string;
  vnp_TmnCode: string;
  vnp_TxnRef: string;
  /** VND × 100. */
  vnp_Amount: string;
  vnp_BankCode: string;
  vnp_PayDate: string;
  vnp_TransactionNo: string;
  /** 01 payment, 02 fully refunded, 03 partly refunded. */
  vnp_TransactionType: string;
  vnp_TransactionStatus: string;
  vnp_OrderInfo: string;
  vnp_PromotionCode: string;
  vnp_PromotionAmount: string;
  vnp_SecureHash: string;
}

/** The JSON body of a refund request. */
export interface RefundRequest {
  vnp_RequestId: string;
  vnp_Version: string;
  vnp_Command: 'refund';
  vnp_TmnCode: string;
  /** 02 full refund (the whole amount), 03 partial. */
  vnp_TransactionType: RefundTransactionType;
  vnp_TxnRef: string;
  /** The amount refunded, VND × 100. */
  vnp_Amount: string;
  vnp_OrderInfo: string;
  /** Optional (empty string when unknown): the gateway's transaction number. */
  vnp_TransactionNo: string;
  /** The payment's `vnp_CreateDate`. */
  vnp_TransactionDate: string;
  /** Who asked for the refund (a staff account name, not a person's name). */
  vnp_CreateBy: string;
  vnp_CreateDate: string;
  vnp_IpAddr: string;
  vnp_SecureHash: string;
}

/** The JSON answer to refund. */
export interface RefundResponse {
  vnp_ResponseId: string;
  vnp_Command: 'refund';
  vnp_ResponseCode: string;
  vnp_Message: string;
  vnp_TmnCode: string;
  vnp_TxnRef: string;
  /** The amount refunded, VND × 100. */
  vnp_Amount: string;
  vnp_BankCode: string;
  vnp_PayDate: string;
  vnp_TransactionNo: string;
  vnp_TransactionType: string;
  vnp_TransactionStatus: string;
  vnp_OrderInfo: string;
  vnp_SecureHash: string;
}

/** The order of the fields joined by `|` for each signature of the merchant API (the gateway's fixed lists). */
export const QUERYDR_REQUEST_FIELDS = [
  'vnp_RequestId',
  'vnp_Version',
  'vnp_Command',
  'vnp_TmnCode',
  'vnp_TxnRef',
  'vnp_TransactionDate',
  'vnp_CreateDate',
  'vnp_IpAddr',
  'vnp_OrderInfo',
] as const satisfies readonly (keyof QueryDrRequest)[];

export const QUERYDR_RESPONSE_FIELDS = [
  'vnp_ResponseId',
  'vnp_Command',
  'vnp_ResponseCode',
  'vnp_Message',
  'vnp_TmnCode',
  'vnp_TxnRef',
  'vnp_Amount',
  'vnp_BankCode',
  'vnp_PayDate',
  'vnp_TransactionNo',
  'vnp_TransactionType',
  'vnp_TransactionStatus',
  'vnp_OrderInfo',
  'vnp_PromotionCode',
  'vnp_PromotionAmount',
] as const satisfies readonly (keyof QueryDrResponse)[];

export const REFUND_REQUEST_FIELDS = [
  'vnp_RequestId',
  'vnp_Version',
  'vnp_Command',
  'vnp_TmnCode',
  'vnp_TransactionType',
  'vnp_TxnRef',
  'vnp_Amount',
  'vnp_TransactionNo',
  'vnp_TransactionDate',
  'vnp_CreateBy',
  'vnp_CreateDate',
  'vnp_IpAddr',
  'vnp_OrderInfo',
] as const satisfies readonly (keyof RefundRequest)[];

export const REFUND_RESPONSE_FIELDS = [
  'vnp_ResponseId',
  'vnp_Command',
  'vnp_ResponseCode',
  'vnp_Message',
  'vnp_TmnCode',
  'vnp_TxnRef',
  'vnp_Amount',
  'vnp_BankCode',
  'vnp_PayDate',
  'vnp_TransactionNo',
  'vnp_TransactionType',
  'vnp_TransactionStatus',
  'vnp_OrderInfo',
] as const satisfies readonly (keyof RefundResponse)[];

export type PaymentGatewayErrorCode =
  /** An amount that is not a positive whole number of VND: nothing was sent. */
  | 'invalid_amount'
  /** Another field of a request is unusable (empty order info, an expiry before the creation...): nothing was sent. */
  | 'invalid_request'
  /** The gateway could not be reached, answered out of contract, or with a signature that does not check: try later. */
  | 'gateway_unavailable'
  /** The gateway answered and refused; `responseCode` says why (API_RESPONSE_CODES). */
  | 'gateway_refused';

/** An adapter failure with a stable code; the message is safe to log (no secret, no personal data). */
export class PaymentGatewayError extends Error {
  override name = 'PaymentGatewayError';
  constructor(
    readonly code: PaymentGatewayErrorCode,
    message: string,
    /** The gateway's vnp_ResponseCode, for gateway_refused. */
    readonly responseCode?: string,
  ) {
    super(message);
  }
}

/** The largest amount whose ×100 form is still an exact integer in a JS number. */
export const MAX_AMOUNT_VND = Math.floor(Number.MAX_SAFE_INTEGER / 100);

/** The amount itself, when it is a positive whole number of VND; otherwise throws invalid_amount naming the field. */
export function assertWholeVnd(amount: number, field = 'amountVnd'): number {
  if (typeof amount !== 'number' || !Number.isFinite(amount))
    throw new PaymentGatewayError('invalid_amount', `${field} must be a number of VND (got ${String(amount)})`);
  if (!Number.isInteger(amount))
    throw new PaymentGatewayError('invalid_amount', `${field} must be a whole number of VND, without decimals (got ${amount})`);
  if (amount <= 0) throw new PaymentGatewayError('invalid_amount', `${field} must be greater than 0 VND (got ${amount})`);
  if (amount > MAX_AMOUNT_VND)
    throw new PaymentGatewayError('invalid_amount', `${field} must be at most ${MAX_AMOUNT_VND} VND (got ${amount})`);
  return amount;
}

/** Whole VND → the gateway's `vnp_Amount` (×100, digits). */
export function toGatewayAmount(amountVnd: number): string {
  return String(assertWholeVnd(amountVnd) * 100);
}

/** The gateway's `vnp_Amount` → whole VND, or null when it is not digits or not a whole number of VND. */
export function fromGatewayAmount(value: string | undefined): number | null {
  if (typeof value !== 'string' || !/^\d{1,17}$/.test(value)) return null;
  const n = Number(value);
  if (!Number.isSafeInteger(n) || n % 100 !== 0) return null;
  return n / 100;
}

const VN_OFFSET_MS = 7 * 3_600_000;

/** A moment as the gateway writes it: yyyyMMddHHmmss in Vietnam's time (UTC+7). */
export function gatewayDate(d: Date): string {
  return new Date(d.getTime() + VN_OFFSET_MS).toISOString().replace(/[-:T]/g, '').slice(0, 14);
}

/** yyyyMMddHHmmss (UTC+7) → the moment, or null when it is not a real date. */
export function parseGatewayDate(s: string | undefined): Date | null {
  const m = typeof s === 'string' ? /^(\d{4})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})$/.exec(s) : null;
  if (!m) return null;
  const [y, mo, d, h, mi, se] = m.slice(1).map(Number) as [number, number, number, number, number, number];
  const utc = Date.UTC(y, mo - 1, d, h, mi, se);
  const back = new Date(utc);
  if (back.getUTCFullYear() !== y || back.getUTCMonth() !== mo - 1 || back.getUTCDate() !== d || h > 23 || mi > 59 || se > 59) return null;
  return new Date(utc - VN_OFFSET_MS);
}

/**
 * Order info as the gateway wants it: Vietnamese without diacritics, letters, digits, spaces and `.,:;-_/#` only, at
 * most 255 characters. Why: the gateways' own sample code encodes `!'()*~` differently (PHP, Java, JavaScript), so a
 * signature over them may not check on the other side; the characters kept here encode the same everywhere.
 */
export function orderInfoText(s: string): string {
  return s
    .normalize('NFD')
    .replace(/[\u0300-\u036f]/g, '')
    .replace(/đ/g, 'd')
    .replace(/Đ/g, 'D')
    .replace(/[^A-Za-z0-9 .,:;\-_/#]/g, ' ')
    .replace(/\s+/g, ' ')
    .trim()
    .slice(0, 255)
    .trim();
}

/** One value encoded as the gateways' sample code does: encodeURIComponent, spaces as `+`. */
export function encodeGatewayValue(v: string): string {
  return encodeURIComponent(v).replace(/%20/g, '+');
}

/**
 * The string signed for a payment URL or a callback: the `vnp_` parameters except the hash itself, without empty
 * values (the gateway's Java sample skips them), sorted by name, each `name=encoded value`, joined by `&`.
 */
export function canonicalQuery(params: Readonly<Record<string, string | undefined>>): string {
  return Object.keys(params)
    .filter((k) => k.startsWith('vnp_') && k !== 'vnp_SecureHash' && k !== 'vnp_SecureHashType')
    .filter((k) => typeof params[k] === 'string' && params[k] !== '')
    .sort()
    .map((k) => `${encodeGatewayValue(k)}=${encodeGatewayValue(params[k] as string)}`)
    .join('&');
}

/** HMAC-SHA512 of a string with the merchant's hash secret, lowercase hex. */
export function hmacSha512(data: string, secret: string): string {
  return crypto.createHmac('sha512', secret).update(data, 'utf8').digest('hex');
}

/** `vnp_SecureHash` of a payment URL's or a callback's parameters. */
export function signParams(params: Readonly<Record<string, string | undefined>>, secret: string): string {
  return hmacSha512(canonicalQuery(params), secret);
}

/** The merchant API's signed string: the named fields' values in order, joined by `|` (a missing one is empty). */
export function pipeData<T extends object>(body: T, fields: readonly (keyof T & string)[]): string {
  return fields
    .map((f) => {
      const v = body[f];
      return v === undefined || v === null ? '' : String(v);
    })
    .join('|');
}

/** `vnp_SecureHash` of a merchant API body over its field list. */
export function signPipe<T extends object>(body: T, fields: readonly (keyof T & string)[], secret: string): string {
  return hmacSha512(pipeData(body, fields), secret);
}

/** Compares two hex signatures in constant time (a timing difference would let a forger learn the hash byte by byte). */
export function sameSignature(expected: string, given: string | undefined): boolean {
  if (typeof given !== 'string' || !/^[0-9a-fA-F]+$/.test(given) || given.length !== expected.length) return false;
  return crypto.timingSafeEqual(Buffer.from(expected.toLowerCase(), 'hex'), Buffer.from(given.toLowerCase(), 'hex'));
}

/** Whether a payment URL's or a callback's `vnp_SecureHash` is right. */
export function verifyParams(params: Readonly<Record<string, string | undefined>>, secret: string): boolean {
  return sameSignature(signParams(params, secret), params.vnp_SecureHash);
}

/** Our references and the gateway's codes: letters, digits and `.-_` (the same under every encoder). */
export const TXN_REF_PATTERN = /^[A-Za-z0-9._-]{1,100}$/;
