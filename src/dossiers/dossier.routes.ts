import { Type } from 'typebox';
import type { HttpApp } from '../platform/http.js';
import { BIGINT_ID_MAX, IdempotencyHeaders, problems } from '../platform/http.schema.js';
import { actorOf, requireStaff, SECURED } from '../auth/auth.hook.js';
import type { Services } from '../services.js';
import { DOSSIER_ACTIONS, type DossierAction } from './dossier.model.js';
import { INTAKE_TTL_MS, MAX_OPEN_INTAKES, MAX_STORE_LISTINGS_PER_HOUR } from './store.model.js';
import {
  actionBodySchema,
  AttachSchema,
  CodeParam,
  DossierListItemSchema,
  DossierSchema,
  EventSchema,
  IntakeSchema,
  IntakeStartSchema,
  IntakeViewSchema,
  ListQuery,
  StepRowSchema,
  StoreDocumentSchema,
  StoreQuery,
  type TransitionInput,
} from './dossier.schema.js';

const TAG = ['dossiers'];

/** What each action does, for the API document; the body each requires comes from TRANSITIONS (actionBodySchema). */
const ACTION_SUMMARIES: Record<DossierAction, string> = {
  receive: 'Receive an online submission (status 1 → 2); the legal clock starts',
  refuse: 'Refuse at receipt with a reason (→ 3; form 03)',
  forward: 'Forward to the competent agency or the next step (→ 4); every required component must be digitized',
  request_supplement: 'Request a supplement, once (→ 5; the clock pauses; form 02)',
  supplement_received: 'Record the supplement (→ 4; the due date moves by the working time spent waiting)',
  request_payment: 'Require payment of fees or taxes (→ 6)',
  payment_received: 'Record the payment (→ 4)',
  withdraw: "Withdraw at the applicant's request (→ 7)",
  stop: 'Stop processing with a reason (→ 8; form 05)',
  result: 'Issue the result (→ 9); the file is archived in the applicant’s document store',
  return: 'Return the result at the chosen service point (→ 10)',
  apologize: 'Apologize for a delay and propose a new date (form 04)',
};

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
          'Non-territorial procedures are accepted at any service point of the province; others only where their competent agency receives (422 WRONG_SERVICE_POINT names it). An applicant with an open dossier of the same procedure gets 409 DUPLICATE_DOSSIER naming it (details.existingCode); send duplicateOverride.reason to receive another anyway (audited). Send an Idempotency-Key header to make retries safe.',
        headers: IdempotencyHeaders,
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

  for (const action of DOSSIER_ACTIONS) {
    app.post(
      `/dossiers/:code/${action.replaceAll('_', '-')}`,
      {
        onRequest,
        schema: {
          tags: TAG,
          security: SECURED,
          summary: ACTION_SUMMARIES[action],
          params: CodeParam,
          body: actionBodySchema(action),
          response: { 200: DossierSchema, ...problems(400, 401, 403, 404, 409, 422) },
        },
      },
      async (req) => s.dossiers.transition(actorOf(req), req.params.code, action, req.body as TransitionInput),
    );
  }

  app.post(
    '/intakes',
    {
      onRequest,
      schema: {
        tags: TAG,
        security: SECURED,
        summary: 'Start an intake in progress for a citizen whose ID card the clerk has checked (lets their store be listed)',
        description: `For ${INTAKE_TTL_MS / 3_600_000} hours, or until the dossier is received (POST /dossiers closes the clerk's intakes for that ID number), or DELETE /intakes/{id}. A clerk holds at most ${MAX_OPEN_INTAKES} at once (409 CONFLICT past that); asking again for the same ID number returns the intake in progress (200). Audited.`,
        body: IntakeStartSchema,
        response: { 200: IntakeViewSchema, 201: IntakeViewSchema, ...problems(400, 401, 403, 409, 422) },
      },
    },
    async (req, reply) => {
      const { intake, created } = await s.dossiers.openIntake(actorOf(req), req.body);
      return reply.code(created ? 201 : 200).send(intake);
    },
  );

  app.delete(
    '/intakes/:id',
    {
      onRequest,
      schema: {
        tags: TAG,
        security: SECURED,
        summary: 'End an intake in progress (the citizen left without filing)',
        params: Type.Object({ id: Type.Integer({ minimum: 1, maximum: BIGINT_ID_MAX }) }),
        response: { 204: Type.Null(), ...problems(401, 403, 404) },
      },
    },
    async (req, reply) => {
      await s.dossiers.closeIntake(actorOf(req), req.params.id);
      return reply.code(204).send(null);
    },
  );

  app.get(
    '/store-documents',
    {
      onRequest,
      schema: {
        tags: TAG,
        security: SECURED,
        summary: "The applicant's document store, for a purpose: earlier results to reuse instead of asking for paper again",
        description: `Give dossierCode (an open dossier of the citizen in your scope; 404 outside it, 403 once closed) or intakeId (your intake in progress; 404 if not yours, 409 once closed or expired). Each listing is recorded and audited with its purpose; at most ${MAX_STORE_LISTINGS_PER_HOUR} an hour per staff member (429). No file hashes: reuse a document by its id, for a component of its document type.`,
        querystring: StoreQuery,
        response: { 200: Type.Array(StoreDocumentSchema), ...problems(400, 401, 403, 404, 409, 429) },
      },
    },
    async (req) => s.dossiers.storeDocuments(actorOf(req), req.query),
  );
}
