import { Type } from 'typebox';
import type { FastifyReply } from 'fastify';
import type { HttpApp } from '../platform/http.js';
import { IdempotencyHeaders, problems, SubmissionHeaders } from '../platform/http.schema.js';
import { perClientLimit } from '../platform/rate-limit.js';
import { CodeParam, IntakeSchema, DossierSchema } from '../dossiers/dossier.schema.js';
import type { Services } from '../services.js';
import { TOKEN_PATTERN, trackingSecret } from './tracking.model.js';
import { PaymentSummarySchema } from '../payments/payment.schema.js';

export const Phone4 = Type.String({
  minLength: 4,
  maxLength: 4,
  pattern: '^[0-9]{4}$',
  description: "Last 4 digits of the applicant's phone number (the fallback; send either this or token)",
});
export const Token = Type.String({
  minLength: 12,
  maxLength: 12,
  pattern: TOKEN_PATTERN,
  description: "The receipt's tracking token: the fragment of the URL in its QR code, /tra-cuu/{code}#{token} (send either this or phone)",
});

const TrackingSchema = Type.Object({
  code: Type.String(),
  trackingToken: Type.String({ description: 'The tracking token, so a page opened with the phone digits can switch to the token URL' }),
  procedure: Type.Object({ code: Type.String(), nameVi: Type.String(), nameEn: Type.String() }),
  status: Type.String(),
  statusVi: Type.String(),
  statusEn: Type.String(),
  portalStatus: Type.Integer(),
  applicantName: Type.String({ description: 'Masked' }),
  applicantIdNumber: Type.String({ description: 'Masked' }),
  submittedAt: Type.Union([Type.String(), Type.Null()]),
  receivedAt: Type.Union([Type.String(), Type.Null()]),
  dueAt: Type.Union([Type.String(), Type.Null()]),
  newDueAt: Type.Union([Type.String(), Type.Null()], { description: 'New date proposed in an apology' }),
  returnedAt: Type.Union([Type.String(), Type.Null()]),
  receivingPointNameVi: Type.String({ description: 'Where the dossier was received (and where a supplement is brought)' }),
  returnPointNameVi: Type.String(),
  timeline: Type.Array(
    Type.Object({
      at: Type.String(),
      action: Type.String(),
      labelVi: Type.String(),
      labelEn: Type.String(),
      status: Type.String(),
      unitNameVi: Type.Union([Type.String(), Type.Null()]),
      note: Type.Union([Type.String(), Type.Null()], {
        description: 'The reason given to the applicant (refusal, supplement request, stop, apology, withdrawal); null for internal steps',
      }),
    }),
  ),
  supplement: Type.Union(
    [
      Type.Object({
        requestedAt: Type.String(),
        reason: Type.String({ description: 'What to supplement and why, as the agency wrote it' }),
        unitNameVi: Type.Union([Type.String(), Type.Null()], { description: 'The unit that asked' }),
      }),
      Type.Null(),
    ],
    { description: 'The open supplement request while the dossier waits for it (status 5); the legal clock is paused meanwhile' },
  ),
  rating: Type.Union([Type.String(), Type.Null()]),
  canRate: Type.Boolean(),
  payment: PaymentSummarySchema,
});

/**
 * The JSON bytes of each tracking answer, per answer object: a cached answer is the same (immutable) object on every
 * hit, so it is serialized and UTF-8 encoded once, and a new object (after the dossier changed) gets its own bytes.
 * A Buffer rather than a string spares every hit Fastify's `Buffer.byteLength` and Node's encoding of ~1 KB of
 * Vietnamese text. (JSON.stringify, not the response schema's serializer: the answer is built to the schema.)
 */
const answerBytes = new WeakMap<object, Buffer>();
const JSON_UTF8 = 'application/json; charset=utf-8';

function sendAnswer(reply: FastifyReply, view: object): void {
  let bytes = answerBytes.get(view);
  if (bytes === undefined) {
    bytes = Buffer.from(JSON.stringify(view));
    answerBytes.set(view, bytes);
  }
  void reply.type(JSON_UTF8).send(bytes);
}

export async function trackingRoutes(app: HttpApp, s: Services, perMinute: number): Promise<void> {
  app.get(
    '/public/dossiers/:code',
    {
      // The busiest public route: a synchronous limiter answering as the plugin does (platform/rate-limit.ts).
      onRequest: perClientLimit({ max: perMinute, windowMs: 60_000 }),
      schema: {
        tags: ['public'],
        summary:
          'Track a dossier by its tracking token or the phone digits: its timeline, with the applicant masked (wrong guesses budgeted per code and address)',
        params: CodeParam,
        querystring: Type.Object({ token: Type.Optional(Token), phone: Type.Optional(Phone4) }, { additionalProperties: false }),
        response: { 200: TrackingSchema, ...problems(400, 404, 429) },
      },
    },
    // Not an async function: most look-ups are answered from memory, and sent without a promise on the way.
    (req, reply) => {
      const { code } = req.params;
      const secret = trackingSecret(req.query, 'querystring');
      const client = req.ip;
      const view = s.tracking.fromMemory(code, secret, client);
      if (view !== undefined) {
        sendAnswer(reply, view);
        return;
      }
      return s.tracking.track(code, secret, client).then((v) => sendAnswer(reply, v));
    },
  );

  app.post(
    '/public/dossiers/:code/rating',
    {
      config: { rateLimit: { max: perMinute, timeWindow: '1 minute' } },
      schema: {
        tags: ['public'],
        summary: 'Rate the service for a returned dossier (once)',
        params: CodeParam,
        headers: IdempotencyHeaders,
        body: Type.Object(
          {
            token: Type.Optional(Token),
            phone: Type.Optional(Phone4),
            rating: Type.Union([Type.Literal('satisfied'), Type.Literal('acceptable'), Type.Literal('not_satisfied')]),
            comment: Type.Optional(Type.String({ maxLength: 2000 })),
          },
          { additionalProperties: false },
        ),
        response: {
          201: Type.Object({ code: Type.String(), rating: Type.String(), ratedAt: Type.String() }),
          ...problems(400, 404, 409, 429),
        },
      },
    },
    async (req, reply) =>
      reply
        .code(201)
        .send(
          await s.tracking.rate(
            req.params.code,
            trackingSecret(req.body, 'body'),
            req.ip,
            req.body.rating,
            req.body.comment,
            req.headers['idempotency-key'],
          ),
        ),
  );

  app.post(
    '/public/dossiers',
    {
      config: { rateLimit: { max: perMinute, timeWindow: '1 minute' } },
      schema: {
        tags: ['public'],
        summary: 'Submit a dossier online (status 1, "submitted"); a clerk receives it and the clock starts then',
        headers: SubmissionHeaders,
        body: IntakeSchema,
        response: { 201: DossierSchema, ...problems(400, 409, 422, 429) },
      },
    },
    async (req, reply) =>
      reply.code(201).send(await s.dossiers.submitOnline(req.body, req.headers['idempotency-key'], req.headers['x-submission-token'])),
  );
}
