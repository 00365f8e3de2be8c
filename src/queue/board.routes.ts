import { Type } from 'typebox';
import { securityHeaders, type HttpApp } from '../platform/http.js';
import { problems } from '../platform/http.schema.js';
import { actorOf, requireStaff, SECURED } from '../auth/auth.hook.js';
import type { Services } from '../services.js';
import type { BoardEvent } from './board.service.js';
import { BoardSchema, DayQuery, KioskSchema, LiveSchema, UnitIdParam } from './queue.schema.js';

const TAG = ['queue'];
const PUBLIC = ['public'];
/** Comment lines keep proxies from closing an idle event stream. */
const HEARTBEAT_MS = 25_000;

/** The kiosk's and the board's views, the board's live event stream, and a point's figures of the day. */
export async function boardRoutes(app: HttpApp, s: Services): Promise<void> {
  const onRequest = requireStaff(s.auth);
  // Open event streams, ended as the server starts closing: it waits for open requests before its onClose
  // hooks run, so a stream left open would hold a graceful shutdown (SIGTERM) forever.
  const streams = new Set<() => void>();
  app.addHook('preClose', async () => {
    for (const end of [...streams]) end();
  });

  app.get(
    '/public/queue/points/:unitId',
    {
      schema: {
        tags: PUBLIC,
        summary: 'Kiosk: the open service groups of a point, with the queue and the estimated wait of a new ticket',
        params: UnitIdParam,
        response: { 200: KioskSchema, ...problems(400, 404) },
      },
    },
    async (req) => s.queue.board.kiosk(req.params.unitId),
  );

  app.get(
    '/public/queue/points/:unitId/board',
    {
      schema: {
        tags: PUBLIC,
        summary: 'Display board: the latest calls and the waiting count per group',
        params: UnitIdParam,
        response: { 200: BoardSchema, ...problems(400, 404) },
      },
    },
    async (req) => s.queue.board.board(req.params.unitId),
  );

  app.get(
    '/public/queue/points/:unitId/events',
    {
      schema: {
        tags: PUBLIC,
        summary: 'Display board, live: server-sent events (`board` snapshot first, then `call` and `waiting`)',
        description:
          'text/event-stream. Events: `board` (the same body as GET …/board), `call` (a ticket called or recalled to a counter), `waiting` (queue lengths changed).',
        params: UnitIdParam,
        response: { 200: Type.String({ description: 'text/event-stream' }), ...problems(400, 404) },
      },
    },
    async (req, reply) => {
      const board = await s.queue.board.board(req.params.unitId); // 404 before the stream starts
      reply.hijack();
      const res = reply.raw;
      // Hijacked: Fastify's reply headers (the security headers among them) are not sent, so they are written here.
      res.writeHead(200, {
        ...Object.fromEntries(securityHeaders(req)),
        'content-type': 'text/event-stream; charset=utf-8',
        'cache-control': 'no-cache, no-transform',
        connection: 'keep-alive',
        'x-accel-buffering': 'no',
        'x-request-id': req.id,
      });
      const send = (event: string, data: unknown) => res.write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
      res.write('retry: 3000\n\n');
      send('board', board);
      const stop = s.queue.board.subscribe(req.params.unitId, (e: BoardEvent) => send(e.type, e));
      const heartbeat = setInterval(() => res.write(': keep-alive\n\n'), HEARTBEAT_MS);
      const end = () => {
        clearInterval(heartbeat);
        stop();
        streams.delete(end);
        if (!res.writableEnded) res.end();
      };
      streams.add(end);
      req.raw.on('close', end);
    },
  );

  app.get(
    '/queue/points/:unitId/live',
    {
      onRequest,
      schema: {
        tags: TAG,
        security: SECURED,
        summary: "A point's queue figures for a day: waiting, estimated wait, mean and p90 wait and service, no-shows, share within target",
        params: UnitIdParam,
        querystring: DayQuery,
        response: { 200: LiveSchema, ...problems(400, 401, 403, 404) },
      },
    },
    async (req) => s.queue.board.live(actorOf(req), req.params.unitId, req.query.day),
  );
}
