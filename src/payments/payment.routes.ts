import { Type } from 'typebox';
import type { HttpApp } from '../platform/http.js';
import { sendPdf } from '../platform/pdf-reply.js';
import { problems } from '../platform/http.schema.js';
import { actorOf, requireStaff, SECURED } from '../auth/auth.hook.js';
import { requireRole } from '../auth/auth.model.js';
import { CodeParam } from '../dossiers/dossier.schema.js';
import { PdfResponse } from '../forms/form.schema.js';
import { trackingSecret } from '../tracking/tracking.model.js';
import { Phone4, Token } from '../tracking/tracking.routes.js';
import type { Services } from '../services.js';
import {
  GatewayQuery,
  gatewayParams,
  PaymentSummarySchema,
  ReconciliationSchema,
  ReturnResponse,
  StartPaymentResponse,
  TxnRefParam,
} from './payment.schema.js';

const TAG = ['payments'];
const Day = Type.String({ format: 'date', maxLength: 10, description: 'A local day, YYYY-MM-DD' });
const IpnAnswerSchema = Type.Object({
  RspCode: Type.String({ description: '00 applied, 02 already applied, 01 unknown payment, 04 wrong amount, 97 bad signature, 99 other' }),
  Message: Type.String(),
});

export async function paymentRoutes(app: HttpApp, s: Services, perMinute: number): Promise<void> {
  const onRequest = requireStaff(s.auth);

  // --- the citizen's side: from the dossier's tracking page, with its token or phone digits ---

  app.post(
    '/public/dossiers/:code/payments',
    {
      config: { rateLimit: { max: perMinute, timeWindow: '1 minute' } },
      schema: {
        tags: ['public', ...TAG],
        summary:
          'Pay what a dossier awaiting payment owes, online: the signed URL of the gateway’s payment page (a second click reuses the attempt)',
        params: CodeParam,
        body: Type.Object(
          {
            token: Type.Optional(Token),
            phone: Type.Optional(Phone4),
            locale: Type.Optional(Type.Union([Type.Literal('vn'), Type.Literal('en')], { description: 'The payment page’s language' })),
          },
          { additionalProperties: false },
        ),
        response: { 201: StartPaymentResponse, ...problems(400, 404, 409, 429) },
      },
    },
    async (req, reply) => {
      const d = await s.tracking.authorize(req.params.code, trackingSecret(req.body, 'body'), req.ip);
      reply.code(201);
      return s.payments.startOnline(d, { ipAddr: req.ip, locale: req.body.locale ?? 'vn' });
    },
  );

  app.get(
    '/public/dossiers/:code/payments/:txnRef/receipt.pdf',
    {
      config: { rateLimit: { max: perMinute, timeWindow: '1 minute' } },
      schema: {
        tags: ['public', ...TAG],
        summary: 'The e-receipt (biên lai điện tử) of a paid payment of the dossier, as PDF',
        params: Type.Object({ code: CodeParam.properties.code, txnRef: TxnRefParam }),
        querystring: Type.Object({ token: Type.Optional(Token), phone: Type.Optional(Phone4) }, { additionalProperties: false }),
        response: { 200: PdfResponse, ...problems(400, 404, 409, 429) },
      },
    },
    async (req, reply) => {
      const d = await s.tracking.authorize(req.params.code, trackingSecret(req.query, 'querystring'), req.ip);
      return sendPdf(reply, await s.payments.receipt(d, req.params.txnRef));
    },
  );

  app.get(
    '/public/payments/return',
    {
      config: { rateLimit: { max: perMinute, timeWindow: '1 minute' } },
      schema: {
        tags: ['public', ...TAG],
        summary:
          'The browser back from the gateway (its signed vnp_* parameters, as they came): what our records say of that payment. Only the IPN settles a payment; this never changes anything',
        querystring: GatewayQuery,
        response: { 200: ReturnResponse, ...problems(400, 404, 429) },
      },
    },
    async (req) => s.payments.returned(gatewayParams(req.query)),
  );

  app.get(
    '/payments/gateway/ipn',
    {
      // The gateway's retries and its duplicates come from a few addresses: a wide budget, still a bound.
      config: { rateLimit: { max: Math.max(perMinute, 6_000), timeWindow: '1 minute' } },
      schema: {
        tags: TAG,
        summary:
          'The gateway’s signed server-to-server callback (IPN): settles a pending online payment once; always HTTP 200 with RspCode, as the gateway expects',
        querystring: GatewayQuery,
        response: { 200: IpnAnswerSchema, ...problems(400, 429) },
      },
    },
    async (req) => s.payments.handleIpn(gatewayParams(req.query)),
  );

  // --- the staff's side ---

  app.get(
    '/dossiers/:code/payments',
    {
      onRequest,
      schema: {
        tags: TAG,
        security: SECURED,
        summary: 'A dossier’s fee lines and payments (the dossier must be in the caller’s scope)',
        params: CodeParam,
        response: { 200: Type.Object({ code: Type.String(), ...PaymentSummarySchema.properties }), ...problems(400, 401, 404) },
      },
    },
    async (req) => {
      await s.dossiers.get(actorOf(req), req.params.code);
      return s.payments.forDossier(req.params.code);
    },
  );

  app.get(
    '/dossiers/:code/payments/:txnRef/receipt.pdf',
    {
      onRequest,
      schema: {
        tags: TAG,
        security: SECURED,
        summary: 'The e-receipt of a paid payment of a dossier in the caller’s scope, as PDF',
        params: Type.Object({ code: CodeParam.properties.code, txnRef: TxnRefParam }),
        response: { 200: PdfResponse, ...problems(400, 401, 404, 409) },
      },
    },
    async (req, reply) => {
      await s.dossiers.get(actorOf(req), req.params.code);
      return sendPdf(reply, await s.payments.receiptByCode(req.params.code, req.params.txnRef));
    },
  );

  app.post(
    '/payments/:txnRef/refunded',
    {
      onRequest,
      schema: {
        tags: TAG,
        security: SECURED,
        summary: 'A clerk records the money of a counter payment handed back after processing stopped',
        params: Type.Object({ txnRef: TxnRefParam }),
        response: {
          200: Type.Object({ txnRef: Type.String(), status: Type.String(), refundedAt: Type.String() }),
          ...problems(400, 401, 403, 404, 409),
        },
      },
    },
    async (req) => s.payments.refundedAtCounter(actorOf(req), req.params.txnRef),
  );

  app.post(
    '/payments/reconciliations',
    {
      onRequest,
      schema: {
        tags: TAG,
        security: SECURED,
        summary:
          'Reconcile a day’s online payments against the gateway’s query API (managers, the administrator); the job runs it every night',
        body: Type.Object({ day: Day }, { additionalProperties: false }),
        response: { 200: ReconciliationSchema, ...problems(400, 401, 403, 409, 503) },
      },
    },
    async (req) => {
      const actor = actorOf(req);
      requireRole(actor, 'manager', 'admin');
      return s.payments.reconcile(req.body.day, actor);
    },
  );

  app.get(
    '/payments/reconciliations',
    {
      onRequest,
      schema: {
        tags: TAG,
        security: SECURED,
        summary: 'The reconciliations of a range of days, newest first (managers, the administrator)',
        querystring: Type.Object({ from: Day, to: Day }, { additionalProperties: false }),
        response: { 200: Type.Array(ReconciliationSchema), ...problems(400, 401, 403) },
      },
    },
    async (req) => {
      requireRole(actorOf(req), 'manager', 'admin');
      return s.payments.reconciliations(req.query.from, req.query.to);
    },
  );
}
