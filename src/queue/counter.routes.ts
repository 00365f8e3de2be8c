import { Type } from 'typebox';
import type { HttpApp } from '../platform/http.js';
import { problems } from '../platform/http.schema.js';
import { actorOf, requireStaff, SECURED } from '../auth/auth.hook.js';
import type { Services } from '../services.js';
import { CounterSchema, EmptySchema, FinishSchema, IdParam, MyCounterSchema, TicketSchema, TransferSchema } from './queue.schema.js';
import { emptyBody } from './queue.http.js';

const TAG = ['queue'];

/** The clerk's counter: sit, call the next ticket, serve, transfer, finish, leave. */
export async function counterRoutes(app: HttpApp, s: Services): Promise<void> {
  const onRequest = requireStaff(s.auth);

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
    async (req) => s.queue.counters.myCounter(actorOf(req)),
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
    async (req) => s.queue.counters.openCounter(actorOf(req), req.params.id),
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
    async (req) => s.queue.counters.closeCounter(actorOf(req), req.params.id),
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
    async (req) => s.queue.counters.callNext(actorOf(req), req.params.id),
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
      async (req) => s.queue.counters.act(actorOf(req), req.params.id, a.action),
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
    async (req) => s.queue.counters.act(actorOf(req), req.params.id, 'finish', req.body),
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
    async (req) => s.queue.counters.transfer(actorOf(req), req.params.id, req.body),
  );
}
