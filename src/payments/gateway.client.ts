import crypto from 'node:crypto';
import {
  GATEWAY_PATHS,
  GATEWAY_VERSION,
  PaymentGatewayError,
  QUERYDR_REQUEST_FIELDS,
  QUERYDR_RESPONSE_FIELDS,
  REFUND_REQUEST_FIELDS,
  REFUND_RESPONSE_FIELDS,
  TRANSACTION_STATUS,
  TRANSACTION_TYPES,
  TXN_REF_PATTERN,
  assertWholeVnd,
  canonicalQuery,
  encodeGatewayValue,
  fromGatewayAmount,
  gatewayDate,
  ipnAnswer,
  orderInfoText,
  parseGatewayDate,
  sameSignature,
  signParams,
  signPipe,
  toGatewayAmount,
  type IpnAnswer,
  type PaymentParams,
  type QueryDrRequest,
  type QueryDrResponse,
  type RefundRequest,
  type RefundResponse,
} from './gateway.contract.js';

// The pure signing helpers, for tests and for whoever builds an IPN route on this adapter.
export {
  PaymentGatewayError,
  assertWholeVnd,
  canonicalQuery,
  encodeGatewayValue,
  gatewayDate,
  ipnAnswer,
  orderInfoText,
  parseGatewayDate,
  pipeData,
  sameSignature,
  signParams,
  signPipe,
  verifyParams,
} from './gateway.contract.js';

/** Where the gateway is and our merchant account there (configuration; the adapter never knows whether it talks to the simulator). */
export interface GatewayEndpoint {
  /** e.g. https://sandbox.vnpayment.vn (VNPAY's sandbox) or http://127.0.0.1:3102 (the simulator). */
  baseUrl: string;
  /** Our terminal code at the gateway. */
  tmnCode: string;
  /** The secret shared with the gateway: signs and checks everything. Never logged. */
  hashSecret: string;
  /** Where the citizen's browser comes back with the result (our page showing it). */
  returnUrl: string;
  /** One merchant API request's time limit. */
  timeoutMs: number;
  /** The goods category sent as vnp_OrderType; default "other". */
  orderType?: string;
  /** Our server's address, sent as vnp_IpAddr to the merchant API; default 127.0.0.1. */
  serverIp?: string;
}

/** One payment request, as the citizen is about to pay it. */
export interface PaymentRequest {
  /** Our reference, unique per payment request: letters, digits, `.-_`, at most 100. */
  txnRef: string;
  /** Whole VND. */
  amountVnd: number;
  /** What is paid for (diacritics and special characters are taken out: see orderInfoText). */
  orderInfo: string;
  locale?: 'vn' | 'en';
  /** The citizen's IP address. */
  ipAddr: string;
  createdAt: Date;
  /** Until when the gateway accepts the payment. */
  expiresAt: Date;
  /** A payment method chosen in advance (VNPAYQR, VNBANK, INTCARD or a bank's code). */
  bankCode?: string;
}

/** A return redirect or an IPN call, checked. Nothing in it may be trusted unless `valid`. */
export interface VerifiedCallback {
  /** The signature checks and the call is for our terminal. */
  valid: boolean;
  txnRef: string;
  /** Whole VND (vnp_Amount ÷ 100); null when the amount is not a whole number of VND. */
  amountVnd: number | null;
  /** Valid, and both the response code and the transaction status say success. */
  paid: boolean;
  transactionNo: string;
  bankCode: string;
  paidAt: Date | null;
  responseCode: string;
  transactionStatus: string;
}

/** The state of a payment at the gateway, as querydr tells it. */
export type GatewayPaymentState = 'pending' | 'paid' | 'failed' | 'refunded' | 'partially_refunded' | 'reversed' | 'suspected';

/** A payment as querydr describes it. */
export interface GatewayTransaction {
  txnRef: string;
  /** Whole VND, the amount of the payment. */
  amountVnd: number;
  state: GatewayPaymentState;
  transactionNo: string;
  /** 01 payment, 02 fully refunded, 03 partly refunded. */
  transactionType: string;
  transactionStatus: string;
  bankCode: string;
  paidAt: Date | null;
}

/** A refund to ask for. */
export interface RefundOrder {
  txnRef: string;
  /** Whole VND refunded; for a full refund, the whole amount paid. */
  amountVnd: number;
  kind: 'full' | 'partial';
  /** When the payment was requested (its vnp_CreateDate): how the gateway finds it. */
  transactionDate: Date;
  /** The gateway's transaction number, when known. */
  transactionNo?: string;
  /** Why (shown at the gateway). */
  reason: string;
  /** The staff account asking (its username, not a person's name). */
  createdBy: string;
  now?: Date;
}

/** What the gateway accepted of a refund. */
export interface RefundResult {
  txnRef: string;
  amountVnd: number;
  transactionNo: string;
  transactionType: string;
  transactionStatus: string;
}

/** What a payment flow needs from the gateway, whatever is on the other side. */
export interface PaymentGateway {
  /** The signed URL to send the citizen's browser to. Throws invalid_amount / invalid_request. */
  paymentUrl(r: PaymentRequest): string;
  /** Checks a return redirect's or an IPN call's query parameters. Never throws. */
  verifyCallback(query: Record<string, string>): VerifiedCallback;
  /** The payment's state at the gateway, or null when the gateway does not know it. Throws gateway_unavailable / gateway_refused. */
  query(txnRef: string, transactionDate: Date, opts?: { transactionNo?: string; now?: Date }): Promise<GatewayTransaction | null>;
  /** Asks for a refund. Throws invalid_amount, gateway_unavailable, gateway_refused (with the gateway's code). */
  refund(r: RefundOrder): Promise<RefundResult>;
}

/** The gateway's state of a payment from querydr's type and status. */
export function paymentState(transactionType: string, transactionStatus: string): GatewayPaymentState {
  if (transactionType === TRANSACTION_TYPES.fullRefund || transactionType === TRANSACTION_TYPES.partialRefund) {
    if (transactionStatus === TRANSACTION_STATUS.refundDeclined) return 'paid';
    return transactionType === TRANSACTION_TYPES.fullRefund ? 'refunded' : 'partially_refunded';
  }
  switch (transactionStatus) {
    case TRANSACTION_STATUS.success:
      return 'paid';
    case TRANSACTION_STATUS.pending:
      return 'pending';
    case TRANSACTION_STATUS.reversed:
      return 'reversed';
    case TRANSACTION_STATUS.suspectedFraud:
      return 'suspected';
    default:
      return 'failed';
  }
}

/** What we hold of a payment request when its IPN arrives (looked up by txnRef). */
export interface HeldPaymentRequest {
  amountVnd: number;
  /** The IPN for it was already applied (paid or failed): a repeat changes nothing. */
  settled: boolean;
}

/**
 * How our IPN route answers a verified callback, in the order the gateways prescribe: signature (97), the request
 * exists (01), the amount is the one asked (04), not applied yet (02), else apply it (00) — `apply` says as what.
 */
export function ipnDecision(cb: VerifiedCallback, held: HeldPaymentRequest | null): { answer: IpnAnswer; apply: 'paid' | 'failed' | null } {
  if (!cb.valid) return { answer: ipnAnswer('97'), apply: null };
  if (!held) return { answer: ipnAnswer('01'), apply: null };
  if (cb.amountVnd !== held.amountVnd) return { answer: ipnAnswer('04'), apply: null };
  if (held.settled) return { answer: ipnAnswer('02'), apply: null };
  return { answer: ipnAnswer('00'), apply: cb.paid ? 'paid' : 'failed' };
}

function invalid(message: string): PaymentGatewayError {
  return new PaymentGatewayError('invalid_request', message);
}

/** A request id for the merchant API: 32 hex characters, unique per call. */
function requestId(): string {
  return crypto.randomBytes(16).toString('hex');
}

/** The VNPAY-shaped adapter: payment URLs and callbacks signed with the hash secret, querydr and refund over HTTP. */
export function createGateway(endpoint: GatewayEndpoint): PaymentGateway {
  const serverIp = endpoint.serverIp ?? '127.0.0.1';

  async function api<T extends { vnp_ResponseCode?: string; vnp_SecureHash?: string }>(body: object): Promise<T> {
    const url = new URL(GATEWAY_PATHS.transaction, endpoint.baseUrl);
    let res: Response;
    try {
      res = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', accept: 'application/json' },
        body: JSON.stringify(body),
        signal: AbortSignal.timeout(endpoint.timeoutMs),
      });
    } catch (e) {
      const reason = (e as Error).name === 'TimeoutError' ? `no answer within ${endpoint.timeoutMs} ms` : (e as Error).message;
      throw new PaymentGatewayError('gateway_unavailable', `payment gateway unreachable (${url.host}): ${reason}`);
    }
    const text = await res.text().catch(() => '');
    if (!res.ok) throw new PaymentGatewayError('gateway_unavailable', `payment gateway answered HTTP ${res.status}`);
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      throw new PaymentGatewayError('gateway_unavailable', `payment gateway answered HTTP ${res.status} with a body that is not JSON`);
    }
    if (!parsed || typeof parsed !== 'object' || typeof (parsed as T).vnp_ResponseCode !== 'string')
      throw new PaymentGatewayError('gateway_unavailable', 'payment gateway answered without vnp_ResponseCode');
    return parsed as T;
  }

  /** A success must be signed right; a refusal is taken as it is (gateways do not always sign those, and a forged one can only make us try later). */
  function checkAnswer<T extends object & { vnp_ResponseCode: string; vnp_SecureHash: string }>(
    a: T,
    fields: readonly (keyof T & string)[],
    what: string,
  ): void {
    if (a.vnp_ResponseCode !== '00') return;
    if (!sameSignature(signPipe(a, fields, endpoint.hashSecret), a.vnp_SecureHash))
      throw new PaymentGatewayError('gateway_unavailable', `payment gateway's ${what} answer has an invalid signature`);
  }

  return {
    paymentUrl(r) {
      const amount = toGatewayAmount(r.amountVnd);
      if (typeof r.txnRef !== 'string' || !TXN_REF_PATTERN.test(r.txnRef))
        throw invalid('txnRef must be 1 to 100 letters, digits, dots, dashes or underscores');
      const orderInfo = orderInfoText(r.orderInfo ?? '');
      if (!orderInfo) throw invalid('orderInfo must say what is paid for');
      if (typeof r.ipAddr !== 'string' || !r.ipAddr.trim() || r.ipAddr.length > 45) throw invalid('ipAddr must be an IP address');
      if (!(r.createdAt instanceof Date) || Number.isNaN(r.createdAt.getTime())) throw invalid('createdAt must be a date');
      if (!(r.expiresAt instanceof Date) || !(r.expiresAt.getTime() > r.createdAt.getTime()))
        throw invalid('expiresAt must be after createdAt');
      const params: PaymentParams = {
        vnp_Version: GATEWAY_VERSION,
        vnp_Command: 'pay',
        vnp_TmnCode: endpoint.tmnCode,
        vnp_Amount: amount,
        vnp_CurrCode: 'VND',
        vnp_TxnRef: r.txnRef,
        vnp_OrderInfo: orderInfo,
        vnp_OrderType: endpoint.orderType ?? 'other',
        vnp_Locale: r.locale ?? 'vn',
        vnp_ReturnUrl: endpoint.returnUrl,
        vnp_IpAddr: r.ipAddr.trim(),
        vnp_CreateDate: gatewayDate(r.createdAt),
        vnp_ExpireDate: gatewayDate(r.expiresAt),
        ...(r.bankCode ? { vnp_BankCode: r.bankCode } : {}),
      };
      const flat = params as unknown as Record<string, string>;
      const hash = signParams(flat, endpoint.hashSecret);
      const url = new URL(GATEWAY_PATHS.pay, endpoint.baseUrl);
      return `${url.origin}${url.pathname}?${canonicalQuery(flat)}&vnp_SecureHash=${hash}`;
    },

    verifyCallback(query) {
      const q = query ?? {};
      const get = (k: string) => (typeof q[k] === 'string' ? q[k] : '');
      const amountVnd = fromGatewayAmount(get('vnp_Amount'));
      const signed = sameSignature(signParams(q, endpoint.hashSecret), get('vnp_SecureHash'));
      const valid = signed && get('vnp_TmnCode') === endpoint.tmnCode && amountVnd !== null && get('vnp_TxnRef') !== '';
      const responseCode = get('vnp_ResponseCode');
      const transactionStatus = get('vnp_TransactionStatus');
      return {
        valid,
        txnRef: get('vnp_TxnRef'),
        amountVnd,
        paid: valid && responseCode === '00' && transactionStatus === TRANSACTION_STATUS.success,
        transactionNo: get('vnp_TransactionNo'),
        bankCode: get('vnp_BankCode'),
        paidAt: parseGatewayDate(get('vnp_PayDate')),
        responseCode,
        transactionStatus,
      };
    },

    async query(txnRef, transactionDate, opts = {}) {
      if (!TXN_REF_PATTERN.test(txnRef)) throw invalid('txnRef must be 1 to 100 letters, digits, dots, dashes or underscores');
      const unsigned: Omit<QueryDrRequest, 'vnp_SecureHash'> = {
        vnp_RequestId: requestId(),
        vnp_Version: GATEWAY_VERSION,
        vnp_Command: 'querydr',
        vnp_TmnCode: endpoint.tmnCode,
        vnp_TxnRef: txnRef,
        vnp_OrderInfo: `Truy van giao dich ${txnRef}`,
        ...(opts.transactionNo ? { vnp_TransactionNo: opts.transactionNo } : {}),
        vnp_TransactionDate: gatewayDate(transactionDate),
        vnp_CreateDate: gatewayDate(opts.now ?? new Date()),
        vnp_IpAddr: serverIp,
      };
      const body: QueryDrRequest = { ...unsigned, vnp_SecureHash: signPipe(unsigned, QUERYDR_REQUEST_FIELDS, endpoint.hashSecret) };
      const a = await api<QueryDrResponse>(body);
      checkAnswer(a, QUERYDR_RESPONSE_FIELDS, 'querydr');
      if (a.vnp_ResponseCode === '91') return null;
      if (a.vnp_ResponseCode !== '00')
        throw new PaymentGatewayError(
          'gateway_refused',
          `payment gateway refused the query (code ${a.vnp_ResponseCode})`,
          a.vnp_ResponseCode,
        );
      const amountVnd = fromGatewayAmount(a.vnp_Amount);
      if (a.vnp_TxnRef !== txnRef || amountVnd === null)
        throw new PaymentGatewayError('gateway_unavailable', 'payment gateway answered the query for another transaction or amount');
      return {
        txnRef,
        amountVnd,
        state: paymentState(a.vnp_TransactionType, a.vnp_TransactionStatus),
        transactionNo: a.vnp_TransactionNo ?? '',
        transactionType: a.vnp_TransactionType,
        transactionStatus: a.vnp_TransactionStatus,
        bankCode: a.vnp_BankCode ?? '',
        paidAt: parseGatewayDate(a.vnp_PayDate),
      };
    },

    async refund(r) {
      const amount = toGatewayAmount(assertWholeVnd(r.amountVnd));
      if (!TXN_REF_PATTERN.test(r.txnRef)) throw invalid('txnRef must be 1 to 100 letters, digits, dots, dashes or underscores');
      if (r.kind !== 'full' && r.kind !== 'partial') throw invalid('kind must be "full" or "partial"');
      const reason = orderInfoText(r.reason ?? '');
      if (!reason) throw invalid('reason must say why the refund is made');
      if (!r.createdBy?.trim()) throw invalid('createdBy must name the account asking');
      const unsigned: Omit<RefundRequest, 'vnp_SecureHash'> = {
        vnp_RequestId: requestId(),
        vnp_Version: GATEWAY_VERSION,
        vnp_Command: 'refund',
        vnp_TmnCode: endpoint.tmnCode,
        vnp_TransactionType: r.kind === 'full' ? TRANSACTION_TYPES.fullRefund : TRANSACTION_TYPES.partialRefund,
        vnp_TxnRef: r.txnRef,
        vnp_Amount: amount,
        vnp_OrderInfo: reason,
        vnp_TransactionNo: r.transactionNo ?? '',
        vnp_TransactionDate: gatewayDate(r.transactionDate),
        vnp_CreateBy: r.createdBy.trim(),
        vnp_CreateDate: gatewayDate(r.now ?? new Date()),
        vnp_IpAddr: serverIp,
      };
      const body: RefundRequest = { ...unsigned, vnp_SecureHash: signPipe(unsigned, REFUND_REQUEST_FIELDS, endpoint.hashSecret) };
      const a = await api<RefundResponse>(body);
      checkAnswer(a, REFUND_RESPONSE_FIELDS, 'refund');
      if (a.vnp_ResponseCode !== '00')
        throw new PaymentGatewayError(
          'gateway_refused',
          `payment gateway refused the refund (code ${a.vnp_ResponseCode})`,
          a.vnp_ResponseCode,
        );
      return {
        txnRef: a.vnp_TxnRef,
        amountVnd: fromGatewayAmount(a.vnp_Amount) ?? r.amountVnd,
        transactionNo: a.vnp_TransactionNo ?? '',
        transactionType: a.vnp_TransactionType,
        transactionStatus: a.vnp_TransactionStatus,
      };
    },
  };
}
