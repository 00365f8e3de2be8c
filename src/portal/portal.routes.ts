import { Type } from 'typebox';
import type { HttpApp } from '../platform/http.js';
import { problems } from '../platform/http.schema.js';
import { actorOf, requireStaff, SECURED } from '../auth/auth.hook.js';
import { CodeParam } from '../dossiers/dossier.schema.js';
import type { Services } from '../services.js';

const TAG = ['portal'];

const Reconciliation = Type.Object({
  enabled: Type.Boolean({ description: 'Whether a portal is configured (MOTCUA_PORTAL_URL)' }),
  acknowledged: Type.Integer({ description: 'Dossiers the portal holds as they stand' }),
  pending: Type.Integer({ description: 'Dossiers with a change the portal has not acknowledged' }),
  failing: Type.Integer({ description: 'Of those, the ones whose last try failed' }),
  oldest: Type.Union([Type.String({ format: 'date-time' }), Type.Null()], { description: 'When the oldest change waiting was committed' }),
  items: Type.Array(
    Type.Object({
      code: Type.String(),
      status: Type.String(),
      receivingUnitId: Type.Integer(),
      pendingSeq: Type.Integer({ description: 'The last event of the dossier' }),
      ackedSeq: Type.Integer({ description: 'The last event the portal acknowledged (0: none)' }),
      pendingSince: Type.String({ format: 'date-time' }),
      attempts: Type.Integer({ description: 'Refusals by the portal in a row (an unreachable portal counts none)' }),
      nextAttemptAt: Type.String({ format: 'date-time' }),
      lastError: Type.Union([Type.String(), Type.Null()]),
      reasonCode: Type.Union([Type.Literal('refused'), Type.Literal('unreachable'), Type.Literal('waiting'), Type.Literal('off')], {
        description:
          'refused: the portal answered with an error for this dossier (lastError says which); unreachable: the portal could not be reached at the last try; waiting: due at its next turn; off: no portal configured',
      }),
      reason: Type.String({ description: "Why it is not acknowledged yet, in words (the portal's own message when it refused)" }),
    }),
  ),
  inbound: Type.Object(
    {
      enabled: Type.Boolean({ description: 'Whether new portal dossiers are pulled (a portal is configured)' }),
      received: Type.Integer({ description: 'Dossiers filed on the portal and made dossiers here' }),
      refused: Type.Integer({ description: 'Portal dossiers the province could not take' }),
      refusals: Type.Array(
        Type.Object({
          portalId: Type.String({ description: "The portal's id of the dossier (MaHoSoQG)" }),
          procedureCode: Type.String({ description: 'MaTTHC as the portal sent it' }),
          communeCode: Type.String({ description: 'MaXa as the portal sent it' }),
          submittedAt: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
          reasonCode: Type.String({ description: 'The error code of the refusal (UNKNOWN_PROCEDURE, VALIDATION, INVALID_FILE, …)' }),
          reason: Type.String(),
          field: Type.Union([Type.String(), Type.Null()], { description: "The portal's field at fault (MaDoiTuong, TaiLieuNop[0], …)" }),
          firstRefusedAt: Type.String({ format: 'date-time' }),
          lastRefusedAt: Type.String({ format: 'date-time' }),
          attempts: Type.Integer(),
        }),
      ),
    },
    { description: 'Inward: dossiers filed on the portal, pulled every 30 seconds' },
  ),
});

const PullRound = Type.Object({
  listed: Type.Integer({ description: 'Portal dossiers listed as new' }),
  created: Type.Integer({ description: 'Made into dossiers here by this pull' }),
  confirmed: Type.Integer({ description: 'Confirmed to the portal with our code' }),
  refused: Type.Integer({ description: 'Refused by this pull, with the reason kept' }),
  skipped: Type.Integer({ description: 'Refused earlier, skipped' }),
  unconfirmed: Type.Integer({ description: 'Confirmations the portal answered with an error' }),
  unavailable: Type.Union([Type.String(), Type.Null()], { description: 'Why the portal could not be reached, if it could not' }),
});

const PortalIdParam = Type.Object(
  { portalId: Type.String({ minLength: 1, maxLength: 64, pattern: '^[A-Za-z0-9._-]+$', description: 'MaHoSoQG' }) },
  { additionalProperties: false },
);

export async function portalRoutes(app: HttpApp, s: Services): Promise<void> {
  const onRequest = requireStaff(s.auth);
  app.get(
    '/portal/sync',
    {
      onRequest,
      schema: {
        tags: TAG,
        security: SECURED,
        summary:
          'Reconciliation with the National Public Service Portal: what it has not acknowledged, and why (managers: their center; the administrator: the province)',
        querystring: Type.Object(
          { limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000, default: 200 })) },
          { additionalProperties: false },
        ),
        response: { 200: Reconciliation, ...problems(400, 401, 403) },
      },
    },
    async (req) => {
      const limit = req.query.limit ?? 200;
      const outward = await s.portal.reconciliation(actorOf(req), limit);
      return { ...outward, inbound: await s.portalInbound.state(limit) };
    },
  );
  app.post(
    '/portal/inbound/pull',
    {
      onRequest,
      schema: {
        tags: TAG,
        security: SECURED,
        summary: "Pull the portal's new dossiers now instead of at the next round (administrator)",
        response: { 200: PullRound, ...problems(401, 403, 409) },
      },
    },
    async (req) => s.portalInbound.pullNow(actorOf(req)),
  );
  app.post(
    '/portal/inbound/:portalId/retry',
    {
      onRequest,
      schema: {
        tags: TAG,
        security: SECURED,
        summary: 'Take a refused portal dossier again at the next pull (administrator; audited)',
        params: PortalIdParam,
        response: { 204: Type.Null(), ...problems(401, 403, 404) },
      },
    },
    async (req, reply) => {
      await s.portalInbound.retry(actorOf(req), req.params.portalId);
      return reply.code(204).send(null);
    },
  );
  app.post(
    '/portal/sync/:code/retry',
    {
      onRequest,
      schema: {
        tags: TAG,
        security: SECURED,
        summary: 'Send a waiting dossier to the portal now instead of at its next try (administrator; audited)',
        params: CodeParam,
        response: { 204: Type.Null(), ...problems(401, 403, 404) },
      },
    },
    async (req, reply) => {
      await s.portal.retry(actorOf(req), req.params.code);
      return reply.code(204).send(null);
    },
  );
}
