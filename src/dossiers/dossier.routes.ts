import { Type } from 'typebox';
import type { HttpApp } from '../platform/http.js';
import { problems } from '../platform/http.schema.js';
import { actorOf, requireStaff, SECURED } from '../auth/auth.hook.js';
import type { Services } from '../services.js';
import type { DossierAction } from './dossier.model.js';
import {
  ApologySchema,
  AttachSchema,
  CodeParam,
  DossierListItemSchema,
  DossierSchema,
  EventSchema,
  IntakeSchema,
  ListQuery,
  ResultSchema,
  StepRowSchema,
  TransitionSchema,
} from './dossier.schema.js';

const TAG = ['dossiers'];

/** The simple actions: a version, and a note where the law asks for a reason. */
const SIMPLE_ACTIONS: { path: string; action: DossierAction; summary: string }[] = [
  { path: 'receive', action: 'receive', summary: 'Receive an online submission (status 1 → 2); the legal clock starts' },
  { path: 'refuse', action: 'refuse', summary: 'Refuse at receipt with a reason (→ 3; form 03)' },
  {
    path: 'forward',
    action: 'forward',
    summary: 'Forward to the competent agency or the next step (→ 4); every required component must be digitized',
  },
  { path: 'request-supplement', action: 'request_supplement', summary: 'Request a supplement, once (→ 5; the clock pauses; form 02)' },
  {
    path: 'supplement-received',
    action: 'supplement_received',
    summary: 'Record the supplement (→ 4; the due date moves by the working time spent waiting)',
  },
  { path: 'request-payment', action: 'request_payment', summary: 'Require payment of fees or taxes (→ 6)' },
  { path: 'payment-received', action: 'payment_received', summary: 'Record the payment (→ 4)' },
  { path: 'withdraw', action: 'withdraw', summary: "Withdraw at the applicant's request (→ 7)" },
  { path: 'stop', action: 'stop', summary: 'Stop processing with a reason (→ 8; form 05)' },
  { path: 'return', action: 'return', summary: 'Return the result at the chosen service point (→ 10)' },
];

export async function dossierRoutes(app: HttpApp, s: Services): Promise<void> {
  const onRequest = requireStaff(s.auth);

  app.post(
    '/dossiers',
    {
      onRequest,
      schema: {
        tags: TAG,
        security: SECURED,
        summary: 'Receive a dossier at the counter of the clerk’s service point',
        description:
          'Non-territorial procedures are accepted at any service point of the province; others only where their competent agency receives (422 WRONG_SERVICE_POINT names it). Send an Idempotency-Key header to make retries safe.',
        headers: Type.Object({ 'idempotency-key': Type.Optional(Type.String()) }),
        body: IntakeSchema,
        response: { 201: DossierSchema, ...problems(400, 401, 403, 409, 422) },
      },
    },
    async (req, reply) => {
      const d = await s.dossiers.receiveAtCounter(actorOf(req), req.body, req.headers['idempotency-key']);
      return reply.code(201).send(d);
    },
  );

  app.get(
    '/dossiers',
    {
      onRequest,
      schema: {
        tags: TAG,
        security: SECURED,
        summary: 'Dossiers in the caller’s scope, most urgent first',
        querystring: ListQuery,
        response: { 200: Type.Array(DossierListItemSchema), ...problems(400, 401) },
      },
    },
    async (req) => {
      const { status, ...rest } = req.query;
      return s.dossiers.list(actorOf(req), { ...rest, ...(status ? { status: status.split(',') } : {}) });
    },
  );

  app.get(
    '/dossiers/:code',
    {
      onRequest,
      schema: {
        tags: TAG,
        security: SECURED,
        summary: 'One dossier (404 outside the caller’s scope)',
        params: CodeParam,
        response: { 200: DossierSchema, ...problems(401, 404) },
      },
    },
    async (req) => s.dossiers.get(actorOf(req), req.params.code),
  );

  app.get(
    '/dossiers/:code/events',
    {
      onRequest,
      schema: {
        tags: TAG,
        security: SECURED,
        summary: 'Every event of a dossier, in order',
        params: CodeParam,
        response: { 200: Type.Array(EventSchema), ...problems(401, 404) },
      },
    },
    async (req) => s.dossiers.events(actorOf(req), req.params.code),
  );

  app.get(
    '/dossiers/:code/process-control',
    {
      onRequest,
      schema: {
        tags: TAG,
        security: SECURED,
        summary: 'Process-control history: hand-overs with early / on time / late',
        params: CodeParam,
        response: { 200: Type.Array(StepRowSchema), ...problems(401, 404) },
      },
    },
    async (req) => s.dossiers.processControl(actorOf(req), req.params.code),
  );

  app.put(
    '/dossiers/:code/components/:componentCode',
    {
      onRequest,
      schema: {
        tags: TAG,
        security: SECURED,
        summary: 'Digitize a component: attach its scan or a document from the store',
        params: Type.Object({ code: CodeParam.properties.code, componentCode: Type.String({ minLength: 1, maxLength: 32 }) }),
        body: AttachSchema,
        response: { 200: DossierSchema, ...problems(400, 401, 403, 404, 409) },
      },
    },
    async (req) => s.dossiers.attachComponent(actorOf(req), req.params.code, req.params.componentCode, req.body),
  );

  for (const a of SIMPLE_ACTIONS) {
    app.post(
      `/dossiers/:code/${a.path}`,
      {
        onRequest,
        schema: {
          tags: TAG,
          security: SECURED,
          summary: a.summary,
          params: CodeParam,
          body: TransitionSchema,
          response: { 200: DossierSchema, ...problems(400, 401, 403, 404, 409, 422) },
        },
      },
      async (req) => s.dossiers.transition(actorOf(req), req.params.code, a.action, req.body),
    );
  }

  app.post(
    '/dossiers/:code/result',
    {
      onRequest,
      schema: {
        tags: TAG,
        security: SECURED,
        summary: 'Issue the result (→ 9); the file is archived in the applicant’s document store',
        params: CodeParam,
        body: ResultSchema,
        response: { 200: DossierSchema, ...problems(400, 401, 403, 404, 409) },
      },
    },
    async (req) => s.dossiers.transition(actorOf(req), req.params.code, 'result', req.body),
  );

  app.post(
    '/dossiers/:code/apologize',
    {
      onRequest,
      schema: {
        tags: TAG,
        security: SECURED,
        summary: 'Apologize for a delay and propose a new date (form 04)',
        params: CodeParam,
        body: ApologySchema,
        response: { 200: DossierSchema, ...problems(400, 401, 403, 404, 409) },
      },
    },
    async (req) => s.dossiers.transition(actorOf(req), req.params.code, 'apologize', req.body),
  );

  app.get(
    '/store-documents',
    {
      onRequest,
      schema: {
        tags: TAG,
        security: SECURED,
        summary: "The applicant's document store: earlier results to reuse instead of asking for paper again",
        querystring: Type.Object({ idNumber: Type.String({ maxLength: 20 }) }, { additionalProperties: false }),
        response: {
          200: Type.Array(
            Type.Object({
              id: Type.Integer(),
              kind: Type.String(),
              title: Type.String(),
              fileSha256: Type.String(),
              issuedAt: Type.String(),
              sourceDossierId: Type.Union([Type.Integer(), Type.Null()]),
            }),
          ),
          ...problems(400, 401, 403),
        },
      },
    },
    async (req) => s.dossiers.storeDocuments(actorOf(req), req.query.idNumber),
  );
}
