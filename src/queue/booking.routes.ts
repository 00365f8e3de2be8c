import { Type } from 'typebox';
import type { HttpApp } from '../platform/http.js';
import { IdempotencyHeaders, problems } from '../platform/http.schema.js';
import type { Services } from '../services.js';
import {
  BookingCodeParam,
  BookingSchema,
  CheckInSchema,
  DAY,
  IdParam,
  IssuedTicketSchema,
  NewBookingSchema,
  Phone4Query,
  SlotsSchema,
  UnitIdParam,
} from './queue.schema.js';

const PUBLIC = ['public'];

/** Bookings ahead: slots, booking, viewing and cancelling with the phone's digits, check-in at the kiosk. */
export async function bookingRoutes(app: HttpApp, s: Services, perMinute: number): Promise<void> {
  const limited = { rateLimit: { max: perMinute, timeWindow: '1 minute' } };

  app.get(
    '/public/queue/groups/:id/slots',
    {
      schema: {
        tags: PUBLIC,
        summary: 'Bookable slots of a service group on a day, with places left',
        params: IdParam,
        querystring: Type.Object({ day: Type.String(DAY) }, { additionalProperties: false }),
        response: { 200: SlotsSchema, ...problems(400, 404) },
      },
    },
    async (req) => s.queue.bookings.slots(req.params.id, req.query.day),
  );

  app.post(
    '/public/queue/bookings',
    {
      config: limited,
      schema: {
        tags: PUBLIC,
        summary: 'Book a slot ahead: a confirmation code, an SMS now and a reminder an hour before',
        headers: IdempotencyHeaders,
        body: NewBookingSchema,
        response: { 201: BookingSchema, ...problems(400, 404, 409, 429) },
      },
    },
    async (req, reply) => reply.code(201).send(await s.queue.bookings.book(req.body, req.headers['idempotency-key'])),
  );

  app.get(
    '/public/queue/bookings/:code',
    {
      config: limited,
      schema: {
        tags: PUBLIC,
        summary:
          'A booking, by its code and the last 4 digits of its phone (wrong guesses budgeted per code and address, shared with tracking)',
        params: BookingCodeParam,
        querystring: Phone4Query,
        response: { 200: BookingSchema, ...problems(400, 404, 429) },
      },
    },
    async (req) => s.queue.bookings.bookingFor(req.params.code, req.query.phone, req.ip),
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
    async (req) => s.queue.bookings.cancelBooking(req.params.code, req.body.phone, req.ip),
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
    async (req, reply) => reply.code(201).send(await s.queue.bookings.checkIn(req.params.unitId, req.body.code)),
  );
}
