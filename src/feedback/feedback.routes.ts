import { Type } from 'typebox';
import type { FastifyRequest } from 'fastify';
import type { HttpApp } from '../platform/http.js';
import { IdempotencyHeaders, problems, SubmissionHeaders } from '../platform/http.schema.js';
import { actorOf, requireStaff, SECURED } from '../auth/auth.hook.js';
import { requireCitizen } from '../citizens/citizen.hook.js';
import { cookieValue, SESSION_COOKIE } from '../citizens/citizen.model.js';
import { DomainError } from '../platform/errors.js';
import { FILE_CSP } from '../platform/security-headers.js';
import type { Services } from '../services.js';
import type { PublicSender } from './feedback.service.js';
import {
  ActionBody,
  ActionParams,
  AttachmentParams,
  CodeParam,
  DetailSchema,
  FeedbackBody,
  FiledSchema,
  InboxItemSchema,
  InboxQuery,
  InfoBody,
  PublicItemSchema,
  UnitVoiceSchema,
  PublicQuery,
  ReactionBody,
  ReactionSchema,
  TrackQuery,
  TrackSchema,
} from './feedback.schema.js';

const TAG = ['feedback'];

/**
 * Resolves the citizen's session cookie when one is sent; a request without one (or with one that has ended) is
 * anonymous, never refused: anyone may send feedback or react.
 */
function optionalCitizen(s: Services) {
  const required = requireCitizen(s.citizens);
  return async (req: FastifyRequest): Promise<void> => {
    if (!cookieValue(req.headers.cookie, SESSION_COOKIE)) return;
    try {
      await required(req);
    } catch (e) {
      if (!(e instanceof DomainError) || e.code !== 'UNAUTHENTICATED') throw e;
    }
  };
}

function publicSender(req: FastifyRequest, submissionToken: string | undefined): PublicSender {
  const c = req.citizen;
  return {
    client: req.ip,
    ...(submissionToken ? { submissionToken } : {}),
    ...(c ? { citizen: { accountId: c.accountId, level: c.level, name: c.name, idNumber: c.idNumber } } : {}),
  };
}

export async function feedbackRoutes(app: HttpApp, s: Services, perMinute: number): Promise<void> {
  const onRequest = requireStaff(s.auth);
  const citizen = optionalCitizen(s);
  const limited = { rateLimit: { max: perMinute, timeWindow: '1 minute' } };

  app.post(
    '/feedback/public',
    {
      config: limited,
      onRequest: citizen,
      schema: {
        tags: TAG,
        summary: 'Send feedback or a petition (phản ánh, kiến nghị) from the portal or a dossier’s tracking page',
        description:
          'Anonymous, or as the citizen logged in with VNeID (cookie). About a dossier: from its tracking page with its token or phone digits (channel tracking), or from the portal by the applicant logged in. Files are uploaded first under an online submission (POST /public/submissions, POST /public/files) and named by hash with its X-Submission-Token. The answer carries the code and the secret to follow it.',
        headers: SubmissionHeaders,
        body: FeedbackBody,
        response: { 201: FiledSchema, ...problems(400, 403, 404, 409, 422, 429) },
      },
    },
    async (req, reply) =>
      reply
        .code(201)
        .send(await s.feedback.filePublic(req.body, publicSender(req, req.headers['x-submission-token']), req.headers['idempotency-key'])),
  );

  app.get(
    '/feedback/public',
    {
      config: limited,
      schema: {
        tags: TAG,
        summary: 'Published answers, newest first, with personal data masked and their likes and dislikes',
        querystring: PublicQuery,
        response: { 200: Type.Array(PublicItemSchema), ...problems(400, 429) },
      },
    },
    async (req) => s.feedback.listPublished(req.query),
  );

  app.get(
    '/public/units/:id/voice',
    {
      config: limited,
      schema: {
        tags: TAG,
        summary: 'A unit’s ratings and feedback together, over the last twelve months, with its latest published answers',
        params: Type.Object({ id: Type.Integer({ minimum: 1, maximum: 2_147_483_647 }) }, { additionalProperties: false }),
        response: { 200: UnitVoiceSchema, ...problems(400, 404, 429) },
      },
    },
    async (req) => s.feedback.unitVoice(req.params.id),
  );

  app.post(
    '/feedback/public/:code/reaction',
    {
      config: limited,
      onRequest: citizen,
      schema: {
        tags: TAG,
        summary:
          'Like or dislike a published answer: one reaction per citizen (or per address when anonymous); a second replaces the first',
        params: CodeParam,
        body: ReactionBody,
        response: { 200: ReactionSchema, ...problems(400, 404, 429) },
      },
    },
    async (req) =>
      s.feedback.react(req.params.code, req.body.reaction, req.citizen ? { citizenAccountId: req.citizen.accountId } : { client: req.ip }),
  );

  app.get(
    '/feedback/track/:code',
    {
      config: limited,
      schema: {
        tags: TAG,
        summary: 'The sender follows their feedback by its code and secret (wrong guesses budgeted per code and address)',
        params: CodeParam,
        querystring: TrackQuery,
        response: { 200: TrackSchema, ...problems(400, 404, 429) },
      },
    },
    async (req) => s.feedback.track(req.params.code, req.query.secret, req.ip),
  );

  app.post(
    '/feedback/track/:code/info',
    {
      config: limited,
      schema: {
        tags: TAG,
        summary: 'The sender gives the information the agency asked for (info_requested → received)',
        params: CodeParam,
        body: InfoBody,
        response: { 200: TrackSchema, ...problems(400, 404, 409, 429) },
      },
    },
    async (req) => s.feedback.provideInfo(req.params.code, req.body.secret, req.ip, req.body.content),
  );

  app.post(
    '/feedback',
    {
      onRequest,
      schema: {
        tags: TAG,
        security: SECURED,
        summary: 'Record feedback received at the counter or by the hotline (staff)',
        description: 'Files are the caller’s unit’s uploads (POST /files). The answer carries the code and the secret to give the sender.',
        headers: IdempotencyHeaders,
        body: FeedbackBody,
        response: { 201: FiledSchema, ...problems(400, 401, 403, 404, 409, 422) },
      },
    },
    async (req, reply) => reply.code(201).send(await s.feedback.record(actorOf(req), req.body, req.headers['idempotency-key'])),
  );

  app.get(
    '/feedback',
    {
      onRequest,
      schema: {
        tags: TAG,
        security: SECURED,
        summary: 'Feedback of the caller’s units (the administrator: all), most at risk first: overdue, then the nearest deadline',
        querystring: InboxQuery,
        response: { 200: Type.Array(InboxItemSchema), ...problems(400, 401) },
      },
    },
    async (req) => s.feedback.inbox(actorOf(req), req.query),
  );

  app.get(
    '/feedback/:code',
    {
      onRequest,
      schema: {
        tags: TAG,
        security: SECURED,
        summary: 'A feedback with its timeline (internal notes included), deadlines, stages and the actions the caller may take',
        params: CodeParam,
        response: { 200: DetailSchema, ...problems(400, 401, 403, 404) },
      },
    },
    async (req) => s.feedback.detail(actorOf(req), req.params.code),
  );

  app.post(
    '/feedback/:code/:action',
    {
      onRequest,
      schema: {
        tags: TAG,
        security: SECURED,
        summary:
          'Act on a feedback: assign, classify, note, request_info, info_received, refuse, draft, answer, publish, close, link_repeat',
        description:
          'Who may do what (feedback.model.ts TRANSITIONS): any staff of the competent unit adds notes; specialists take it up (assign to themselves), classify, ask for information, draft and link repeats; approvers and managers also assign to others, refuse, answer, publish or close. The administrator sees all and adds notes. 403 FORBIDDEN for a role, 403 OUT_OF_SCOPE for another unit, 409 INVALID_TRANSITION for the state.',
        params: ActionParams,
        body: ActionBody,
        response: { 200: DetailSchema, ...problems(400, 401, 403, 404, 409) },
      },
    },
    async (req) => s.feedback.act(actorOf(req), req.params.code, req.params.action, req.body),
  );

  app.get(
    '/feedback/:code/attachments/:sha256',
    {
      onRequest,
      schema: {
        tags: TAG,
        security: SECURED,
        summary: 'Download a file sent with a feedback',
        params: AttachmentParams,
        response: { 200: Type.Unsafe<Buffer>({ type: 'string', format: 'binary' }), ...problems(400, 401, 403, 404) },
      },
    },
    async (req, reply) => {
      const f = await s.feedback.attachment(actorOf(req), req.params.code, req.params.sha256);
      const ext = { 'application/pdf': 'pdf', 'image/jpeg': 'jpg', 'image/png': 'png', 'image/tiff': 'tif' }[f.mime] ?? 'bin';
      return reply
        .type(f.mime)
        .header('content-disposition', `attachment; filename="${req.params.sha256.slice(0, 16)}.${ext}"`)
        .header('x-content-type-options', 'nosniff')
        .header('cache-control', 'no-store')
        .header('content-security-policy', FILE_CSP)
        .send(f.content);
    },
  );
}
