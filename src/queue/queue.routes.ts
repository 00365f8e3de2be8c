import { Type } from 'typebox';
import QRCode from 'qrcode';
import type { HttpApp } from '../platform/http.js';
import { problems } from '../platform/http.schema.js';
import { actorOf, requireStaff, SECURED } from '../auth/auth.hook.js';
import type { Services } from '../services.js';
import type { BoardEvent } from './queue.service.js';
import {
  BoardSchema,
  BookingCodeParam,
  BookingSchema,
  CheckInSchema,
  ClerkGroupsSchema,
  CounterSchema,
  DayQuery,
  EmptySchema,
  FinishSchema,
  GroupPatchSchema,
  GroupSchema,
  IdParam,
  IssuedTicketSchema,
  KioskSchema,
  FollowSchema,
  TokenParam,
  PlanningQuery,
  ReallocationSchema,
  StaffingSchema,
  LiveSchema,
  MyCounterSchema,
  NewBookingSchema,
  NewCounterSchema,
  NewGroupSchema,
  Phone4Query,
  SetupSchema,
  SlotsSchema,
  TakeTicketSchema,
  TicketSchema,
  TransferSchema,
  UnitIdParam,
} from './queue.schema.js';

const TAG = ['queue'];
const PUBLIC = ['public'];
/** Comment lines keep proxies from closing an idle event stream. */
const HEARTBEAT_MS = 25_000;

export async function queueRoutes(app: HttpApp, s: Services, perMinute: number): Promise<void> {
  const onRequest = requireStaff(s.auth);
  const limited = { rateLimit: { max: perMinute, timeWindow: '1 minute' } };
  // Actions without required fields may be posted without a body; it is then validated as {}.
  const emptyBody = async (req: { body: unknown }) => {
    if (req.body === undefined || req.body === null) req.body = {};
  };
  // Open event streams, ended when the server closes (they would hold it open otherwise).
  const streams = new Set<() => void>();
  app.addHook('onClose', async () => {
    for (const end of [...streams]) end();
  });

  // ---- public: kiosk, board, bookings -------------------------------------------------------

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
    async (req) => s.queue.kiosk(req.params.unitId),
  );

  app.post(
    '/public/queue/points/:unitId/tickets',
    {
      config: limited,
      schema: {
        tags: PUBLIC,
        summary: 'Kiosk: take a ticket (normal or priority lane)',
        params: UnitIdParam,
        body: TakeTicketSchema,
        response: { 201: IssuedTicketSchema, ...problems(400, 404, 429) },
      },
    },
    async (req, reply) => reply.code(201).send(await s.queue.takeTicket(null, req.params.unitId, req.body)),
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
    async (req) => s.queue.follow(req.params.token),
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
      await s.queue.follow(req.params.token); // 404 for an unknown token
      const svg = await QRCode.toString(s.queue.followUrl(req.params.token), { type: 'svg', errorCorrectionLevel: 'M', margin: 1 });
      return reply.type('image/svg+xml').header('cache-control', 'private, max-age=86400').send(svg);
    },
  );

  app.post(
    '/public/queue/points/:unitId/check-in',
    {
      config: limited,
      schema: {
        tags: PUBLIC,
        summary: 'Kiosk: check a booking in on its day and get its ticket',
        params: UnitIdParam,
        body: CheckInSchema,
        response: { 201: IssuedTicketSchema, ...problems(400, 404, 409, 422, 429) },
      },
    },
    async (req, reply) => reply.code(201).send(await s.queue.checkIn(req.params.unitId, req.body.code)),
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
    async (req) => s.queue.board(req.params.unitId),
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
      const board = await s.queue.board(req.params.unitId); // 404 before the stream starts
      reply.hijack();
      const res = reply.raw;
      res.writeHead(200, {
        'content-type': 'text/event-stream; charset=utf-8',
        'cache-control': 'no-cache, no-transform',
        connection: 'keep-alive',
        'x-accel-buffering': 'no',
        'x-request-id': req.id,
      });
      const send = (event: string, data: unknown) => res.write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
      res.write('retry: 3000\n\n');
      send('board', board);
      const stop = s.queue.subscribe(req.params.unitId, (e: BoardEvent) => send(e.type, e));
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
    '/public/queue/groups/:id/slots',
    {
      schema: {
        tags: PUBLIC,
        summary: 'Bookable slots of a service group on a day, with places left',
        params: IdParam,
        querystring: Type.Object({ day: Type.String({ pattern: '^\\d{4}-\\d{2}-\\d{2}$' }) }, { additionalProperties: false }),
        response: { 200: SlotsSchema, ...problems(400, 404) },
      },
    },
    async (req) => s.queue.slots(req.params.id, req.query.day),
  );

  app.post(
    '/public/queue/bookings',
    {
      config: limited,
      schema: {
        tags: PUBLIC,
        summary: 'Book a slot ahead: a confirmation code, an SMS now and a reminder an hour before',
        body: NewBookingSchema,
        response: { 201: BookingSchema, ...problems(400, 404, 409, 429) },
      },
    },
    async (req, reply) => reply.code(201).send(await s.queue.book(req.body)),
  );

  app.get(
    '/public/queue/bookings/:code',
    {
      config: limited,
      schema: {
        tags: PUBLIC,
        summary: 'A booking, by its code and the last 4 digits of its phone',
        params: BookingCodeParam,
        querystring: Phone4Query,
        response: { 200: BookingSchema, ...problems(400, 404, 429) },
      },
    },
    async (req) => s.queue.bookingFor(req.params.code, req.query.phone),
  );

  app.post(
    '/public/queue/bookings/:code/cancel',
    {
      config: limited,
      schema: {
        tags: PUBLIC,
        summary: 'Cancel a booking (and its pending reminder)',
        params: BookingCodeParam,
        body: Phone4Query,
        response: { 200: BookingSchema, ...problems(400, 404, 409, 429) },
      },
    },
    async (req) => s.queue.cancelBooking(req.params.code, req.body.phone),
  );

  // ---- staff: set-up -------------------------------------------------------------------------

  app.get(
    '/queue/points/:unitId/setup',
    {
      onRequest,
      schema: {
        tags: TAG,
        security: SECURED,
        summary: 'Service groups and counters of a point',
        params: UnitIdParam,
        response: { 200: SetupSchema, ...problems(400, 401, 403, 404) },
      },
    },
    async (req) => s.queue.setup(actorOf(req), req.params.unitId),
  );

  app.post(
    '/queue/points/:unitId/groups',
    {
      onRequest,
      schema: {
        tags: TAG,
        security: SECURED,
        summary: 'Create a service group (manager)',
        params: UnitIdParam,
        body: NewGroupSchema,
        response: { 201: GroupSchema, ...problems(400, 401, 403, 404, 409, 422) },
      },
    },
    async (req, reply) => reply.code(201).send(await s.queue.createGroup(actorOf(req), req.params.unitId, req.body)),
  );

  app.patch(
    '/queue/groups/:id',
    {
      onRequest,
      schema: {
        tags: TAG,
        security: SECURED,
        summary: 'Change a service group: names, target, booking slots, procedures, open or closed (manager)',
        params: IdParam,
        body: GroupPatchSchema,
        response: { 200: GroupSchema, ...problems(400, 401, 403, 404, 422) },
      },
    },
    async (req) => s.queue.updateGroup(actorOf(req), req.params.id, req.body),
  );

  app.post(
    '/queue/points/:unitId/counters',
    {
      onRequest,
      schema: {
        tags: TAG,
        security: SECURED,
        summary: 'Add a counter (manager)',
        params: UnitIdParam,
        body: NewCounterSchema,
        response: { 201: CounterSchema, ...problems(400, 401, 403, 404, 409) },
      },
    },
    async (req, reply) => reply.code(201).send(await s.queue.createCounter(actorOf(req), req.params.unitId, req.body)),
  );

  app.put(
    '/queue/staff/:id/groups',
    {
      onRequest,
      schema: {
        tags: TAG,
        security: SECURED,
        summary: 'The groups a clerk serves, with weights 1–10 (manager); none = every group at weight 1',
        params: IdParam,
        body: ClerkGroupsSchema,
        response: {
          200: Type.Object({
            staffId: Type.Integer(),
            groups: Type.Array(Type.Object({ groupId: Type.Integer(), weight: Type.Integer() })),
          }),
          ...problems(400, 401, 403, 404),
        },
      },
    },
    async (req) => s.queue.setClerkGroups(actorOf(req), req.params.id, req.body.groups),
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
    async (req) => s.queue.live(actorOf(req), req.params.unitId, req.query.day),
  );

  // ---- staff: the counter --------------------------------------------------------------------

  app.get(
    '/queue/counters/mine',
    {
      onRequest,
      schema: {
        tags: TAG,
        security: SECURED,
        summary: 'The counter the caller sits at, the ticket in hand and the queues they serve',
        response: { 200: MyCounterSchema, ...problems(401, 403) },
      },
    },
    async (req) => s.queue.myCounter(actorOf(req)),
  );

  app.post(
    '/queue/counters/:id/open',
    {
      onRequest,
      preValidation: emptyBody,
      schema: {
        tags: TAG,
        security: SECURED,
        summary: 'Sit at a counter',
        params: IdParam,
        body: EmptySchema,
        response: { 200: CounterSchema, ...problems(400, 401, 403, 404, 409) },
      },
    },
    async (req) => s.queue.openCounter(actorOf(req), req.params.id),
  );

  app.post(
    '/queue/counters/:id/close',
    {
      onRequest,
      preValidation: emptyBody,
      schema: {
        tags: TAG,
        security: SECURED,
        summary: 'Leave a counter (no ticket may be in hand)',
        params: IdParam,
        body: EmptySchema,
        response: { 200: CounterSchema, ...problems(400, 401, 403, 404, 409) },
      },
    },
    async (req) => s.queue.closeCounter(actorOf(req), req.params.id),
  );

  app.post(
    '/queue/counters/:id/call-next',
    {
      onRequest,
      preValidation: emptyBody,
      schema: {
        tags: TAG,
        security: SECURED,
        summary: 'Call the next ticket to this counter (priority lane first, fairly; then the longest weighted wait)',
        params: IdParam,
        body: EmptySchema,
        response: { 200: Type.Object({ ticket: Type.Union([TicketSchema, Type.Null()]) }), ...problems(400, 401, 403, 404, 409) },
      },
    },
    async (req) => s.queue.callNext(actorOf(req), req.params.id),
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
        body: TakeTicketSchema,
        response: { 201: IssuedTicketSchema, ...problems(400, 401, 403, 404) },
      },
    },
    async (req, reply) => reply.code(201).send(await s.queue.takeTicket(actorOf(req), req.params.unitId, req.body)),
  );

  const simple = [
    { path: 'recall', action: 'recall', summary: 'Call the ticket again (the last call counts for its wait)' },
    { path: 'start', action: 'start', summary: 'The citizen came: start serving' },
    { path: 'no-show', action: 'no_show', summary: 'The citizen did not come' },
    { path: 'cancel', action: 'cancel', summary: 'Cancel a waiting or called ticket' },
  ] as const;
  for (const a of simple) {
    app.post(
      `/queue/tickets/:id/${a.path}`,
      {
        onRequest,
        preValidation: emptyBody,
        schema: {
          tags: TAG,
          security: SECURED,
          summary: a.summary,
          params: IdParam,
          body: EmptySchema,
          response: { 200: TicketSchema, ...problems(400, 401, 403, 404, 409) },
        },
      },
      async (req) => s.queue.act(actorOf(req), req.params.id, a.action),
    );
  }

  app.post(
    '/queue/tickets/:id/finish',
    {
      onRequest,
      preValidation: emptyBody,
      schema: {
        tags: TAG,
        security: SECURED,
        summary: 'Finish the service, linking the dossiers it received',
        params: IdParam,
        body: FinishSchema,
        response: { 200: TicketSchema, ...problems(400, 401, 403, 404, 409) },
      },
    },
    async (req) => s.queue.act(actorOf(req), req.params.id, 'finish', req.body),
  );

  app.post(
    '/queue/tickets/:id/transfer',
    {
      onRequest,
      schema: {
        tags: TAG,
        security: SECURED,
        summary: 'Send the ticket to another group or counter of the point; it keeps its place by arrival',
        params: IdParam,
        body: TransferSchema,
        response: { 200: TicketSchema, ...problems(400, 401, 403, 404, 409) },
      },
    },
    async (req) => s.queue.transfer(actorOf(req), req.params.id, req.body),
  );

  // ---- staff: planning -----------------------------------------------------------------------

  const planning = (q: { unitIds?: string } & Record<string, unknown>) => ({ ...q, unitIds: q.unitIds?.split(',').map(Number) });

  app.get(
    '/queue/planning/staffing',
    {
      onRequest,
      schema: {
        tags: TAG,
        security: SECURED,
        summary: 'Clerks each point needs each hour for the targets (Erlang C over the demand of the ticket history; manager, admin)',
        querystring: PlanningQuery,
        response: { 200: StaffingSchema, ...problems(400, 401, 403, 404) },
      },
    },
    async (req) => s.planner.staffing(actorOf(req), planning(req.query)),
  );

  app.get(
    '/queue/planning/reallocation',
    {
      onRequest,
      schema: {
        tags: TAG,
        security: SECURED,
        summary:
          "A day's reallocation of clerks between points, with waits before and after by Erlang C and by simulation (manager, admin)",
        querystring: PlanningQuery,
        response: { 200: ReallocationSchema, ...problems(400, 401, 403, 404) },
      },
    },
    async (req) => s.planner.reallocation(actorOf(req), planning(req.query)),
  );
}
