import { Type } from 'typebox';
import QRCode from 'qrcode';
import type { HttpApp } from '../platform/http.js';
import { IdempotencyHeaders, problems } from '../platform/http.schema.js';
import { actorOf, requireStaff, SECURED } from '../auth/auth.hook.js';
import type { Services } from '../services.js';
import { IssuedTicketSchema, FollowSchema, TokenParam, TakeTicketSchema, UnitIdParam } from './queue.schema.js';

const TAG = ['queue'];
const PUBLIC = ['public'];

/** Tickets: taken at the kiosk or issued by a clerk, and followed on the holder's phone. */
export async function ticketRoutes(app: HttpApp, s: Services, perMinute: number): Promise<void> {
  const onRequest = requireStaff(s.auth);
  const limited = { rateLimit: { max: perMinute, timeWindow: '1 minute' } };

  app.post(
    '/public/queue/points/:unitId/tickets',
    {
      config: limited,
      schema: {
        tags: PUBLIC,
        summary: 'Kiosk: take a ticket (normal or priority lane)',
        params: UnitIdParam,
        headers: IdempotencyHeaders,
        body: TakeTicketSchema,
        response: { 201: IssuedTicketSchema, ...problems(400, 404, 429) },
      },
    },
    async (req, reply) =>
      reply.code(201).send(await s.queue.tickets.takeTicket(null, req.params.unitId, req.body, req.headers['idempotency-key'])),
  );

  app.get(
    '/public/queue/tickets/:token',
    {
      config: limited,
      schema: {
        tags: PUBLIC,
        summary: "A ticket on its holder's phone: status, place and estimated wait, then the counter once called",
        params: TokenParam,
        response: { 200: FollowSchema, ...problems(400, 404, 429) },
      },
    },
    async (req) => s.queue.tickets.follow(req.params.token, req.ip),
  );

  app.get(
    '/public/queue/tickets/:token/qr.svg',
    {
      config: limited,
      schema: {
        tags: PUBLIC,
        summary: "QR code (SVG) of the ticket's phone page, printed on the ticket",
        params: TokenParam,
        response: { 200: Type.String({ description: 'image/svg+xml' }), ...problems(400, 404, 429) },
      },
    },
    async (req, reply) => {
      await s.queue.tickets.follow(req.params.token, req.ip); // 404 for an unknown token
      const svg = await QRCode.toString(s.queue.tickets.followUrl(req.params.token), { type: 'svg', errorCorrectionLevel: 'M', margin: 1 });
      return reply.type('image/svg+xml').header('cache-control', 'private, max-age=86400').send(svg);
    },
  );

  app.post(
    '/queue/points/:unitId/tickets',
    {
      onRequest,
      schema: {
        tags: TAG,
        security: SECURED,
        summary: 'Issue a ticket at the counter for a citizen without one',
        params: UnitIdParam,
        headers: IdempotencyHeaders,
        body: TakeTicketSchema,
        response: { 201: IssuedTicketSchema, ...problems(400, 401, 403, 404) },
      },
    },
    async (req, reply) =>
      reply.code(201).send(await s.queue.tickets.takeTicket(actorOf(req), req.params.unitId, req.body, req.headers['idempotency-key'])),
  );
}
