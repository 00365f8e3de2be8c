import { DomainError } from '../platform/errors.js';
import { Type } from 'typebox';

const PaymentStatus = Type.Union(
  [
    Type.Literal('pending'),
    Type.Literal('paid'),
    Type.Literal('failed'),
    Type.Literal('expired'),
    Type.Literal('refund_pending'),
    Type.Literal('refunded'),
  ],
  {
    description: 'pending (online, not completed yet), paid, failed, expired, refund_pending (processing stopped or paid twice), refunded',
  },
);

export const PaymentSummarySchema = Type.Object(
  {
    totalVnd: Type.Integer({ description: 'Every fee line, whole VND' }),
    paidVnd: Type.Integer(),
    dueVnd: Type.Integer({ description: 'Still owed' }),
    payableOnline: Type.Boolean({ description: 'The dossier awaits payment, something is owed and a gateway is connected' }),
    fees: Type.Array(
      Type.Object({
        stage: Type.String({ description: 'receipt, processing (assessed when payment was requested) or return' }),
        nameVi: Type.String(),
        nameEn: Type.String(),
        amountVnd: Type.Integer(),
      }),
    ),
    payments: Type.Array(
      Type.Object({
        txnRef: Type.String({ description: 'The payment reference (vnp_TxnRef for an online payment)' }),
        method: Type.Union([Type.Literal('online'), Type.Literal('counter')]),
        amountVnd: Type.Integer(),
        status: PaymentStatus,
        createdAt: Type.String(),
        paidAt: Type.Union([Type.String(), Type.Null()]),
        receiptNo: Type.Union([Type.String(), Type.Null()], { description: 'The e-receipt number once paid' }),
        refundedAt: Type.Union([Type.String(), Type.Null()]),
      }),
    ),
  },
  { description: "The dossier's fee lines and payments" },
);

export const TxnRefParam = Type.String({ minLength: 1, maxLength: 100, pattern: '^[A-Za-z0-9._-]+$', description: 'Payment reference' });

const CALLBACK_FIELDS = [
  'vnp_TmnCode',
  'vnp_Amount',
  'vnp_BankCode',
  'vnp_BankTranNo',
  'vnp_CardType',
  'vnp_OrderInfo',
  'vnp_PayDate',
  'vnp_ResponseCode',
  'vnp_TransactionNo',
  'vnp_TransactionStatus',
  'vnp_TxnRef',
  'vnp_SecureHashType',
  'vnp_SecureHash',
] as const;
const GatewayValue = Type.String({ maxLength: 512 });

/**
 * The gateway's signed parameters (vnp_*), passed on as they came: the signature decides what they are worth. The
 * documented ones are listed; one the gateway adds later is taken too (it is signed with the rest), any name not
 * starting with vnp_ is refused (gatewayParams).
 */
export const GatewayQuery = Type.Object(Object.fromEntries(CALLBACK_FIELDS.map((f) => [f, Type.Optional(GatewayValue)])), {
  additionalProperties: GatewayValue,
  maxProperties: 40,
});

/** The query as the gateway sent it, every name a vnp_ one. */
export function gatewayParams(query: object): Record<string, string> {
  for (const k of Object.keys(query))
    if (!/^vnp_[A-Za-z]{1,40}$/.test(k))
      throw new DomainError('VALIDATION', `querystring/${k.slice(0, 40)}: the gateway sends vnp_* parameters only`, {
        field: `querystring.${k.slice(0, 40)}`,
      });
  return query as Record<string, string>;
}

export const StartPaymentResponse = Type.Object({
  txnRef: Type.String(),
  amountVnd: Type.Integer(),
  payUrl: Type.String({ description: "The gateway's signed payment page: send the browser there" }),
  expiresAt: Type.String(),
});

export const ReturnResponse = Type.Object({
  txnRef: Type.String(),
  dossierCode: Type.String(),
  trackingUrl: Type.String({ description: "The dossier's page (with its tracking token)" }),
  amountVnd: Type.Integer(),
  status: PaymentStatus,
  gatewaySaysPaid: Type.Boolean({ description: 'What the return redirect said; only the IPN settles the payment' }),
  gatewayResponseCode: Type.String(),
  receiptNo: Type.Union([Type.String(), Type.Null()]),
});

export const ReconciliationSchema = Type.Object({
  day: Type.String(),
  runAt: Type.String(),
  checked: Type.Integer(),
  matched: Type.Integer(),
  corrected: Type.Integer({ description: 'Payments settled from the gateway (an IPN lost) or expired' }),
  mismatches: Type.Array(Type.Object({}, { additionalProperties: true }), { description: 'Differences left for a person to look at' }),
});
